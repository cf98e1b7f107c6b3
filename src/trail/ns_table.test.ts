import { describe, expect, it } from 'vitest';
import { NsTable } from './ns_table.js';
import type { Ns } from './state.js';

const ns = (serial: string) => ({ serial }) as unknown as Ns;

describe('NsTable', () => {
  it('get() finds what set() put, by key, the last one looked up too', () => {
    const t = new NsTable();
    const a = ns('c'), b = ns('4000000a');
    t.set(0xc, a);
    t.set(0x4000000a, b);
    expect([t.get(0xc), t.get(0xc), t.get(0x4000000a), t.get(0xd)]).toEqual([a, a, b, undefined]);
  });

  it('get() no longer finds a namespace deleted right after it was looked up', () => {
    const t = new NsTable();
    t.set(0xc, ns('c'));
    t.get(0xc);
    t.delete(0xc);
    expect(t.get(0xc)).toBeUndefined();
  });
});
