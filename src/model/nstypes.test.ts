/**
 * The namespace type table pinned to SPEC §1 (types, flags, inode numbers,
 * profiles), §2 (boot serials), §3 (creation order) and §6 (audit record
 * names and numbers).
 */
import { describe, expect, it } from 'vitest';
import {
  auditField, CREATION_ORDER, KDEVTMPFS_MNT_SERIAL, NS_INFO_AUDIT, NS_TYPES, nsLinkText, profileTypes, PROFILES,
  VIRT_CONTROL_AUDIT, type NsName, type Profile,
} from './nstypes.js';

const names = (p: Profile) => profileTypes(p).types.map((t) => t.name);
const row = (n: NsName) => NS_TYPES.find((t) => t.name === n)!;

describe('profileTypes()', () => {
  it('profileTypes() example: the v5 CLONE_NEW_MASK is 0x7c020000', () => {
    expect(profileTypes('v5').cloneNewMask === 0x7c020000).toBe(true);
  });

  it.each([
    // SPEC §1: "the first six types, in the order above (the kernel's ns_entries order)".
    ['v5', ['net', 'uts', 'ipc', 'pid', 'user', 'mnt']],
    // SPEC §1: "Profile modern adds cgroup and time".
    ['modern', ['net', 'uts', 'ipc', 'pid', 'user', 'mnt', 'cgroup', 'time']],
  ] as const)('profileTypes(%s).types is the ns_entries order', (p, want) => {
    expect(names(p)).toEqual(want);
  });

  it.each([
    // SPEC §3: "user first, then mnt, uts, ipc, pid, cgroup, net, time".
    ['v5', ['user', 'mnt', 'uts', 'ipc', 'pid', 'net']],
    ['modern', ['user', 'mnt', 'uts', 'ipc', 'pid', 'cgroup', 'net', 'time']],
  ] as const)('profileTypes(%s).creation is the clone/unshare creation order', (p, want) => {
    expect(profileTypes(p).creation.map((t) => t.name)).toEqual(want);
  });

  it('CREATION_ORDER lists every type once', () => {
    expect([...CREATION_ORDER].sort()).toEqual(NS_TYPES.map((t) => t.name).sort());
  });

  it.each([
    ['v5', 0x7c020000],
    ['modern', 0x7e020080],
  ] as const)('profileTypes(%s).cloneNewMask is the OR of its CLONE_NEW* flags', (p, mask) => {
    expect(profileTypes(p).cloneNewMask).toBe(mask);
  });

  it.each([
    ['v5', ['net', 'uts', 'ipc', 'pid', 'user', 'mnt']],
    // fs/proc/namespaces.c ns_entries on Linux 6.x: pidns_for_children right after pidns,
    // timens_for_children right after timens.
    ['modern', ['net', 'uts', 'ipc', 'pid', 'pid_for_children', 'user', 'mnt', 'cgroup', 'time', 'time_for_children']],
  ] as const)('profileTypes(%s).linkEntries are the ns/ link names in listing order', (p, want) => {
    expect(profileTypes(p).linkEntries.map((e) => e.entry)).toEqual(want);
  });

  it.each(PROFILES.map((p) => [p] as const))('profileTypes(%s).linkEntries mark only *_for_children entries', (p) => {
    const marked = profileTypes(p).linkEntries.filter((e) => e.forChildren).map((e) => `${e.type.name}_for_children`);
    expect(marked).toEqual(profileTypes(p).linkEntries.filter((e) => e.entry.endsWith('_for_children')).map((e) => e.entry));
  });

  it.each([
    // SPEC §6: "with audit serials 5..10 in the order UTS, USER, PID, MNT, IPC, NET, as in the seed".
    ['v5', ['uts', 'user', 'pid', 'mnt', 'ipc', 'net']],
    ['modern', ['uts', 'user', 'pid', 'mnt', 'ipc', 'net', 'cgroup', 'time']],
  ] as const)('profileTypes(%s).bootAudit is the seed boot record order', (p, want) => {
    expect(profileTypes(p).bootAudit.map((t) => t.name)).toEqual(want);
  });

  it.each([
    // SPEC §2: "ipc=1, uts=2, user=3, pid=4, mnt=5, ... net=7 (modern: cgroup and time follow)".
    ['v5', ['ipc', 'uts', 'user', 'pid', 'mnt', 'net']],
    ['modern', ['ipc', 'uts', 'user', 'pid', 'mnt', 'net', 'cgroup', 'time']],
  ] as const)('profileTypes(%s).bootSerials is the boot serial order', (p, want) => {
    expect(profileTypes(p).bootSerials.map((t) => t.name)).toEqual(want);
  });

  it.each([
    // kernel/nsproxy.c:free_nsproxy() (mnt uts ipc pid_for_children time time_for_children cgroup net), then the cred's user namespace.
    ['v5', ['mnt', 'uts', 'ipc', 'pid', 'net', 'user']],
    ['modern', ['mnt', 'uts', 'ipc', 'pid', 'time', 'cgroup', 'net', 'user']],
  ] as const)('profileTypes(%s).release is the exit order', (p, want) => {
    expect(profileTypes(p).release.map((t) => t.name)).toEqual(want);
  });

  it.each([
    // include/uapi/linux/capability.h: CAP_LAST_CAP is CAP_AUDIT_READ (37) in 3.17, CAP_CHECKPOINT_RESTORE (40) in 6.x.
    ['v5', 37],
    ['modern', 40],
  ] as const)('profileTypes(%s).lastCap is CAP_LAST_CAP of that kernel', (p, last) => {
    expect(profileTypes(p).lastCap).toBe(last);
  });

  it.each(PROFILES.flatMap((p) => profileTypes(p).types.map((t) => [p, t.name] as const)))(
    'profileTypes(%s).byName and byFlag find the %s row',
    (p, n) => {
      const pt = profileTypes(p);
      const t = pt.byName.get(n)!;
      expect(pt.byFlag.get(t.flag)).toBe(t);
    },
  );

  it.each([
    ['v5', 'cgroup'],
    ['v5', 'time'],
  ] as const)('profileTypes(%s) has no %s row', (p, n) => {
    expect(profileTypes(p).byName.has(n)).toBe(false);
  });
});

describe('NS_TYPES rows', () => {
  it.each([
    // SPEC §1 table; include/uapi/linux/sched.h.
    ['net', 0x40000000, 'CLONE_NEWNET'],
    ['uts', 0x04000000, 'CLONE_NEWUTS'],
    ['ipc', 0x08000000, 'CLONE_NEWIPC'],
    ['pid', 0x20000000, 'CLONE_NEWPID'],
    ['user', 0x10000000, 'CLONE_NEWUSER'],
    ['mnt', 0x00020000, 'CLONE_NEWNS'],
    ['cgroup', 0x02000000, 'CLONE_NEWCGROUP'],
    ['time', 0x00000080, 'CLONE_NEWTIME'],
  ] as const)('the %s row has flag %i (%s)', (n, flag, flagName) => {
    expect([row(n).flag, row(n).flagName]).toEqual([flag, flagName]);
  });

  it.each([
    // SPEC §1: "dynamic" in v5 for net and mnt; include/linux/proc_ns.h PROC_*_INIT_INO.
    ['v5', 'net', null], ['v5', 'uts', 0xeffffffe], ['v5', 'ipc', 0xefffffff],
    ['v5', 'pid', 0xeffffffc], ['v5', 'user', 0xeffffffd], ['v5', 'mnt', null],
    ['modern', 'net', 0xeffffff9], ['modern', 'uts', 0xeffffffe], ['modern', 'ipc', 0xefffffff],
    ['modern', 'pid', 0xeffffffc], ['modern', 'user', 0xeffffffd], ['modern', 'mnt', 0xeffffff8],
    ['modern', 'cgroup', 0xeffffffb], ['modern', 'time', 0xeffffffa],
  ] as const)('in profile %s the initial %s namespace has inode number %s', (p, n, inum) => {
    expect(row(n).initInum[p]).toBe(inum);
  });

  it.each([
    // SPEC §2.
    ['ipc', 1], ['uts', 2], ['user', 3], ['pid', 4], ['mnt', 5], ['net', 7], ['cgroup', 8], ['time', 9],
  ] as const)('the initial %s namespace has boot serial %i', (n, serial) => {
    expect(row(n).bootSerial).toBe(serial);
  });

  it('kdevtmpfs gets serial 6, between mnt and net', () => {
    expect(KDEVTMPFS_MNT_SERIAL).toBe(6);
  });

  it.each([
    // SPEC §6: AUDIT_NS_INIT_MNT 1330 … _NET 1335, AUDIT_NS_DEL_MNT … _NET 1336 … 1341;
    // cgroup and time follow in modern (the model's choice: INIT then DEL per type).
    ['mnt', 'AUDIT_NS_INIT_MNT', 1330, 'AUDIT_NS_DEL_MNT', 1336],
    ['uts', 'AUDIT_NS_INIT_UTS', 1331, 'AUDIT_NS_DEL_UTS', 1337],
    ['ipc', 'AUDIT_NS_INIT_IPC', 1332, 'AUDIT_NS_DEL_IPC', 1338],
    ['user', 'AUDIT_NS_INIT_USER', 1333, 'AUDIT_NS_DEL_USER', 1339],
    ['pid', 'AUDIT_NS_INIT_PID', 1334, 'AUDIT_NS_DEL_PID', 1340],
    ['net', 'AUDIT_NS_INIT_NET', 1335, 'AUDIT_NS_DEL_NET', 1341],
    ['cgroup', 'AUDIT_NS_INIT_CGROUP', 1342, 'AUDIT_NS_DEL_CGROUP', 1343],
    ['time', 'AUDIT_NS_INIT_TIME', 1344, 'AUDIT_NS_DEL_TIME', 1345],
  ] as const)('the %s row is audited as %s (%i) and %s (%i)', (n, initName, initNum, delName, delNum) => {
    expect([row(n).auditInit, row(n).auditDel]).toEqual([{ name: initName, num: initNum }, { name: delName, num: delNum }]);
  });

  it('record type numbers are unique across NS_INFO, INIT, DEL and VIRT_CONTROL', () => {
    const nums = [NS_INFO_AUDIT.num, VIRT_CONTROL_AUDIT.num, ...NS_TYPES.flatMap((t) => [t.auditInit.num, t.auditDel.num])];
    expect(new Set(nums).size).toBe(nums.length);
  });

  it.each([
    ['NS_INFO', NS_INFO_AUDIT, { name: 'NS_INFO', num: 1329 }],
    ['VIRT_CONTROL', VIRT_CONTROL_AUDIT, { name: 'VIRT_CONTROL', num: 2500 }],
  ] as const)('%s has its SPEC §6 record number', (_n, got, want) => {
    expect(got).toEqual(want);
  });

  it.each([
    // pid_namespaces(7): pid_for_children; time_namespaces(7): time_for_children.
    ['pid', true], ['time', true], ['net', false], ['uts', false], ['ipc', false], ['user', false], ['mnt', false], ['cgroup', false],
  ] as const)('the %s row has forChildren=%s', (n, fc) => {
    expect(row(n).forChildren).toBe(fc);
  });

  it.each([
    // user_namespaces(7) and pid_namespaces(7); errno per kernel version (3.17 vs 4.9+).
    ['user', { maxLevel: 33, tooDeep: { v5: 'EUSERS', modern: 'ENOSPC' } }],
    ['pid', { maxLevel: 32, tooDeep: { v5: 'EINVAL', modern: 'ENOSPC' } }],
    ['net', null],
  ] as const)('the %s row nests as %j', (n, nesting) => {
    expect(row(n).nesting).toEqual(nesting);
  });

  it('every flag is a single distinct bit', () => {
    const flags = NS_TYPES.map((t) => t.flag);
    expect(flags.every((f) => f > 0 && (f & (f - 1)) === 0) && new Set(flags).size === flags.length).toBe(true);
  });
});

describe('nsLinkText() and auditField()', () => {
  it('nsLinkText() writes TYPE:[INUM] in decimal, as fs/nsfs.c:ns_get_name()', () => {
    expect(nsLinkText(row('net'), 4026531993)).toBe('net:[4026531993]');
  });

  it('auditField() is the type name and "ns"', () => {
    expect(NS_TYPES.map(auditField)).toEqual(['netns', 'utsns', 'ipcns', 'pidns', 'userns', 'mntns', 'cgroupns', 'timens']);
  });
});
