/**
 * Which task `/proc/self` names. Not a system call: on Linux `self` is whoever reads it
 * (fs/proc/self.c:proc_self_get_link()), but FUSE does not tell nsproc who reads, so one
 * chosen task stands for every reader (docs/proc-ns.md). Changes no namespace, makes no record.
 */
import { fail, ok, type Result } from '../errno.js';
import { setField } from '../journal.js';
import type { ModelState } from '../state.js';
import { findTask } from '../task_ns.js';

/**
 * @example
 * setSelf(state, 4) // ok: /proc/self now reads 4
 */
export function setSelf(s: ModelState, pid: number): Result<void> {
  if (s.procSelf === null) return fail('EOPNOTSUPP', 'host mode has no self: the daemon cannot tell which process reads the tree');
  const found = findTask(s, pid);
  if (!found.ok) return found;
  setField(s, s, 'procSelf', pid);
  return ok(undefined);
}
