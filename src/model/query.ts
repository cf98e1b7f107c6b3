/**
 * Read-only views of the model for listings (`nsctl lsns`, `nsctl ps`): which
 * tasks are in each live namespace, and the task tree. Pure functions over
 * {@link ModelState}; nothing here changes the model or allocates identifiers.
 */
import type { NsType } from './nstypes.js';
import { allTasks, globalPid, type ModelState, type Namespace, type Task } from './state.js';

/** The tasks whose active namespace of its type is `ns` (what `ls -l /proc/<pid>/ns/<type>` would count). */
export interface NsUsage {
  readonly ns: Namespace;
  /** Tasks in the namespace, by pid as the initial pid namespace sees it (ascending). */
  readonly tasks: readonly Task[];
}

/**
 * Every live task by ascending pid (the initial pid namespace's numbers),
 * which is the order readdir(2) lists `/proc` in.
 */
export function tasksByPid(s: ModelState): Task[] {
  return [...allTasks(s).values()].sort((a, b) => globalPid(a) - globalPid(b));
}

/**
 * The live namespaces of the given types with the tasks in each, sorted by
 * inode number (util-linux lsns sorts by NS). One pass over the tasks (each
 * task is filed under its namespace of every wanted type), then one over the
 * namespaces: O(tasks × types + namespaces), never tasks × namespaces.
 * Namespaces no task is in (kept alive by a pin, a `*_for_children` slot, or
 * as an owner or parent) are included with no tasks.
 * @param types the types to list; the profile's types when omitted
 * @example
 * namespaceUsage(state).find((u) => u.ns === state.initial.net)!.tasks.length // 3 after boot
 */
export function namespaceUsage(s: ModelState, types: readonly NsType[] = s.types.types): NsUsage[] {
  const wanted = new Set(types);
  const byNs = new Map<Namespace, Task[]>();
  for (const t of tasksByPid(s)) {
    for (const type of types) {
      const ns = t.ns[type.name];
      if (!ns) continue;
      let list = byNs.get(ns);
      if (!list) byNs.set(ns, (list = []));
      list.push(t);
    }
  }
  const usage: NsUsage[] = [];
  for (const ns of s.namespaces) if (wanted.has(ns.type)) usage.push({ ns, tasks: byNs.get(ns) ?? [] });
  return usage.sort((a, b) => a.ns.inum - b.ns.inum);
}

/** A task's parent if it is live (a reparented or orphaned task has a live one or none). */
export function liveParent(t: Task): Task | null {
  return t.parent && t.parent.state === 'live' ? t.parent : null;
}

/** The pid a task's parent has in the initial pid namespace, 0 for none (`PPid:` in status, field 4 of stat). */
export function ppidOf(t: Task): number {
  const p = liveParent(t);
  return p ? globalPid(p) : 0;
}

/** A task and its children, by ascending pid. */
export interface TaskNode {
  readonly task: Task;
  readonly children: readonly TaskNode[];
}

/**
 * The live tasks as a forest (pstree's view): roots are tasks without a live
 * parent (pid 1 `init` and pid 2 `kthreadd` after boot); children and roots
 * are in ascending pid order.
 */
export function taskForest(s: ModelState): TaskNode[] {
  const nodes = new Map<Task, { task: Task; children: TaskNode[] }>();
  const tasks = tasksByPid(s);
  for (const t of tasks) nodes.set(t, { task: t, children: [] });
  const roots: TaskNode[] = [];
  // Built without recursion: a chain of clones can be deeper than the call stack.
  for (const t of tasks) {
    const p = liveParent(t);
    const parentNode = p ? nodes.get(p) : undefined;
    (parentNode ? parentNode.children : roots).push(nodes.get(t)!);
  }
  return roots;
}
