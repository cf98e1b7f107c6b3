import { describe, expect, it } from 'vitest';
import { fixedClock, parseClock, realClock } from './clock.js';

describe('parseClock()', () => {
  it('parseClock() example: fixed:1408577534.868 gives every record that time', () => {
    const r = parseClock('fixed:1408577534.868');
    expect(r.ok && [r.value.now(), r.value.now()]).toEqual([{ sec: 1408577534, msec: 868 }, { sec: 1408577534, msec: 868 }]);
  });

  it.each([
    ['fixed:1408577534.868', 1408577534, 868],
    ['fixed:1408577534', 1408577534, 0],
    ['fixed:0', 0, 0],
    ['fixed:1.5', 1, 500],
    ['fixed:1.05', 1, 50],
    ['fixed:1.0009', 1, 0],
    ['fixed:1.23456789', 1, 234],
  ])('parseClock() reads %s as sec %d msec %d', (spec, sec, msec) => {
    const r = parseClock(spec);
    expect(r.ok ? r.value.now() : r.error).toEqual({ sec, msec });
  });

  it('parseClock() gives the real clock for "real"', () => {
    const r = parseClock('real');
    expect(r.ok && r.value).toBe(realClock);
  });

  it.each(['', 'fixed:', 'fixed:abc', 'fixed:-1', 'fixed:1e9', 'fixed:1.', 'fixed:.5', 'fixed: 1', 'fixed:0x10',
    'Real', 'real ', 'fixed:99999999999999999999', 'fixed:1.2.3'])(
    'parseClock() fails with EINVAL for %j',
    (spec) => {
      const r = parseClock(spec);
      expect(r.ok ? 'ok' : r.error.errno).toBe('EINVAL');
    },
  );
});

describe('realClock / fixedClock()', () => {
  it('realClock.now() follows Date.now() in seconds and milliseconds', () => {
    const before = Date.now();
    const t = realClock.now();
    const after = Date.now();
    const ms = t.sec * 1000 + t.msec;
    expect(ms >= before && ms <= after && t.msec >= 0 && t.msec <= 999).toBe(true);
  });

  it('fixedClock() keeps its spec printable as fixed:SEC.MSEC', () => {
    expect(fixedClock({ sec: 1408577533, msec: 5 }).spec).toBe('fixed:1408577533.005');
  });
});
