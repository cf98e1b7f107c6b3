/**
 * SPEC §6 on a real daemon: "If the log cannot be written (ENOSPC, EIO …), the
 * command fails with that errno and the model is unchanged." Two real failures:
 * - a full disk: the audit log on a 64 KiB tmpfs filled up (root only);
 * - an unwritable log: RLIMIT_FSIZE lowered under the running daemon with
 *   prlimit(1), so a batch is cut by a short write and then EFBIG — the
 *   partial batch must be cut off again.
 * Either way the write fails with that errno, the full model dump and the log
 * are exactly as before (whole lines only), commands that log nothing and all
 * reads still work, and once space returns commands work again with
 * consecutive audit serials (a refused batch used none).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir, run } from '../helpers/mounted.js';
import { ctl, parseLog, serialProblem, startInspectable, virtMessages, type Inspectable } from './_inspect.js';

const isRoot = process.getuid?.() === 0;
/** A batch of ~2.5 KiB of records: big enough to be cut by a short write. */
const batch = (tag: string) => Array.from({ length: 8 }, (_, i) => `virt_control 1 ${tag}-${i}`).join('\n') + '\n';

/** The log file as it is on disk must be whole lines, of exactly the size the daemon counted. */
async function logIsWhole(m: Inspectable, logPath: string): Promise<void> {
  const text = await fs.readFile(logPath, 'utf8');
  const recs = parseLog(text);
  const d = await m.dump();
  expect({ size: Buffer.byteLength(text), serials: serialProblem(recs, 5), last: recs.at(-1)!.serial })
    .toEqual({ size: d.audit.size, serials: null, last: d.audit.lastSerial });
}

/** Runs `cmd` and expects `errno`, with the model and the log untouched. */
async function refusedWith(m: Inspectable, logPath: string, cmd: string, errno: string): Promise<void> {
  const before = await m.dump();
  const r = await ctl(m.mountpoint, cmd);
  expect({ errno: r.errno, answer: r.output.slice(0, 8 + errno.length) }).toEqual({ errno, answer: `error: ${errno}:` });
  expect(await m.dump()).toEqual(before);
  await logIsWhole(m, logPath);
}

describe.skipIf(!isRoot)('the audit log on a full disk (tmpfs, 64 KiB)', () => {
  let dir: string;
  let logDir: string;
  let m: Inspectable;
  /** A task that a refused batch changes, looked at from another process before and after. */
  let watched: string;
  const filler = () => path.join(logDir, 'filler');
  const logPath = () => path.join(logDir, 'audit.log');

  beforeAll(async () => {
    dir = await makeTempDir();
    logDir = path.join(dir, 'logfs');
    await fs.mkdir(logDir);
    const mounted = await run('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', logDir]);
    if (mounted.code !== 0) throw new Error(`cannot mount a tmpfs: ${mounted.stderr}`);
    m = await startInspectable({ args: ['--audit-log', logPath()] });
    watched = (await ctl(m.mountpoint, 'clone 1 net\n')).output.trim();
  });
  afterAll(async () => {
    await m?.stop();
    // The daemon is gone and its log closed: the tmpfs is not busy. removeTempDir unmounts lazily if need be.
    if (logDir) await run('umount', [logDir]);
    if (dir) await removeTempDir(dir);
  });

  it('commands fail with ENOSPC once the disk is full, and change nothing', async () => {
    const fh = await fs.open(filler(), 'w');
    try {
      for (;;) await fh.write(Buffer.alloc(1024, 0x2e));
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      await fh.close();
    }
    // The log's last page may still have room: write batches, then single records, until refused.
    const refusal = async (cmd: (i: number) => string): Promise<number> => {
      for (let i = 0; i < 100; i++) {
        const before = await m.dump();
        const r = await ctl(m.mountpoint, cmd(i));
        if (r.errno === null) continue;
        expect([r.errno, r.output.startsWith('error: ENOSPC: ')]).toEqual(['ENOSPC', true]);
        expect(await m.dump()).toEqual(before);
        return i;
      }
      return -1;
    };
    expect(await refusal((i) => batch(`fill${i}`))).toBeGreaterThanOrEqual(0);
    expect(await refusal(() => 'ns_info 1 1\n')).toBeGreaterThanOrEqual(0);
    await logIsWhole(m, logPath());
  });

  it.each([['clone 1 net\n'], ['virt_control 1 more\n'], [batch('again')]])('%j keeps failing with ENOSPC while the disk is full', async (cmd) => {
    await refusedWith(m, logPath(), cmd, 'ENOSPC');
  });

  it('a refused batch that re-owned and exited a task leaves other processes the view from before it', async () => {
    const view = async () => (await run('stat', ['-c', '%n %u', `${m.mountpoint}/${watched}`, `${m.mountpoint}/${watched}/ns/net_snum`])).stdout;
    const before = await view();
    expect(before).toBe(`${m.mountpoint}/${watched} 0\n${m.mountpoint}/${watched}/ns/net_snum 0\n`);
    await refusedWith(m, logPath(), `setcred ${watched} uid=1234 gid=1234\nexit ${watched}\n`, 'ENOSPC');
    expect(await view()).toBe(before);
    expect((await run('ls', [m.mountpoint])).stdout.split('\n')).toContain(watched);
  });

  it('reads, and commands that write no record, still work', async () => {
    expect(await fs.readFile(path.join(m.mountpoint, '1/status'), 'utf8')).toMatch(/^Name:\tinit\n/);
    expect((await ctl(m.mountpoint, 'pin 1 net\n')).errno).toBe(null);
  });

  it('once space returns, commands work again and the log has no partial line', async () => {
    await fs.rm(filler());
    const r = await ctl(m.mountpoint, batch('back'));
    expect([r.errno, r.output]).toEqual([null, 'ok\n'.repeat(8)]);
    await logIsWhole(m, logPath());
    const logged = virtMessages(parseLog(await fs.readFile(logPath(), 'utf8')));
    // No refused batch left a record.
    expect(logged.filter((t) => t.startsWith('again') || t === 'more')).toEqual([]);
    expect(logged.slice(-8)).toEqual(Array.from({ length: 8 }, (_, i) => `back-${i}`));
  });
});

describe('an unwritable audit log (RLIMIT_FSIZE lowered under the daemon)', () => {
  let m: Inspectable;
  let hasPrlimit = false;
  beforeAll(async () => {
    hasPrlimit = (await run('prlimit', ['--version'])).code === 0;
    m = await startInspectable();
  });
  afterAll(async () => { await m?.stop(); });

  it('a batch cut by a short write fails with EFBIG, is cut off again, and changes nothing', async (ctx) => {
    if (!hasPrlimit) ctx.skip();
    expect((await ctl(m.mountpoint, batch('before'))).errno).toBe(null);
    const size = (await m.dump()).audit.size;
    // Room for part of one record: the next batch's write(2) is short, the one after it EFBIG.
    const lim = await run('prlimit', ['--pid', String(m.pid), `--fsize=${size + 100}:unlimited`]);
    expect(lim.code).toBe(0);
    await refusedWith(m, m.auditLog, batch('cut'), 'EFBIG');
    await refusedWith(m, m.auditLog, 'clone 1 net,mnt\n', 'EFBIG');
    expect((await fs.stat(m.auditLog)).size).toBe(size);
  });

  it('once the limit is lifted, commands work again with consecutive serials', async (ctx) => {
    if (!hasPrlimit) ctx.skip();
    expect((await run('prlimit', ['--pid', String(m.pid), '--fsize=unlimited'])).code).toBe(0);
    expect((await ctl(m.mountpoint, batch('after'))).errno).toBe(null);
    await logIsWhole(m, m.auditLog);
    const logged = virtMessages(parseLog(await fs.readFile(m.auditLog, 'utf8')));
    expect(logged.filter((t) => t.startsWith('cut'))).toEqual([]);
  });
});
