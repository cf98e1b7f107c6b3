/**
 * unshare(2): the actor moves into new namespaces, except that a new pid
 * (or time) namespace only becomes its `*_for_children` — "unshare --pid"
 * without a fork leaves the caller where it is (pid_namespaces(7)).
 */
import { ok, type Result } from '../errno.js';
import type { ModelEvent } from '../events.js';
import { actorInfo, type ModelState, type NsSlots } from '../state.js';
import { findTask, nsInfo, switchSlots } from '../task_ns.js';
import { checkFlags, checkNewNamespaces, createNamespaces } from './new_namespaces.js';

/**
 * @example
 * unshare(state, 1, 0x40000000) // ok([INIT net, NS_INFO]); pid 1 is in the new net namespace
 */
export function unshare(s: ModelState, actorPid: number, flags: number): Result<ModelEvent[]> {
  const flagCheck = checkFlags(s, flags);
  if (!flagCheck.ok) return flagCheck;
  const found = findTask(s, actorPid, 'actor');
  if (!found.ok) return found;
  const t = found.value;
  const check = checkNewNamespaces(s, t, flags);
  if (!check.ok) return check;

  const events: ModelEvent[] = [];
  const created = createNamespaces(s, t, flags, events);
  const ns: NsSlots = {};
  const forChildren: NsSlots = {};
  for (const type of s.types.types) {
    const n = created.ns[type.name];
    if (n) (type.forChildren ? forChildren : ns)[type.name] = n;
  }
  const changed = switchSlots(s, t, { ns, forChildren, cred: created.cred }, actorInfo(t), events);
  if (changed) events.push(nsInfo(s, t));
  return ok(events);
}
