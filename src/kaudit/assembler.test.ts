import { describe, expect, it } from 'vitest';
import { EventAssembler } from './assembler.js';
import type { KernelRecord } from './record.js';

const rec = (type: number, serial: number, msec = 651): KernelRecord =>
  ({ type, sec: 1796153311, msec, serial, message: `audit(1796153311.${msec}:${serial}): t${type}` });
const types = (e: { records: readonly KernelRecord[] } | null) => e?.records.map((r) => r.type);

describe('EventAssembler', () => {
  it('completes an event at its EOE, with every record in arrival order', () => {
    const a = new EventAssembler(500);
    expect(a.add(rec(1300, 9), 0)).toBeNull();
    expect(a.add(rec(1327, 9), 0)).toBeNull();
    const e = a.add(rec(1320, 9), 1);
    expect([e?.serial, types(e)]).toEqual([9, [1300, 1327, 1320]]);
    expect(a.drain()).toEqual([]);
  });

  it('keeps interleaved events apart (serial 11 and 12 open while 13 completes)', () => {
    const a = new EventAssembler(500);
    a.add(rec(1300, 11), 0);
    a.add(rec(1300, 12), 0);
    expect(types(a.add(rec(1305, 13), 0) ?? a.add(rec(1320, 13), 0))).toEqual([1305, 1320]);
    expect(types(a.add(rec(1320, 11), 0))).toEqual([1300, 1320]);
    expect(a.drain().map((e) => e.serial)).toEqual([12]);
  });

  it('tells events with the same serial and different times apart (a wrapped counter)', () => {
    const a = new EventAssembler(500);
    a.add(rec(1300, 5, 1), 0);
    expect(types(a.add(rec(1320, 5, 2), 0))).toEqual([1320]);
    expect(a.drain().map((e) => e.msec)).toEqual([1]);
  });

  it('ends an event without EOE once it was quiet for the timeout, not before', () => {
    const a = new EventAssembler(500);
    a.add(rec(1335, 5), 0);
    a.add(rec(1300, 6), 300);
    expect(a.expire(499)).toEqual([]);
    expect(a.expire(500).map((e) => e.serial)).toEqual([5]);
    a.add(rec(1327, 6), 700); // a later record keeps its event open
    expect(a.expire(1100)).toEqual([]);
    expect(types(a.expire(1200)[0] ?? null)).toEqual([1300, 1327]);
  });
});
