/**
 * Boot (SPEC §2, §3): the initial namespaces with their fixed serials and
 * inode numbers, pid 1 `init`, pid 2 `kthreadd`, and the `kdevtmpfs` kernel
 * thread in its private mount namespace (drivers/base/devtmpfs.c unshares
 * CLONE_NEWNS), plus the boot's AUDIT_NS_INIT records in the seed's order.
 */
import { fullCaps } from './caps.js';
import { fail, ok, type Result } from './errno.js';
import type { ModelEvent } from './events.js';
import { InumAllocator } from './inum.js';
import { SERIAL_MAX } from './namespaces.js';
import { KDEVTMPFS_MNT_SERIAL, profileTypes, type NsType, type Profile } from './nstypes.js';
import { DEFAULT_PID_MAX, RESERVED_PIDS } from './pids.js';
import { actorInfo, type Cred, type ModelState, type Namespace, type NsSlots, type Task } from './state.js';

export interface BootOptions {
  readonly profile?: Profile;
  /** kernel.pid_max: pids are below it. */
  readonly pidMax?: number;
  /** Serial of the first namespace created after boot (SPEC §2 --serial-start). */
  readonly serialStart?: bigint;
  /** The pid `/proc/self` names (`--self`); default 1, init. */
  readonly procSelf?: number;
}

/** (u32)-1: an auid or session id never set (include/linux/audit.h AUDIT_UID_UNSET, AUDIT_SID_UNSET). */
export const AUDIT_UNSET = 4294967295;

export interface Booted {
  readonly state: ModelState;
  readonly events: ModelEvent[];
}

/**
 * The first serial after boot's (8 in v5, 10 in modern): the default and the lowest
 * `--serial-start`, so that boot's serials stay as SPEC §2 says.
 * @example
 * firstFreeSerial('v5') // 8n
 */
export function firstFreeSerial(profile: Profile): bigint {
  return BigInt(profileTypes(profile).bootSerials.at(-1)!.bootSerial + 1);
}

/**
 * @example
 * const { state } = boot({ profile: 'v5' }).value;
 * // state.initial.net.snum === 7n; allTasks(state).get(1).comm === 'init'
 */
export function boot(opts: BootOptions = {}): Result<Booted> {
  const types = profileTypes(opts.profile ?? 'v5');
  const pidMax = opts.pidMax ?? DEFAULT_PID_MAX;
  const firstFree = firstFreeSerial(types.profile);
  const serialStart = opts.serialStart ?? firstFree;
  if (serialStart < firstFree || serialStart > SERIAL_MAX) {
    return fail('EINVAL', `serial start must be between ${firstFree} (after the boot serials) and ${SERIAL_MAX}`);
  }
  if (!Number.isInteger(pidMax) || pidMax <= RESERVED_PIDS || pidMax > DEFAULT_PID_MAX) {
    return fail('EINVAL', `pid_max must be an integer above ${RESERVED_PIDS} and at most ${DEFAULT_PID_MAX}`);
  }
  const inums = new InumAllocator();
  const userType = types.byName.get('user')!;
  // The initial user namespace has a fixed inode number, so making it first
  // keeps dynamic inode numbers in serial order: ipc uts user pid mnt, kdevtmpfs's mnt, net …
  const user = initialNs(userType.bootSerial, userType, null, types.profile, inums);
  const initial: Record<string, Namespace> = { user };
  let kdevMnt: Namespace | undefined;
  for (const t of types.bootSerials) {
    if (t === userType) continue;
    initial[t.name] = initialNs(t.bootSerial, t, user, types.profile, inums);
    // kdevtmpfs's mnt is made by ksys_unshare(CLONE_NEWNS): a dynamic inode number, never PROC_MNT_INIT_INO.
    if (t.name === 'mnt') kdevMnt = { ...initialNs(KDEVTMPFS_MNT_SERIAL, t, user, types.profile, inums, true), initial: false, refs: 0 };
  }
  user.refs += types.types.length; // every other initial namespace and kdevtmpfs's mnt are owned by it

  const state: ModelState = {
    types, pidMax, nextSerial: serialStart, inums, initial, namespaces: new Set(), pins: new Map(),
    nextPinId: 1, journal: null, host: null, procSelf: opts.procSelf ?? 1,
  };
  const all = [...Object.values(initial), kdevMnt!].sort((a, b) => Number(a.snum - b.snum));
  for (const ns of all) state.namespaces.add(ns);
  const cred: Cred = { uid: 0, gid: 0, caps: fullCaps(types.lastCap), auid: AUDIT_UNSET, ses: AUDIT_UNSET, subj: 'kernel' };
  const slots: NsSlots = { ...initial };
  const init = bootTask(state, 1, null, 'init', cred, slots, false);
  const kthreadd = bootTask(state, 2, null, 'kthreadd', cred, slots, true);
  bootTask(state, 3, kthreadd, 'kdevtmpfs', cred, { ...slots, mnt: kdevMnt }, true);

  const events: ModelEvent[] = types.bootAudit.map((t) => ({
    kind: 'ns-created', type: t, snum: initial[t.name]!.snum, oldSnum: 0n, actor: actorInfo(init),
  }));
  return ok({ state, events });
}

function bootTask(s: ModelState, pid: number, parent: Task | null, comm: string, cred: Cred, ns: NsSlots, kthread: boolean): Task {
  const pidNs = s.initial.pid!;
  const forChildren: NsSlots = {};
  for (const t of s.types.types) if (t.forChildren) forChildren[t.name] = ns[t.name]!;
  const task: Task = { nrs: [pid], pidNs, kthread, parent, children: null, comm, cred, ns: { ...ns }, forChildren, state: 'live' };
  for (const n of [...Object.values(ns), ...Object.values(forChildren)]) n!.refs++;
  pidNs.pids!.tasks.set(pid, task);
  pidNs.pids!.cursor = pid + 1;
  if (parent) (parent.children ??= new Set()).add(task);
  return task;
}

/** An initial namespace, or kdevtmpfs's mount namespace, with its boot reference. */
function initialNs(serial: number, type: NsType, owner: Namespace | null, profile: Profile, inums: InumAllocator, dynamic = false): Namespace {
  return {
    type, snum: BigInt(serial), inum: (dynamic ? null : type.initInum[profile]) ?? inums.alloc(null), owner, parent: null, level: 0,
    creatorUid: 0, initial: true, refs: 1, life: 'live',
    pids: type.name === 'pid' ? { tasks: new Map(), cursor: 1, state: 'running' } : null,
  };
}
