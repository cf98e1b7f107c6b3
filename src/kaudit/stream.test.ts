import { describe, expect, it } from 'vitest';
import type { KernelRecord } from './record.js';
import { EVENT_QUIET_MS, GAP_GRACE_MS, KernelStream } from './stream.js';

const rec = (type: number, serial: number): KernelRecord => ({ type, sec: 1, msec: 2, serial, message: `audit(1.002:${serial}): ` });

describe('KernelStream', () => {
  it('hands out whole events and tracks the highest serial', () => {
    const s = new KernelStream();
    s.records([rec(1300, 7), rec(1327, 7), rec(1300, 8), rec(1320, 7)], 0);
    expect(s.take().events.map((e) => [e.serial, e.records.length])).toEqual([[7, 3]]);
    s.tick(EVENT_QUIET_MS);
    expect(s.take().events.map((e) => e.serial)).toEqual([8]);
    expect(s.high).toBe(8);
  });

  it('reports a gap, an overrun and a rise of the kernel lost counter, each once', () => {
    const s = new KernelStream();
    s.kernelLost(3); // the baseline
    s.records([rec(1320, 10), rec(1320, 14)], 0);
    s.overrun();
    s.kernelLost(5);
    s.kernelLost(5);
    s.tick(GAP_GRACE_MS);
    expect(s.take().lost).toEqual([
      { reason: 'overrun' },
      { reason: 'kernel_lost', count: 2, total: 5 },
      { reason: 'gap', first: 11, last: 13, count: 3 },
    ]);
    s.tick(GAP_GRACE_MS * 5);
    expect(s.pending).toBe(0);
  });

  it('drain ends the events still open', () => {
    const s = new KernelStream();
    s.records([rec(1300, 1)], 0);
    s.drain();
    expect(s.take().events.length).toBe(1);
  });
});
