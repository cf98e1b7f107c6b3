import { describe, expect, it } from 'vitest';
import { boot } from '../model/boot.js';
import { clone } from '../model/ops/clone.js';
import { allTasks, type ModelState } from '../model/state.js';
import { renderCmdline, renderComm, renderSnum, renderStatus } from './render.js';

function booted(): ModelState {
  const b = boot({ profile: 'modern' });
  if (!b.ok) throw new Error(b.error.detail);
  return b.value.state;
}

describe('renderStatus()', () => {
  it('prints proc(5) lines in Linux 6.18 order, tab-separated, for init', () => {
    expect(renderStatus(allTasks(booted()).get(1)!)).toBe([
      'Name:\tinit', 'State:\tS (sleeping)', 'Tgid:\t1', 'Ngid:\t0', 'Pid:\t1', 'PPid:\t0', 'TracerPid:\t0',
      'Uid:\t0\t0\t0\t0', 'Gid:\t0\t0\t0\t0', 'NStgid:\t1', 'NSpid:\t1', 'Kthread:\t0', 'CapEff:\t000001ffffffffff', '',
    ].join('\n'));
  });

  it('lists NStgid/NSpid outermost first, one number per pid namespace level (fs/proc/array.c)', () => {
    const s = booted();
    const pidFlag = s.types.byName.get('pid')!.flag;
    const a = clone(s, 1, pidFlag);
    const b = a.ok ? clone(s, a.value.pid, pidFlag) : a;
    const c = b.ok ? clone(s, b.value.pid, 0) : b;
    if (!c.ok) throw new Error(c.error.detail);
    const text = renderStatus(allTasks(s).get(c.value.pid)!);
    expect(text).toMatch(/^NStgid:\t6\t3\t2$/m);
    expect(text).toMatch(/^NSpid:\t6\t3\t2$/m);
    expect(text).toMatch(/^PPid:\t5$/m);
  });

  it('says Kthread 1 for kernel threads and PPid 2 for kdevtmpfs', () => {
    const t = allTasks(booted()).get(3)!;
    expect(renderStatus(t)).toMatch(/^Name:\tkdevtmpfs\n(.*\n)*PPid:\t2\n(.*\n)*Kthread:\t1$/m);
  });

  it('keeps the keys in the order the host kernel prints them (those it has)', async () => {
    const fs = await import('node:fs/promises');
    const host = (await fs.readFile('/proc/self/status', 'utf8')).split('\n').map((l) => l.split(':')[0]!);
    const ours = renderStatus(allTasks(booted()).get(1)!).split('\n').filter(Boolean).map((l) => l.split(':')[0]!);
    expect(ours.every((k) => host.includes(k))).toBe(true);
    expect(host.filter((k) => ours.includes(k))).toEqual(ours);
  });
});

describe('renderSnum()', () => {
  it('prints the serial in lowercase hex and a newline', () => {
    expect(renderSnum(booted().initial['net']!)).toBe('7\n');
  });
});

describe('renderComm() and renderCmdline()', () => {
  it('print a model task\'s comm with a newline, and its comm as its one argument', () => {
    const init = allTasks(booted()).get(1)!;
    expect([renderComm(init), renderCmdline(init)]).toEqual(['init\n', 'init\0']);
  });

  it('take a host process\'s comm from its stat line, the last ")" ending it, unescaped', () => {
    const t = { ...allTasks(booted()).get(1)!, comm: 'a\\nb' };
    t.host = { status: '', stat: '7 (a\nb) (c) S 1 7 7 0 -1\n', cmdline: 'sh\0-c\0x\0', nsDenied: false, container: null,
      creds: { uids: [0, 0, 0, 0], gids: [0, 0, 0, 0], capPrm: 0n, dumpable: true } };
    expect([renderComm(t), renderCmdline(t)]).toEqual(['a\nb) (c\n', 'sh\0-c\0x\0']);
  });
});
