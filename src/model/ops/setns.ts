/**
 * setns(2): join a namespace named by a task's `ns/` entry or by a pin.
 * Rules, each the kernel's own:
 * - opening /proc/PID/ns/* needs ptrace read access to PID (EACCES);
 * - nstype must match the namespace, or be 0 (EINVAL);
 * - user (userns_install()): not the caller's own (EINVAL), CAP_SYS_ADMIN in it
 *   (EPERM); the caller then has every capability there;
 * - others (*_install()): CAP_SYS_ADMIN in the namespace's owner and in the
 *   caller's own user namespace, plus CAP_SYS_CHROOT for mnt (EPERM);
 * - pid (pidns_install()): the target must be the caller's pid namespace or a
 *   descendant (EINVAL), and only pid_for_children changes;
 * - time (timens_install()): time and time_for_children both change.
 */
import { CAP_SYS_ADMIN, CAP_SYS_CHROOT, fullCaps } from '../caps.js';
import { nsCapable, ptraceMayRead, type Subject } from '../capable.js';
import { fail, ok, type Result } from '../errno.js';
import type { ModelEvent } from '../events.js';
import type { NsType } from '../nstypes.js';
import { actorInfo, type ModelState, type Namespace, type NsSlots, type Task } from '../state.js';
import { entryNamespace, findTask, nsInfo, subjectOf, switchSlots } from '../task_ns.js';

/** What setns's file descriptor refers to: a task's `ns/` entry, or a pin. */
export type SetnsTarget =
  | { readonly kind: 'task'; readonly pid: number; readonly entry: string }
  | { readonly kind: 'pin'; readonly id: number };

function resolveTarget(s: ModelState, actor: Task, target: SetnsTarget): Result<Namespace> {
  if (target.kind === 'pin') {
    const pin = s.pins.get(target.id);
    return pin ? ok(pin.ns) : fail('EBADF', `no pin with id ${target.id}`);
  }
  const found = findTask(s, target.pid, 'target task');
  if (!found.ok) return found;
  if (!ptraceMayRead(subjectOf(actor), subjectOf(found.value))) {
    return fail('EACCES', `pid ${actor.nrs[0]} may not open /proc/${target.pid}/ns/${target.entry}: another user's task and no CAP_SYS_PTRACE over it`);
  }
  const ns = entryNamespace(s, found.value, target.entry);
  return ns ? ok(ns) : fail('EINVAL', `'${target.entry}' is not a namespace entry of profile ${s.types.profile}`);
}

/** Checks joining `ns` for a subject (the caller, or the caller after joining a user namespace). */
function checkInstall(t: Task, sub: Subject, ns: Namespace): Result<void> {
  const who = `pid ${t.nrs[0]}`;
  const needs = (target: Namespace, cap: number) => nsCapable(sub, target, cap);
  if (ns.type.name === 'user') {
    if (ns === sub.userNs) return fail('EINVAL', `${who} is already in that user namespace`);
    if (!needs(ns, CAP_SYS_ADMIN)) return fail('EPERM', `${who} lacks CAP_SYS_ADMIN in the target user namespace`);
    return ok(undefined);
  }
  if (!needs(ns.owner!, CAP_SYS_ADMIN) || !needs(sub.userNs, CAP_SYS_ADMIN)) {
    return fail('EPERM', `${who} lacks CAP_SYS_ADMIN in the ${ns.type.name} namespace's owning user namespace or in its own`);
  }
  if (ns.type.name === 'mnt' && !needs(sub.userNs, CAP_SYS_CHROOT)) {
    return fail('EPERM', `${who} lacks CAP_SYS_CHROOT in its own user namespace`);
  }
  if (ns.type.name === 'pid' && !isSameOrDescendant(ns, t.pidNs)) {
    return fail('EINVAL', `the target pid namespace is neither ${who}'s own nor a descendant of it`);
  }
  return ok(undefined);
}

function isSameOrDescendant(ns: Namespace, ancestor: Namespace): boolean {
  let p: Namespace | null = ns;
  while (p !== null && p.level > ancestor.level) p = p.parent;
  return p === ancestor;
}

/**
 * @example
 * setns(state, 4, { kind: 'task', pid: 1, entry: 'net' }, null) // joins pid 1's network namespace
 */
export function setns(s: ModelState, actorPid: number, target: SetnsTarget, type: NsType | null): Result<ModelEvent[]> {
  const found = findTask(s, actorPid, 'actor');
  if (!found.ok) return found;
  const t = found.value;
  const resolved = resolveTarget(s, t, target);
  if (!resolved.ok) return resolved;
  const ns = resolved.value;
  if (type !== null && type !== ns.type) {
    return fail('EINVAL', `the target is a ${ns.type.name} namespace, not ${type.name}`);
  }
  const check = checkInstall(t, subjectOf(t), ns);
  if (!check.ok) return check;

  const change: { ns: NsSlots; forChildren: NsSlots } = { ns: {}, forChildren: {} };
  let cred = t.cred;
  if (ns.type.name === 'user') {
    change.ns.user = ns;
    cred = { ...t.cred, caps: fullCaps(s.types.lastCap) };
  } else if (ns.type.name === 'pid') {
    change.forChildren.pid = ns;
  } else {
    change.ns[ns.type.name] = ns;
    if (ns.type.forChildren) change.forChildren[ns.type.name] = ns;
  }
  const events: ModelEvent[] = [];
  const changed = switchSlots(s, t, { ...change, cred }, actorInfo(t), events);
  if (changed) events.push(nsInfo(s, t));
  return ok(events);
}
