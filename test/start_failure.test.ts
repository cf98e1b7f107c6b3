/**
 * A daemon that cannot start holds nothing afterwards: whatever it had acquired before the
 * failing step (the log's lock, the log, host mode's scanner) is released, last first, so no
 * LOG.lock is left beside the log (a lock released by death alone stays) and nothing is mounted.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isMounted, makeTempDir, REAL_DAEMON, removeTempDir, run, type ShResult } from './helpers/mounted.js';

const isRoot = process.getuid?.() === 0;
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) {
    await run('umount', ['-l', path.join(d, 'logfs')]);
    await removeTempDir(d);
  }
});

/** A directory for one daemon: its mountpoint `mnt`, and `logfs` for its log. */
async function daemonDir(): Promise<{ dir: string; mnt: string; logDir: string }> {
  const dir = await makeTempDir();
  dirs.push(dir);
  const mnt = path.join(dir, 'mnt');
  const logDir = path.join(dir, 'logfs');
  await fs.mkdir(mnt);
  await fs.mkdir(logDir);
  return { dir, mnt, logDir };
}

/** `logDir` becomes a small tmpfs that a filler file fills up: a log opens there, nothing can be written. */
async function fullDisk(logDir: string): Promise<void> {
  const mounted = await run('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', logDir]);
  if (mounted.code !== 0) throw new Error(`cannot mount a tmpfs: ${mounted.stderr}`);
  await run('dd', ['if=/dev/zero', `of=${path.join(logDir, 'filler')}`, 'bs=4k']);
}

async function startDaemon(mnt: string, log: string, args: readonly string[] = []): Promise<ShResult> {
  return run(process.execPath, [REAL_DAEMON, mnt, '--audit-log', log, ...args], { timeoutMs: 60_000 });
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}

describe('a daemon that cannot start', () => {
  it('whose audit log cannot be opened after its lock was taken exits 1, leaving no lock and no mount', async () => {
    const { mnt, logDir } = await daemonDir();
    const log = path.join(logDir, 'audit.log');
    await fs.mkdir(log);
    const r = await startDaemon(mnt, log);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`nsproc: cannot start the model: audit log ${log}: EISDIR`);
    expect(await exists(`${log}.lock`)).toBe(false);
    expect(await isMounted(mnt)).toBe(false);
  });

  it.skipIf(!isRoot)('whose audit log takes no boot record (a full disk) exits 1 with ENOSPC, leaving no lock and no mount', async () => {
    const { mnt, logDir } = await daemonDir();
    await fullDisk(logDir);
    const log = path.join(logDir, 'audit.log');
    const r = await startDaemon(mnt, log);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`nsproc: cannot start the model: audit log ${log}: ENOSPC`);
    expect(await exists(`${log}.lock`)).toBe(false);
    expect(await fs.readFile(log, 'utf8')).toBe('');
    expect(await isMounted(mnt)).toBe(false);
  });

  it.skipIf(!isRoot)('in host mode, whose log takes no snapshot (a full disk) once the scanner runs, exits 1 with ENOSPC, leaving no lock and no mount', async () => {
    const { mnt, logDir } = await daemonDir();
    await fullDisk(logDir);
    const log = path.join(logDir, 'audit.log');
    const r = await startDaemon(mnt, log, ['--host']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`nsproc: cannot start the model: audit log ${log}: ENOSPC`);
    expect(r.stderr).not.toContain('undoing the failed start');
    expect(await exists(`${log}.lock`)).toBe(false);
    expect(await isMounted(mnt)).toBe(false);
  });
});
