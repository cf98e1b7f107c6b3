/**
 * Capability checks against user namespaces, as security/commoncap.c:cap_capable():
 * a task has a capability in its own user namespace if its effective set holds
 * it; in a descendant user namespace it has every capability if it owns
 * (created) the namespace whose parent is its own, or holds it in its own;
 * in any other user namespace it has none.
 */
import { CAP_SYS_PTRACE, hasCap } from './caps.js';
import type { Cred, Namespace } from './state.js';

/** The credentials and user namespace a check runs with (a draft during clone/setns). */
export interface Subject {
  readonly cred: Cred;
  readonly userNs: Namespace;
}

/** ns_capable(target, cap) for `sub`. */
export function nsCapable(sub: Subject, target: Namespace, cap: number): boolean {
  for (let ns: Namespace | null = target; ns !== null; ns = ns.parent) {
    if (ns === sub.userNs) return hasCap(sub.cred.caps, cap);
    // Nothing higher than the subject's own namespace can be in its scope.
    if (ns.level <= sub.userNs.level) return false;
    // The owner of a user namespace whose parent is ours has every capability in it.
    if (ns.parent === sub.userNs && ns.creatorUid === sub.cred.uid) return true;
  }
  return false;
}

/**
 * kernel/ptrace.c:__ptrace_may_access() for PTRACE_MODE_READ, what opening
 * /proc/PID/ns/* needs: the same uid and gid, or CAP_SYS_PTRACE over the
 * target's user namespace. (Dumpability and LSM checks are not modelled.)
 */
export function ptraceMayRead(sub: Subject, target: Subject): boolean {
  const same = sub.cred.uid === target.cred.uid && sub.cred.gid === target.cred.gid;
  return same || nsCapable(sub, target.userNs, CAP_SYS_PTRACE);
}
