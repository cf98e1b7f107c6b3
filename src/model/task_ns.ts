/**
 * What every operation needs about a task's namespaces: finding the task,
 * the subject a capability check runs as, moving a task's slots with their
 * references, and the NS_INFO event that follows a change.
 */
import { fail, ok, type Result } from './errno.js';
import type { ActorInfo, ModelEvent, NsInfoEvent } from './events.js';
import { setField } from './journal.js';
import { getNs, putNs } from './namespaces.js';
import type { NsName } from './nstypes.js';
import { allTasks, globalPid, type Cred, type ModelState, type Namespace, type NsSlots, type Task } from './state.js';
import type { Subject } from './capable.js';

/** The live task with this pid (as the initial pid namespace numbers it), or ESRCH. */
export function findTask(s: ModelState, pid: number, role = 'task'): Result<Task> {
  const t = allTasks(s).get(pid);
  return t ? ok(t) : fail('ESRCH', `no ${role} with pid ${pid}`);
}

export function subjectOf(t: Task): Subject {
  return { cred: t.cred, userNs: t.ns.user! };
}

/** NS_INFO for a task: its active namespaces in table order (SPEC §6). */
export function nsInfo(s: ModelState, t: Task): NsInfoEvent {
  return {
    kind: 'ns-info',
    pid: globalPid(t),
    namespaces: s.types.types.map((type) => ({ type, snum: t.ns[type.name]!.snum })),
  };
}

/** A task's new namespaces; types not named keep their current namespace. */
export interface SlotChange {
  readonly ns: NsSlots;
  readonly forChildren: NsSlots;
  readonly cred?: Cred;
}

/**
 * Moves a task into new namespaces: references to the new ones are taken
 * first, then the old ones are dropped in exit order (nsproxy, then the
 * cred's user namespace), so the DEL records of what this frees come out
 * in the kernel's order. Returns whether anything changed.
 */
export function switchSlots(s: ModelState, t: Task, change: SlotChange, actor: ActorInfo, events: ModelEvent[]): boolean {
  const dropped: Namespace[] = [];
  let changed = false;
  for (const type of s.types.release) {
    for (const which of ['ns', 'forChildren'] as const) {
      const next = change[which][type.name];
      const cur = t[which][type.name];
      if (next === undefined || next === cur) continue;
      getNs(s, next);
      // A new slots object rather than a field of the old one, so the journal names the task (tree_changes.ts).
      setField(s, t, which, { ...t[which], [type.name as NsName]: next });
      if (cur) dropped.push(cur);
      changed = true;
    }
  }
  if (change.cred && change.cred !== t.cred) {
    setField(s, t, 'cred', change.cred);
    changed = true;
  }
  for (const ns of dropped) putNs(s, ns, actor, events);
  return changed;
}

/**
 * What kernel/exit.c:do_exit() drops in exit_task_namespaces(): the nsproxy in
 * free_nsproxy() order (its pid entry is pid_for_children). The task's active
 * pid namespace and its cred's user namespace go later, at reap (dropReaped()).
 */
export function dropNsproxy(s: ModelState, t: Task, actor: ActorInfo, events: ModelEvent[]): void {
  for (const type of s.types.release) {
    if (type.name !== 'pid' && type.name !== 'user') putNs(s, t.ns[type.name]!, actor, events);
    const fc = t.forChildren[type.name];
    if (fc) putNs(s, fc, actor, events);
  }
}

/**
 * What goes when an exited task is reaped: its struct pid's reference to the
 * active pid namespace (release_task() → put_pid()), then the cred's user
 * namespace (put_task_struct() → exit_creds()).
 */
export function dropReaped(s: ModelState, t: Task, actor: ActorInfo, events: ModelEvent[]): void {
  putNs(s, t.pidNs, actor, events);
  putNs(s, t.ns.user!, actor, events);
}

/**
 * Resolves a task's `ns/` entry (`net`, `pid_for_children` …) to its namespace.
 * The model keeps `*_for_children` in every profile; `v5` only does not list them.
 */
export function entryNamespace(s: ModelState, t: Task, entry: string): Namespace | undefined {
  const fc = entry.endsWith(FOR_CHILDREN);
  const type = s.types.byName.get(fc ? entry.slice(0, -FOR_CHILDREN.length) : entry);
  if (!type || (fc && !type.forChildren)) return undefined;
  return (fc ? t.forChildren : t.ns)[type.name];
}

const FOR_CHILDREN = '_for_children';
