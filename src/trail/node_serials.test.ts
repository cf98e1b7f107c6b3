import { describe, expect, it } from 'vitest';
import { NodeSerials } from './node_serials.js';

const rec = (serial: number, fields = 'pid=1 netns=7') => `node=h type=NS_INFO msg=audit(1.000:${serial}): ${fields}`;

describe('NodeSerials', () => {
  it('takes rising serials, and the records of one event', () => {
    const s = new NodeSerials();
    expect([s.check(true, 1000, 5, rec(5), 0).kind, s.check(true, 1000, 6, rec(6), 0).kind, s.check(true, 1000, 6, rec(6, 'pid=4 netns=c'), 3).kind])
      .toEqual(['next', 'next', 'same-event']);
  });

  it('finds a line seen twice, right after it or thousands of records later', () => {
    const s = new NodeSerials();
    for (let i = 1; i <= 3000; i++) s.check(true, 1000, i, rec(i), 0);
    expect(s.check(true, 1000, 3000, rec(3000), 0).kind).toBe('duplicate');
    expect(s.check(true, 1000, 17, rec(17), 0).kind).toBe('duplicate');
  });

  it("tells a copy from another record of the same event: nsproc's by type, the kernel's by text", () => {
    const s = new NodeSerials();
    s.check(true, 1000, 17, rec(17, 'pid=1 uid=0 auid=4294967295 ses=4294967295 subj=kernel'), 3);
    s.check(true, 1000, 17, rec(17, 'pid=1 netns=7 utsns=2'), 0);
    expect(s.check(true, 1000, 17, rec(17, 'pid=1 netns=7 utsns=2'), 0).kind).toBe('duplicate');
    expect(s.check(true, 1000, 17, rec(17, 'pid=1 netns=7 utsns=3'), 5).kind).toBe('same-event');
    const k = new NodeSerials();
    k.check(false, 1000, 40, rec(40, 'item=0 name="/a"'), -1);
    expect(k.check(false, 1000, 40, rec(40, 'item=1 name="/b"'), -1).kind).toBe('same-event');
    expect(k.check(false, 1000, 40, rec(40, 'item=1 name="/b"'), -1).kind).toBe('duplicate');
  });

  it('says which own serials are missing', () => {
    const s = new NodeSerials();
    s.check(true, 1000, 5, rec(5), 0);
    expect(s.check(true, 1000, 9, rec(9), 0)).toEqual({ kind: 'gap', first: 6, last: 8 });
  });

  it('does not take the kernel serials between own events for gaps', () => {
    const s = new NodeSerials();
    s.check(true, 1000, 0x80000000, rec(0x80000000), 0);
    expect(s.check(false, 1000, 120, rec(120, 'arch=c000003e syscall=308'), -1).kind).toBe('next');
    expect(s.check(true, 1000, 0x80000001, rec(0x80000001), 0).kind).toBe('next');
  });

  it('knows a wrap past 2^32 from a serial going back', () => {
    const s = new NodeSerials();
    s.check(true, 1000, 0xfffffffe, rec(0xfffffffe), 0);
    expect(s.check(true, 1000, 1, rec(1), 0).kind).toBe('wrapped');
    expect(s.check(true, 1000, 2, rec(2), 0).kind).toBe('next');
    const t = new NodeSerials();
    t.check(true, 1000, 500, rec(500), 0);
    expect(t.check(true, 1000, 5, rec(5), 0).kind).toBe('back');
  });
});
