import { describe, expect, it } from 'vitest';
import { RECHECK_MS, RecheckSchedule } from './recheck.js';

describe('RecheckSchedule', () => {
  it('a candidate is handed out by the next check, once (the @example)', () => {
    const s = new RecheckSchedule();
    s.add('id:1');
    expect([[...s.due(0)], [...s.due(0)]]).toEqual([['id:1'], []]);
  });

  it('one still alive with no process is looked at again after 10, 50, 200 and 1000 ms, then only at full scans', () => {
    const s = new RecheckSchedule();
    let now = 1000;
    s.alive('id:1', now);
    const delays: number[] = [];
    for (;;) {
      const wait = s.nextDue(now);
      if (wait === Infinity) break;
      expect([...s.due(now + wait - 1)], 'not before it is due').toEqual([]);
      now += wait;
      expect([...s.due(now)]).toEqual(['id:1']);
      delays.push(wait);
      s.alive('id:1', now);
    }
    expect(delays).toEqual(RECHECK_MS);
    s.fullScan();
    expect([...s.due(now)]).toEqual(['id:1']);
  });

  it('the delays start again for a namespace that was a candidate by another way (it lost a process again)', () => {
    const s = new RecheckSchedule();
    s.alive('id:1', 0);
    expect([...s.due(10)]).toEqual(['id:1']);
    s.alive('id:1', 10);
    expect(s.nextDue(10)).toBe(50);
    s.add('id:1');
    expect([...s.due(10)]).toEqual(['id:1']);
    s.alive('id:1', 10);
    expect(s.nextDue(10)).toBe(10);
  });

  it('one held by something nsproc cannot follow waits for the next full scan', () => {
    const s = new RecheckSchedule();
    s.held('id:2');
    expect([s.nextDue(0), [...s.due(1e9)]]).toEqual([Infinity, []]);
    s.fullScan();
    expect([s.nextDue(5), [...s.due(5)]]).toEqual([0, ['id:2']]);
  });

  it('a freed namespace is never looked at again', () => {
    const s = new RecheckSchedule();
    s.alive('id:3', 0);
    s.forget('id:3');
    s.fullScan();
    expect([s.nextDue(0), [...s.due(100)]]).toEqual([Infinity, []]);
  });

  it('a candidate added while a check hands out keys waits for the next check', () => {
    const s = new RecheckSchedule();
    s.add('id:1');
    s.add('id:2');
    const seen: string[] = [];
    for (const key of s.due(0)) {
      seen.push(key);
      if (key === 'id:1') s.add('id:9');
    }
    expect(seen).toEqual(['id:1', 'id:2']);
    expect([...s.due(0)]).toEqual(['id:9']);
  });

  it('nextDue() is 0, not less, for one overdue, and the soonest of several', () => {
    const s = new RecheckSchedule();
    s.alive('id:1', 0);
    s.held('id:2');
    expect([s.nextDue(4), s.nextDue(500)]).toEqual([6, 0]);
  });
});
