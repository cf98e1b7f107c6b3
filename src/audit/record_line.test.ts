import { describe, expect, it } from 'vitest';
import { formatRecords } from './format.js';
import { eventKey, isTypeName, newLineSpans, parseRecordLine, scanLine } from './record_line.js';

describe('parseRecordLine', () => {
  it('reads node=, the type, the stamp and the fields of a VIRT_CONTROL, its msg=\'…\' whole', () => {
    const line = "node=a type=VIRT_CONTROL msg=audit(1.002:3): pid=4 msg='op=start vm=\"x y\"'";
    expect(parseRecordLine(line)).toEqual({
      node: 'a', type: 'VIRT_CONTROL', stamp: { sec: 1, msec: 2, serial: 3 }, body: 45,
      fields: new Map([['pid', '4'], ['msg', '\'op=start vm="x y"\'']]),
    });
  });

  it('reads a line without node= (no node in the record), fields in the line\'s order', () => {
    const r = parseRecordLine('type=AUDIT_NS_INIT_NET msg=audit(1408577535.306:81): pid=481 uid=0 old_netns=7 netns=8 res=1')!;
    expect([r.node, r.type, r.stamp, [...r.fields]]).toEqual([undefined, 'AUDIT_NS_INIT_NET', { sec: 1408577535, msec: 306, serial: 81 },
      [['pid', '481'], ['uid', '0'], ['old_netns', '7'], ['netns', '8'], ['res', '1']]]);
    expect('node' in r).toBe(false);
  });

  it('reads the lines format.ts writes back into what they were written from', () => {
    const stamp = { sec: 1796153311, msec: 7, serial: 12 };
    const [vc, info] = formatRecords({ kind: 'virt-control', actor: { pid: 4, uid: 0, auid: 1000, ses: 2, subj: 'kernel' }, text: 'op=start vm=guest1 reason=a b', info: { kind: 'ns-info', pid: 4, namespaces: [] } }, stamp);
    expect([vc, info].map((l) => { const r = parseRecordLine(l!)!; return [r.type, r.stamp, r.fields.get('msg')]; }))
      .toEqual([['VIRT_CONTROL', stamp, "'op=start vm=guest1 reason=a b'"], ['NS_INFO', stamp, undefined]]);
  });

  it.each([
    ['UNKNOWN[n], a type number auditd has no name for', 'type=UNKNOWN[1329] msg=audit(1.002:3): a=1', 'UNKNOWN[1329]'],
    ['a name with digits', 'type=X25 msg=audit(1.002:3): a=1', 'X25'],
    ['EOE: no fields, no blank after the stamp', 'type=EOE msg=audit(1.002:3):', 'EOE'],
  ])('reads %s', (_name, line, type) => {
    expect(parseRecordLine(line)?.type).toBe(type);
  });

  it('keeps quotes as printed, so a quoted string and one in hex stay apart; the first of a name that comes twice', () => {
    const r = parseRecordLine('type=SYSCALL msg=audit(1.002:3): comm="a b" exe=2F612062 key=(null) a0=1 a0=2 x=')!;
    expect([...r.fields]).toEqual([['comm', '"a b"'], ['exe', '2F612062'], ['key', '(null)'], ['a0', '1'], ['x', '']]);
  });

  // What scanLine says of each (the trail counts lines by it); a type that is not a name it leaves to parseRecordLine.
  const bad: readonly (readonly [string, string, string])[] = [
    ['an empty line', '', 'not-a-record'],
    ['other text', 'Dec  3 11:00:00 host kernel: hello', 'not-a-record'],
    ['NUL bytes', '\0\0\0\x01garbage', 'garbage'],
    ['bytes that were not UTF-8', '\ufffd\ufffdx', 'garbage'],
    ['a lowercase type', 'type=ns_info msg=audit(1.002:3): pid=1', 'read'],
    ['UNKNOWN without a number', 'type=UNKNOWN[] msg=audit(1.002:3): pid=1', 'read'],
    ['UNKNOWN with a letter in it', 'type=UNKNOWN[13x] msg=audit(1.002:3): pid=1', 'read'],
    ['a node= alone', 'node=hostA', 'truncated'],
    ['a line cut inside the type', 'node=hostA type=NS_IN', 'truncated'],
    ['a line cut inside UNKNOWN[n]', 'type=UNKNOWN[13', 'truncated'],
    ['a type without msg=', 'type=NS_INFO', 'truncated'],
    ['a line cut inside the stamp', 'node=hostA type=NS_INFO msg=audit(1408577535.3', 'truncated'],
    ['a stamp with two-digit milliseconds', 'type=NS_INFO msg=audit(1.02:3): pid=1', 'truncated'],
    ['no blank after node=\'s name', 'node=a\ttype=EOE msg=audit(1.002:3):', 'truncated'],
  ];
  for (const [name, line, scanned] of bad) {
    it(`refuses ${name}; scanLine: ${scanned}`, () => {
      const s = scanLine(line, 0, line.length, newLineSpans());
      expect([parseRecordLine(line), typeof s === 'string' ? s : 'read']).toEqual([null, scanned]);
    });
  }
});

describe('scanLine', () => {
  it('reads a line inside a chunk, nothing past its end', () => {
    const chunk = 'node=hostA type=NS_INFO msg=audit(1.002:4): pid=4\nmore';
    const end = chunk.indexOf('\n');
    const s = scanLine(chunk, 0, end, newLineSpans());
    expect(typeof s === 'string' ? s : [chunk.slice(s.nodeStart, s.nodeEnd), chunk.slice(s.typeStart, s.typeEnd), s.stamp.serial, chunk.slice(s.stamp.end, end)])
      .toEqual(['hostA', 'NS_INFO', 4, 'pid=4']);
    expect(scanLine(chunk, 0, chunk.indexOf(' msg='), newLineSpans())).toBe('truncated');
  });
});

describe('isTypeName', () => {
  it.each([
    ['NS_INFO', true], ['X25', true], ['UNKNOWN[1329]', true], ['UNKNOWN', true],
    ['', false], ['ns_info', false], ['NS-INFO', false], ['UNKNOWN[]', false], ['UNKNOWN[13x]', false], ['UNKNOWN[13]x', false],
  ])('%s: %s', (name, is) => {
    expect(isTypeName(name, 0, name.length)).toBe(is);
  });
});

describe('eventKey', () => {
  it('is the same for the records of one event and differs when the time or the serial does', () => {
    const key = (l: string) => eventKey(parseRecordLine(l)!.stamp);
    const vc = "type=VIRT_CONTROL msg=audit(1408577535.006:81): pid=1 msg='x'";
    expect([
      key('node=b type=NS_INFO msg=audit(1408577535.006:81): pid=1'),
      key('type=NS_INFO msg=audit(1408577535.060:81): pid=1'),
      key('type=NS_INFO msg=audit(1408577535.006:82): pid=1'),
    ].map((k) => k === key(vc))).toEqual([true, false, false]);
    expect(key(vc)).toBe('1408577535.006:81');
  });
});
