/**
 * What the model reports after a successful operation: the only output of
 * `src/model/ops/`. Events carry values, not live objects, so the audit writer
 * can format them after the model has moved on (a freed namespace, an exited task).
 */
import type { ObservedContainer } from './host_observation.js';
import type { NsType } from './nstypes.js';

/** The acting task as audit records name it (SPEC §6): pid from the initial pid namespace. */
export interface ActorInfo {
  readonly pid: number;
  readonly uid: number;
  readonly auid: number;
  readonly ses: number;
  readonly subj: string;
}

/** AUDIT_NS_INIT_<T>: a namespace was created (boot too). `oldSnum` 0n at boot. */
export interface NsCreatedEvent {
  readonly kind: 'ns-created';
  readonly type: NsType;
  readonly snum: bigint;
  readonly oldSnum: bigint;
  readonly actor: ActorInfo;
}

/** AUDIT_NS_DEL_<T>: the last reference went; `actor` dropped it. */
export interface NsFreedEvent {
  readonly kind: 'ns-freed';
  readonly type: NsType;
  readonly snum: bigint;
  readonly actor: ActorInfo;
}

/** One namespace of a task, for NS_INFO, in table (ns_entries) order. */
export interface NsRef {
  readonly type: NsType;
  readonly snum: bigint;
}

/** NS_INFO: a task's namespaces after clone/unshare/setns changed it, or on an ns_info request. */
export interface NsInfoEvent {
  readonly kind: 'ns-info';
  readonly pid: number;
  readonly namespaces: readonly NsRef[];
}

/** VIRT_CONTROL with its NS_INFO attached (same audit(time:serial)). */
export interface VirtControlEvent {
  readonly kind: 'virt-control';
  readonly actor: ActorInfo;
  readonly text: string;
  readonly info: NsInfoEvent;
}

/**
 * The audit daemon's start marker, as auditd writes DAEMON_START when it starts: which kernel,
 * where namespace serials come from, and whose records follow (the boot, SPEC §9). Host mode
 * always writes it; model mode when a fleet identity (node name, boot id) is asked for.
 */
export interface DaemonStartEvent {
  readonly kind: 'daemon-start';
  readonly actor: ActorInfo;
  readonly version: string;
  /** The running kernel's release (uname -r), or `model-<profile>` for a model. */
  readonly kernel: string;
  /** `ns_get_id`: the kernel's NS_GET_ID; `counter`: nsproc's own, in the order first seen; `model`: the model's. */
  readonly serialSource: 'ns_get_id' | 'counter' | 'model';
  /** The boot whose records follow: the kernel's boot_id, or a model start's own UUID. */
  readonly bootId: string;
}

/**
 * auditd writes DAEMON_ROTATE at the head of each new log file; here it repeats the start
 * marker's identity, so every file of a rotated set says whose records it holds.
 */
export interface DaemonRotateEvent extends Omit<DaemonStartEvent, 'kind'> {
  readonly kind: 'daemon-rotate';
}

/**
 * NSPROC_CONTAINER (host mode, SPEC §9): the first process seen of a container, or one of it
 * whose namespaces differ from those last recorded for that container; its own event.
 */
export interface ContainerSeenEvent {
  readonly kind: 'container-seen';
  readonly pid: number;
  readonly container: ObservedContainer;
  /** The process's namespaces, in table order (as NS_INFO). */
  readonly namespaces: readonly NsRef[];
}

export type ModelEvent = NsCreatedEvent | NsFreedEvent | NsInfoEvent | VirtControlEvent | DaemonStartEvent
  | DaemonRotateEvent | ContainerSeenEvent;
