import { describe, expect, it } from 'vitest';
import type { ModelEvent } from '../model/events.js';
import { profileTypes } from '../model/nstypes.js';
import type { Task } from '../model/state.js';
import { madeTypes, targetPid, unseenLine, unseenTypes } from './ns_unseen.js';
import { Sightings } from './sightings.js';
import { parseSyscall } from './syscall_record.js';

const sys = (fields: string) => parseSyscall(`audit(1796153311.663:16): arch=c000003e ${fields} ppid=7 pid=10 comm="unshare" exe="/usr/bin/unshare" key="nsproc"`)!;
const types = profileTypes('modern').byName;
const actor = (pid: number) => ({ pid, uid: 0, auid: 4294967295, ses: 4294967295, subj: '?' });
const init = (name: 'net' | 'mnt' | 'uts', pid: number): ModelEvent => ({ kind: 'ns-created', type: types.get(name)!, snum: 9n, oldSnum: 3n, actor: actor(pid) });
const info = (pid: number): ModelEvent => ({ kind: 'ns-info', pid, namespaces: [] });

describe('madeTypes: the namespace types from the flags the kernel logged', () => {
  it.each([
    ['unshare -n', 'syscall=272 success=yes exit=0 a0=40000000 a1=0', ['net']],
    ['unshare -n -m (table order: net before mnt)', 'syscall=272 success=yes exit=0 a0=40020000 a1=0', ['net', 'mnt']],
    ['unshare of every type, time (0x80) too', 'syscall=272 success=yes exit=0 a0=7e020080 a1=0', ['net', 'uts', 'ipc', 'pid', 'user', 'mnt', 'cgroup', 'time']],
    ['unshare(CLONE_FILES): none', 'syscall=272 success=yes exit=0 a0=400 a1=0', []],
    ['a fork (clone CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD): none', 'syscall=56 success=yes exit=11 a0=1200011 a1=0', []],
    ['clone(CLONE_NEWNET|CLONE_NEWUTS|SIGCHLD)', 'syscall=56 success=yes exit=11 a0=44000011 a1=0', ['net', 'uts']],
    ["clone's exit signal is no flag (0x80 would be time's)", 'syscall=56 success=yes exit=11 a0=40000091 a1=0', ['net']],
    ['clone3: its flags are in user memory', 'syscall=435 success=yes exit=11 a0=7ffd75dca1f0 a1=58', 'unknown'],
    ['setns into a net namespace (nstype a1)', 'syscall=308 success=yes exit=0 a0=3 a1=40000000', ['net']],
    ['setns with a pidfd and two types', 'syscall=308 success=yes exit=0 a0=3 a1=44000000', ['net', 'uts']],
    ['setns with nstype 0 (any type: the fd says)', 'syscall=308 success=yes exit=0 a0=3 a1=0', 'unknown'],
    ['a failed unshare: nothing', 'syscall=272 success=no exit=-1 a0=40000000 a1=0', []],
    ['execve: nothing', 'syscall=59 success=yes exit=0 a0=55d0 a1=0', []],
  ])('%s', (_name, fields, want) => {
    expect(madeTypes(sys(fields))).toEqual(want);
  });

  it('names the child for a clone, the caller otherwise', () => {
    expect([targetPid(sys('syscall=56 success=yes exit=11 a0=40000011'), new Map()), targetPid(sys('syscall=272 success=yes exit=0 a0=40000000'), new Map())]).toEqual([11, 10]);
  });

  it("a clone by a process in a child pid namespace returns the child's pid there: the host's is its child's with that pid", () => {
    // Host pid 10 is pid 1 of its pid namespace; its child 501 there is pid 2.
    const child = { nrs: [501, 2] } as unknown as Task;
    const tasks = new Map([[10, { nrs: [10, 1], children: new Set([child]) } as unknown as Task], [501, child]]);
    expect(targetPid(sys('syscall=56 success=yes exit=2 a0=40000011'), tasks)).toBe(501);
    expect(targetPid(sys('syscall=56 success=yes exit=3 a0=40000011'), tasks)).toBeNull();
  });
});

describe('unseenTypes', () => {
  const unshareNetMnt = sys('syscall=272 success=yes exit=0 a0=40020000 a1=0');
  const cloneNet = sys('syscall=56 success=yes exit=11 a0=40000011 a1=0');
  const clone3 = sys('syscall=435 success=yes exit=11 a0=7ffd75dca1f0 a1=58');
  const setns = sys('syscall=308 success=yes exit=0 a0=3 a1=40000000');
  const fork = sys('syscall=56 success=yes exit=11 a0=1200011 a1=0');
  const T = 1_000_000;
  const u = (x: typeof fork, readNow: boolean, s: Sightings, since: number) => unseenTypes(x, targetPid(x, new Map()), readNow, s, since);
  const seen = (events: ModelEvent[], reads: number[] = [], at = T) => {
    const s = new Sightings();
    s.note(events, reads, at);
    return s;
  };

  it('an unshare whose process was gone before it was read: every type it made', () => {
    expect(u(unshareNetMnt, false, seen([]), T)).toEqual(['net', 'mnt']);
  });

  it('the types whose INIT by the caller came since the syscall were seen; the others not', () => {
    expect(u(unshareNetMnt, false, seen([init('net', 10)]), T)).toEqual(['mnt']);
    expect(u(unshareNetMnt, false, seen([init('net', 10), init('mnt', 10)]), T)).toBeNull();
  });

  it("an INIT from before the syscall, or another process's, is not its own", () => {
    expect(u(unshareNetMnt, false, seen([init('net', 10), init('mnt', 10)], [], T - 1), T)).toEqual(['net', 'mnt']);
    expect(u(unshareNetMnt, false, seen([init('net', 99), init('mnt', 99)]), T)).toEqual(['net', 'mnt']);
  });

  it('each INIT answers one syscall: a second unshare of the same process is unseen', () => {
    const s = seen([init('net', 10)]);
    const unshareNet = sys('syscall=272 success=yes exit=0 a0=40000000 a1=0');
    expect([u(unshareNet, false, s, T), u(unshareNet, false, s, T)]).toEqual([null, ['net']]);
  });

  it('a clone whose child nsproc cannot name (under a child pid namespace, not read): every type unseen', () => {
    expect(unseenTypes(cloneNet, null, false, seen([init('net', 11)]), T)).toEqual(['net']);
  });

  it('a process alive and read now was seen, whatever it made', () => {
    expect(u(unshareNetMnt, true, seen([]), T)).toBeNull();
  });

  it("a clone's child: its INIT; a fork made nothing to see", () => {
    expect(u(cloneNet, false, seen([init('net', 10)]), T)).toEqual(['net']);
    expect(u(cloneNet, false, seen([init('net', 11)]), T)).toBeNull();
    expect(u(fork, false, seen([]), T)).toBeNull();
  });

  it('clone3: a child read since, or with an INIT or NS_INFO, was seen; else types=unknown', () => {
    expect(u(clone3, false, seen([]), T)).toBe('unknown');
    expect(u(clone3, false, seen([], [11]), T)).toBeNull();
    expect(u(clone3, false, seen([], [11], T - 5), T)).toBe('unknown');
    expect(u(clone3, false, seen([init('uts', 11)]), T)).toBeNull();
    expect(u(clone3, false, seen([info(11)]), T)).toBeNull();
  });

  it("setns: the caller's NS_INFO since the syscall, or the caller alive now", () => {
    expect(u(setns, false, seen([]), T)).toEqual(['net']);
    expect(u(setns, false, seen([info(10)]), T)).toBeNull();
    expect(u(setns, true, seen([]), T)).toBeNull();
  });
});

describe('unseenLine', () => {
  it('writes the record with the event stamp, the syscall by name, comm and exe as the SYSCALL record had them', () => {
    const text = 'audit(1796153311.663:16): arch=c000003e syscall=272 success=yes exit=0 a0=40020000 a1=0 ppid=7 pid=10 comm="unshare" exe="/usr/bin/unshare" key="nsproc"';
    expect(unseenLine('1796153311.663:16', parseSyscall(text)!, ['net', 'mnt'], text))
      .toBe('type=NSPROC_NS_UNSEEN msg=audit(1796153311.663:16): pid=10 syscall=unshare types=net,mnt comm="unshare" exe="/usr/bin/unshare"');
  });

  it('keeps hex comm/exe as hex, says types=unknown, and (null) where the record had none', () => {
    const text = 'audit(1.002:3): arch=c000003e syscall=435 success=yes exit=11 a0=7ffd75dca1f0 a1=58 pid=10 comm=6D7920636F6D6D exe=(null) key="nsproc"';
    expect(unseenLine('1.002:3', parseSyscall(text)!, 'unknown', text))
      .toBe('type=NSPROC_NS_UNSEEN msg=audit(1.002:3): pid=10 syscall=clone3 types=unknown comm=6D7920636F6D6D exe=(null)');
    const bare = 'audit(1.002:4): arch=c000003e syscall=272 success=yes exit=0 a0=40000000 pid=10';
    expect(unseenLine('1.002:4', parseSyscall(bare)!, ['net'], bare)).toBe('type=NSPROC_NS_UNSEEN msg=audit(1.002:4): pid=10 syscall=unshare types=net comm=(null) exe=(null)');
  });
});
