/**
 * Task exit (kernel/exit.c:do_exit()). Lifecycle of a task: `live` until it
 * exits, then `exited` and gone from every pid namespace at once (the model
 * reaps immediately; there are no zombies). On exit a task drops its nsproxy
 * (exit_task_namespaces()), its children go to the init of its pid namespace
 * (find_new_reaper()), and at reap its pid namespace and its cred's user
 * namespace go. When that init itself exits, zap_pid_ns_processes() kills
 * every other task in its pid namespace (descendant namespaces included)
 * before the init is reaped, and the namespace takes no new task again
 * (ENOMEM, SPEC §3).
 */
import { fail, ok, type Result } from '../errno.js';
import type { ModelEvent } from '../events.js';
import { setAdd, setDelete, setField } from '../journal.js';
import { childReaper, detachPids } from '../pids.js';
import { actorInfo, type ModelState, type Task } from '../state.js';
import { dropNsproxy, dropReaped, findTask } from '../task_ns.js';

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
  exitTask(s, t, events);
  return ok(events);
}

/**
 * kernel/exit.c:do_exit(): exit_task_namespaces() drops the nsproxy; then
 * exit_notify() → forget_original_parent() → find_child_reaper(): an init
 * kills and reaps its whole namespace first (zap_pid_ns_processes()), anyone
 * else hands its children to the init; the model then reaps the task at once.
 * So a pid namespace whose init exits is freed by the init's own reap, after
 * the records of every task it killed.
 */
function exitTask(s: ModelState, t: Task, events: ModelEvent[]): void {
  const actor = actorInfo(t);
  dropNsproxy(s, t, actor, events);
  if (t.nrs.at(-1) === 1) zapPidNsProcesses(s, t, events);
  const ps = t.pidNs.pids!;
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
  dropReaped(s, t, actor, events);
}

/**
 * kernel/pid_namespace.c:zap_pid_ns_processes(): SIGKILL to every other task
 * in the namespace, in pid order (descendant pid namespaces included, since
 * their tasks have a pid here too), then wait until all are reaped. From now
 * on the namespace takes no new task (ENOMEM, SPEC §3).
 */
function zapPidNsProcesses(s: ModelState, init: Task, events: ModelEvent[]): void {
  const ps = init.pidNs.pids!;
  setField(s, ps, 'state', 'dead');
  const victims = [...ps.tasks.entries()].filter(([, v]) => v !== init).sort(([a], [b]) => a - b);
  for (const [, v] of victims) if (v.state === 'live') exitTask(s, v, events);
}
