import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { profileTypes } from '../model/nstypes.js';
import type { Command } from './command.js';
import { MAX_LINE, parseLine } from './parse.js';

const v5 = profileTypes('v5');
const modern = profileTypes('modern');
const type = (name: string) => v5.byName.get(name)!;
const ALL_CAPS_37 = (1n << 38n) - 1n;

/** The errno of a parse, or 'ok'. */
function errnoOf(line: string, pt = v5): string {
  const r = parseLine(line, pt);
  return r.ok ? 'ok' : r.error.errno;
}

describe('parseLine() valid forms', () => {
  it('parseLine() example: clone 1 net,mnt', () => {
    expect(parseLine('clone 1 net,mnt', v5)).toEqual({ ok: true, value: { op: 'clone', actor: 1, flags: 0x40020000 } });
  });

  const cases: [string, Command][] = [
    ['clone 1 0', { op: 'clone', actor: 1, flags: 0 }],
    ['clone 1 CLONE_NEWNET|CLONE_NEWNS', { op: 'clone', actor: 1, flags: 0x40020000 }],
    ['clone 1 0x40020000', { op: 'clone', actor: 1, flags: 0x40020000 }],
    ['clone 2147483647 user', { op: 'clone', actor: 2147483647, flags: 0x10000000 }],
    ['unshare 4 uts', { op: 'unshare', actor: 4, flags: 0x04000000 }],
    ['unshare 4 0', { op: 'unshare', actor: 4, flags: 0 }],
    ['setns 5 4 net', { op: 'setns', actor: 5, target: { kind: 'task', pid: 4, entry: 'net' }, type: type('net') }],
    ['setns 5 4 CLONE_NEWNS', { op: 'setns', actor: 5, target: { kind: 'task', pid: 4, entry: 'mnt' }, type: type('mnt') }],
    ['setns 5 4 0x20000000', { op: 'setns', actor: 5, target: { kind: 'task', pid: 4, entry: 'pid' }, type: type('pid') }],
    ['setns 5 4 pid_for_children', { op: 'setns', actor: 5, target: { kind: 'task', pid: 4, entry: 'pid_for_children' }, type: type('pid') }],
    ['setns 5 pin:1 0', { op: 'setns', actor: 5, target: { kind: 'pin', id: 1 }, type: null }],
    ['setns 5 pin:12 user', { op: 'setns', actor: 5, target: { kind: 'pin', id: 12 }, type: type('user') }],
    ['exit 4', { op: 'exit', actor: 4 }],
    ['pin 4 net', { op: 'pin', actor: 4, entry: 'net' }],
    ['pin 4 CLONE_NEWUSER', { op: 'pin', actor: 4, entry: 'user' }],
    ['pin 4 pid_for_children', { op: 'pin', actor: 4, entry: 'pid_for_children' }],
    ['unpin pin:1', { op: 'unpin', pin: 1 }],
    ['unpin 7', { op: 'unpin', pin: 7 }],
    ['setcred 4 uid=1000 gid=1000', { op: 'setcred', actor: 4, change: { uid: 1000, gid: 1000 } }],
    ['setcred 4 uid=0', { op: 'setcred', actor: 4, change: { uid: 0 } }],
    ['setcred 4 caps=all', { op: 'setcred', actor: 4, change: { caps: ALL_CAPS_37 } }],
    ['setcred 4 caps=none', { op: 'setcred', actor: 4, change: { caps: 0n } }],
    ['setcred 4 caps=0x200000', { op: 'setcred', actor: 4, change: { caps: 1n << 21n } }],
    ['setcred 4 caps=sys_admin,CAP_AUDIT_WRITE', { op: 'setcred', actor: 4, change: { caps: (1n << 21n) | (1n << 29n) } }],
    ['setcred 4 auid=1000 ses=3', { op: 'setcred', actor: 4, change: { auid: 1000, ses: 3 } }],
    ['setcred 4 auid=unset ses=unset', { op: 'setcred', actor: 4, change: { auid: 4294967295, ses: 4294967295 } }],
    ['setcred 4 subj=system_u:system_r:init_t:s0', { op: 'setcred', actor: 4, change: { subj: 'system_u:system_r:init_t:s0' } }],
    ['setcred 4 subj=a=b', { op: 'setcred', actor: 4, change: { subj: 'a=b' } }],
    ['setcred 4 comm=bash', { op: 'setcred', actor: 4, change: { comm: 'bash' } }],
    ['ns_info 1 4', { op: 'ns_info', actor: 1, pid: 4 }],
    ['virt_control 1 op=start vm=guest1', { op: 'virt_control', actor: 1, text: 'op=start vm=guest1' }],
    ['self 4', { op: 'self', pid: 4 }],
    ['virt_control 1 x', { op: 'virt_control', actor: 1, text: 'x' }],
    ['virt_control 1 a  b', { op: 'virt_control', actor: 1, text: 'a  b' }],
    ['virt_control 1 vm=gäst', { op: 'virt_control', actor: 1, text: 'vm=gäst' }],
    // TEXT is the rest of the line after the one blank that ends ACTOR, its own blanks kept.
    ['virt_control 1   x  ', { op: 'virt_control', actor: 1, text: '  x  ' }],
    ['virt_control 1\t\tx\t', { op: 'virt_control', actor: 1, text: '\tx\t' }],
    ['  virt_control  1 a\\b "c" ', { op: 'virt_control', actor: 1, text: 'a\\b "c" ' }],
    // Blanks around and between words are separators.
    ['  exit\t4  ', { op: 'exit', actor: 4 }],
    ['clone  1\t\tnet', { op: 'clone', actor: 1, flags: 0x40000000 }],
  ];
  it.each(cases)('parseLine() parses %j', (line, want) => {
    expect(parseLine(line, v5)).toEqual({ ok: true, value: want });
  });

  it('parseLine() takes cgroup and time flags in modern', () => {
    expect(parseLine('clone 1 cgroup,time', modern)).toEqual({ ok: true, value: { op: 'clone', actor: 1, flags: 0x02000080 } });
  });

  it('parseLine() takes a line of exactly MAX_LINE bytes', () => {
    const line = `virt_control 1 ${'x'.repeat(MAX_LINE - 'virt_control 1 '.length)}`;
    expect(Buffer.byteLength(line)).toBe(MAX_LINE);
    expect(errnoOf(line)).toBe('ok');
  });
});

describe('parseLine() malformed lines', () => {
  it.each([
    // unknown commands
    ['an unknown command', 'bogus 1'],
    ['an upper-case command', 'CLONE 1 net'],
    ['an empty line', ''],
    ['a prototype name toString', 'toString 1'],
    ['a prototype name constructor', 'constructor 1 net'],
    ['a prototype name __proto__', '__proto__ 1'],
    ['a prototype name hasOwnProperty', 'hasOwnProperty 1 2'],
    ['a prototype name valueOf', 'valueOf 1'],
    // arity
    ['clone without flags', 'clone 1'],
    ['clone without args', 'clone'],
    ['clone with an extra word', 'clone 1 net mnt'],
    ['unshare without flags', 'unshare 4'],
    ['unshare with an extra word', 'unshare 4 net x'],
    ['setns without type', 'setns 5 4'],
    ['setns with an extra word', 'setns 5 4 net x'],
    ['self without a pid', 'self'],
    ['self with a pin', 'self pin:1'],
    ['exit without actor', 'exit'],
    ['exit with an extra word', 'exit 4 5'],
    ['pin without type', 'pin 4'],
    ['pin with an extra word', 'pin 4 net mnt'],
    ['unpin without id', 'unpin'],
    ['unpin with an extra word', 'unpin pin:1 pin:2'],
    ['setcred without pairs', 'setcred 4'],
    ['ns_info without pid', 'ns_info 1'],
    ['ns_info with an extra word', 'ns_info 1 4 5'],
    ['virt_control without text', 'virt_control 1'],
    ['virt_control with only blanks', 'virt_control 1   '],
    // pids
    ['pid 0', 'exit 0'],
    ['a negative pid', 'exit -4'],
    ['a pid with a leading zero', 'exit 04'],
    ['a hex pid', 'exit 0x4'],
    ['a pid above 2^31-1', 'exit 2147483648'],
    ['an 11-digit pid', 'exit 12345678901'],
    ['a pid with a sign', 'exit +4'],
    ['a pid with letters', 'exit 4a'],
    ['a pin id as actor', 'exit pin:1'],
    ['a bad setns target', 'setns 5 four net'],
    ['a bad ns_info pid', 'ns_info 1 x'],
    // flags
    ['an unknown flag', 'clone 1 bogus'],
    ['cgroup in v5', 'clone 1 cgroup'],
    ['CLONE_NEWCGROUP in v5', 'unshare 1 CLONE_NEWCGROUP'],
    ['time in v5', 'clone 1 net,time'],
    ['hex with unknown bits', 'clone 1 0x40020001'],
    ['hex with a cgroup bit in v5', 'clone 1 0x02000000'],
    ['decimal flags', 'clone 1 131072'],
    // setns/pin types and targets
    ['setns with a pid TARGET and TYPE 0', 'setns 5 4 0'],
    ['setns with a pid TARGET and TYPE 0x0', 'setns 5 4 0x0'],
    ['setns with two types', 'setns 5 4 net,mnt'],
    ['setns with an unknown type', 'setns 5 4 bogus'],
    ['setns with pin:0', 'setns 5 pin:0 0'],
    ['setns with pin:x', 'setns 5 pin:x 0'],
    ['setns with pin: and nothing', 'setns 5 pin: 0'],
    ['pin TYPE 0', 'pin 4 0'],
    ['pin TYPE 0x0', 'pin 4 0x0'],
    ['pin with two types', 'pin 4 net,mnt'],
    ['pin net_for_children', 'pin 4 net_for_children'],
    // pin ids
    ['unpin pin:0', 'unpin pin:0'],
    ['unpin 0', 'unpin 0'],
    ['unpin pin:-1', 'unpin pin:-1'],
    ['unpin pin:01', 'unpin pin:01'],
    ['unpin PIN:1', 'unpin PIN:1'],
    ['unpin pin:1x', 'unpin pin:1x'],
    ['unpin an 11-digit id', 'unpin pin:12345678901'],
    // setcred
    ['setcred with an unknown key', 'setcred 4 euid=0'],
    ['setcred with a prototype key', 'setcred 4 constructor=1'],
    ['setcred with an upper-case key', 'setcred 4 UID=0'],
    ['setcred without =', 'setcred 4 uid'],
    ['setcred with an empty value', 'setcred 4 uid='],
    ['setcred with an empty key', 'setcred 4 =0'],
    ['setcred with a duplicate key', 'setcred 4 uid=1 uid=2'],
    ['setcred with a negative uid', 'setcred 4 uid=-1'],
    ['setcred with a hex uid', 'setcred 4 uid=0x10'],
    ['setcred with an 11-digit uid', 'setcred 4 uid=12345678901'],
    ['setcred uid=unset', 'setcred 4 uid=unset'],
    ['setcred with a leading-zero gid', 'setcred 4 gid=01'],
    ['setcred with an unknown capability', 'setcred 4 caps=cap_bogus'],
    ['setcred with a v5-unknown capability (bpf)', 'setcred 4 caps=bpf'],
    ['setcred with a cap mask above CAP_LAST_CAP', 'setcred 4 caps=0x4000000000'],
    ['setcred with a non-numeric ses', 'setcred 4 ses=x'],
  ])('parseLine() fails with EINVAL for %s', (_name, line) => {
    expect(errnoOf(line)).toBe('EINVAL');
  });

  it.each([
    ['NUL', 'clone 1 net\0'],
    ['NUL inside', 'exit\x004'],
    ['a carriage return (CRLF line)', 'exit 4\r'],
    ['a form feed', 'exit 4\f'],
    ['a vertical tab between words', 'exit\v4'],
    ['an escape sequence', 'exit \x1b[31m4'],
    ['DEL', 'exit 4\x7f'],
    ['a C1 control', 'exit 4\u0085'],
    ['the replacement character (invalid UTF-8 decoded)', Buffer.from([0x65, 0x78, 0x69, 0x74, 0x20, 0x34, 0xff]).toString('utf8')],
    ['a lone UTF-8 continuation byte in virt_control text', Buffer.concat([Buffer.from('virt_control 1 a'), Buffer.from([0x80])]).toString('utf8')],
    ['a truncated UTF-8 sequence in virt_control text', Buffer.concat([Buffer.from('virt_control 1 '), Buffer.from([0xc3])]).toString('utf8')],
    ['a control byte in virt_control text', 'virt_control 1 a\x01b'],
  ])('parseLine() fails with EINVAL for %s', (_name, line) => {
    expect(errnoOf(line)).toBe('EINVAL');
  });

  it('parseLine() fails with EINVAL for a line one byte over MAX_LINE', () => {
    const line = `virt_control 1 ${'x'.repeat(MAX_LINE + 1 - 'virt_control 1 '.length)}`;
    expect(errnoOf(line)).toBe('EINVAL');
  });

  it('parseLine() counts MAX_LINE in bytes, not characters', () => {
    const prefix = 'virt_control 1 ';
    const line = prefix + 'é'.repeat((MAX_LINE - prefix.length) / 2 + 1);
    expect(line.length).toBeLessThan(MAX_LINE);
    expect(errnoOf(line)).toBe('EINVAL');
  });

  it('parseLine() quotes a long unknown command by characters, never splitting one in two', () => {
    const r = parseLine(`${'x'.repeat(39)}😀😀 1`, profileTypes('v5'));
    expect(r.ok ? '' : r.error.detail).not.toContain('\ufffd');
    expect(r.ok ? '' : Buffer.from(r.error.detail).toString()).toContain(`'${'x'.repeat(39)}😀'`);
  });

  it('parseLine() fails with EINVAL for a 1 MiB line', () => {
    expect(errnoOf(`clone 1 ${'net,'.repeat(1 << 18)}net`)).toBe('EINVAL');
  });
});

describe('parseLine() on any input', () => {
  const word = fc.oneof(
    fc.constantFrom('clone', 'unshare', 'setns', 'exit', 'pin', 'unpin', 'setcred', 'ns_info', 'virt_control',
      'toString', 'constructor', '__proto__', '1', '4', '0', 'pin:1', 'net,mnt', 'uid=0', 'caps=all', '0x0',
      'lsns', 'ps', '-t', '-o', '-p', '-J', '--tree=owner', "'", '"', '\\'),
    fc.string({ maxLength: 8 }),
    fc.string({ unit: 'binary', maxLength: 8 }),
  );
  it('parseLine() always answers a command or EINVAL, never throws', () => {
    fc.assert(fc.property(fc.array(word, { maxLength: 6 }), fc.constantFrom(' ', '\t', '  '), (words, sep) => {
      const r = parseLine(words.join(sep), v5);
      expect(r.ok || r.error.errno === 'EINVAL').toBe(true);
      if (r.ok) expect(typeof r.value.op).toBe('string');
    }), { numRuns: 2000 });
  });

  it('parseLine() refuses every line holding a C0 control other than tab, or DEL', () => {
    const control = fc.integer({ min: 0, max: 0x1f }).filter((c) => c !== 9).map((c) => String.fromCharCode(c));
    fc.assert(fc.property(fc.string({ maxLength: 10 }), fc.oneof(control, fc.constant('\x7f')), fc.string({ maxLength: 10 }), (a, c, b) => {
      expect(errnoOf(`exit 4${a}${c}${b}`)).toBe('EINVAL');
    }), { numRuns: 500 });
  });
});
