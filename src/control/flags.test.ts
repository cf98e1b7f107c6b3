import { describe, expect, it } from 'vitest';
import { profileTypes } from '../model/nstypes.js';
import { parseEntry, parseFlags, typeOf } from './flags.js';

const v5 = profileTypes('v5');
const modern = profileTypes('modern');

describe('parseFlags()', () => {
  it('parseFlags() example: net,mnt is CLONE_NEWNET|CLONE_NEWNS', () => {
    expect(parseFlags('net,mnt', v5)).toEqual({ ok: true, value: 0x40020000 });
  });

  it.each([
    ['0', 0],
    ['0x0', 0],
    ['0x40020000', 0x40020000],
    ['0X40020000', 0x40020000],
    ['0x7C020000', 0x7c020000],
    ['0x7c020000', 0x7c020000],
    ['CLONE_NEWNET|CLONE_NEWNS', 0x40020000],
    ['CLONE_NEWNS|CLONE_NEWNET', 0x40020000],
    ['net,mnt', 0x40020000],
    ['net|mnt', 0x40020000],
    ['CLONE_NEWNET,mnt', 0x40020000],
    ['net,net', 0x40000000],
    ['net', 0x40000000],
    ['uts', 0x04000000],
    ['ipc', 0x08000000],
    ['pid', 0x20000000],
    ['user', 0x10000000],
    ['mnt', 0x00020000],
    ['CLONE_NEWUTS', 0x04000000],
    ['CLONE_NEWIPC', 0x08000000],
    ['CLONE_NEWPID', 0x20000000],
    ['CLONE_NEWUSER', 0x10000000],
    ['CLONE_NEWNS', 0x00020000],
    ['net,uts,ipc,pid,user,mnt', 0x7c020000],
  ])('parseFlags() accepts %s in v5', (text, want) => {
    expect(parseFlags(text, v5)).toEqual({ ok: true, value: want });
  });

  it.each([
    ['cgroup', 0x02000000],
    ['time', 0x00000080],
    ['CLONE_NEWCGROUP|CLONE_NEWTIME', 0x02000080],
    ['0x7e020080', 0x7e020080],
  ])('parseFlags() accepts %s in modern', (text, want) => {
    expect(parseFlags(text, modern)).toEqual({ ok: true, value: want });
  });

  it.each([
    ['cgroup (not in v5)', 'cgroup'],
    ['time (not in v5)', 'time'],
    ['CLONE_NEWCGROUP (not in v5)', 'CLONE_NEWCGROUP'],
    ['a cgroup bit in hex (not in v5)', '0x02000000'],
    ['hex with unknown bits', '0x40000001'],
    ['CLONE_VM as hex', '0x00000100'],
    ['hex with too many digits', '0x140000000'],
    ['a bare 0x', '0x'],
    ['hex with a non-hex digit', '0x4000000g'],
    ['decimal flags', '1073741824'],
    ['00', '00'],
    ['empty text', ''],
    ['an unknown name', 'netns'],
    ['wrong case name', 'NET'],
    ['lower-case flag name', 'clone_newnet'],
    ['an empty item', 'net,,mnt'],
    ['a trailing comma', 'net,'],
    ['a leading bar', '|net'],
    ['a for_children entry', 'pid_for_children'],
    ['spaces inside', 'net, mnt'],
    ['a negative number', '-1'],
    ['prototype names', 'constructor'],
  ])('parseFlags() fails with EINVAL for %s', (_name, text) => {
    const r = parseFlags(text, v5);
    expect(r.ok ? 'ok' : r.error.errno).toBe('EINVAL');
  });
});

describe('typeOf()', () => {
  it.each(v5.types.map((t) => [t.name, t.flagName] as const))('typeOf() finds %s by name and by %s', (name, flagName) => {
    const byName = typeOf(name, v5);
    const byFlag = typeOf(flagName, v5);
    expect(byName.ok && byName.value.name).toBe(name);
    expect(byFlag.ok && byFlag.value.name).toBe(name);
  });

  it.each(['toString', '__proto__', 'hasOwnProperty', ''])('typeOf() fails with EINVAL for %j', (token) => {
    const r = typeOf(token, v5);
    expect(r.ok ? 'ok' : r.error.errno).toBe('EINVAL');
  });
});

describe('parseEntry()', () => {
  it.each([
    ['0', null],
    ['0x0', null],
    ['net', 'net'],
    ['CLONE_NEWNS', 'mnt'],
    ['0x10000000', 'user'],
    ['pid_for_children', 'pid_for_children'],
  ])('parseEntry() takes %s as entry %s', (text, entry) => {
    const r = parseEntry(text, v5);
    expect(r.ok).toBe(true);
    expect(r.ok && (r.value === null ? null : r.value.entry)).toBe(entry);
  });

  it('parseEntry() takes time_for_children in modern', () => {
    const r = parseEntry('time_for_children', modern);
    expect(r.ok && r.value?.type.name).toBe('time');
  });

  it.each([
    ['two types', 'net,mnt'],
    ['two bits in hex', '0x40020000'],
    ['an unknown bit', '0x1'],
    ['net_for_children (net has none)', 'net_for_children'],
    ['time_for_children in v5', 'time_for_children'],
    ['cgroup in v5', 'cgroup'],
    ['an unknown name', 'bogus'],
    ['_for_children alone', '_for_children'],
  ])('parseEntry() fails with EINVAL for %s', (_name, text) => {
    const r = parseEntry(text, v5);
    expect(r.ok ? 'ok' : r.error.errno).toBe('EINVAL');
  });
});
