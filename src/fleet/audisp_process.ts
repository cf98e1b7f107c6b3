/**
 * Finding and running auditd's audisp-remote (Debian package audispd-plugins).
 *
 * audisp-remote reads its configuration from the fixed path /etc/audit/audisp-remote.conf.
 * nsproc never writes the machine's /etc: it starts audisp-remote in a mount namespace of
 * its own (unshare -m, propagation private) where a tmpfs copy of /etc, holding nsproc's
 * audit/audisp-remote.conf, is bind-mounted on /etc. `setpriv --pdeathsig TERM` makes it
 * stop (flushing what it can) if nsproc dies without closing its input.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** How to run audisp-remote: the program, and the library path an unpacked package needs. */
export interface AudispCommand {
  readonly binary: string;
  /** LD_LIBRARY_PATH for it; null: the environment's. */
  readonly libraryPath: string | null;
}

export const AUDISP_PACKAGE = 'audispd-plugins';
/** Where Debian installs it (root's PATH normally has these; a daemon's may not). */
const SYSTEM_DIRS = ['/sbin', '/usr/sbin'];
/** Where an unpacked package (`dpkg-deb -x PKG.deb DIR`) keeps programs and libraries. */
const PACKAGE_BIN_DIRS = ['sbin', 'usr/sbin'];
const PACKAGE_LIB_DIRS = ['lib', 'usr/lib'];

const isFile = (p: string): boolean => fs.statSync(p, { throwIfNoEntry: false })?.isFile() === true;

/**
 * @param given `--audisp-remote`: the program, or a directory a package was unpacked into
 *   (its sbin/audisp-remote runs with its lib/ARCH and usr/lib/ARCH directories as the library path)
 * @param envPath the daemon's PATH
 * @returns the command, or a sentence saying what is missing (the daemon's start error)
 */
export function locateAudispRemote(given: string | undefined, envPath: string): AudispCommand | string {
  const missing = `audisp-remote (Debian package ${AUDISP_PACKAGE}) is needed for --remote`;
  if (given !== undefined) {
    if (isFile(given)) return { binary: given, libraryPath: null };
    if (fs.statSync(given, { throwIfNoEntry: false })?.isDirectory() !== true) return `${missing}: --audisp-remote ${given} is neither the program nor a directory`;
    const binary = PACKAGE_BIN_DIRS.map((d) => path.join(given, d, 'audisp-remote')).find(isFile);
    if (binary === undefined) return `${missing}: ${given} has no sbin/audisp-remote (unpack ${AUDISP_PACKAGE} there: dpkg-deb -x ${AUDISP_PACKAGE}_*.deb ${given})`;
    return { binary, libraryPath: packageLibraryPath(given) };
  }
  const dirs = [...envPath.split(':').filter((d) => d !== ''), ...SYSTEM_DIRS];
  const binary = dirs.map((d) => path.join(d, 'audisp-remote')).find(isFile);
  return binary === undefined ? `${missing}: not found in PATH, /sbin or /usr/sbin (install ${AUDISP_PACKAGE}, or give --audisp-remote PROGRAM|DIR)` : { binary, libraryPath: null };
}

/** DIR/lib/*-linux-gnu* and DIR/usr/lib/*-linux-gnu* (Debian's multiarch directories), then the environment's. */
function packageLibraryPath(dir: string): string {
  const found = PACKAGE_LIB_DIRS.flatMap((l) => {
    const base = path.join(dir, l);
    // audispd-plugins alone has no lib/ (its libraries are the system's).
    if (fs.statSync(base, { throwIfNoEntry: false })?.isDirectory() !== true) return [];
    const names = fs.readdirSync(base, { withFileTypes: true, encoding: 'utf8' }).filter((e) => e.isDirectory() && /-linux-gnu/.test(e.name));
    return names.map((e) => path.join(base, e.name));
  });
  return [...found, ...(process.env['LD_LIBRARY_PATH'] ?? '').split(':').filter((d) => d !== '')].join(':');
}

/**
 * The shared libraries the program cannot load, as the dynamic loader lists them
 * (LD_TRACE_LOADED_OBJECTS=1, what ldd(1) does: nothing of the program runs).
 * @returns e.g. ['libaudit.so.1']; empty when everything loads
 */
export function missingLibraries(cmd: AudispCommand): string[] {
  const r = spawnSync(cmd.binary, [], { env: { ...process.env, ...libEnv(cmd), LD_TRACE_LOADED_OBJECTS: '1' }, encoding: 'utf8', timeout: 10_000 });
  return (r.stdout ?? '').split('\n').filter((l) => / => not found/.test(l)).map((l) => l.trim().split(/\s/)[0]!);
}

function libEnv(cmd: AudispCommand): Record<string, string> {
  return cmd.libraryPath === null ? {} : { LD_LIBRARY_PATH: cmd.libraryPath };
}

/**
 * Mount a tmpfs on $1 (a directory of nsproc's), copy /etc into it with $2 as
 * audit/audisp-remote.conf (root's, 0640, as audisp-remote checks), put it on /etc, run $3.
 * Only in this process's own mount namespace: the machine's /etc is not touched.
 */
const PRIVATE_ETC = [
  'set -e',
  'mount -t tmpfs -o mode=0755,size=64m nsproc-etc "$1"',
  'cp -a /etc/. "$1"/',
  'mkdir -p "$1/audit"',
  'cp "$2" "$1/audit/audisp-remote.conf"',
  'chmod 0640 "$1/audit/audisp-remote.conf"',
  'mount --bind "$1" /etc',
  'exec setpriv --pdeathsig TERM -- "$3"',
].join('\n');

/**
 * Starts audisp-remote with its input on a pipe. Its output and errors (it mostly uses
 * syslog) come to `say`, a line at a time.
 * @param etcDir an empty directory for the private /etc
 * @param confPath the audisp-remote.conf to use
 */
export function spawnAudisp(cmd: AudispCommand, etcDir: string, confPath: string, say: (line: string) => void): ChildProcess {
  const child = spawn('unshare', ['--mount', '--propagation', 'private', '/bin/sh', '-c', PRIVATE_ETC, 'nsproc-audisp-remote', etcDir, confPath, cmd.binary], {
    stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...libEnv(cmd) },
  });
  for (const out of [child.stdout!, child.stderr!]) {
    let rest = '';
    out.setEncoding('utf8');
    out.on('data', (s: string) => {
      const lines = (rest + s).split('\n');
      rest = lines.pop()!;
      lines.forEach(say);
    });
  }
  // A write after it died fails with EPIPE; the forwarder learns of the death from 'exit'.
  child.stdin!.on('error', () => undefined);
  return child;
}
