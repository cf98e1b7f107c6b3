/**
 * Pins: what an open ns file or a bind mount of one does in Linux — a
 * reference that keeps a namespace alive with no task in it (namespaces(7),
 * "The /proc/[pid]/ns/ directory"). Pin ids count up from 1 and are never reused.
 */
import { fail, ok, type Result } from '../errno.js';
import type { ModelEvent } from '../events.js';
import { mapDelete, mapSet, setField } from '../journal.js';
import { getNs, putNs } from '../namespaces.js';
import { actorInfo, type ModelState } from '../state.js';
import { entryNamespace, findTask } from '../task_ns.js';

/**
 * @example
 * pin(state, 4, 'net') // ok(1): pin 1 holds pid 4's network namespace
 */
export function pin(s: ModelState, actorPid: number, entry: string): Result<number> {
  const found = findTask(s, actorPid, 'actor');
  if (!found.ok) return found;
  const ns = entryNamespace(s, found.value, entry);
  if (!ns) return fail('EINVAL', `'${entry}' is not a namespace entry of profile ${s.types.profile}`);
  const id = s.nextPinId;
  setField(s, s, 'nextPinId', id + 1);
  getNs(s, ns);
  mapSet(s, s.pins, id, { id, ns, by: actorInfo(found.value) });
  return ok(id);
}

/** Drops a pin; if it was the namespace's last reference, the DEL record names the task that pinned it. */
export function unpin(s: ModelState, id: number): Result<ModelEvent[]> {
  const p = s.pins.get(id);
  if (!p) return fail('EBADF', `no pin with id ${id}`);
  mapDelete(s, s.pins, id);
  const events: ModelEvent[] = [];
  putNs(s, p.ns, p.by, events);
  return ok(events);
}
