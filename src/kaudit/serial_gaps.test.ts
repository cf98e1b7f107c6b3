import { describe, expect, it } from 'vitest';
import { SerialGaps } from './serial_gaps.js';

function seen(serials: number[], graceMs = 1000): SerialGaps {
  const g = new SerialGaps(graceMs);
  for (const s of serials) g.see(s, 0);
  return g;
}

describe('SerialGaps', () => {
  it('reports nothing for consecutive serials, starting at the first one seen', () => {
    expect(seen([40, 41, 42, 43]).take(5000)).toEqual([]);
  });

  it('reports a run of missing serials once the grace time has passed', () => {
    const g = seen([5, 6, 10, 11]);
    expect(g.take(999)).toEqual([]);
    expect(g.take(1000)).toEqual([{ first: 7, last: 9, count: 3 }]);
    expect(g.take(9000)).toEqual([]); // reported once
  });

  it('forgives serials that arrive late (another CPU), splitting the run', () => {
    expect(seen([1, 5, 3, 2]).take(1000)).toEqual([{ first: 4, last: 4, count: 1 }]);
    expect(seen([1, 3, 2, 2]).take(1000)).toEqual([]);
  });

  it('counts across the 32-bit wrap, where 0 is skipped', () => {
    expect(seen([4294967294, 4294967295, 1, 2]).take(1000)).toEqual([]);
    expect(seen([4294967293, 2]).take(1000)).toEqual([
      { first: 4294967294, last: 1, count: 3 },
    ]);
  });
});
