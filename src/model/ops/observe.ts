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
 * A process whose cgroup names a container (an attribute the adapter read, as
 * its status lines) gets a container-seen event after its NS_INFO when it is
 * the first seen of that container, or its namespaces differ from the ones
 * last recorded for that container (SPEC §9).
 */
import { AUDIT_UNSET } from '../boot.js';
import type { ActorInfo, ModelEvent } from '../events.js';
import type { HostBatch, HostCreds, ObservedNs, ObservedProc } from '../host_observation.js';
import { InumAllocator } from '../inum.js';
import { profileTypes, type NsName, type Profile } from '../nstypes.js';
import { DEFAULT_PID_MAX } from '../pids.js';
import { actorInfo, allTasks, globalPid, type Cred, type ModelState, type Namespace, type NsSlots, type SerialSource, type Task } from '../state.js';
import { nsInfo } from '../task_ns.js';

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
 * Applies one batch: exits first (a pid may be reused within it), then new namespaces, processes, frees.
 * A free whose key the batch registers again (without NS_GET_ID a key is `<type>:<inum>`, and the
 * kernel hands a freed inode to the next namespace at once) applies before that registration.
 */
export function observe(s: ModelState, batch: HostBatch): Observed {
  const host = hostOf(s);
  const events: ModelEvent[] = [];
  const changed = new Set<number>();
  for (const pid of batch.gone) if (removeTask(s, pid)) changed.add(pid);
  const freedNow = new Set(batch.freed);
  const reused = new Set(batch.namespaces.filter((o) => host.byKey.has(o.key) && freedNow.has(o.key)).map((o) => o.key));
  for (const key of reused) freeNs(s, key, events);
  const pendingInit = new Set(batch.namespaces.map((o) => addNs(s, o, false)));
  for (const p of batch.procs) {
    const existing = allTasks(s).get(p.pid);
    const parent = allTasks(s).get(p.ppid) ?? null;
    const before = existing ? slotsOf(existing) : parent ? slotsOf(parent) : null;
    const oldCreds = existing?.host?.creds;
    const t = upsertTask(s, p);
    linkParent(s, t, p.ppid);
    const after = slotsOf(t);
    // INITs in creation order (user first), each from the first process seen in it.
    for (const type of s.types.creation) {
      for (const which of ['ns', 'forChildren'] as const) {
        const ns = t[which][type.name];
        if (!ns || !pendingInit.delete(ns)) continue;
        const old = before?.[which][type.name]?.snum ?? 0n;
        events.push({ kind: 'ns-created', type, snum: ns.snum, oldSnum: old, actor: actorInfo(t) });
      }
    }
    const slotsChanged = before ? !sameSlots(before, after) : p.ns !== null;
    if (p.ns && slotsChanged) events.push(nsInfo(s, t));
    noteContainer(s, t, events);
    // Owners in the tree come from the host's creds (model/proc_access.ts).
    if (!existing || slotsChanged || !oldCreds || !sameHostCreds(oldCreds, p.creds)) changed.add(p.pid);
    noteSeen(s, t);
  }
  // Namespaces no process is in (held by an open file, a bind mount, or as an owner or parent).
  for (const ns of pendingInit) events.push({ kind: 'ns-created', type: ns.type, snum: ns.snum, oldSnum: 0n, actor: firstActor(s, ns) });
  for (const key of batch.freed) if (!reused.has(key)) freeNs(s, key, events);
  return { events, changedPids: [...changed] };
}

/** The kernel freed the namespace known as `key`: its DEL, naming the last process seen in it. */
function freeNs(s: ModelState, key: string, events: ModelEvent[]): void {
  const host = hostOf(s);
  const ns = host.byKey.get(key);
  if (!ns || ns.initial) return;
  events.push({ kind: 'ns-freed', type: ns.type, snum: ns.snum, actor: host.lastSeen.get(ns) ?? firstActor(s, ns) });
  ns.life = 'freed';
  s.namespaces.delete(ns);
  host.byKey.delete(key);
  host.lastSeen.delete(ns);
  host.foundVia.delete(ns);
}

function hostOf(s: ModelState) {
  if (!s.host) throw new Error('observe() needs a host-mode state');
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
    s.nextSerial = snum + 1n;
  }
  const ns: Namespace = {
    type, snum, inum: o.inum, owner, parent, level: parent ? parent.level + 1 : 0, creatorUid: o.ownerUid ?? 0,
    initial, refs: 0, life: 'live', pids: type.name === 'pid' ? { tasks: new Map(), cursor: 1, state: 'running' } : null,
  };
  host.byKey.set(o.key, ns);
  s.namespaces.add(ns);
  host.foundVia.set(ns, o.via);
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
    t.comm = p.comm;
    if (!sameCred(t.cred, cred)) t.cred = cred;
    t.ns = ns;
    t.forChildren = forChildren;
    t.host = host;
    return t;
  }
  const task: Task = {
    nrs: [...p.nspid], pidNs: ns.pid ?? s.initial.pid!, kthread: p.kthread, parent: null, children: null, comm: p.comm,
    cred, ns, forChildren, state: 'live', host,
  };
  tasks.set(p.pid, task);
  return task;
}

function linkParent(s: ModelState, t: Task, ppid: number): void {
  const parent = ppid === 0 ? null : allTasks(s).get(ppid) ?? null;
  if (t.parent === parent) return;
  t.parent?.children?.delete(t);
  t.parent = parent;
  if (parent) (parent.children ??= new Set()).add(t);
}

function removeTask(s: ModelState, pid: number): boolean {
  const t = allTasks(s).get(pid);
  if (!t) return false;
  noteSeen(s, t);
  allTasks(s).delete(pid);
  t.state = 'exited';
  t.parent?.children?.delete(t);
  return true;
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
  hostOf(s).containers.set(key, serials);
  events.push({ kind: 'container-seen', pid: globalPid(t), container: c, namespaces });
}

/** Records `t` as the last process seen in each of its namespaces. */
function noteSeen(s: ModelState, t: Task): void {
  const a = actorInfo(t);
  const last = s.host!.lastSeen;
  for (const ns of Object.values(t.ns)) last.set(ns!, a);
  for (const ns of Object.values(t.forChildren)) last.set(ns!, a);
}

interface Slots { readonly ns: NsSlots; readonly forChildren: NsSlots }
const slotsOf = (t: Task): Slots => ({ ns: { ...t.ns }, forChildren: { ...t.forChildren } });

function sameSlots(a: Slots, b: Slots): boolean {
  const names = new Set<NsName>([...Object.keys(a.ns), ...Object.keys(b.ns), ...Object.keys(a.forChildren), ...Object.keys(b.forChildren)] as NsName[]);
  for (const n of names) if (a.ns[n] !== b.ns[n] || a.forChildren[n] !== b.forChildren[n]) return false;
  return true;
}

function sameHostCreds(a: HostCreds, b: HostCreds): boolean {
  const same = (x: readonly number[], y: readonly number[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return same(a.uids, b.uids) && same(a.gids, b.gids) && a.capPrm === b.capPrm && a.dumpable === b.dumpable;
}

function sameCred(a: Cred, b: Cred): boolean {
  return a.uid === b.uid && a.gid === b.gid && a.caps === b.caps && a.auid === b.auid && a.ses === b.ses && a.subj === b.subj;
}
