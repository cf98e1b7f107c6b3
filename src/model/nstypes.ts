/**
 * The one table of namespace types, as the kernel's `ns_entries[]`
 * (fs/proc/namespaces.c): row order is the `ns/` listing order and the NS_INFO
 * field order (SPEC §1). Everything else — clone flags, proc entries, audit
 * record names and numbers, boot serials — is derived from these rows; adding
 * a type is adding a row.
 */
import type { ErrnoName } from './errno.js';

export type Profile = 'v5' | 'modern';
export const PROFILES: readonly Profile[] = ['v5', 'modern'];

export type NsName = 'net' | 'uts' | 'ipc' | 'pid' | 'user' | 'mnt' | 'cgroup' | 'time';

export interface AuditType {
  readonly name: string;
  readonly num: number;
}

export interface NsType {
  readonly name: NsName;
  /** CLONE_NEW* flag, include/uapi/linux/sched.h. */
  readonly flag: number;
  readonly flagName: string;
  /** Profiles that have this type. */
  readonly profiles: readonly Profile[];
  /** Fixed inode number of the initial namespace (PROC_*_INIT_INO); null: from the dynamic allocator at boot. */
  readonly initInum: Readonly<Record<Profile, number | null>>;
  /** Serial number of the initial namespace (SPEC §2). */
  readonly bootSerial: number;
  /** Position of its AUDIT_NS_INIT record among the boot records (seed: UTS USER PID MNT IPC NET). */
  readonly bootAuditOrder: number;
  /**
   * unshare(2)/setns(2) change only `<name>_for_children` (pid_namespaces(7),
   * time_namespaces(7)); `modern` shows that entry in `ns/`.
   */
  readonly forChildren: boolean;
  /**
   * Hierarchical types (pid, user) have a parent and a level; creating one at
   * a level above maxLevel fails with tooDeep's errno for the profile.
   */
  readonly nesting: { readonly maxLevel: number; readonly tooDeep: Readonly<Record<Profile, ErrnoName>> } | null;
  readonly auditInit: AuditType;
  readonly auditDel: AuditType;
}

const both: readonly Profile[] = ['v5', 'modern'];
const modernOnly: readonly Profile[] = ['modern'];

/** ns_entries order (net uts ipc pid user mnt, then cgroup time), SPEC §1. */
export const NS_TYPES: readonly NsType[] = [
  {
    name: 'net', flag: 0x40000000, flagName: 'CLONE_NEWNET', profiles: both,
    initInum: { v5: null, modern: 0xeffffff9 }, bootSerial: 7, bootAuditOrder: 5, forChildren: false, nesting: null,
    auditInit: { name: 'AUDIT_NS_INIT_NET', num: 1335 }, auditDel: { name: 'AUDIT_NS_DEL_NET', num: 1341 },
  },
  {
    name: 'uts', flag: 0x04000000, flagName: 'CLONE_NEWUTS', profiles: both,
    initInum: { v5: 0xeffffffe, modern: 0xeffffffe }, bootSerial: 2, bootAuditOrder: 0, forChildren: false, nesting: null,
    auditInit: { name: 'AUDIT_NS_INIT_UTS', num: 1331 }, auditDel: { name: 'AUDIT_NS_DEL_UTS', num: 1337 },
  },
  {
    name: 'ipc', flag: 0x08000000, flagName: 'CLONE_NEWIPC', profiles: both,
    initInum: { v5: 0xefffffff, modern: 0xefffffff }, bootSerial: 1, bootAuditOrder: 4, forChildren: false, nesting: null,
    auditInit: { name: 'AUDIT_NS_INIT_IPC', num: 1332 }, auditDel: { name: 'AUDIT_NS_DEL_IPC', num: 1338 },
  },
  {
    // pid_namespaces(7): MAX_PID_NS_LEVEL 32 (include/linux/pid_namespace.h).
    // create_pid_namespace() returned -EINVAL past it until Linux 4.9, -ENOSPC since.
    name: 'pid', flag: 0x20000000, flagName: 'CLONE_NEWPID', profiles: both,
    initInum: { v5: 0xeffffffc, modern: 0xeffffffc }, bootSerial: 4, bootAuditOrder: 2, forChildren: true,
    nesting: { maxLevel: 32, tooDeep: { v5: 'EINVAL', modern: 'ENOSPC' } },
    auditInit: { name: 'AUDIT_NS_INIT_PID', num: 1334 }, auditDel: { name: 'AUDIT_NS_DEL_PID', num: 1340 },
  },
  {
    // user_namespaces(7): 32 levels of nesting; kernel/user_namespace.c:create_user_ns()
    // refuses a parent deeper than 32 (so level 33 exists), -EUSERS until 4.9, -ENOSPC since.
    name: 'user', flag: 0x10000000, flagName: 'CLONE_NEWUSER', profiles: both,
    initInum: { v5: 0xeffffffd, modern: 0xeffffffd }, bootSerial: 3, bootAuditOrder: 1, forChildren: false,
    nesting: { maxLevel: 33, tooDeep: { v5: 'EUSERS', modern: 'ENOSPC' } },
    auditInit: { name: 'AUDIT_NS_INIT_USER', num: 1333 }, auditDel: { name: 'AUDIT_NS_DEL_USER', num: 1339 },
  },
  {
    name: 'mnt', flag: 0x00020000, flagName: 'CLONE_NEWNS', profiles: both,
    initInum: { v5: null, modern: 0xeffffff8 }, bootSerial: 5, bootAuditOrder: 3, forChildren: false, nesting: null,
    auditInit: { name: 'AUDIT_NS_INIT_MNT', num: 1330 }, auditDel: { name: 'AUDIT_NS_DEL_MNT', num: 1336 },
  },
  {
    name: 'cgroup', flag: 0x02000000, flagName: 'CLONE_NEWCGROUP', profiles: modernOnly,
    initInum: { v5: null, modern: 0xeffffffb }, bootSerial: 8, bootAuditOrder: 6, forChildren: false, nesting: null,
    auditInit: { name: 'AUDIT_NS_INIT_CGROUP', num: 1342 }, auditDel: { name: 'AUDIT_NS_DEL_CGROUP', num: 1343 },
  },
  {
    name: 'time', flag: 0x00000080, flagName: 'CLONE_NEWTIME', profiles: modernOnly,
    initInum: { v5: null, modern: 0xeffffffa }, bootSerial: 9, bootAuditOrder: 7, forChildren: true, nesting: null,
    auditInit: { name: 'AUDIT_NS_INIT_TIME', num: 1344 }, auditDel: { name: 'AUDIT_NS_DEL_TIME', num: 1345 },
  },
];

/**
 * Creation order within one clone/unshare (SPEC §3): user first (copy_creds()),
 * then kernel/nsproxy.c:create_new_namespaces() order.
 */
export const CREATION_ORDER: readonly NsName[] = ['user', 'mnt', 'uts', 'ipc', 'pid', 'cgroup', 'net', 'time'];

/**
 * Exit order (SPEC §3 lifetimes): kernel/nsproxy.c:free_nsproxy() puts mnt, uts,
 * ipc, pid_for_children, time, time_for_children, cgroup and net in that order
 * (Linux 5.6 through 6.18; not creation order: time comes before cgroup and net),
 * then exit_creds() drops the cred's user namespace.
 */
export const RELEASE_ORDER: readonly NsName[] = ['mnt', 'uts', 'ipc', 'pid', 'time', 'cgroup', 'net', 'user'];

/** The serial that boot gives the private mount namespace of `kdevtmpfs` (SPEC §2). */
export const KDEVTMPFS_MNT_SERIAL = 6;

/** AUDIT_NS_INFO (SPEC §6). */
export const NS_INFO_AUDIT: AuditType = { name: 'NS_INFO', num: 1329 };
/** AUDIT_DAEMON_START (include/uapi/linux/audit.h): the start marker. */
export const DAEMON_START_AUDIT: AuditType = { name: 'DAEMON_START', num: 1200 };
/** AUDIT_DAEMON_ROTATE: the head of each new log file after a rotation. */
export const DAEMON_ROTATE_AUDIT: AuditType = { name: 'DAEMON_ROTATE', num: 1205 };
/** AUDIT_VIRT_CONTROL (include/uapi/linux/audit.h). */
export const VIRT_CONTROL_AUDIT: AuditType = { name: 'VIRT_CONTROL', num: 2500 };

/** A profile's view of the table: its rows in each order the kernel uses. */
export interface ProfileTypes {
  readonly profile: Profile;
  /** ns_entries order. */
  readonly types: readonly NsType[];
  /** clone/unshare creation order. */
  readonly creation: readonly NsType[];
  /** exit order: the nsproxy in free_nsproxy() order, then the cred's user namespace (RELEASE_ORDER). */
  readonly release: readonly NsType[];
  /** Boot audit record order. */
  readonly bootAudit: readonly NsType[];
  /** Boot serial order. */
  readonly bootSerials: readonly NsType[];
  /** OR of the profile's CLONE_NEW* flags. */
  readonly cloneNewMask: number;
  readonly byName: ReadonlyMap<string, NsType>;
  readonly byFlag: ReadonlyMap<number, NsType>;
  /** Highest capability number (CAP_LAST_CAP): 37 in 3.17, 40 in 6.x. */
  readonly lastCap: number;
  /** The `ns/` link names: each type, plus `<name>_for_children` where the profile shows it. */
  readonly linkEntries: readonly { readonly entry: string; readonly type: NsType; readonly forChildren: boolean }[];
}

function derive(profile: Profile): ProfileTypes {
  const types = NS_TYPES.filter((t) => t.profiles.includes(profile));
  const byName = new Map(types.map((t) => [t.name, t] as const));
  const inOrder = (order: readonly NsName[]) => order.map((n) => byName.get(n)).filter((t): t is NsType => t !== undefined);
  const creation = inOrder(CREATION_ORDER);
  const showsForChildren = profile === 'modern';
  return {
    profile,
    types,
    creation,
    release: inOrder(RELEASE_ORDER),
    bootAudit: [...types].sort((a, b) => a.bootAuditOrder - b.bootAuditOrder),
    bootSerials: [...types].sort((a, b) => a.bootSerial - b.bootSerial),
    cloneNewMask: types.reduce((m, t) => m | t.flag, 0) >>> 0,
    byName,
    byFlag: new Map(types.map((t) => [t.flag, t] as const)),
    lastCap: profile === 'v5' ? 37 : 40,
    linkEntries: types.flatMap((t) => [
      { entry: t.name, type: t, forChildren: false },
      ...(t.forChildren && showsForChildren ? [{ entry: `${t.name}_for_children`, type: t, forChildren: true }] : []),
    ]),
  };
}

const derived: Record<Profile, ProfileTypes> = { v5: derive('v5'), modern: derive('modern') };

/**
 * @example
 * profileTypes('v5').cloneNewMask === 0x7c020000
 */
export function profileTypes(profile: Profile): ProfileTypes {
  return derived[profile];
}

/** `net:[4026531993]`, as fs/nsfs.c:ns_get_name(). */
export function nsLinkText(type: NsType, inum: number): string {
  return `${type.name}:[${inum}]`;
}

/** The audit field name of a type: `netns`, `userns` … */
export function auditField(type: NsType): string {
  return `${type.name}ns`;
}
