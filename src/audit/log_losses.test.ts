/**
 * Records lost to a failing log where nothing can be undone (host mode): counted by
 * appendOrLose(), and written down by the first write that works, as one NSPROC_LOG_LOST.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelEvent } from '../model/events.js';
import type { AuditClock, AuditTime } from './clock.js';
import { AuditLog, type KernelEntry } from './log_writer.js';
import { INIT_481, nsType, seedNsInfo } from './_seed_fixture.js';
import { faultyIo, readLines, serials, tempDir } from './_test_io.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});

/** A clock whose time the test moves. */
function steppedClock(): AuditClock & { at: AuditTime } {
  const c = { spec: 'stepped', at: { sec: 1796000000, msec: 5 }, now: () => c.at };
  return c;
}

function openLog() {
  const t = tempDir();
  const io = faultyIo();
  const clock = steppedClock();
  const r = AuditLog.open({ path: t.log, clock, io });
  if (!r.ok) throw new Error(r.error.detail);
  cleanups.push(() => { r.value.close(); t.cleanup(); });
  return { log: r.value, path: t.log, io, clock };
}

const info: ModelEvent = seedNsInfo(481);
const virt: ModelEvent = { kind: 'virt-control', actor: INIT_481, text: 'op=start', info: seedNsInfo(481) };
const kernel: KernelEntry = {
  kind: 'kernel-event', stamp: { sec: 1796000001, msec: 0, serial: 77 },
  before: ['type=SYSCALL msg=audit(1796000001.000:77): syscall=272'], events: [info, { kind: 'ns-freed', type: nsType('net'), snum: 9n, actor: INIT_481 }],
  after: ['type=PROCTITLE msg=audit(1796000001.000:77): proctitle=7368', 'type=EOE msg=audit(1796000001.000:77):'],
};

describe('AuditLog.appendOrLose()', () => {
  it('counts every record of batches the log refused, and the next write begins with NSPROC_LOG_LOST', () => {
    const { log, path, io, clock } = openLog();
    log.appendOrLose([info]);
    io.writeBudget = 0;
    expect(log.appendOrLose([info, virt]).ok).toBe(false);
    clock.at = { sec: 1796000009, msec: 42 };
    const r = log.appendOrLose([kernel]);
    expect(r.ok ? 'ok' : r.error.errno).toBe('ENOSPC');
    expect(log.lostRecords).toBe(3 + 5);
    io.writeBudget = Infinity;
    clock.at = { sec: 1796000010, msec: 0 };
    expect(log.appendOrLose([info]).ok).toBe(true);
    const lines = readLines(path);
    expect(lines[1]).toBe('type=NSPROC_LOG_LOST msg=audit(1796000010.000:6): lost=8 first=1796000000.005 last=1796000009.042 errno=ENOSPC');
    expect(lines).toHaveLength(3);
    expect(serials(lines)).toEqual([5, 6, 7]);
    expect(log.lostRecords).toBe(0);
  });

  it('a failing log with no loss (a refused command, rolled back) writes no NSPROC_LOG_LOST', () => {
    const { log, path, io } = openLog();
    io.writeBudget = 0;
    expect(log.appendEvents([info]).ok).toBe(false);
    io.writeBudget = Infinity;
    log.appendEvents([info]);
    expect(readLines(path).map((l) => l.split(' ')[0])).toEqual(['type=NS_INFO']);
  });

  it('the loss record waits while the log still fails, and goes with any batch that works (a command\'s too)', () => {
    const { log, path, io } = openLog();
    io.writeBudget = 0;
    log.appendOrLose([info]);
    expect(log.appendEvents([virt]).ok).toBe(false);
    expect(log.lostRecords).toBe(1);
    io.writeBudget = Infinity;
    expect(log.appendEvents([virt]).ok).toBe(true);
    expect(readLines(path).map((l) => l.split(' ')[0])).toEqual(['type=NSPROC_LOG_LOST', 'type=VIRT_CONTROL', 'type=NS_INFO']);
  });
});
