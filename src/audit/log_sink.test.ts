import { statSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from './clock.js';
import type { LogSink } from './log_sink.js';
import { AuditLog } from './log_writer.js';
import { seedNsInfo } from './_seed_fixture.js';
import { faultyIo, tempDir } from './_test_io.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});

/** A sink that writes down what it is told, as `opened N`, `appended N`, `rotated N`. */
function recorder(): { sink: LogSink; told: string[] } {
  const told: string[] = [];
  return { told, sink: { opened: (n) => void told.push(`opened ${n}`), appended: (n) => void told.push(`appended ${n}`), rotated: (n) => void told.push(`rotated ${n}`) } };
}

describe('the log sink (what --remote forwards from)', () => {
  it('is told the size of whole lines: at open, after each append, at a rotation (then the new file from 0)', () => {
    const t = tempDir();
    const first = 'type=NS_INFO msg=audit(1.000:1): pid=1\n';
    writeFileSync(t.log, first);
    const { sink, told } = recorder();
    const io = faultyIo();
    const r = AuditLog.open({ path: t.log, clock: fixedClock({ sec: 1408577535, msec: 306 }), numLogs: 3, sink, io });
    if (!r.ok) throw new Error(r.error.detail);
    cleanups.push(() => { r.value.close(); t.cleanup(); });
    const log = r.value;
    expect(log.appendEvents([seedNsInfo(4)]).ok).toBe(true);
    const afterOne = statSync(t.log).size;
    // A failed append (cut back to whole lines) tells nothing.
    io.writeBudget = 10;
    expect(log.appendEvents([seedNsInfo(5)]).ok).toBe(false);
    io.writeBudget = Infinity;
    expect(log.rotateNow().ok).toBe(true);
    expect(log.appendEvents([seedNsInfo(6)]).ok).toBe(true);
    expect(told).toEqual([`opened ${first.length}`, `appended ${afterOne}`, `rotated ${afterOne}`, `appended ${statSync(t.log).size}`]);
  });
});
