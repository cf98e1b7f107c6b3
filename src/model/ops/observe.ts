/**
 * Host mode's operations (SPEC §7): what the adapter saw on the running kernel
 * (host_observation.ts) becomes model state and the same events the model's
 * own operations make, so the tree, lsns, ps and the audit formatter serve the
 * host unchanged. Pure: no I/O, no clock.
 *
 * - {@link hostSnapshot}: the state at start, with one AUDIT_NS_INIT per live
 *   namespace (old serial 0) and one NS_INFO per process.
 * - {@link observe}: one batch of changes. A namespace seen for the first time
 *   gets its INIT from the first process seen in it (old serial: the one of that
 *   type the process, or for a new process its parent, was in before); a process
 *   whose namespaces changed gets an NS_INFO; a namespace the kernel freed gets
 *   its DEL, naming the last process seen in it.
 * Serials are the kernel's NS_GET_ID where the observation has one, else the
 * model's own counter in the order first seen, never reused.
 * Batches apply all or nothing: every write goes through the journal (state.ts),
 * so one that throws halfway (a broken invariant: a namespace known twice, a
 * link naming none known) leaves the state as it was. Unlike a control-file
 * batch, nothing is undone when the log then refuses the events: the host
 * changed whatever the log says, and the loss is counted and written down
 * (SPEC §8; audit/lossy_append.ts). Which pids changed is tree_changes.ts's rule,
 * read from the same journal.
 * A process whose cgroup names a container (an attribute the adapter read, as
 * its status lines) gets a container-seen event after its NS_INFO when it is
 * the first seen of that container, or its namespaces differ from the ones
 * last recorded for that container (SPEC §9).
 */
import { AUDIT_UNSET } from '../boot.js';
import type { ActorInfo, ModelEvent } from '../events.js';
import type { HostBatch, ObservedNs, ObservedProc } from '../host_observation.js';
import { InumAllocator } from '../inum.js';
import { Journal, mapDelete, mapSet, setAdd, setDelete, setField } from '../journal.js';
import { profileTypes, type Profile } from '../nstypes.js';
import { DEFAULT_PID_MAX } from '../pids.js';
import { actorInfo, allTasks, globalPid, sameSlots, type Cred, type ModelState, type Namespace, type NsSlots, type SerialSource, type Task } from '../state.js';
import { nsInfo } from '../task_ns.js';
import { changedPids } from '../tree_changes.js';

export interface HostStart {
  readonly profile: Profile;
  readonly serialSource: SerialSource;
  /** Everything alive at start. */
  readonly snapshot: HostBatch;
  /**
   * The daemon's own pid: its namespaces stand for the model's initial ones (never freed while
   * it runs; its pid namespace numbers the tree, its user namespace is where audit listens).
   * Not pid 1's: pid 1 may be a process the daemon cannot read.
   */
  readonly selfPid: number;
}

/** What a batch did: its events (in log order) and the pids whose names or attributes changed (for cache invalidation). */
export interface Observed {
  readonly events: ModelEvent[];
  readonly changedPids: number[];
}

/**
 * @example
 * const { state, events } = hostSnapshot({ profile: 'modern', serialSource: 'ns_get_id', snapshot });
 * // events: INIT per namespace (old_<t>ns=0), then NS_INFO per process
 */
export function hostSnapshot(start: HostStart): { state: ModelState; events: ModelEvent[] } {
  const types = profileTypes(start.profile);
  const init = start.snapshot.procs.find((p) => p.pid === start.selfPid);
  if (!init?.ns) throw new Error(`host snapshot: the daemon (pid ${start.selfPid}) must be in it, with its namespaces`);
  const initialKeys = new Set(Object.values(init.ns));
  const host = {
    serialSource: start.serialSource, byKey: new Map<string, Namespace>(), lastSeen: new Map<Namespace, ActorInfo>(),
    foundVia: new Map<Namespace, number>(), containers: new Map<string, string>(),
  };
  const s: ModelState = {
    types, pidMax: DEFAULT_PID_MAX, nextSerial: 1n, inums: new InumAllocator(), initial: {}, namespaces: new Set(),
    pins: new Map(), nextPinId: 1, journal: null, host, procSelf: null,
  };
  const created = start.snapshot.namespaces.map((o) => addNs(s, o, initialKeys.has(o.key)));
  const initial = s.initial as Record<string, Namespace>;
  for (const type of types.types) initial[type.name] = host.byKey.get(init.ns[type.name]!)!;
  const procs = [...start.snapshot.procs].sort((a, b) => a.pid - b.pid);
  for (const p of procs) upsertTask(s, p);
  for (const p of procs) linkParent(s, allTasks(s).get(p.pid)!, p.ppid);
  const events: ModelEvent[] = created.map((ns) => ({ kind: 'ns-created', type: ns.type, snum: ns.snum, oldSnum: 0n, actor: firstActor(s, ns) }));
  for (const p of procs) {
    if (!p.ns) continue;
    const t = allTasks(s).get(p.pid)!;
    events.push(nsInfo(s, t));
    noteContainer(s, t, events);
  }
  for (const t of allTasks(s).values()) noteSeen(s, t);
  // Freed while the first scan ran (a short-lived process's namespace): it was there, so INIT, NS_INFO, then DEL.
  for (const key of start.snapshot.freed) freeNs(s, key, events);
  return { state: s, events };
}

/**
 * Applies batches in order, all or nothing (a throw undoes every one of them, and goes on).
 * @returns their events, in log order, and the pids whose cached view differs from before the first
 * @example
 * observeBatches(s, [{ namespaces: [net], procs: [child], gone: [], freed: [] }]) // INIT_NET, NS_INFO; changedPids [child.pid]
 */
export function observeBatches(s: ModelState, batches: readonly HostBatch[]): Observed {
  const journal = new Journal();
  s.journal = journal;
  try {
    const events: ModelEvent[] = [];
    for (const b of batches) applyBatch(s, b, events);
    return { events, changedPids: changedPids(s, journal) };
  } catch (e) {
    journal.rollback();
    throw e;
  } finally {
    s.journal = null;
  }
}

/**
 * One batch: exits first (a pid may be reused within it), then new namespaces, processes, frees.
 * A free whose key the batch registers again (without NS_GET_ID a key is `<type>:<inum>`, and the
 * kernel hands a freed inode to the next namespace at once) applies before that registration.
 */
function applyBatch(s: ModelState, batch: HostBatch, events: ModelEvent[]): void {
  const host = hostOf(s);
  for (const pid of batch.gone) removeTask(s, pid);
  const freedNow = new Set(batch.freed);
  const reused = new Set(batch.namespaces.filter((o) => host.byKey.has(o.key) && freedNow.has(o.key)).map((o) => o.key));
  for (const key of reused) freeNs(s, key, events);
  const pendingInit = new Set(batch.namespaces.map((o) => addNs(s, o, false)));
  for (const p of batch.procs) {
    const existing = allTasks(s).get(p.pid);
    // The slots before: the process's own, or for a new process its parent's (upsertTask replaces, never edits, them).
    const was = existing ?? allTasks(s).get(p.ppid) ?? null;
    const before = was ? { ns: was.ns, forChildren: was.forChildren } : null;
    const t = upsertTask(s, p);
    linkParent(s, t, p.ppid);
    // INITs in creation order (user first), each from the first process seen in it.
    for (const type of s.types.creation) {
      for (const which of ['ns', 'forChildren'] as const) {
        const ns = t[which][type.name];
        if (!ns || !pendingInit.delete(ns)) continue;
        const old = before?.[which][type.name]?.snum ?? 0n;
        events.push({ kind: 'ns-created', type, snum: ns.snum, oldSnum: old, actor: actorInfo(t) });
      }
    }
    const slotsChanged = before ? !(sameSlots(before.ns, t.ns) && sameSlots(before.forChildren, t.forChildren)) : p.ns !== null;
    if (p.ns && slotsChanged) events.push(nsInfo(s, t));
    noteContainer(s, t, events);
    noteSeen(s, t);
  }
  // Namespaces no process is in (held by an open file, a bind mount, or as an owner or parent).
  for (const ns of pendingInit) events.push({ kind: 'ns-created', type: ns.type, snum: ns.snum, oldSnum: 0n, actor: firstActor(s, ns) });
  for (const key of batch.freed) if (!reused.has(key)) freeNs(s, key, events);
}

/** The kernel freed the namespace known as `key`: its DEL, naming the last process seen in it. */
function freeNs(s: ModelState, key: string, events: ModelEvent[]): void {
  const host = hostOf(s);
  const ns = host.byKey.get(key);
  if (!ns || ns.initial) return;
  events.push({ kind: 'ns-freed', type: ns.type, snum: ns.snum, actor: host.lastSeen.get(ns) ?? firstActor(s, ns) });
  setField(s, ns, 'life', 'freed');
  setDelete(s, s.namespaces, ns);
  mapDelete(s, host.byKey, key);
  mapDelete(s, host.lastSeen, ns);
  mapDelete(s, host.foundVia, ns);
}

function hostOf(s: ModelState) {
  if (!s.host) throw new Error('host observations need a host-mode state');
  return s.host;
}

function addNs(s: ModelState, o: ObservedNs, initial: boolean): Namespace {
  const host = hostOf(s);
  if (host.byKey.has(o.key)) throw new Error(`host observation: namespace ${o.key} was already known`);
  const type = s.types.byName.get(o.type);
  if (!type) throw new Error(`host observation: the profile has no ${o.type} namespaces`);
  const owner = o.ownerKey === null ? null : host.byKey.get(o.ownerKey) ?? null;
  const parent = o.parentKey === null ? null : host.byKey.get(o.parentKey) ?? null;
  let snum = o.id;
  if (snum === null) {
    snum = s.nextSerial;
    setField(s, s, 'nextSerial', snum + 1n);
  }
  const ns: Namespace = {
    type, snum, inum: o.inum, owner, parent, level: parent ? parent.level + 1 : 0, creatorUid: o.ownerUid ?? 0,
    initial, refs: 0, life: 'live', pids: type.name === 'pid' ? { tasks: new Map(), cursor: 1, state: 'running' } : null,
  };
  mapSet(s, host.byKey, o.key, ns);
  setAdd(s, s.namespaces, ns);
  mapSet(s, host.foundVia, ns, o.via);
  return ns;
}

/** The actor of a record about a namespace no process was seen in: the process it was found through. */
function firstActor(s: ModelState, ns: Namespace): ActorInfo {
  const seen = s.host!.lastSeen.get(ns);
  if (seen) return seen;
  const pid = s.host!.foundVia.get(ns) ?? 0;
  const t = allTasks(s).get(pid);
  // A process that exited before it could be read: its pid is known, nothing else (4294967295: unset, as auditd prints it).
  return t ? actorInfo(t) : { pid, uid: AUDIT_UNSET, auid: AUDIT_UNSET, ses: AUDIT_UNSET, subj: '?' };
}

function slotsFrom(s: ModelState, p: ObservedProc): { ns: NsSlots; forChildren: NsSlots } {
  const ns: NsSlots = {};
  const forChildren: NsSlots = {};
  if (!p.ns) return { ns, forChildren };
  const byKey = s.host!.byKey;
  for (const e of s.types.linkEntries) {
    const key = p.ns[e.entry];
    const found = key === undefined ? undefined : byKey.get(key);
    if (!found) throw new Error(`host observation: pid ${p.pid}'s ${e.entry} names unknown namespace ${key}`);
    (e.forChildren ? forChildren : ns)[e.type.name] = found;
  }
  return { ns, forChildren };
}

function upsertTask(s: ModelState, p: ObservedProc): Task {
  const tasks = allTasks(s);
  const { ns, forChildren } = slotsFrom(s, p);
  const cred: Cred = { uid: p.uid, gid: p.gid, caps: p.capEff, auid: p.auid, ses: p.ses, subj: p.subj };
  const host = { status: p.status, stat: p.stat, cmdline: p.cmdline, nsDenied: p.ns === null, container: p.container, creds: p.creds };
  const t = tasks.get(p.pid);
  if (t) {
    setField(s, t, 'comm', p.comm);
    if (!sameCred(t.cred, cred)) setField(s, t, 'cred', cred);
    setField(s, t, 'ns', ns);
    setField(s, t, 'forChildren', forChildren);
    setField(s, t, 'host', host);
    return t;
  }
  const task: Task = {
    nrs: [...p.nspid], pidNs: ns.pid ?? s.initial.pid!, kthread: p.kthread, parent: null, children: null, comm: p.comm,
    cred, ns, forChildren, state: 'live', host,
  };
  mapSet(s, tasks, p.pid, task);
  return task;
}

function linkParent(s: ModelState, t: Task, ppid: number): void {
  const parent = ppid === 0 ? null : allTasks(s).get(ppid) ?? null;
  if (t.parent === parent) return;
  if (t.parent?.children) setDelete(s, t.parent.children, t);
  setField(s, t, 'parent', parent);
  if (!parent) return;
  if (!parent.children) setField(s, parent, 'children', new Set());
  setAdd(s, parent.children!, t);
}

function removeTask(s: ModelState, pid: number): void {
  const t = allTasks(s).get(pid);
  if (!t) return;
  noteSeen(s, t);
  mapDelete(s, allTasks(s), pid);
  setField(s, t, 'state', 'exited');
  if (t.parent?.children) setDelete(s, t.parent.children, t);
}

/**
 * NSPROC_CONTAINER for `t` if it is in a container whose last record (if any) named other
 * namespaces. Without readable namespaces there is nothing to record; a later process may.
 */
function noteContainer(s: ModelState, t: Task, events: ModelEvent[]): void {
  const c = t.host?.container;
  if (!c || t.host!.nsDenied) return;
  const { namespaces } = nsInfo(s, t);
  const key = `${c.runtime}:${c.id}`;
  const serials = namespaces.map((r) => r.snum.toString(16)).join(' ');
  if (hostOf(s).containers.get(key) === serials) return;
  mapSet(s, hostOf(s).containers, key, serials);
  events.push({ kind: 'container-seen', pid: globalPid(t), container: c, namespaces });
}

/** Records `t` as the last process seen in each of its namespaces. */
function noteSeen(s: ModelState, t: Task): void {
  const a = actorInfo(t);
  const last = s.host!.lastSeen;
  for (const ns of Object.values(t.ns)) mapSet(s, last, ns!, a);
  for (const ns of Object.values(t.forChildren)) mapSet(s, last, ns!, a);
}

function sameCred(a: Cred, b: Cred): boolean {
  return a.uid === b.uid && a.gid === b.gid && a.caps === b.caps && a.auid === b.auid && a.ses === b.ses && a.subj === b.subj;
}
