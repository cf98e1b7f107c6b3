/**
 * boot(): the state every scenario starts from (SPEC §2, §3, §6).
 */
import { describe, expect, it } from 'vitest';
import { booted, flagsOf, must, outcome, refsFromScratch, task } from './_test_util.js';
import { AUDIT_UNSET, boot } from './boot.js';
import { fullCaps } from './caps.js';
import { pidMapsConsistent } from './dump.js';
import type { NsCreatedEvent } from './events.js';
import { PROFILES, type NsName, type Profile } from './nstypes.js';
import { clone } from './ops/clone.js';
import { unshare } from './ops/unshare.js';
import { allTasks, type ModelState } from './state.js';

const snums = (s: ModelState) => Object.fromEntries(Object.entries(s.initial).map(([n, ns]) => [n, ns.snum]));
const inumOf = (s: ModelState, n: NsName) => s.initial[n]!.inum;

describe('boot()', () => {
  it('boot() example: the initial net namespace is serial 7 and pid 1 is init', () => {
    const { state } = must(boot({ profile: 'v5' }));
    expect([state.initial.net!.snum, allTasks(state).get(1)!.comm]).toEqual([7n, 'init']);
  });

  it.each([
    // SPEC §2: "Boot assigns ipc=1, uts=2, user=3, pid=4, mnt=5, ... net=7".
    ['v5', { ipc: 1n, uts: 2n, user: 3n, pid: 4n, mnt: 5n, net: 7n }],
    // "(profile modern: cgroup and time follow)".
    ['modern', { ipc: 1n, uts: 2n, user: 3n, pid: 4n, mnt: 5n, net: 7n, cgroup: 8n, time: 9n }],
  ] as const)('boot(%s) gives the initial namespaces their boot serials', (p, want) => {
    expect(snums(booted({ profile: p }))).toEqual(want);
  });

  it.each(PROFILES.map((p) => [p] as const))('boot(%s) gives kdevtmpfs\'s private mount namespace serial 6', (p) => {
    expect(task(booted({ profile: p }), 3).ns.mnt!.snum).toBe(6n);
  });

  it.each([
    // SPEC §2: "the first namespace created after boot gets the next number (8 in v5)".
    ['v5', 8n],
    ['modern', 10n],
  ] as const)('in profile %s the first namespace created after boot gets serial %s', (p, want) => {
    const s = booted({ profile: p });
    const created = must(clone(s, 1, flagsOf(s, 'uts'))).events[0] as NsCreatedEvent;
    expect(created.snum).toBe(want);
  });

  it('boot({ serialStart }) gives the first namespace created after boot that serial', () => {
    const s = booted({ serialStart: 0x1000n });
    expect((must(clone(s, 1, flagsOf(s, 'ipc'))).events[0] as NsCreatedEvent).snum).toBe(0x1000n);
  });

  it.each([
    // include/linux/proc_ns.h; v5's mnt and net come from the dynamic allocator in serial order:
    // mnt (5), kdevtmpfs's mnt (6), net (7).
    ['v5', 'ipc', 0xefffffff], ['v5', 'uts', 0xeffffffe], ['v5', 'user', 0xeffffffd], ['v5', 'pid', 0xeffffffc],
    ['v5', 'mnt', 0xf0000000], ['v5', 'net', 0xf0000002],
    ['modern', 'ipc', 0xefffffff], ['modern', 'uts', 0xeffffffe], ['modern', 'user', 0xeffffffd],
    ['modern', 'pid', 0xeffffffc], ['modern', 'mnt', 0xeffffff8], ['modern', 'net', 0xeffffff9],
    ['modern', 'cgroup', 0xeffffffb], ['modern', 'time', 0xeffffffa],
  ] as const)('boot(%s) gives the initial %s namespace inode number %i', (p, n, inum) => {
    expect(inumOf(booted({ profile: p }), n)).toBe(inum);
  });

  it.each([
    // v5: after the initial mnt; modern: the initial mnt has a fixed number and kdevtmpfs's
    // (made by ksys_unshare(CLONE_NEWNS) in drivers/base/devtmpfs.c) is the first dynamic one.
    ['v5', 0xf0000001],
    ['modern', 0xf0000000],
  ] as const)('boot(%s) gives kdevtmpfs\'s mount namespace the dynamic inode number %i', (p, inum) => {
    expect(task(booted({ profile: p }), 3).ns.mnt!.inum).toBe(inum);
  });

  it.each(PROFILES.map((p) => [p] as const))('boot(%s) gives every namespace a distinct inode number', (p) => {
    const inums = [...booted({ profile: p }).namespaces].map((ns) => ns.inum);
    expect(new Set(inums).size).toBe(inums.length);
  });

  it.each([
    ['v5', 0xf0000003],
    ['modern', 0xf0000001],
  ] as const)('in profile %s the first namespace created after boot gets inode number %i', (p, inum) => {
    const s = booted({ profile: p });
    must(unshare(s, must(clone(s, 1, 0)).pid, flagsOf(s, 'uts')));
    expect(task(s, 4).ns.uts!.inum).toBe(inum);
  });
});

describe('boot() tasks', () => {
  const cases: [string, (s: ModelState) => unknown, unknown][] = [
    ['only pids 1, 2 and 3 exist', (s) => [...allTasks(s).keys()].sort(), [1, 2, 3]],
    ['pid 1 is init, a user task without a parent', (s) => [task(s, 1).comm, task(s, 1).kthread, task(s, 1).parent], ['init', false, null]],
    ['pid 2 is kthreadd, a kernel thread without a parent', (s) => [task(s, 2).comm, task(s, 2).kthread, task(s, 2).parent], ['kthreadd', true, null]],
    ['pid 3 is kdevtmpfs, a kernel thread child of kthreadd', (s) => [task(s, 3).comm, task(s, 3).kthread, task(s, 3).parent?.nrs], ['kdevtmpfs', true, [2]]],
    ['kthreadd\'s only child is kdevtmpfs', (s) => [...(task(s, 2).children ?? [])].map((c) => c.nrs), [[3]]],
    ['pid 1 has no children', (s) => task(s, 1).children?.size ?? 0, 0],
    ['pid 1 is uid 0 gid 0 with every capability', (s) => [task(s, 1).cred.uid, task(s, 1).cred.gid, task(s, 1).cred.caps === fullCaps(s.types.lastCap)], [0, 0, true]],
    ['pid 1 has auid and ses unset and subj kernel', (s) => [task(s, 1).cred.auid, task(s, 1).cred.ses, task(s, 1).cred.subj], [AUDIT_UNSET, AUDIT_UNSET, 'kernel']],
    ['AUDIT_UNSET is (u32)-1', () => AUDIT_UNSET, 4294967295],
    ['pids 1 and 2 are in every initial namespace', (s) => [1, 2].every((p) => s.types.types.every((t) => task(s, p).ns[t.name] === s.initial[t.name])), true],
    ['kdevtmpfs has a private mount namespace', (s) => task(s, 3).ns.mnt !== s.initial.mnt && task(s, 3).ns.mnt!.type.name === 'mnt', true],
    ['kdevtmpfs is in the initial namespace of every other type', (s) => s.types.types.every((t) => t.name === 'mnt' || task(s, 3).ns[t.name] === s.initial[t.name]), true],
    ['kdevtmpfs\'s mount namespace is owned by the initial user namespace', (s) => task(s, 3).ns.mnt!.owner === s.initial.user, true],
    ['kdevtmpfs\'s mount namespace is not initial (only its task holds it)', (s) => [task(s, 3).ns.mnt!.initial, task(s, 3).ns.mnt!.refs], [false, 1]],
    ['every boot task has pid_for_children = the initial pid namespace', (s) => [1, 2, 3].every((p) => task(s, p).forChildren.pid === s.initial.pid), true],
    ['every boot task is live and has one pid (level 0)', (s) => [1, 2, 3].every((p) => task(s, p).state === 'live' && task(s, p).nrs.length === 1), true],
    ['the pid maps agree with the tasks', (s) => pidMapsConsistent(s), true],
    ['the initial pid namespace is running with its cursor after pid 3', (s) => [s.initial.pid!.pids!.state, s.initial.pid!.pids!.cursor], ['running', 4]],
    ['every reference count matches a recount from scratch', (s) => [...refsFromScratch(s)].every(([ns, n]) => ns.refs === n), true],
    ['the initial user namespace has no owner or parent', (s) => [s.initial.user!.owner, s.initial.user!.parent], [null, null]],
    ['every other initial namespace is owned by the initial user namespace', (s) => Object.values(s.initial).every((ns) => ns.type.name === 'user' || ns.owner === s.initial.user), true],
    ['every initial namespace is at level 0', (s) => Object.values(s.initial).every((ns) => ns.level === 0), true],
    ['the live namespaces are the initial ones and kdevtmpfs\'s mnt', (s) => s.namespaces.size === Object.keys(s.initial).length + 1, true],
    ['no pins exist and the first pin id is 1', (s) => [s.pins.size, s.nextPinId], [0, 1]],
  ];
  it.each(PROFILES.flatMap((p) => cases.map(([name, get, want]) => [p, name, get, want] as const)))(
    'boot(%s): %s',
    (p, _name, get, want) => {
      expect(get(booted({ profile: p }))).toEqual(want);
    },
  );

  it.each([['v5', false], ['modern', true]] as const)('boot(%s): boot tasks have time_for_children only where the profile has time (%s)', (p, has) => {
    const s = booted({ profile: p });
    expect(task(s, 1).forChildren.time === s.initial.time && has).toBe(has);
  });
});

describe('boot() events', () => {
  it.each([
    // SPEC §6: "audit serials 5..10 in the order UTS, USER, PID, MNT, IPC, NET, as in the seed".
    ['v5', ['uts', 'user', 'pid', 'mnt', 'ipc', 'net']],
    ['modern', ['uts', 'user', 'pid', 'mnt', 'ipc', 'net', 'cgroup', 'time']],
  ] as const)('boot(%s) reports one ns-created event per initial namespace in the seed order', (p, want) => {
    const { events } = must(boot({ profile: p }));
    expect(events.map((e) => (e.kind === 'ns-created' ? e.type.name : e.kind))).toEqual(want);
  });

  it.each(PROFILES.map((p) => [p] as const))('boot(%s) events name pid 1 as kernel with old serial 0 and the new serial', (p) => {
    const { state, events } = must(boot({ profile: p }));
    const want = events.map((e) => {
      const c = e as NsCreatedEvent;
      return { kind: 'ns-created', type: c.type, oldSnum: 0n, snum: state.initial[c.type.name]!.snum,
        actor: { pid: 1, uid: 0, auid: AUDIT_UNSET, ses: AUDIT_UNSET, subj: 'kernel' } };
    });
    expect(events).toEqual(want);
  });

  it('boot() reports no event for kdevtmpfs\'s mount namespace (the seed lists none)', () => {
    const { events } = must(boot());
    expect(events.some((e) => e.kind === 'ns-created' && e.snum === 6n)).toBe(false);
  });
});

describe('boot() options', () => {
  const two64 = 1n << 64n;
  it.each([
    // SPEC §2 "--serial-start": the counter is unsigned 64-bit and may not reuse a boot serial.
    ['v5', 0n, 'EINVAL'],
    ['v5', 7n, 'EINVAL'],
    ['v5', 8n, 'ok'],
    ['v5', two64 - 1n, 'ok'],
    ['v5', two64, 'EINVAL'],
    ['v5', -1n, 'EINVAL'],
    ['modern', 9n, 'EINVAL'],
    ['modern', 10n, 'ok'],
  ] as const)('boot({ profile: %s, serialStart: %s }) gives %s', (p: Profile, serialStart, want) => {
    expect(outcome(boot({ profile: p, serialStart }))).toBe(want);
  });

  it.each([
    // kernel/pid.c: pid_max_min = RESERVED_PIDS + 1, pid_max_max = PID_MAX_LIMIT (4194304 on 64-bit).
    [300, 'EINVAL'],
    [301, 'ok'],
    [32768, 'ok'],
    [4194304, 'ok'],
    [4194305, 'EINVAL'],
    [1000.5, 'EINVAL'],
    [Number.NaN, 'EINVAL'],
    [0, 'EINVAL'],
  ] as const)('boot({ pidMax: %s }) gives %s', (pidMax, want) => {
    expect(outcome(boot({ pidMax }))).toBe(want);
  });

  it('boot() defaults to profile v5 and pid_max 4194304', () => {
    const s = booted();
    expect([s.types.profile, s.pidMax]).toEqual(['v5', 4194304]);
  });
});
