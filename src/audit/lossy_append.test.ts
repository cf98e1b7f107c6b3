import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from './log_writer.js';
import { appendOrTell } from './lossy_append.js';
import { seedNsInfo } from './_seed_fixture.js';
import { faultyIo, readLines, tempDir } from './_test_io.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});

function openLog() {
  const t = tempDir();
  const io = faultyIo();
  const r = AuditLog.open({ path: t.log, clock: { spec: 'fixed', now: () => ({ sec: 1796000000, msec: 5 }) }, io });
  if (!r.ok) throw new Error(r.error.detail);
  cleanups.push(() => { r.value.close(); t.cleanup(); });
  return { log: r.value, path: t.log, io };
}

describe('appendOrTell', () => {
  it('appendOrTell() on a full disk counts every failed write and tells the first and every 1000th', () => {
    const { log, io } = openLog();
    io.writeBudget = 0;
    const failures = { logFailures: 0 };
    const told: string[] = [];
    for (let i = 0; i < 2500; i++) appendOrTell(log, [seedNsInfo(481)], failures, (l) => told.push(l));
    expect(failures.logFailures).toBe(2500);
    expect(told.map((l) => l.replace(/: ENOSPC: .*; 1 records/, ': ENOSPC: …; 1 records'))).toEqual([1, 1001, 2001].map((n) =>
      `nsproc: audit log ${log.path}: ENOSPC: …; 1 records lost (${n} failures so far)`));
    expect(log.lostRecords).toBe(2500);
  });

  it('appendOrTell() writes what the log takes and tells nothing', () => {
    const { log, path } = openLog();
    const failures = { logFailures: 0 };
    const told: string[] = [];
    appendOrTell(log, [seedNsInfo(481)], failures, (l) => told.push(l));
    appendOrTell(log, [], failures, (l) => told.push(l));
    expect(readLines(path).map((l) => l.split(' ')[0])).toEqual(['type=NS_INFO']);
    expect([failures.logFailures, told]).toEqual([0, []]);
  });
});
