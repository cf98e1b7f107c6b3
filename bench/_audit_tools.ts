/**
 * Debian's audit tools for benchmarks that compare with them (ausearch; auditd and
 * audisp-remote for the fleet rows): fetched with `apt-get download`, unpacked with
 * `dpkg-deb -x` into a cache directory, never installed — the way test/shell/helpers.bash
 * fetches them for the tests.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { run } from './_proc.js';

/** The unpacked packages: a root to find binaries under, and the library path they need. */
export interface AuditTools {
  readonly root: string;
  readonly libraryPath: string;
  /** The path of an unpacked program, e.g. `ausearch`; null when the packages lack it. */
  bin(name: string): Promise<string | null>;
}

/** The installable name of a Debian package: NAME, or NAMEt64 after the 64-bit time_t rename. */
async function debianName(base: string): Promise<string | null> {
  for (const n of [base, `${base}t64`]) {
    const r = await run('apt-cache', ['policy', n]);
    if (/Candidate: [^(]/.test(r.stdout)) return n;
  }
  return null;
}

/**
 * @param packages Debian package names (without the t64 suffix)
 * @param cache where to keep them (the caller removes it)
 * @returns the tools, or a sentence saying why they cannot be had
 */
export async function auditTools(packages: readonly string[], cache: string): Promise<AuditTools | string> {
  const dir = path.join(cache, [...packages].sort().join('+'));
  const root = path.join(dir, 'root');
  if (!(await fs.stat(path.join(dir, '.done')).then(() => true, () => false))) {
    const names: string[] = [];
    for (const p of packages) {
      let n = await debianName(p);
      if (n === null) {
        await run('apt-get', ['update', '-qq'], { timeoutMs: 300_000 });
        n = await debianName(p);
      }
      if (n === null) return `apt knows no package ${p} (nor ${p}t64)`;
      names.push(n);
    }
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(path.join(dir, 'debs'), { recursive: true });
    // As root, apt would hand the download to the _apt user, who cannot write here.
    const got = await run('bash', ['-c', 'cd "$1" && shift && apt-get download -q -o APT::Sandbox::User=root "$@"', '_', path.join(dir, 'debs'), ...names], { timeoutMs: 300_000 });
    if (got.code !== 0) return `apt-get download ${names.join(' ')} failed: ${got.stderr.trim().split('\n').pop()}`;
    for (const deb of await fs.readdir(path.join(dir, 'debs'))) {
      const x = await run('dpkg-deb', ['-x', path.join(dir, 'debs', deb), root]);
      if (x.code !== 0) return `dpkg-deb -x ${deb} failed: ${x.stderr.trim()}`;
    }
    await fs.writeFile(path.join(dir, '.done'), '');
  }
  const libraryPath = ['lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu'].map((l) => path.join(root, l)).join(':');
  const bin = async (name: string): Promise<string | null> => {
    for (const d of ['sbin', 'usr/sbin', 'bin', 'usr/bin']) {
      const p = path.join(root, d, name);
      if (await fs.access(p).then(() => true, () => false)) return p;
    }
    return null;
  };
  return { root, libraryPath, bin };
}
