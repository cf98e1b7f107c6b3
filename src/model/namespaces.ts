/**
 * Namespace lifetimes. A namespace lives while something references it: a
 * task's slot, a `*_for_children` slot, a pin, a namespace it owns (every
 * namespace references its owning user namespace) or a child (pid and user
 * namespaces reference their parent). When the last reference goes it is freed
 * exactly once — its inode number returns to the allocator, its serial never
 * does — and the task that dropped it is named in AUDIT_NS_DEL_<T>. Initial
 * namespaces hold a boot reference and are never freed (SPEC §3).
 */
import type { ActorInfo, ModelEvent } from './events.js';
import { setAdd, setDelete, setField } from './journal.js';
import type { NsType } from './nstypes.js';
import type { ModelState, Namespace } from './state.js';

/** The largest serial number: the counter is unsigned 64-bit (SPEC §2). */
export const SERIAL_MAX = (1n << 64n) - 1n;

export function getNs(s: ModelState, ns: Namespace): void {
  setField(s, ns, 'refs', ns.refs + 1);
}

/** Drops one reference; frees the namespace (and, in turn, what it referenced) when it was the last. */
export function putNs(s: ModelState, ns: Namespace, actor: ActorInfo, events: ModelEvent[]): void {
  setField(s, ns, 'refs', ns.refs - 1);
  if (ns.refs > 0 || ns.initial) return;
  if (ns.refs < 0) throw new Error(`refcount of ${ns.type.name} namespace ${ns.snum} went negative`);
  setField(s, ns, 'life', 'freed');
  setDelete(s, s.namespaces, ns);
  s.inums.free(ns.inum, s.journal);
  events.push({ kind: 'ns-freed', type: ns.type, snum: ns.snum, actor });
  // As kernel/pid_namespace.c:put_pid_ns(): the owner first, then the parent.
  if (ns.owner) putNs(s, ns.owner, actor, events);
  if (ns.parent && ns.parent !== ns.owner) putNs(s, ns.parent, actor, events);
}

/** Why `count` new namespaces cannot get serials and inode numbers now, or null if they can. */
export function idsExhausted(s: ModelState, count: number): 'EOVERFLOW' | 'ENOSPC' | null {
  if (s.nextSerial + BigInt(count) - 1n > SERIAL_MAX) return 'EOVERFLOW';
  if (s.inums.available() < count) return 'ENOSPC';
  return null;
}

export interface NewNs {
  readonly type: NsType;
  readonly owner: Namespace;
  /** pid and user only. */
  readonly parent: Namespace | null;
  readonly creatorUid: number;
}

/**
 * Creates a namespace with no references from tasks yet: it takes its serial
 * and inode number and references its owner and parent. Callers have checked
 * idsExhausted() first, so nothing here fails.
 */
export function createNs(s: ModelState, spec: NewNs): Namespace {
  const snum = s.nextSerial;
  setField(s, s, 'nextSerial', snum + 1n);
  const ns: Namespace = {
    type: spec.type,
    snum,
    inum: s.inums.alloc(s.journal),
    owner: spec.owner,
    parent: spec.parent,
    level: spec.parent ? spec.parent.level + 1 : 0,
    creatorUid: spec.creatorUid,
    initial: false,
    refs: 0,
    life: 'live',
    pids: spec.type.name === 'pid' ? { tasks: new Map(), cursor: 0, state: 'new' } : null,
  };
  getNs(s, spec.owner);
  if (spec.parent && spec.parent !== spec.owner) getNs(s, spec.parent);
  setAdd(s, s.namespaces, ns);
  return ns;
}
