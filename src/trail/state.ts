/**
 * What the trail knows while it reads: per (node, boot) the namespaces alive, the processes
 * last seen and what was lost; per container its parts on each host. Kept small on purpose:
 * a namespace leaves its boot's map when it is freed, and so does every process last seen in
 * it (it exited, or left it: Ns.procs), so memory follows what is alive, not the log.
 *
 * Identity of a namespace: (node, boot, type, serial), never an inode alone (SPEC §9).
 */

import type { NsTable } from './ns_table.js';

/** Milliseconds since the epoch (SEC * 1000 + MSEC of the stamp). */
export type Ms = number;

/** Where a record was: its time and audit serial, and its place in the input (for stable order). */
export interface At {
  readonly t: Ms;
  readonly serial: number;
  readonly seq: number;
}

/** Who made a namespace, as far as the records say. */
export interface Creator {
  readonly pid: number;
  readonly uid: number;
  readonly auid: number;
  /** From the kernel's SYSCALL record of the same event (host mode, --kernel-audit). */
  readonly comm: string | null;
  readonly exe: string | null;
  readonly syscall: string | null;
}

export interface Ns {
  readonly boot: Boot;
  readonly typeIdx: number;
  /** Lowercase hex, as the records print it. */
  readonly serial: string;
  /** One of the boot's initial namespaces (never a container's own). */
  initial: boolean;
  /** Its INIT record, or null when the input begins after it. */
  created: At | null;
  creator: Creator | null;
  /** The serial of the namespace it was made from (INIT's old_<t>ns), or null. */
  old: string | null;
  /** When it was first named by any record. */
  seen: At;
  freed: At | null;
  freedBy: number | null;
  /** The inode an orchestrator named it by (VIRT_CONTROL pid-ns=), once resolved to this serial. */
  inum: number | null;
  /** The containers it belongs to (a pod's containers share some). */
  containers: Container[];
  /**
   * Processes whose NS_INFO showed them entering it (not kept for a boot's initial ones, which
   * every process is in): forgotten when it is freed, if it is still where they were last seen.
   * Some may be elsewhere by now; the list is pruned of those when it reaches `procsPruneAt`.
   */
  procs: Proc[];
  procsPruneAt: number;
  /** The selector asked for it (--ns, --pid): its records go to the trail. */
  traced: boolean;
  /** Its creation is in the trail already. */
  shown: boolean;
}

/** The namespaces of one NS_INFO, by type index (a set is shared by every process in it). */
export interface NsSet {
  readonly ns: readonly (Ns | undefined)[];
}

export interface Proc {
  readonly pid: number;
  set: NsSet | null;
  /** From the last record naming this pid with a loginuid (INIT/DEL/VIRT_CONTROL/SYSCALL); -1 unknown. */
  auid: number;
  uid: number;
  comm: string | null;
}

export type LossKind = 'gap' | 'kernel-lost' | 'log-lost' | 'unseen' | 'no-start';

export interface Loss {
  readonly at: At;
  readonly kind: LossKind;
  readonly text: string;
}

export interface Boot {
  readonly node: string;
  /** boot_id from DAEMON_START/DAEMON_ROTATE; null when the input has neither for it. */
  id: string | null;
  /** How the input shows this boot's beginning. */
  start: 'daemon-start' | 'rotate' | 'none';
  /** 1, 2 … among the node's boots without an id (for their label). */
  readonly unknownNo: number;
  /**
   * Per type index: the boot's initial namespace of that type is known — the first INIT with
   * `old_<t>ns=0` (a model boot's, or the first process host mode reads at its start).
   */
  readonly initialKnown: boolean[];
  /** Per type index: serial (serial_key.ts) → namespace, for the namespaces alive. */
  readonly ns: NsTable[];
  /** Processes by pid, as last seen; a process goes when a namespace it was last seen in is freed (Ns.procs). */
  readonly procs: Map<number, Proc>;
  readonly losses: Loss[];
  /** Losses beyond what `losses` keeps. */
  lossesDropped: number;
  first: At;
  last: At;
}

/** A container's stay on one boot of one host. */
export interface Part {
  readonly boot: Boot;
  readonly ns: Ns[];
  start: At;
  startReason: string | null;
  stop: At | null;
  stopReason: string | null;
  /** vm-pid / the first process seen, or null. */
  pid: number | null;
}

export interface Container {
  /** The orchestrator's uuid (VIRT_CONTROL), or null. */
  uuid: string | null;
  /** The runtime's container id (NSPROC_CONTAINER), or null. */
  id: string | null;
  runtime: string | null;
  /** libvirt's vm="NAME". */
  name: string | null;
  readonly parts: Part[];
  /** Processes that entered its namespaces (counted when a process first shows one of them). */
  processes: number;
  /** Its namespaces not yet freed. */
  liveNs: number;
  /** op=stop with a reason other than migrated. */
  stopped: boolean;
  /** The selector asked for it: its records go to the trail. */
  traced: boolean;
  /** The earliest and latest times of its records (the input is not always in time order). */
  first: At;
  last: At;
}

/** How many losses a boot keeps in detail (the rest are counted). */
export const MAX_LOSSES = 10_000;

/** What a line of the trail says. */
export type EventKind = 'created' | 'entered' | 'virt' | 'container' | 'kernel' | 'freed' | 'migrated' | 'lost' | 'alive';

/** One line of the trail. */
export interface Entry {
  readonly at: At;
  readonly boot: Boot;
  readonly event: EventKind;
  /** The namespaces it is about (created, entered, freed …). */
  readonly ns: readonly Ns[];
  readonly pid: number | null;
  readonly auid: number | null;
  readonly container: Container | null;
  /** The event's own facts (op=, reason=, comm, syscall counts …), strings copied out of the input. */
  readonly detail: Readonly<Record<string, string | number | null>>;
}

/**
 * A copy of a string cut from an input line: V8 keeps a slice's whole parent alive, and a
 * parent is a chunk of the input (1 MiB). Everything kept past its line goes through this.
 */
export function keep(s: string): string {
  // V8 copies a slice shorter than 13 characters; a longer one is copied by flattening a concatenation.
  return s.length < 13 ? s : ` ${s}`.slice(1);
}
