/**
 * The model's state: namespaces, tasks, pins. Plain data; the operations in
 * `ops/` are the only writers, and they write through `journal.ts` so a whole
 * batch can be rolled back when its audit records cannot be written (SPEC §6),
 * or a host batch when it throws halfway (`ops/observe.ts`).
 */
import type { NsName, NsType, ProfileTypes } from './nstypes.js';
import type { ActorInfo } from './events.js';
import type { Journal } from './journal.js';
import type { InumAllocator } from './inum.js';
import type { HostCreds, ObservedContainer } from './host_observation.js';

/** Pid namespace life (kernel: PIDNS_ADDING): `new` until its first task (pid 1), `dead` once that init exited. */
export type PidNsState = 'new' | 'running' | 'dead';

/** A pid namespace's numbers: pid → task, and the idr cursor of idr_alloc_cyclic(). */
export interface PidSpace {
  readonly tasks: Map<number, Task>;
  /** Next number to try (kernel: idr cursor). */
  cursor: number;
  state: PidNsState;
}

export type NsLife = 'live' | 'freed';

export interface Namespace {
  readonly type: NsType;
  /** Serial number: unique per boot, never reused, never 0 (SPEC §2). Immutable. */
  readonly snum: bigint;
  /** Inode number: fixed for initial namespaces, else lowest free from 0xF0000000; reused after free. */
  readonly inum: number;
  /** Owning user namespace (kernel: ns->user_ns); null only for the initial user namespace. */
  readonly owner: Namespace | null;
  /** pid and user namespaces: the parent (for user, the same as owner); null otherwise. */
  readonly parent: Namespace | null;
  /** 0 for initial namespaces; parent's level + 1 for pid and user. */
  readonly level: number;
  /** user namespaces: euid of the creator (kernel: user_ns->owner), which has every capability in it. */
  readonly creatorUid: number;
  /** Initial namespaces hold a boot reference and are never freed. */
  readonly initial: boolean;
  /** References: task slots, *_for_children slots, pins, owned namespaces, child namespaces. */
  refs: number;
  life: NsLife;
  /** Pid namespaces only. */
  readonly pids: PidSpace | null;
}

/** Credentials: immutable once built; tasks share them until setcred/user-namespace changes. */
export interface Cred {
  readonly uid: number;
  readonly gid: number;
  /** Effective capability set, in the task's user namespace. */
  readonly caps: bigint;
  /** loginuid; 4294967295 = unset. */
  readonly auid: number;
  /** sessionid; 4294967295 = unset. */
  readonly ses: number;
  /** LSM label. */
  readonly subj: string;
}

/** The namespaces a task is in, one per type of the profile (user included: the cred's user namespace). */
export type NsSlots = Partial<Record<NsName, Namespace>>;

export type TaskState = 'live' | 'exited';

export interface Task {
  /** Pid in each pid namespace from level 0 (initial) to the task's own; immutable. */
  readonly nrs: readonly number[];
  /** The task's own (active) pid namespace; immutable (a task never changes pid namespace). */
  readonly pidNs: Namespace;
  readonly kthread: boolean;
  parent: Task | null;
  /** Allocated on the first child. */
  children: Set<Task> | null;
  comm: string;
  cred: Cred;
  /** Active namespaces; `pid` is always pidNs. */
  ns: NsSlots;
  /** pid_for_children / time_for_children (kernel: nsproxy->*_for_children). */
  forChildren: NsSlots;
  state: TaskState;
  /** Host mode only (SPEC §7): what the host showed that the model does not keep. */
  host?: HostTaskFacts;
}

/** A host process's facts beyond the model's fields. */
export interface HostTaskFacts {
  /** The `status` lines the host showed (SPEC §7's list), served as they are. */
  readonly status: string;
  /** The `stat` line and `cmdline` the host showed, read with `status`. */
  readonly stat: string;
  readonly cmdline: string;
  /** The daemon may not read /proc/<pid>/ns: the tree answers EACCES and the slots are empty. */
  readonly nsDenied: boolean;
  /** The container its cgroup names (SPEC §9), or null. */
  readonly container: ObservedContainer | null;
  /** Its ids, permitted capabilities and dumpability: who may see it (procfs/host_access.ts). */
  readonly creds: HostCreds;
}

/** A reference that keeps a namespace alive with no task (an open ns file, a bind mount). */
export interface Pin {
  readonly id: number;
  readonly ns: Namespace;
  /** The pinning task as it was when it pinned: named in the DEL record if unpin frees the namespace. */
  readonly by: ActorInfo;
}

export interface ModelState {
  readonly types: ProfileTypes;
  readonly pidMax: number;
  /** The next serial number to hand out (SPEC §2); one counter for all types. */
  nextSerial: bigint;
  readonly inums: InumAllocator;
  /** Initial namespaces by type. */
  readonly initial: Readonly<Record<string, Namespace>>;
  /** Every live namespace (lsns, dumps); insertion order is creation order. */
  readonly namespaces: Set<Namespace>;
  readonly pins: Map<number, Pin>;
  nextPinId: number;
  /** Active while a batch may still be rolled back. */
  journal: Journal | null;
  /** Host mode (SPEC §7): the state describes the running kernel; null for a booted model. */
  readonly host: HostState | null;
  /**
   * The pid `/proc/self` names (`--self`, the `self` command). FUSE does not say who reads,
   * so one chosen task stands for every reader; it may name no live task (then following
   * `self` gives ENOENT). Null in host mode, where the daemon's own view is not the reader's.
   */
  procSelf: number | null;
}

/** Where host mode's serials come from (SPEC §7): the kernel's NS_GET_ID, or nsproc's own counter. */
export type SerialSource = 'ns_get_id' | 'counter';

/** What host mode keeps beside the model's fields. */
export interface HostState {
  readonly serialSource: SerialSource;
  /** Every live namespace by its observation key (host_observation.ts). */
  readonly byKey: Map<string, Namespace>;
  /** The last process seen in each namespace: AUDIT_NS_DEL names it. */
  readonly lastSeen: Map<Namespace, ActorInfo>;
  /** The process each namespace was found through (ObservedNs.via), for records when no process was seen in it. */
  readonly foundVia: Map<Namespace, number>;
  /**
   * Per container (`runtime:id`), the serials of the namespaces its last NSPROC_CONTAINER named:
   * a process of it with another set gets a record again. Kept for the daemon's run.
   */
  readonly containers: Map<string, string>;
}

/** The init pid namespace's map: every live task by its pid as the initial pid namespace sees it. */
export function allTasks(s: ModelState): Map<number, Task> {
  return s.initial.pid!.pids!.tasks;
}

/** The pid the initial pid namespace sees: what the tree and the audit log show. */
export function globalPid(t: Task): number {
  return t.nrs[0]!;
}

/** Whether two slot sets name the same namespaces, type for type (a slot is never set to undefined). */
export function sameSlots(a: NsSlots, b: NsSlots): boolean {
  const keys = Object.keys(a) as (keyof NsSlots)[];
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** What audit records say about a task (SPEC §6). */
export function actorInfo(t: Task): ActorInfo {
  const c = t.cred;
  return { pid: globalPid(t), uid: c.uid, auid: c.auid, ses: c.ses, subj: c.subj };
}
