/**
 * One writer per audit log (src/audit/log_lock.ts), on real daemons: a second daemon given
 * the log of a live one refuses to start, names the holder's pid and leaves the log as it
 * was; the lock survives rotation (SIGUSR1) and goes with the holder, even after kill -9;
 * a clean stop removes LOG.lock, a kill -9 leaves it for the next start to reuse.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDaemon, waitFor, type MountedDaemon } from './helpers/mounted.js';

const started: MountedDaemon[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const m of started.splice(0).reverse()) await m.stop();
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

/** A log in a directory of its own that outlives the daemons (their temp dirs go at stop). */
async function logOutside(): Promise<{ log: string; lock: string }> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'nsproc-loglock-')));
  dirs.push(dir);
  return { log: path.join(dir, 'audit.log'), lock: path.join(dir, 'audit.log.lock') };
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}

async function daemon(log?: string): Promise<MountedDaemon> {
  const m = await startDaemon({ args: log === undefined ? [] : ['--audit-log', log] });
  started.push(m);
  return m;
}

/** Starting a daemon on `log` fails; returns what it printed. */
async function refused(log: string): Promise<string> {
  const e: unknown = await startDaemon({ args: ['--audit-log', log] }).then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(Error);
  return (e as Error).message;
}

describe('the audit log lock', () => {
  it('refuses a second daemon on a live daemon\'s log, naming its pid; the log is left as it was', async () => {
    const a = await daemon();
    const before = await fs.readFile(a.auditLog);
    const lock = path.join(await fs.realpath(a.dir), 'audit.log.lock');
    expect(await refused(a.auditLog)).toContain(
      `nsproc: cannot start the model: EAGAIN: the audit log ${a.auditLog} is in use by nsproc pid ${a.pid} (lock ${lock}); two daemons must never write one log`);
    expect((await fs.readFile(a.auditLog)).equals(before)).toBe(true);
    // Rotation renames the log, not the lock.
    process.kill(a.pid, 'SIGUSR1');
    expect(await waitFor(async () => a.output().includes('rotated the audit log'), 10_000)).toBe(true);
    expect(await refused(a.auditLog)).toContain(`is in use by nsproc pid ${a.pid}`);
    await expect(fs.access(a.auditLog)).resolves.toBeUndefined();
    expect((await fs.readFile(a.auditLog)).length).toBe(0);
  });

  it('is released when the holder dies, even by SIGKILL: the next daemon appends its boot', async () => {
    const a = await daemon();
    process.kill(a.pid, 'SIGKILL');
    await a.exited;
    const b = await daemon(a.auditLog);
    expect((await fs.readFile(a.auditLog, 'utf8')).split('\n').length - 1).toBe(12);
    expect(await refused(a.auditLog)).toContain(`is in use by nsproc pid ${b.pid} `);
  });

  it('is removed at a clean stop (SIGTERM): no LOG.lock is left beside the log', async () => {
    const { log, lock } = await logOutside();
    const a = await daemon(log);
    expect(await exists(lock)).toBe(true);
    expect(await a.stop()).toBe(0);
    expect(await exists(log)).toBe(true);
    expect(await exists(lock)).toBe(false);
  });

  it('left by a kill -9 does not stop the next start, and goes at that one\'s clean stop', async () => {
    const { log, lock } = await logOutside();
    const a = await daemon(log);
    process.kill(a.pid, 'SIGKILL');
    await a.exited;
    expect(await exists(lock)).toBe(true);
    const b = await daemon(log);
    expect(await refused(log)).toContain(`is in use by nsproc pid ${b.pid} `);
    expect(await b.stop()).toBe(0);
    expect(await exists(lock)).toBe(false);
    expect((await fs.readFile(log, 'utf8')).split('\n').length - 1).toBe(12);
  });

  it('is not removed by a stopping daemon when the path no longer names the file it locked', async () => {
    const { log, lock } = await logOutside();
    const a = await daemon(log);
    // Someone replaced the lock file meanwhile: the stop must not unlink a file it never locked.
    await fs.rename(lock, `${lock}.old`);
    await fs.writeFile(lock, '');
    const { ino } = await fs.stat(lock);
    expect(await a.stop()).toBe(0);
    expect((await fs.stat(lock)).ino).toBe(ino);
  });
});
