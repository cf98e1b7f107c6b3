/**
 * Signals on the real daemon (README "Signals", src/cli/signals.ts): SIGUSR1 rotates the
 * audit log and never opens Node's inspector, SIGHUP and SIGUSR2 are logged and the daemon
 * goes on serving, SIGTERM and SIGINT stop it cleanly. After every signal the daemon has no
 * listening socket: its socket fds are looked up in /proc/net/{tcp,tcp6,unix}.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isMounted, REPO, run, startDaemon, waitFor, type MountedDaemon } from './helpers/mounted.js';

const NSCTL = path.join(REPO, 'nsctl');
const started: MountedDaemon[] = [];

afterEach(async () => {
  for (const m of started.splice(0)) await m.stop();
});

async function daemon(args: string[] = []): Promise<MountedDaemon> {
  const m = await startDaemon({ args: ['--clock', 'fixed:1408577534.868', ...args] });
  started.push(m);
  return m;
}

/** Inodes of the sockets `pid` has open (its /proc/PID/fd links "socket:[INODE]"). */
async function socketInodes(pid: number): Promise<Set<string>> {
  const dir = `/proc/${pid}/fd`;
  const links = await Promise.all((await fs.readdir(dir)).map((fd) => fs.readlink(`${dir}/${fd}`).catch(() => '')));
  return new Set(links.flatMap((l) => /^socket:\[(\d+)\]$/.exec(l)?.[1] ?? []));
}

/**
 * The listening sockets among `pid`'s: TCP in state 0A (LISTEN) in /proc/net/tcp and tcp6,
 * unix sockets with __SO_ACCEPTCON (flags 00010000) in /proc/net/unix.
 */
async function listeningSockets(pid: number): Promise<string[]> {
  const mine = await socketInodes(pid);
  const found: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    const rows = (await fs.readFile(`/proc/net/${table}`, 'utf8')).trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
    for (const r of rows) if (r[3] === '0A' && mine.has(r[9]!)) found.push(`${table} ${r[1]}`);
  }
  const unix = (await fs.readFile('/proc/net/unix', 'utf8')).trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
  for (const r of unix) if (r[3] === '00010000' && mine.has(r[6]!)) found.push(`unix ${r[7] ?? '(unnamed)'}`);
  return found;
}

/** Sends `sig` and waits until the daemon printed `line` once more than before. */
async function signal(m: MountedDaemon, sig: NodeJS.Signals, line: string): Promise<void> {
  const count = () => m.output().split(line).length;
  const before = count();
  process.kill(m.pid, sig);
  expect(await waitFor(async () => count() > before, 10_000), `${sig} → "${line}"; the daemon printed:\n${m.output()}`).toBe(true);
}

async function nsctl(m: MountedDaemon, ...args: string[]): Promise<string> {
  const r = await run(NSCTL, ['-m', m.mountpoint, ...args]);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

describe('the daemon on signals', () => {
  it('SIGUSR1 rotates the audit log now (auditd) and opens no inspector or any listening socket', async () => {
    const m = await daemon();
    expect(await listeningSockets(m.pid)).toEqual([]);
    await signal(m, 'SIGUSR1', `nsproc: SIGUSR1: rotated the audit log: ${m.auditLog} is new, the old one is ${m.auditLog}.1 (keeping 5 files)`);
    expect(await listeningSockets(m.pid)).toEqual([]);
    expect((await fs.readFile(`${m.auditLog}.1`, 'utf8')).split('\n').length - 1).toBe(6);
    expect((await fs.stat(`${m.auditLog}.1`)).mode & 0o777).toBe(0o400);
    expect(await nsctl(m, 'clone', '1', 'net')).toBe('4');
    // The serials go on in the new file: one event (INIT_NET + NS_INFO) after boot's 5..10.
    expect((await fs.readFile(m.auditLog, 'utf8')).match(/audit\([0-9.]+:(\d+)\)/g)).toEqual([
      'audit(1408577534.868:11)', 'audit(1408577534.868:12)']);
    await signal(m, 'SIGUSR1', `the old one is ${m.auditLog}.1`);
    expect([(await fs.readFile(`${m.auditLog}.2`, 'utf8')).split('\n').length - 1, await listeningSockets(m.pid)]).toEqual([6, []]);
  });

  it('SIGUSR1 with --audit-num-logs 1 rotates nothing and says so', async () => {
    const m = await daemon(['--audit-num-logs', '1']);
    await signal(m, 'SIGUSR1', 'nsproc: SIGUSR1: audit log rotation is disabled (--audit-num-logs 1, below 2, as auditd)');
    await expect(fs.access(`${m.auditLog}.1`)).rejects.toThrow();
    expect(await listeningSockets(m.pid)).toEqual([]);
  });

  it('SIGHUP and SIGUSR2 are logged and the daemon goes on serving, pid file and mount kept', async () => {
    const m = await daemon();
    await signal(m, 'SIGHUP', 'nsproc: SIGHUP: no configuration to reload (options are fixed at start); still serving');
    await signal(m, 'SIGUSR2', 'nsproc: SIGUSR2: logging was never suspended');
    expect(await nsctl(m, 'clone', '1', '0')).toBe('4');
    expect([await fs.readFile(path.join(m.dir, 'daemon.pid'), 'utf8'), await listeningSockets(m.pid)]).toEqual([`${m.pid}\n`, []]);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s unmounts, removes the pid file and exits 0', async (sig) => {
    const m = await daemon();
    process.kill(m.pid, sig);
    expect(await m.exited).toBe(0);
    expect(m.output()).toContain(`nsproc: ${sig}: unmounting`);
    expect(await isMounted(m.mountpoint)).toBe(false);
    await expect(fs.access(path.join(m.dir, 'daemon.pid'))).rejects.toThrow();
  });

  it('refuses to start with an open inspector (NODE_OPTIONS=--inspect): exit 1, nothing mounted', async () => {
    await expect(startDaemon({ env: { NODE_OPTIONS: '--inspect=127.0.0.1:0' } }))
      .rejects.toThrow('nsproc: refusing to start: the Node inspector is open');
  });
});
