import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmdirSync, statSync, appendFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelEvent } from '../model/events.js';
import { fixedClock, type AuditClock, type AuditTime } from './clock.js';
import { AuditLog, KERNEL_SERIAL_MARGIN, nextOwnSerial, type AuditLogOptions, type LogItem } from './log_writer.js';
import { bootEvents, expectedLine, INIT_481, nsType, SEED_LINES, seedNsInfo } from './_seed_fixture.js';
import { nodeIo } from './_log_io.js';
import { faultyIo, readLines, serials, tempDir } from './_test_io.js';

const CLOCK = fixedClock({ sec: 1408577535, msec: 306 });
let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});

function openLog(opts: Partial<AuditLogOptions> = {}): { log: AuditLog; path: string } {
  const t = tempDir();
  const r = AuditLog.open({ path: t.log, clock: CLOCK, ...opts });
  if (!r.ok) throw new Error(r.error.detail);
  cleanups.push(() => { r.value.close(); t.cleanup(); });
  return { log: r.value, path: t.log };
}

/** A clock that answers the given times in turn. */
function scriptedClock(times: AuditTime[]): AuditClock {
  let i = 0;
  return { spec: 'scripted', now: () => times[Math.min(i++, times.length - 1)]! };
}

const info = (pid: number): ModelEvent => seedNsInfo(pid);
const freed: ModelEvent = { kind: 'ns-freed', type: nsType('mnt'), snum: 9n, actor: INIT_481 };
const virt: ModelEvent = { kind: 'virt-control', actor: INIT_481, text: 'op=start', info: seedNsInfo(481) };

describe('AuditLog.appendEvents()', () => {
  it('AuditLog example: boot writes the seed boot lines with serials 5..10', () => {
    const seedTimes = [...Array(5).fill({ sec: 1408577534, msec: 868 }), { sec: 1408577533, msec: 500 }];
    const { log, path } = openLog({ clock: scriptedClock(seedTimes) });
    expect(log.appendEvents(bootEvents())).toEqual({ ok: true, value: undefined });
    expect(readFileSync(path, 'utf8')).toBe(SEED_LINES.slice(1, 7).map(expectedLine).join('\n') + '\n');
    expect(log.lastSerial).toBe(10);
  });

  it('AuditLog.appendEvents() gives each event its own serial and VIRT_CONTROL one serial for both records', () => {
    const { log, path } = openLog();
    expect(log.lastSerial).toBe(4);
    log.appendEvents([info(1), virt, freed]);
    log.appendEvents([info(2)]);
    const lines = readLines(path);
    expect(serials(lines)).toEqual([5, 6, 6, 7, 8]);
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['type=NS_INFO', 'type=VIRT_CONTROL', 'type=NS_INFO', 'type=AUDIT_NS_DEL_MNT', 'type=NS_INFO']);
    expect(log.lastSerial).toBe(8);
  });

  it('AuditLog.appendEvents() appends after existing content, also content others appended (O_APPEND)', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    writeFileSync(t.log, 'earlier line\n');
    const r = AuditLog.open({ path: t.log, clock: CLOCK });
    if (!r.ok) throw new Error(r.error.detail);
    r.value.appendEvents([info(1)]);
    appendFileSync(t.log, 'someone else\n');
    r.value.appendEvents([info(2)]);
    r.value.close();
    const lines = readLines(t.log);
    expect([lines[0], lines[2], lines.length]).toEqual(['earlier line', 'someone else', 4]);
    expect(readFileSync(t.log, 'utf8').endsWith('\n')).toBe(true);
  });

  it('AuditLog.open() creates the log with mode 0600', () => {
    const { log, path } = openLog();
    log.appendEvents([info(1)]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('AuditLog with a fixed clock writes byte-for-byte reproducible logs', () => {
    const batches = [bootEvents(), [info(481), virt], [freed]];
    const run = (): string => {
      const { log, path } = openLog({ clock: fixedClock({ sec: 1408577534, msec: 868 }) });
      batches.forEach((b) => log.appendEvents(b));
      return readFileSync(path, 'utf8');
    };
    const a = run();
    expect(run()).toBe(a);
    expect(a.split('\n')[0]).toBe(expectedLine(SEED_LINES[1]!));
  });

  it('AuditLog.appendEvents() with no events writes nothing and uses no serial', () => {
    const { log, path } = openLog();
    expect(log.appendEvents([]).ok).toBe(true);
    expect([readFileSync(path, 'utf8'), log.lastSerial]).toEqual(['', 4]);
  });

  it('AuditLog serials wrap like the kernel unsigned int', () => {
    const { log, path } = openLog({ firstSerial: 0xffffffff });
    log.appendEvents([info(1), info(2)]);
    expect(serials(readLines(path))).toEqual([4294967295, 0]);
  });

  it('AuditLog.appendEvents() in sync mode fsyncs once per batch; write mode never does', () => {
    for (const [flush, want] of [['sync', 2], ['write', 0]] as const) {
      const io = faultyIo();
      const { log, path } = openLog({ io, flush });
      log.appendEvents([info(1)]);
      log.appendEvents([info(2), freed]);
      expect([flush, io.fsyncCalls, serials(readLines(path))]).toEqual([flush, want, [5, 6, 7]]);
    }
  });
});

describe('AuditLog.appendEvents() failures leave whole lines only', () => {
  it.each([
    ['ENOSPC after a short write', 'ENOSPC', 100],
    ['EIO on the first byte', 'EIO', 0],
    ['EDQUOT midway', 'EDQUOT', 250],
    ['EFBIG midway', 'EFBIG', 1],
  ])('AuditLog.appendEvents() returns %s, truncates the batch and keeps the serial', (_n, code, budget) => {
    const io = faultyIo();
    const { log, path } = openLog({ io });
    log.appendEvents([info(1)]);
    const before = readFileSync(path, 'utf8');
    io.writeBudget = budget;
    io.writeError = code;
    const r = log.appendEvents(bootEvents());
    expect(r.ok ? 'ok' : r.error.errno).toBe(code);
    expect(!r.ok && r.error.detail.includes(path)).toBe(true);
    expect([readFileSync(path, 'utf8'), log.lastSerial]).toEqual([before, 5]);
    io.writeBudget = Infinity;
    log.appendEvents([info(2)]);
    expect(serials(readLines(path))).toEqual([5, 6]);
  });

  it('AuditLog.appendEvents() in sync mode undoes the batch when fsync fails', () => {
    const io = faultyIo();
    const { log, path } = openLog({ io, flush: 'sync' });
    io.fsyncError = 'EIO';
    const r = log.appendEvents([info(1)]);
    expect([r.ok ? 'ok' : r.error.errno, readFileSync(path, 'utf8'), log.lastSerial]).toEqual(['EIO', '', 4]);
  });

  it('AuditLog.appendEvents() retries a failed truncation before writing again', () => {
    const io = faultyIo();
    const { log, path } = openLog({ io });
    io.writeBudget = 30;
    io.truncateError = 'EIO';
    expect(log.appendEvents([info(1)]).ok).toBe(false);
    io.writeBudget = Infinity;
    const blocked = log.appendEvents([info(2)]);
    expect(blocked.ok ? 'ok' : blocked.error.errno).toBe('EIO');
    io.truncateError = null;
    expect(log.appendEvents([info(3)]).ok).toBe(true);
    expect(readLines(path).map((l) => /pid=(\d+)/.exec(l)![1])).toEqual(['3']);
    expect(serials(readLines(path))).toEqual([5]);
  });

  it('AuditLog on a full tmpfs fails with ENOSPC and leaves no partial line', (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), 'nsproc-audit-tmpfs-'));
    try {
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', dir], { stdio: 'pipe' });
      } catch (e) {
        console.log(`skipping the tmpfs ENOSPC case: mount not permitted (${(e as Error).message.split('\n')[0]})`);
        ctx.skip();
      }
      try {
        let written = 0;
        const io = { ...nodeIo, writeSync: (fd: number, b: Uint8Array, o: number, l: number) => {
          const n = nodeIo.writeSync(fd, b, o, l);
          written += n;
          return n;
        } };
        const r = AuditLog.open({ path: join(dir, 'audit.log'), clock: CLOCK, io });
        if (!r.ok) throw new Error(r.error.detail);
        const log = r.value;
        let last: ReturnType<AuditLog['appendEvents']> = { ok: true, value: undefined };
        let batches = 0;
        while (last.ok && batches < 1000) {
          last = log.appendEvents(Array.from({ length: 7 }, (_, i) => info(batches * 7 + i)));
          if (last.ok) batches++;
        }
        expect(last.ok ? 'ok' : last.error.errno).toBe('ENOSPC');
        const text = readFileSync(join(dir, 'audit.log'), 'utf8');
        expect(text.endsWith('\n') && batches > 0).toBe(true);
        expect(written).toBeGreaterThan(Buffer.byteLength(text)); // the failed batch was partly written, then cut
        expect(serials(readLines(join(dir, 'audit.log')))).toEqual(Array.from({ length: batches * 7 }, (_, i) => 5 + i));
        expect(log.lastSerial).toBe(4 + batches * 7);
        log.close();
      } finally {
        execFileSync('umount', [dir]);
      }
    } finally {
      rmdirSync(dir);
    }
  });
});

describe('AuditLog.open() and close()', () => {
  it('AuditLog.open() fails with ENOENT when the directory is missing', () => {
    const r = AuditLog.open({ path: '/nonexistent-nsproc-dir/audit.log' });
    expect(r.ok ? 'ok' : [r.error.errno, r.error.detail.includes('/nonexistent-nsproc-dir/audit.log')]).toEqual(['ENOENT', true]);
  });

  it.each([
    ['flush', { flush: 'fast' as never }],
    ['maxSizeBytes', { maxSizeBytes: -1 }],
    ['numLogs', { numLogs: 1000 }],
    ['numLogs fraction', { numLogs: 2.5 }],
    ['firstSerial', { firstSerial: 2 ** 32 }],
  ])('AuditLog.open() fails with EINVAL for a bad %s', (_n, bad) => {
    const r = AuditLog.open({ path: '/tmp/never-created.log', ...bad });
    expect(r.ok ? 'ok' : r.error.errno).toBe('EINVAL');
  });

  it('AuditLog.close() fsyncs; appends after close fail with EBADF; closing twice is fine', () => {
    const io = faultyIo();
    const { log } = openLog({ io });
    expect(log.close().ok).toBe(true);
    expect(io.fsyncCalls).toBe(1);
    const r = log.appendEvents([info(1)]);
    expect([r.ok ? 'ok' : r.error.errno, log.close().ok]).toEqual(['EBADF', true]);
  });
});

describe('AuditLog.open() after a crash cut a record', () => {
  const WHOLE = 'type=NS_INFO msg=audit(1408577535.306:11): pid=1 netns=7\ntype=NS_INFO msg=audit(1408577535.306:12): pid=1 netns=7\n';

  /** A log file with `text` in it, opened; returns the log, its path and what open() cut. */
  function openOver(text: string): { log: AuditLog | null; path: string; errno: string | null } {
    const t = tempDir();
    writeFileSync(t.log, text);
    const r = AuditLog.open({ path: t.log, clock: CLOCK });
    cleanups.push(() => { if (r.ok) r.value.close(); t.cleanup(); });
    return { log: r.ok ? r.value : null, path: t.log, errno: r.ok ? null : r.error.errno };
  }

  it.each([
    ['a record cut in its fields', `${WHOLE}type=NS_INFO msg=audit(1408577535.306:13): pid=1 ne`, WHOLE],
    ['a record cut inside "type="', `${WHOLE}ty`, WHOLE],
    ['a log that is one partial record', 'type=NS_INFO msg=au', ''],
    ['a partial record longer than the 64 KiB read back', `${WHOLE}type=VIRT_CONTROL msg='${'x'.repeat(70_000)}`, WHOLE],
  ])('AuditLog.open() cuts off %s, and appends whole lines after it', (_name, text, kept) => {
    const { log, path } = openOver(text);
    expect([log?.cutAtOpen, readFileSync(path, 'utf8')]).toEqual([Buffer.byteLength(text) - Buffer.byteLength(kept), kept]);
    expect(log!.appendEvents([info(1)]).ok).toBe(true);
    expect(readFileSync(path, 'utf8')).toMatch(/^(type=[^\n]*\n)+$/);
    expect(log!.currentSize).toBe(statSync(path).size);
  });

  it('AuditLog.open() leaves a log that ends with a newline alone', () => {
    const { log, path } = openOver(WHOLE);
    expect([log?.cutAtOpen, readFileSync(path, 'utf8')]).toEqual([0, WHOLE]);
  });

  it('AuditLog.open() refuses (EINVAL) a log whose unfinished last line is not a record, and changes nothing', () => {
    const text = `${WHOLE}some notes of mine`;
    const { errno, path } = openOver(text);
    expect([errno, readFileSync(path, 'utf8')]).toEqual(['EINVAL', text]);
  });
});

describe('AuditLog beside the kernel (serialSpace beside-kernel, SPEC §8)', () => {
  const kernelEntry = (serial: number, events: ModelEvent[]): LogItem => ({
    kind: 'kernel-event', stamp: { sec: 1796153311, msec: 663, serial },
    before: [`type=SYSCALL msg=audit(1796153311.663:${serial}): syscall=272 pid=481`],
    events,
    after: [`type=PROCTITLE msg=audit(1796153311.663:${serial}): proctitle=7472756500`, `type=EOE msg=audit(1796153311.663:${serial}):`],
  });

  it('numbers own events from 2^31 and writes a kernel event with its own stamp, nsproc records inside it', () => {
    const { log, path } = openLog({ serialSpace: 'beside-kernel' });
    log.noteKernelSerial(16);
    expect(log.appendEvents([info(1), kernelEntry(16, [info(481)]), { kind: 'own-record', typeName: 'NSPROC_KERNEL_LOST', fields: 'reason=gap' }]).ok).toBe(true);
    const lines = readLines(path);
    expect(lines).toEqual([
      'type=NS_INFO msg=audit(1408577535.306:2147483648): pid=1 netns=8 utsns=2 ipcns=1 pidns=4 userns=3 mntns=5',
      'type=SYSCALL msg=audit(1796153311.663:16): syscall=272 pid=481',
      'type=NS_INFO msg=audit(1796153311.663:16): pid=481 netns=8 utsns=2 ipcns=1 pidns=4 userns=3 mntns=5',
      'type=PROCTITLE msg=audit(1796153311.663:16): proctitle=7472756500',
      'type=EOE msg=audit(1796153311.663:16):',
      'type=NSPROC_KERNEL_LOST msg=audit(1408577535.306:2147483649): reason=gap',
    ]);
    expect(log.lastSerial).toBe(2147483649);
  });

  it('a failed batch with a kernel event leaves the own serial where it was', () => {
    const io = faultyIo();
    const { log, path } = openLog({ io, serialSpace: 'beside-kernel' });
    io.writeBudget = 0;
    expect(log.appendEvents([kernelEntry(3, []), info(1)])).toMatchObject({ ok: false, error: { errno: 'ENOSPC' } });
    expect([log.lastSerial, readFileSync(path, 'utf8')]).toEqual([2147483647, '']);
  });
});

describe('nextOwnSerial', () => {
  it.each([
    ['counts up from the last one', 0x80000000, null, 0x80000001],
    ['stays put with the kernel far below', 0x80000000, 5000, 0x80000001],
    ['jumps past a kernel serial within the margin', 0x80000000, 0x80000005, 0x80000005 + KERNEL_SERIAL_MARGIN + 1],
    ['keeps clear of a kernel serial just above', 0x7ff00000, 0x80000000, 0x80000000 + KERNEL_SERIAL_MARGIN + 1],
    ['starts again at 1 after 0xfffffffe (0xffffffff is ausearch\'s "no -a")', 0xfffffffe, 0x80000000, 1],
    ['starts again at 1 when the jump would pass 0xfffffffe', 0xfffff000, 0xfffff800, 1],
  ])('%s', (_name, prev, kernelHigh, next) => {
    expect(nextOwnSerial(prev, kernelHigh)).toBe(next);
  });
});
