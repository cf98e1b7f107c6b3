/**
 * Task exit (kernel/exit.c:do_exit()). Lifecycle of a task: `live` until it
 * exits, then `exited` and gone from every pid namespace at once (the model
 * reaps immediately; there are no zombies). On exit a task drops its
 * namespaces in exit_task_namespaces() order, then its cred's user namespace;
 * its children go to the init of its pid namespace (find_new_reaper()). When
 * that init itself exits, zap_pid_ns_processes() kills every other task in
 * its pid namespace (descendant namespaces included) and the namespace takes
 * no new task again (ENOMEM, SPEC §3).
 */
import { fail, ok, type Result } from '../errno.js';
import type { ModelEvent } from '../events.js';
import { setAdd, setDelete, setField } from '../journal.js';
import { childReaper, detachPids } from '../pids.js';
import { actorInfo, type ModelState, type Task } from '../state.js';
import { dropAllSlots, findTask } from '../task_ns.js';

/**
 * @example
 * exit(state, 4) // ok([...AUDIT_NS_DEL events for what pid 4 held last])
 */
export function exit(s: ModelState, pid: number): Result<ModelEvent[]> {
  const found = findTask(s, pid);
  if (!found.ok) return found;
  const t = found.value;
  // SPEC §3: Linux panics when the initial init exits; the model refuses.
  if (t === s.initial.pid!.pids!.tasks.get(1)) return fail('EPERM', 'pid 1 of the initial pid namespace cannot exit (Linux would panic)');
  if (t.kthread) return fail('EPERM', `pid ${pid} is a kernel thread (${t.comm}), which does not exit on request`);

  const events: ModelEvent[] = [];
  const isInit = t.nrs.at(-1) === 1;
  const victims = isInit ? [...t.pidNs.pids!.tasks.entries()].filter(([, v]) => v !== t).sort(([a], [b]) => a - b) : [];
  exitOne(s, t, events);
  for (const [, v] of victims) if (v.state === 'live') exitOne(s, v, events);
  return ok(events);
}

function exitOne(s: ModelState, t: Task, events: ModelEvent[]): void {
  const ps = t.pidNs.pids!;
  if (t.nrs.at(-1) === 1) setField(s, ps, 'state', 'dead');
  dropAllSlots(s, t, actorInfo(t), events);
  const reaper = childReaper(t.pidNs);
  if (t.children) {
    for (const c of t.children) {
      // Once the namespace's init is gone, its children are being killed with it.
      if (!reaper || reaper === t || ps.state === 'dead') continue;
      setField(s, c, 'parent', reaper);
      if (!reaper.children) setField(s, reaper, 'children', new Set());
      setAdd(s, reaper.children!, c);
    }
  }
  if (t.parent?.children) setDelete(s, t.parent.children, t);
  detachPids(s, t);
  setField(s, t, 'state', 'exited');
}
