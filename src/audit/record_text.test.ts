import { describe, expect, it } from 'vitest';
import { fieldValue, parseStamp, untrustedString } from './record_text.js';

describe('parseStamp', () => {
  it('reads the seed stamp and where the fields begin', () => {
    expect(parseStamp('audit(1408577535.306:81): pid=1')).toEqual({ sec: 1408577535, msec: 306, serial: 81, end: 26 });
  });

  it('reads a stamp inside a log line, and one with nothing after it (EOE)', () => {
    const line = 'node=hostA type=EOE msg=audit(1.002:3):';
    expect(parseStamp(line, line.indexOf('audit('))).toEqual({ sec: 1, msec: 2, serial: 3, end: line.length });
  });

  it.each([
    ['no stamp', 'type=1300 x'],
    ['a serial past 32 bits', 'audit(1.002:4294967296): x'],
    ['two-digit milliseconds', 'audit(1.02:3): x'],
    ['no seconds', 'audit(.002:3): x'],
    ['no serial', 'audit(1.002:): x'],
    ['cut after the serial', 'audit(1.002:3'],
    ['a letter in the seconds', 'audit(1a.002:3): x'],
  ])('refuses %s', (_name, text) => {
    expect(parseStamp(text)).toBeNull();
  });
});

describe('fieldValue', () => {
  it.each([
    ['pid', '8'], ['ppid', '7'], ['comm', '"a"'], ['key', '(null)'], ['exe', null],
  ])('finds %s', (name, value) => {
    expect(fieldValue('audit(1.002:3): ppid=7 pid=8 comm="a" key=(null)', name)).toBe(value);
  });
});

describe('untrustedString', () => {
  it.each([
    ['"unshare"', 'unshare'], ['2F746D702F612062', '/tmp/a b'], ['(null)', null], ['xyz', null],
  ])('%s is %s', (v, text) => {
    expect(untrustedString(v)).toBe(text);
  });
});
