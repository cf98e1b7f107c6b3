/**
 * A canonical, JSON-ready picture of the whole model: what tests compare to
 * prove that a refused or rolled-back operation changed nothing.
 */
import { pidNsChain } from './pids.js';
import { allTasks, type ModelState, type Namespace } from './state.js';

const id = (ns: Namespace | undefined) => (ns ? ns.snum.toString(16) : null);

/** Every observable field, in a stable order. */
export function dumpModel(s: ModelState): unknown {
  const tasks = [...allTasks(s).values()].sort((a, b) => a.nrs[0]! - b.nrs[0]!).map((t) => ({
    nrs: t.nrs, pidNs: id(t.pidNs), parent: t.parent?.nrs[0] ?? 0, state: t.state, comm: t.comm, kthread: t.kthread,
    cred: { ...t.cred, caps: t.cred.caps.toString(16) },
    children: [...(t.children ?? [])].map((c) => c.nrs[0]!).sort((a, b) => a - b),
    ns: Object.fromEntries(Object.entries(t.ns).map(([k, v]) => [k, id(v)])),
    forChildren: Object.fromEntries(Object.entries(t.forChildren).map(([k, v]) => [k, id(v)])),
  }));
  const namespaces = [...s.namespaces].sort((a, b) => (a.snum < b.snum ? -1 : 1)).map((ns) => ({
    type: ns.type.name, snum: id(ns), inum: ns.inum, owner: id(ns.owner ?? undefined), parent: id(ns.parent ?? undefined),
    level: ns.level, refs: ns.refs, life: ns.life, creatorUid: ns.creatorUid,
    pids: ns.pids && {
      state: ns.pids.state, cursor: ns.pids.cursor,
      tasks: [...ns.pids.tasks.entries()].map(([nr, t]) => [nr, t.nrs[0]]).sort((a, b) => a[0]! - b[0]!),
    },
  }));
  const pins = [...s.pins.values()].sort((a, b) => a.id - b.id).map((p) => ({ id: p.id, ns: id(p.ns), by: p.by }));
  return { nextSerial: s.nextSerial.toString(16), nextPinId: s.nextPinId, inums: s.inums.snapshot(), tasks, namespaces, pins };
}

/** For tests: each live task's pid in each namespace of its chain agrees with that namespace's map. */
export function pidMapsConsistent(s: ModelState): boolean {
  for (const t of allTasks(s).values()) {
    const chain = pidNsChain(t.pidNs);
    if (chain.some((ns, level) => ns.pids!.tasks.get(t.nrs[level]!) !== t)) return false;
  }
  return true;
}
