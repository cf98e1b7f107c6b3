import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelEvent } from '../model/events.js';
import { fixedClock } from './clock.js';
import { AuditLog, type AuditLogOptions } from './log_writer.js';
import { nodeIo } from './_log_io.js';
import { rotationEnabled, shiftLogs } from './rotate.js';
import { seedNsInfo } from './_seed_fixture.js';
import { faultyIo, readLines, serials, tempDir } from './_test_io.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});

function openLog(opts: Partial<AuditLogOptions>): { log: AuditLog; path: string; dir: string } {
  const t = tempDir();
  const r = AuditLog.open({ path: t.log, clock: fixedClock({ sec: 1408577535, msec: 306 }), ...opts });
  if (!r.ok) throw new Error(r.error.detail);
  cleanups.push(() => { r.value.close(); t.cleanup(); });
  return { log: r.value, path: t.log, dir: t.dir };
}

/** A batch of `n` NS_INFO events whose pid names the batch. An NS_INFO line is 97-99 bytes with its newline. */
const batch = (id: number, n: number): ModelEvent[] => Array.from({ length: n }, () => seedNsInfo(id));
const batchOf = (line: string): number => Number(/pid=(\d+)/.exec(line)![1]);

/** The log files oldest first: audit.log.K … audit.log.1, audit.log. */
function logFiles(path: string, numLogs: number): string[] {
  const rotated = Array.from({ length: numLogs - 1 }, (_, i) => `${path}.${numLogs - 1 - i}`);
  return [...rotated, path].filter((p) => existsSync(p));
}

describe('shiftLogs()', () => {
  it('shiftLogs() example: num_logs 3 shifts audit.log.1 to .2 and audit.log to .1', () => {
    const { log, path } = openLog({});
    log.appendEvents(batch(1, 1));
    log.close();
    expect(shiftLogs(nodeIo, path, 3).ok).toBe(true);
    expect([existsSync(path), readLines(`${path}.1`).length]).toEqual([false, 1]);
  });

  it.each([
    [0, 3, false], [100, 1, false], [100, 0, false], [100, 2, true], [1, 999, true],
  ])('rotationEnabled(max %d, num_logs %d) is %s (auditd: num_logs < 2 disables rotation)', (max, num, want) => {
    expect(rotationEnabled(max, num)).toBe(want);
  });
});

describe('AuditLog rotation', () => {
  it('AuditLog keeps every record exactly once across files and never splits a batch', () => {
    const { log, path } = openLog({ maxSizeBytes: 1000, numLogs: 100 });
    const sizes = [1, 3, 8, 2, 5, 1, 9, 4, 12, 2, 7, 6, 1, 1, 3];
    sizes.forEach((n, id) => expect(log.appendEvents(batch(id, n)).ok).toBe(true));
    const files = logFiles(path, 100);
    const perFile = files.map(readLines);
    const all = perFile.flat();
    expect(files.length).toBeGreaterThan(5);
    expect(serials(all)).toEqual(Array.from({ length: 65 }, (_, i) => 5 + i));
    expect(all.map(batchOf)).toEqual(sizes.flatMap((n, id) => Array(n).fill(id)));
    const filesOfBatch = new Map<number, Set<number>>();
    perFile.forEach((lines, f) => lines.forEach((l) => filesOfBatch.set(batchOf(l), (filesOfBatch.get(batchOf(l)) ?? new Set()).add(f))));
    expect([...filesOfBatch.values()].every((s) => s.size === 1)).toBe(true);
    // A file passes the limit only when it holds a single batch (batch 8: 12 records).
    files.forEach((f, i) => {
      const oneBatch = new Set(perFile[i]!.map(batchOf)).size === 1;
      expect(statSync(f).size <= 1000 || oneBatch).toBe(true);
    });
  });

  it('AuditLog drops the oldest file beyond num_logs and makes rotated files read-only', () => {
    const { log, path, dir } = openLog({ maxSizeBytes: 300, numLogs: 3 });
    for (let id = 0; id < 10; id++) log.appendEvents(batch(id, 2));
    expect(readdirSync(dir).sort()).toEqual(['audit.log', 'audit.log.1', 'audit.log.2']);
    expect(logFiles(path, 3).flatMap(readLines).map(batchOf)).toEqual([7, 7, 8, 8, 9, 9]);
    expect([statSync(`${path}.1`).mode & 0o777, statSync(`${path}.2`).mode & 0o777, statSync(path).mode & 0o777])
      .toEqual([0o400, 0o400, 0o600]);
    expect(log.currentSize).toBe(statSync(path).size);
  });

  it('AuditLog with num_logs 1 never rotates (auditd: rotation disabled)', () => {
    const { log, path, dir } = openLog({ maxSizeBytes: 300, numLogs: 1 });
    for (let id = 0; id < 5; id++) log.appendEvents(batch(id, 2));
    expect([readdirSync(dir), readLines(path).length]).toEqual([['audit.log'], 10]);
  });

  it('AuditLog writes a batch larger than the limit whole into a new file', () => {
    const { log, path } = openLog({ maxSizeBytes: 300, numLogs: 5 });
    log.appendEvents(batch(0, 1));
    log.appendEvents(batch(1, 10));
    log.appendEvents(batch(2, 1));
    expect(logFiles(path, 5).map((f) => readLines(f).map(batchOf))).toEqual([[0], Array(10).fill(1), [2]]);
  });

  it('AuditLog returns the rename errno, logs nothing and keeps the serial when rotation fails', () => {
    const io = faultyIo();
    const { log, path } = openLog({ maxSizeBytes: 300, numLogs: 3, io });
    log.appendEvents(batch(0, 2));
    const before = readFileSync(path, 'utf8');
    io.renameError = { from: 'audit.log', code: 'EACCES' };
    const r = log.appendEvents(batch(1, 2));
    expect([r.ok ? 'ok' : r.error.errno, readFileSync(path, 'utf8'), log.lastSerial]).toEqual(['EACCES', before, 6]);
    io.renameError = null;
    expect(log.appendEvents(batch(1, 2)).ok).toBe(true);
    expect(logFiles(path, 3).map((f) => serials(readLines(f)))).toEqual([[5, 6], [7, 8]]);
  });

  it('AuditLog gives the old log its name back when the new one cannot be opened', () => {
    const io = faultyIo();
    const { log, path } = openLog({ maxSizeBytes: 300, numLogs: 3, io });
    log.appendEvents(batch(0, 2));
    io.openError = 'ENOSPC';
    const r = log.appendEvents(batch(1, 2));
    expect([r.ok ? 'ok' : r.error.errno, existsSync(`${path}.1`), readLines(path).length]).toEqual(['ENOSPC', false, 2]);
    io.openError = null;
    expect(log.appendEvents(batch(1, 2)).ok).toBe(true);
    expect(logFiles(path, 3).map((f) => serials(readLines(f)))).toEqual([[5, 6], [7, 8]]);
  });
});
