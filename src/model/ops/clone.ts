/**
 * clone(2) with CLONE_NEW* flags: a new task, child of the actor, in new
 * namespaces for each flag (SPEC §3). The child's pid namespace is the
 * actor's pid_for_children (or the new one), where it is pid 1 if it is the
 * first task; its time namespace likewise comes from time_for_children.
 */
import { fail, ok, type Result } from '../errno.js';
import type { ModelEvent } from '../events.js';
import { getNs } from '../namespaces.js';
import { attachPids, planPids } from '../pids.js';
import { setAdd, setField } from '../journal.js';
import { type ModelState, type NsSlots, type Task } from '../state.js';
import { findTask, nsInfo } from '../task_ns.js';
import { checkFlags, checkNewNamespaces, createNamespaces } from './new_namespaces.js';

export interface CloneResult {
  /** The child's pid as the initial pid namespace sees it. */
  readonly pid: number;
  readonly events: ModelEvent[];
}

/**
 * @example
 * clone(state, 1, 0x40020000) // ok({ pid: 4, events: [INIT mnt, INIT net, NS_INFO] })
 */
export function clone(s: ModelState, actorPid: number, flags: number): Result<CloneResult> {
  const flagCheck = checkFlags(s, flags);
  if (!flagCheck.ok) return flagCheck;
  const found = findTask(s, actorPid, 'actor');
  if (!found.ok) return found;
  const parent = found.value;
  const check = checkNewNamespaces(s, parent, flags);
  if (!check.ok) return check;

  const newPid = (flags & s.types.byName.get('pid')!.flag) !== 0;
  const target = parent.forChildren.pid!;
  // kernel/pid.c:alloc_pid(): no new task once the namespace's init has exited (PIDNS_ADDING cleared).
  if (!newPid && target.pids!.state === 'dead') {
    return fail('ENOMEM', `the pid namespace for pid ${actorPid}'s children has no init any more (its pid 1 exited)`);
  }
  // A new pid namespace is made below the actor's own (checked): the child is 1 there.
  const plannedNrs = planPids(s, target);
  if (plannedNrs === null) return fail('EAGAIN', `no free pid below pid_max (${s.pidMax}) in the child's pid namespaces`);

  const events: ModelEvent[] = [];
  const created = createNamespaces(s, parent, flags, events);
  const child = makeChild(s, parent, created.ns, created.cred ?? parent.cred, newPid ? [...plannedNrs, 1] : plannedNrs);
  if (flags !== 0) events.push(nsInfo(s, child));
  return ok({ pid: child.nrs[0]!, events });
}

/** Builds the child from the parent's namespaces and the new ones, and enters it everywhere. */
function makeChild(s: ModelState, parent: Task, created: NsSlots, cred: Task['cred'], nrs: number[]): Task {
  const ns: NsSlots = { ...parent.ns, ...created };
  const forChildren: NsSlots = {};
  for (const type of s.types.types) {
    if (!type.forChildren) continue;
    // The child runs in its parent's *_for_children namespace and passes the same one on.
    ns[type.name] = created[type.name] ?? parent.forChildren[type.name]!;
    forChildren[type.name] = ns[type.name]!;
  }
  const child: Task = {
    nrs, pidNs: ns.pid!, kthread: false, parent, children: null, comm: parent.comm, cred, ns, forChildren, state: 'live',
  };
  for (const n of [...Object.values(ns), ...Object.values(forChildren)]) getNs(s, n!);
  attachPids(s, child);
  if (!parent.children) setField(s, parent, 'children', new Set());
  setAdd(s, parent.children!, child);
  return child;
}
