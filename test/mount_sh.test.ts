/**
 * mount.sh lifecycle (SPEC §4). The lifecycle cases run the real mount.sh
 * with NSPROC_DAEMON pointing at the fake-tree daemon (same lifecycle code as
 * the product, src/cli/run_daemon.ts); the last case runs the real system.
 * Every case uses its own temp mountpoint and state dir, never /tmp/nsproc.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FAKE_DAEMON, REPO, isMounted, makeTempDir, mounts, removeTempDir, run, waitFor, type ShResult,
} from './helpers/mounted.js';

const MOUNT_SH = path.join(REPO, 'mount.sh');
const NO_AUTOUNMOUNT = path.join(REPO, 'dist/test/fixtures/mount_no_autounmount.js');
const isRoot = process.getuid?.() === 0;

interface Case {
  readonly dir: string;
  readonly mnt: string;
  readonly env: NodeJS.ProcessEnv;
  mountSh(...args: string[]): Promise<ShResult>;
}

const cases: Case[] = [];

/** A fresh temp dir and state dir; `daemon` null runs the real daemon. */
async function newCase(daemon: string | null = FAKE_DAEMON): Promise<Case> {
  const dir = await makeTempDir();
  const env: NodeJS.ProcessEnv = { ...process.env, NSPROC_STATE_DIR: path.join(dir, 'state') };
  if (daemon === null) delete env['NSPROC_DAEMON'];
  else env['NSPROC_DAEMON'] = daemon;
  const c: Case = {
    dir, mnt: path.join(dir, 'mnt'), env,
    mountSh: (...args) => run(MOUNT_SH, args, { cwd: dir, env, timeoutMs: 60_000 }),
  };
  cases.push(c);
  return c;
}

afterEach(async () => {
  for (const c of cases.splice(0)) {
    if (await isMounted(c.mnt)) await c.mountSh('-u', c.mnt);
    for (const pid of await statePids(c)) if (await alive(pid)) process.kill(pid, 'SIGKILL');
    await removeTempDir(c.dir);
  }
});

/** mount.sh's stdout: "key value" lines. */
function fields(stdout: string): Record<string, string> {
  return Object.fromEntries(stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
}

/** Alive and not a zombie (the daemon's parent may never reap it). */
async function alive(pid: number): Promise<boolean> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

async function statePids(c: Case): Promise<number[]> {
  const dir = c.env['NSPROC_STATE_DIR']!;
  const files = (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.pid'));
  const pids = await Promise.all(files.map(async (f) => Number((await fs.readFile(path.join(dir, f), 'utf8')).trim())));
  return pids.filter((n) => Number.isInteger(n) && n > 0);
}

describe('mount.sh MOUNTPOINT', () => {
  it('prints the mountpoint, the daemon pid, the audit log and the daemon log once the mount answers', async () => {
    const c = await newCase();
    const r = await c.mountSh(c.mnt, '--audit-log', 'a.log');
    expect(r.code, r.stderr).toBe(0);
    const f = fields(r.stdout);
    expect([f['mountpoint'], f['audit_log'], Object.keys(f)]).toEqual([c.mnt, path.join(c.dir, 'a.log'), ['mountpoint', 'pid', 'audit_log', 'daemon_log']]);
    expect(await alive(Number(f['pid']))).toBe(true);
    expect((await mounts()).find((m) => m.target === c.mnt)?.type).toBe('fuse.nsproc');
    expect((await run('cat', [`${c.mnt}/1/ns/net_snum`])).stdout).toBe('7\n');
  });

  it('resolves a relative mountpoint and the default ./audit.log against the caller\'s directory', async () => {
    const c = await newCase();
    const f = fields((await c.mountSh('mnt')).stdout);
    expect([f['mountpoint'], f['audit_log']]).toEqual([c.mnt, path.join(c.dir, 'audit.log')]);
  });

  it('refuses a mountpoint that a live nsproc serves, with exit status 1', async () => {
    const c = await newCase();
    const pid = fields((await c.mountSh(c.mnt)).stdout)['pid'];
    const again = await c.mountSh(c.mnt);
    expect([again.code, again.stderr]).toEqual([1, expect.stringContaining(`already served by nsproc (pid ${pid})`)]);
  });

  it.skipIf(!isRoot)('refuses a mountpoint that is another filesystem\'s mount point', async () => {
    const c = await newCase();
    await fs.mkdir(c.mnt);
    expect((await run('mount', ['-t', 'tmpfs', 'none', c.mnt])).code).toBe(0);
    try {
      const r = await c.mountSh(c.mnt);
      expect([r.code, r.stderr]).toEqual([1, expect.stringContaining('already a mount point (tmpfs)')]);
    } finally {
      await run('umount', [c.mnt]);
    }
  });

  it('after kill -9 of the daemon leaves no dead mount (auto_unmount), and mounts again at once', async () => {
    const c = await newCase();
    const pid = Number(fields((await c.mountSh(c.mnt)).stdout)['pid']);
    process.kill(pid, 'SIGKILL');
    expect(await waitFor(async () => !(await isMounted(c.mnt)), 5_000)).toBe(true);
    const again = await c.mountSh(c.mnt);
    expect([again.code, again.stderr]).toEqual([0, '']);
  });

  it('clears a stale dead mount ("Transport endpoint is not connected") and mounts', async () => {
    const c = await newCase();
    await fs.mkdir(c.mnt);
    const holder = spawn(process.execPath, [NO_AUTOUNMOUNT, c.mnt], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    holder.stdout.on('data', (b: Buffer) => (out += b.toString()));
    expect(await waitFor(async () => out.includes('mounted'), 10_000)).toBe(true);
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    expect((await run('stat', [c.mnt])).stderr).toContain('Transport endpoint is not connected');
    const r = await c.mountSh(c.mnt);
    expect([r.code, r.stderr]).toEqual([0, expect.stringContaining('clearing a dead mount')]);
    expect((await run('cat', [`${c.mnt}/1/ns/net_snum`])).stdout).toBe('7\n');
  });

  it('--foreground keeps the daemon in the foreground until mount.sh -u', async () => {
    const c = await newCase();
    const fg = spawn(MOUNT_SH, [c.mnt, '--foreground'], { cwd: c.dir, env: c.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    fg.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => fg.once('exit', (code) => r(code)));
    expect(await waitFor(async () => out.includes(`nsproc: mounted at ${c.mnt}`), 30_000)).toBe(true);
    expect((await c.mountSh('-u', c.mnt)).code).toBe(0);
    expect([await exited, await isMounted(c.mnt)]).toEqual([0, false]);
  });

  it.each([
    ['an unknown option', ['--bogus'], "unknown option '--bogus'"],
    ['a bad profile', ['--profile', 'v6'], '--profile must be v5 or modern'],
    ['two mountpoints', ['/a', '/b'], 'only one MOUNTPOINT'],
  ])('rejects %s with exit status 2 and a message', async (_name, args, message) => {
    const c = await newCase();
    const r = await c.mountSh(...args);
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining(message)]);
  });

  it('--help prints the usage with exit status 0', async () => {
    const c = await newCase();
    const r = await c.mountSh('--help');
    expect([r.code, r.stdout]).toEqual([0, expect.stringContaining('./mount.sh -u [MOUNTPOINT]')]);
  });
});

describe('mount.sh -u MOUNTPOINT', () => {
  it('stops the daemon and leaves no mount and no daemon', async () => {
    const c = await newCase();
    const pid = Number(fields((await c.mountSh(c.mnt)).stdout)['pid']);
    const r = await c.mountSh('-u', c.mnt);
    expect([r.code, r.stdout]).toEqual([0, `unmounted ${c.mnt}\n`]);
    expect([await isMounted(c.mnt), await alive(pid), await statePids(c)]).toEqual([false, false, []]);
  });

  it('says nothing is mounted there, with exit status 1', async () => {
    const c = await newCase();
    const r = await c.mountSh('-u', c.mnt);
    expect([r.code, r.stderr]).toEqual([1, expect.stringContaining(`nothing is mounted at ${c.mnt}`)]);
  });
});

describe('mount.sh with the real system', () => {
  const hasSystem = async () => fs.access(path.join(REPO, 'src/system.ts')).then(() => true, () => false);

  it('serves /1/ns/net_snum and writes the boot records (git clone; ./mount.sh; cat …/1/ns/net_snum)', async (ctx) => {
    if (!(await hasSystem())) ctx.skip();
    const c = await newCase(null);
    const r = await c.mountSh(c.mnt);
    expect(r.code, r.stderr).toBe(0);
    expect((await run('cat', [`${c.mnt}/1/ns/net_snum`])).stdout).toBe('7\n');
    expect(await fs.readFile(path.join(c.dir, 'audit.log'), 'utf8')).toContain('type=AUDIT_NS_INIT_NET');
    expect((await c.mountSh('-u', c.mnt)).code).toBe(0);
  });

  it('starts the daemon without the caller\'s NODE_OPTIONS (no --inspect can reach the root daemon)', async () => {
    const c = await newCase(null);
    c.env['NODE_OPTIONS'] = '--inspect=127.0.0.1:0';
    const r = await c.mountSh(c.mnt);
    expect(r.code, r.stderr).toBe(0);
    const environ = await fs.readFile(`/proc/${fields(r.stdout)['pid']}/environ`, 'utf8');
    expect(environ.split('\0').filter((v) => v.startsWith('NODE_OPTIONS='))).toEqual([]);
  });
});
