import { describe, expect, it } from 'vitest';
import type { HostBatch, ObservedNs } from '../model/host_observation.js';
import { NsCensus } from './ns_census.js';

const ns = (id: bigint | null, inum = 4026532000): ObservedNs => ({ key: id === null ? `net:${inum}` : `id:${id.toString(16)}`, type: 'net', inum, id, ownerKey: null, parentKey: null, ownerUid: null, via: 1 });
const batch = (...ids: (bigint | null)[]): HostBatch => ({ namespaces: ids.map((id) => ns(id)), procs: [], gone: [], freed: [] });

describe('NsCensus', () => {
  it('counts the namespaces at start and those seen since', () => {
    const c = new NsCensus(batch(1n, 2n, 3n));
    c.note([batch(0x2001n), batch(0x2002n, 0x2003n)]);
    expect(c.stats).toEqual({ atStart: 3, seen: 3, inferredMissed: 0 });
  });

  it('infers the ids between two namespaces seen in one batch of 4096 that it never saw', () => {
    const c = new NsCensus(batch(1n));
    c.note([batch(0x2001n, 0x2005n)]);
    expect(c.stats.inferredMissed).toBe(3);
    c.note([batch(0x2009n)]);
    expect(c.stats.inferredMissed).toBe(6);
  });

  it('a namespace seen late fills its gap', () => {
    const c = new NsCensus(batch(1n));
    c.note([batch(0x2001n, 0x2003n), batch(0x2002n)]);
    expect(c.stats.inferredMissed).toBe(0);
  });

  it("counts no gap across batches (another CPU's ids), nor before the first id seen in a batch since start", () => {
    // 6.18: CPU 0 counts in 0x2001…0x3000, CPU 1 in 0x3001…0x4000, interleaved in time.
    const c = new NsCensus(batch(0x24fdn, 0x33b2n));
    c.note([batch(0x2510n, 0x33b9n, 0x2511n, 0x33ban)]);
    expect(c.stats).toEqual({ atStart: 2, seen: 4, inferredMissed: 0 });
    c.note([batch(0x3000n, 0x3001n)]);
    expect(c.stats.inferredMissed).toBe(0x3000 - 0x2511 - 1);
  });

  it('ids below the first seen in a batch are not counted either way', () => {
    const c = new NsCensus(batch(1n));
    c.note([batch(0x2005n, 0x2001n, 0x2006n)]);
    expect(c.stats.inferredMissed).toBe(0);
  });

  it('without NS_GET_ID (nsproc numbers namespaces itself) nothing can be inferred', () => {
    const c = new NsCensus(batch(null, null));
    c.note([batch(null)]);
    expect(c.stats).toEqual({ atStart: 2, seen: 1, inferredMissed: null });
  });
});
