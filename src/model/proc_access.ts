/**
 * Who may see a task in the tree, said as the owner, group and mode that FUSE's
 * default_permissions enforces: the daemon never learns who asks (notes/fuse-native.md),
 * so the kernel's ptrace check must be written into the attributes.
 *
 * kernel/ptrace.c:__ptrace_may_access(PTRACE_MODE_READ_FSCREDS), what opening
 * `/proc/<pid>/ns/*` needs, admits a reader without capabilities (in the daemon's user
 * namespace) when
 *  - its fsuid is the target's real, effective and saved uid and its fsgid the target's
 *    real, effective and saved gid (the target's fs ids are not compared), or it owns a user
 *    namespace the target is in (cap_capable(): the owner of a child of the reader's user
 *    namespace has CAP_SYS_PTRACE in it and below), and
 *  - the target is dumpable (SUID_DUMP_USER; a set-id exec, a credential change without
 *    exec or PR_SET_DUMPABLE 0 clears it), and
 *  - security/commoncap.c:cap_ptrace_access_check(): the target's permitted capabilities are
 *    within the reader's effective ones (none), unless the reader owns its user namespace.
 * Everyone else is refused; root (CAP_SYS_PTRACE) is admitted. A model task has one uid and
 * gid (setcred): it is its uid's and gid's, as the model's own ptraceMayRead says.
 */
import type { Task } from './state.js';

/** An owner pair (uid, gid) as the tree reports it. */
export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** A `/proc` mount's hidepid= (0 off, 1 noaccess, 2 invisible, 4 ptraceable) and gid= (proc(5)). */
export interface ProcMountOptions {
  readonly hidepid: 0 | 1 | 2 | 4;
  readonly gid: number | null;
}

/** What the rule needs beyond the task: the /proc being mirrored, and users' primary groups. */
export interface AccessPolicy {
  readonly proc: ProcMountOptions;
  /** The primary gid of a uid (passwd(5)), the fsgid its logins run with; undefined without an entry. */
  primaryGid(uid: number): number | undefined;
}

const ROOT: Owner = { uid: 0, gid: 0 };

const oneValue = (ids: readonly number[]) => ids[0] === ids[1] && ids[1] === ids[2];

/**
 * The one unprivileged uid (with its gid) that the kernel lets read `t`'s `ns/`, or root.
 * A target with one uid A and one gid B is A's only when B is A's primary group: owner A
 * admits A with any fsgid, and A's logins run with the primary one (docs/host.md, Access).
 */
export function nsReader(t: Task, policy: AccessPolicy | null): Owner {
  const h = t.host?.creds;
  if (!h) return { uid: t.cred.uid, gid: t.cred.gid };
  if (!h.dumpable) return ROOT;
  const egid = h.gids[1]!;
  // The owner of the user namespace right below the daemon's one has CAP_SYS_PTRACE in all of it.
  let user = t.ns.user;
  while (user?.parent && user.parent.level > 0) user = user.parent;
  if (user && user.level > 0) return user.creatorUid === 0 ? ROOT : { uid: user.creatorUid, gid: egid };
  if (!oneValue(h.uids) || !oneValue(h.gids) || h.capPrm !== 0n) return ROOT;
  const uid = h.uids[0]!;
  const primary = policy ? policy.primaryGid(uid) : egid;
  return primary === egid ? { uid, gid: egid } : ROOT;
}

/** Who owns `/proc/<pid>` (its euid and egid: fs/proc/base.c:task_dump_owner() for a directory 0555). */
export function procOwner(t: Task): Owner {
  const h = t.host?.creds;
  return h ? { uid: h.uids[1]!, gid: h.gids[1]! } : { uid: t.cred.uid, gid: t.cred.gid };
}

/**
 * `<pid>/`'s owner and permission bits. With hidepid ≥ 1 the kernel lets into it only
 * those who may ptrace-read the process, and the gid= group (except with hidepid=4):
 * fs/proc/base.c:has_pid_permissions().
 */
export function pidDirAccess(t: Task, policy: AccessPolicy | null): Owner & { readonly mode: number } {
  const o = policy?.proc;
  if (!o || o.hidepid === 0) return { ...procOwner(t), mode: 0o555 };
  const r = nsReader(t, policy);
  if (o.gid !== null && o.hidepid !== 4) return { uid: r.uid, gid: o.gid, mode: 0o550 };
  return { ...r, mode: 0o500 };
}
