import { describe, expect, it } from 'vitest';
import { fieldValue, nextField, parseStamp, untrustedString, type FieldSpan } from './record_text.js';

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

describe('nextField', () => {
  const all = (text: string, end = text.length): [string, string][] => {
    const f: FieldSpan = { keyStart: 0, keyEnd: 0, valueStart: 0, valueEnd: 0 };
    const out: [string, string][] = [];
    for (let p = nextField(text, 0, end, f); p >= 0; p = nextField(text, p, end, f)) out.push([text.slice(f.keyStart, f.keyEnd), text.slice(f.valueStart, f.valueEnd)]);
    return out;
  };

  it.each([
    ['blank-separated fields', 'pid=1 uid=0 subj=a:b:c', [['pid', '1'], ['uid', '0'], ['subj', 'a:b:c']]],
    ["a msg='…' with blanks and = inside, whole", "pid=1 msg='op=start vm=\"a b\"' res=1", [['pid', '1'], ['msg', '\'op=start vm="a b"\''], ['res', '1']]],
    ['a quoted string, quotes kept', 'comm="a b" exe=2F61', [['comm', '"a b"'], ['exe', '2F61']]],
    ['a quote never closed: to the blank', 'a="x y=1', [['a', '"x'], ['y', '1']]],
    ['words without =, and an empty value', 'hello a= (none) b=2', [['a', ''], ['b', '2']]],
  ])('reads %s', (_name, text, want) => {
    expect(all(text)).toEqual(want);
  });

  it('reads nothing past `end` (a line inside a chunk)', () => {
    const chunk = "a=1 msg='x\nb=2 y'";
    expect(all(chunk, chunk.indexOf('\n'))).toEqual([['a', '1'], ['msg', "'x"]]);
  });
});
