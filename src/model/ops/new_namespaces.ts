/**
 * The part clone(2) and unshare(2) share: check that a task may create the
 * namespaces its flags ask for (kernel/fork.c:copy_creds() for the user
 * namespace, kernel/nsproxy.c:copy_namespaces()/unshare_nsproxy_namespaces()
 * for the rest), then create them in creation order. Every check runs before
 * anything is created, so a refusal changes nothing (SPEC §2).
 */
import { CAP_SYS_ADMIN, fullCaps } from '../caps.js';
import { nsCapable } from '../capable.js';
import { fail, ok, type Result } from '../errno.js';
import type { ModelEvent } from '../events.js';
import { createNs, idsExhausted } from '../namespaces.js';
import type { NsType } from '../nstypes.js';
import { actorInfo, type Cred, type ModelState, type Namespace, type NsSlots, type Task } from '../state.js';
import { subjectOf } from '../task_ns.js';

/** The namespaces a flags word asks for, in creation order. */
export function typesOf(s: ModelState, flags: number): NsType[] {
  return s.types.creation.filter((t) => (flags & t.flag) !== 0);
}

/** EINVAL for bits that are not the profile's CLONE_NEW* flags (clone(2), unshare(2): "invalid bit specified in flags"). */
export function checkFlags(s: ModelState, flags: number): Result<void> {
  const unknown = (flags & ~s.types.cloneNewMask) >>> 0;
  if (!Number.isInteger(flags) || flags < 0 || unknown !== 0) {
    return fail('EINVAL', `flags 0x${(flags >>> 0).toString(16)} hold bits that are not CLONE_NEW* flags of profile ${s.types.profile}`);
  }
  return ok(undefined);
}

/** Where a new namespace of a type is copied from: `*_for_children` for pid and time (create_new_namespaces()). */
export function sourceOf(t: Task, type: NsType): Namespace {
  return (type.forChildren ? t.forChildren[type.name] : t.ns[type.name])!;
}

/** Refuses a new pid or user namespace past the nesting limit (SPEC §3). */
function checkNesting(s: ModelState, type: NsType, parent: Namespace): Result<void> {
  const limit = type.nesting!;
  if (parent.level + 1 <= limit.maxLevel) return ok(undefined);
  return fail(limit.tooDeep[s.types.profile],
    `a new ${type.name} namespace would be at level ${parent.level + 1}, past the limit of ${limit.maxLevel}`);
}

/**
 * Every check for creating the namespaces `flags` ask for on behalf of `t`,
 * in the kernel's order: the user namespace's depth (copy_creds()), then
 * CAP_SYS_ADMIN, then the pid namespace's rules, then identifiers.
 */
export function checkNewNamespaces(s: ModelState, t: Task, flags: number): Result<void> {
  const wanted = typesOf(s, flags);
  const newUser = wanted.some((w) => w.name === 'user');
  if (newUser) {
    const r = checkNesting(s, s.types.byName.get('user')!, t.ns.user!);
    if (!r.ok) return r;
  }
  // Every flag but CLONE_NEWUSER needs CAP_SYS_ADMIN in the user namespace the new ones will
  // belong to; a task has every capability in a user namespace made in the same call (user_namespaces(7)).
  const others = wanted.filter((w) => w.name !== 'user');
  if (!newUser && others.length > 0 && !nsCapable(subjectOf(t), t.ns.user!, CAP_SYS_ADMIN)) {
    return fail('EPERM', `pid ${t.nrs[0]} lacks CAP_SYS_ADMIN in its user namespace to create ${others.map((w) => w.name).join(', ')} namespaces`);
  }
  const pid = wanted.find((w) => w.name === 'pid');
  if (pid) {
    // kernel/pid_namespace.c:copy_pid_ns(): "task_active_pid_ns(current) != old_ns" → EINVAL.
    if (t.forChildren.pid !== t.pidNs) {
      return fail('EINVAL', `pid ${t.nrs[0]} already unshared a pid namespace for its children (pid_for_children is not its own)`);
    }
    const r = checkNesting(s, pid, t.pidNs);
    if (!r.ok) return r;
  }
  const exhausted = idsExhausted(s, wanted.length);
  if (exhausted === 'EOVERFLOW') return fail('EOVERFLOW', 'the namespace serial number counter is exhausted (2^64-1 reached)');
  if (exhausted === 'ENOSPC') return fail('ENOSPC', 'no free namespace inode numbers are left');
  return ok(undefined);
}

export interface Created {
  /** The new namespaces by type. */
  readonly ns: NsSlots;
  /** The credentials that go with a new user namespace: every capability in it. */
  readonly cred: Cred | undefined;
}

/**
 * Creates the namespaces `flags` ask for, in creation order, after
 * checkNewNamespaces() passed: nothing here fails. `t` is the acting task,
 * named in each AUDIT_NS_INIT record with the namespace it was copied from.
 */
export function createNamespaces(s: ModelState, t: Task, flags: number, events: ModelEvent[]): Created {
  const created: NsSlots = {};
  const actor = actorInfo(t);
  let cred: Cred | undefined;
  for (const type of typesOf(s, flags)) {
    const old = sourceOf(t, type);
    const isUser = type.name === 'user';
    const owner = isUser ? t.ns.user! : (created.user ?? t.ns.user!);
    const parent = type.nesting ? old : null;
    created[type.name] = createNs(s, { type, owner, parent, creatorUid: t.cred.uid });
    events.push({ kind: 'ns-created', type, snum: created[type.name]!.snum, oldSnum: old.snum, actor });
    if (isUser) cred = { ...t.cred, caps: fullCaps(s.types.lastCap) };
  }
  return { ns: created, cred };
}
