/**
 * The kernel's rules, one row each, with the man page sentence or kernel
 * function the row comes from. Privilege is one of: root (uid 0, every
 * capability), uid 1000 (setcred from root: capabilities(7) clears the
 * effective set), and uid 1000 inside a user namespace it just made.
 */
import { describe, expect, it } from 'vitest';
import { booted, flagsOf, must, outcome, task } from './_test_util.js';
import { CAP_AUDIT_CONTROL, CAP_AUDIT_WRITE, CAP_SYS_ADMIN, CAP_SYS_CHROOT, CAP_SYS_PTRACE, fullCaps } from './caps.js';
import { dumpModel, pidMapsConsistent } from './dump.js';
import type { ErrnoName, Result } from './errno.js';
import type { ModelEvent } from './events.js';
import { PROFILES, type NsName, type Profile } from './nstypes.js';
import { nsInfoRequest, virtControl } from './ops/audit_requests.js';
import { clone } from './ops/clone.js';
import { exit } from './ops/exit.js';
import { pin, unpin } from './ops/pin.js';
import { setcred } from './ops/setcred.js';
import { setns, type SetnsTarget } from './ops/setns.js';
import { unshare } from './ops/unshare.js';
import { RESERVED_PIDS } from './pids.js';
import { allTasks, type ModelState } from './state.js';

type Want = ErrnoName | 'ok';
type Priv = 'root' | 'uid 1000' | 'uid 1000 in its own user namespace' | 'uid 1000 two user namespaces down';
const PRIVS: readonly Priv[] = ['root', 'uid 1000', 'uid 1000 in its own user namespace', 'uid 1000 two user namespaces down'];

const cap = (...caps: number[]) => caps.reduce((set, c) => set | (1n << BigInt(c)), 0n);
const byTask = (pid: number, entry: string): SetnsTarget => ({ kind: 'task', pid, entry });
const byPin = (id: number): SetnsTarget => ({ kind: 'pin', id });
const typeOf = (s: ModelState, n: NsName) => s.types.byName.get(n)!;

/** A new child of pid 1 (or `parent`), returning its pid. */
function spawn(s: ModelState, parent = 1, flags = 0): number {
  return must(clone(s, parent, flags)).pid;
}

/** A task of the given privilege, fresh from pid 1. */
function actor(s: ModelState, priv: Priv): number {
  const pid = spawn(s);
  if (priv !== 'root') must(setcred(s, pid, { uid: 1000, gid: 1000 }));
  if (priv !== 'root' && priv !== 'uid 1000') must(unshare(s, pid, flagsOf(s, 'user')));
  if (priv === 'uid 1000 two user namespaces down') must(unshare(s, pid, flagsOf(s, 'user')));
  return pid;
}

/** AUDIT_NS_INIT_NET, NS_INFO … : the shape of an event stream. */
function tag(e: ModelEvent): string {
  if (e.kind === 'ns-created') return `INIT_${e.type.name.toUpperCase()}`;
  if (e.kind === 'ns-freed') return `DEL_${e.type.name.toUpperCase()}`;
  return e.kind === 'ns-info' ? 'NS_INFO' : 'VIRT_CONTROL';
}

/** `DEL_NET pid=9`: a DEL event with the task it names. */
function named(e: ModelEvent): string {
  return e.kind === 'ns-freed' ? `${tag(e)} pid=${e.actor.pid}` : tag(e);
}

describe('clone() and unshare(): privilege', () => {
  // clone(2): "EPERM CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, or
  // CLONE_NEWUTS was specified by an unprivileged process (process without CAP_SYS_ADMIN)."
  // unshare(2): same for each flag. user_namespaces(7): "Starting in Linux 3.8, unprivileged
  // processes can create user namespaces, and the other types of namespaces can be created with
  // just the CAP_SYS_ADMIN capability in the caller's user namespace."
  const rows = PROFILES.flatMap((p) => ['clone', 'unshare'].flatMap((op) => booted({ profile: p }).types.types.flatMap((t) =>
    PRIVS.map((priv) => {
      const want: Want = t.name === 'user' || priv !== 'uid 1000' ? 'ok' : 'EPERM';
      return [p, op, want, t.flagName, priv] as const;
    }))));

  it.each(rows)('%s: %s() gives %s for %s as %s', (p, op, want, flagName, priv) => {
    const s = booted({ profile: p });
    const a = actor(s, priv);
    const flags = s.types.types.find((t) => t.flagName === flagName)!.flag;
    expect(outcome(op === 'clone' ? clone(s, a, flags) : unshare(s, a, flags))).toBe(want);
  });

  it.each(PROFILES.flatMap((p) => (['clone', 'unshare'] as const).map((op) => [p, op] as const)))(
    '%s: %s() succeeds for uid 1000 with CLONE_NEWUSER and every other flag at once (user_namespaces(7): the new user namespace is created first)',
    (p, op) => {
      const s = booted({ profile: p });
      const a = actor(s, 'uid 1000');
      const all = s.types.cloneNewMask;
      expect(outcome(op === 'clone' ? clone(s, a, all) : unshare(s, a, all))).toBe('ok');
    },
  );

  it('unshare() with CLONE_NEWUSER|CLONE_NEWNET makes the new network namespace owned by the new user namespace', () => {
    // user_namespaces(7): "When a new IPC, mount, network, PID, or UTS namespace is created via
    // clone(2) or unshare(2), the kernel records the user namespace of the creating process as the
    // owner of the new namespace." With CLONE_NEWUSER, that is the new one (kernel/fork.c: copy_creds() first).
    const s = booted();
    const a = actor(s, 'uid 1000');
    const oldUser = task(s, a).ns.user;
    must(unshare(s, a, flagsOf(s, 'user', 'net')));
    const t = task(s, a);
    expect([t.ns.net!.owner === t.ns.user, t.ns.user !== oldUser, t.ns.user!.parent === oldUser]).toEqual([true, true, true]);
  });

  it('clone() with CLONE_NEWUSER|CLONE_NEWNET gives the child a network namespace owned by its new user namespace', () => {
    const s = booted();
    const c = task(s, spawn(s, actor(s, 'uid 1000'), flagsOf(s, 'user', 'net')));
    expect(c.ns.net!.owner).toBe(c.ns.user);
  });

  it('unshare() with CLONE_NEWUSER records the caller\'s uid as the owner and gives it every capability there', () => {
    // user_namespaces(7): "The child process created by clone(2) with the CLONE_NEWUSER flag starts
    // out with a complete set of capabilities in the new user namespace."
    const s = booted();
    const a = actor(s, 'uid 1000');
    must(unshare(s, a, flagsOf(s, 'user')));
    expect([task(s, a).ns.user!.creatorUid, task(s, a).cred.caps]).toEqual([1000, fullCaps(s.types.lastCap)]);
  });

  it('clone() leaves the parent\'s credentials alone when the child gets a new user namespace', () => {
    const s = booted();
    const a = actor(s, 'uid 1000');
    spawn(s, a, flagsOf(s, 'user'));
    expect(task(s, a).cred.caps).toBe(0n);
  });

  it.each([
    // clone(2)/unshare(2): "EINVAL ... invalid bit specified in flags"; CLONE_NEWCGROUP and
    // CLONE_NEWTIME do not exist in 3.17 (v5).
    ['v5', 'CLONE_NEWCGROUP', 0x02000000, 'EINVAL'],
    ['v5', 'CLONE_NEWTIME', 0x00000080, 'EINVAL'],
    ['v5', 'CLONE_VM (not a CLONE_NEW* flag)', 0x00000100, 'EINVAL'],
    ['modern', 'CLONE_NEWCGROUP', 0x02000000, 'ok'],
    ['modern', 'a negative word', -1, 'EINVAL'],
    ['modern', 'a fraction', 0.5, 'EINVAL'],
    ['v5', 'no flags', 0, 'ok'],
  ] as const)('%s: clone() with %s gives %s', (p, _what, flags, want) => {
    expect(outcome(clone(booted({ profile: p }), 1, flags))).toBe(want);
  });

  it.each([
    ['clone', (s: ModelState) => clone(s, 999, 0)],
    ['unshare', (s: ModelState) => unshare(s, 999, flagsOf(s, 'net'))],
  ] as const)('%s() fails with ESRCH for an actor that does not exist', (_op, run) => {
    expect(outcome(run(booted()))).toBe('ESRCH');
  });
});

describe('nesting limits', () => {
  // user_namespaces(7): "user namespaces can be nested ... up to 32 levels"; in fact
  // kernel/user_namespace.c:create_user_ns() refuses a parent with level > 32, so 33 levels
  // below the initial one exist (checked live, SPEC §3). 3.17: -EUSERS; since 4.9: -ENOSPC.
  const userTooDeep: Record<Profile, ErrnoName> = { v5: 'EUSERS', modern: 'ENOSPC' };
  // pid_namespaces(7): "PID namespaces can be nested ... up to a maximum nesting depth of 32";
  // kernel/pid_namespace.c:create_pid_namespace(): level > MAX_PID_NS_LEVEL → -EINVAL in 3.17, -ENOSPC since 4.9.
  const pidTooDeep: Record<Profile, ErrnoName> = { v5: 'EINVAL', modern: 'ENOSPC' };

  /** Creates user namespaces one below the other until refused; the levels reached and the refusal. */
  function nestUsers(s: ModelState, how: 'unshare' | 'clone', a: number): [number, Want] {
    let pid = a;
    for (;;) {
      const r = how === 'unshare' ? unshare(s, pid, flagsOf(s, 'user')) : clone(s, pid, flagsOf(s, 'user'));
      if (!r.ok) return [task(s, pid).ns.user!.level, r.error.errno];
      if (how === 'clone') pid = (r.value as { pid: number }).pid;
    }
  }

  it.each(PROFILES.flatMap((p) => (['unshare', 'clone'] as const).flatMap((how) => (['root', 'uid 1000'] as const).map((priv) => [p, how, priv] as const))))(
    '%s: %s() makes 33 nested user namespaces below the initial one, then fails (as %s)',
    (p, how, priv) => {
      const s = booted({ profile: p });
      expect(nestUsers(s, how, actor(s, priv))).toEqual([33, userTooDeep[p]]);
    },
  );

  /** Creates pid namespaces one below the other (each first task is pid 1 there) until refused. */
  function nestPids(s: ModelState, how: 'unshare' | 'clone'): [number, Want, number] {
    let pid = spawn(s);
    for (;;) {
      const r = how === 'clone' ? clone(s, pid, flagsOf(s, 'pid')) : unshare(s, pid, flagsOf(s, 'pid'));
      if (!r.ok) return [task(s, pid).pidNs.level, r.error.errno, task(s, pid).nrs.at(-1)!];
      pid = how === 'clone' ? (r.value as { pid: number }).pid : spawn(s, pid);
    }
  }

  it.each(PROFILES.flatMap((p) => (['clone', 'unshare'] as const).map((how) => [p, how] as const)))(
    '%s: %s() nests pid namespaces to level 32 (the deepest task is pid 1 there), then fails',
    (p, how) => {
      const s = booted({ profile: p });
      expect(nestPids(s, how)).toEqual([32, pidTooDeep[p], 1]);
    },
  );

  it.each(PROFILES.map((p) => [p] as const))('%s: a refused user namespace leaves the model unchanged', (p) => {
    const s = booted({ profile: p });
    const a = actor(s, 'root');
    for (let i = 0; i < 33; i++) must(unshare(s, a, flagsOf(s, 'user')));
    const before = dumpModel(s);
    unshare(s, a, flagsOf(s, 'user', 'net'));
    expect(dumpModel(s)).toEqual(before);
  });
});

describe('unshare(CLONE_NEWPID)', () => {
  it('unshare() of a pid namespace twice without a fork fails with EINVAL', () => {
    // kernel/pid_namespace.c:copy_pid_ns(): "if (task_active_pid_ns(current) != old_ns) return ERR_PTR(-EINVAL)";
    // unshare(2): "EINVAL CLONE_NEWPID was specified in flags, but the caller has already ... unshared".
    const s = booted();
    const a = spawn(s);
    must(unshare(s, a, flagsOf(s, 'pid')));
    expect(outcome(unshare(s, a, flagsOf(s, 'pid')))).toBe('EINVAL');
  });

  it('clone() with CLONE_NEWPID after unshare(CLONE_NEWPID) fails with EINVAL (the same copy_pid_ns() check)', () => {
    const s = booted();
    const a = spawn(s);
    must(unshare(s, a, flagsOf(s, 'pid')));
    expect(outcome(clone(s, a, flagsOf(s, 'pid')))).toBe('EINVAL');
  });

  const afterUnshare = () => {
    const s = booted();
    const a = spawn(s);
    const before = task(s, a).pidNs;
    must(unshare(s, a, flagsOf(s, 'pid')));
    return { s, a, before, t: task(s, a) };
  };
  // pid_namespaces(7): "unshare(2) ... moves the caller's children (but not the caller itself) into the new namespace";
  // "The first process created in a new namespace ... has the PID 1".
  it.each([
    ['leaves the caller in its pid namespace', ({ t, before }: ReturnType<typeof afterUnshare>) => t.pidNs === before],
    ['sets pid_for_children to a new pid namespace one level down', ({ t, before }: ReturnType<typeof afterUnshare>) => t.forChildren.pid!.parent === before && t.forChildren.pid!.level === 1],
    ['leaves the new pid namespace waiting for its first task', ({ t }: ReturnType<typeof afterUnshare>) => t.forChildren.pid!.pids!.state === 'new'],
    ['makes the next child pid 1 there and pid 5 in the initial pid namespace', ({ s, a }: ReturnType<typeof afterUnshare>) => String(task(s, spawn(s, a)).nrs) === '5,1'],
    ['makes the child after that pid 2 there', ({ s, a }: ReturnType<typeof afterUnshare>) => { spawn(s, a); return String(task(s, spawn(s, a)).nrs) === '6,2'; }],
    ['keeps the pid maps consistent', ({ s, a }: ReturnType<typeof afterUnshare>) => { spawn(s, a); return pidMapsConsistent(s); }],
  ] as const)('unshare(CLONE_NEWPID) %s', (_name, check) => {
    expect(check(afterUnshare())).toBe(true);
  });

  it('the first child after unshare(CLONE_NEWPID) has pid_for_children = its own pid namespace', () => {
    const { s, a } = afterUnshare();
    const c = task(s, spawn(s, a));
    expect(c.forChildren.pid).toBe(c.pidNs);
  });
});

describe('setns()', () => {
  type Setup = (s: ModelState) => Result<unknown>;
  const rows: [string, Want, Setup][] = [
    // setns(2)/user_namespaces(7): "EINVAL ... attempted to join the user namespace in which it is already a member"
    // (kernel/user_namespace.c:userns_install()).
    ['into its own user namespace fails with EINVAL', 'EINVAL', (s) => setns(s, spawn(s), byTask(1, 'user'), typeOf(s, 'user'))],
    // user_namespaces(7): "the caller must have the CAP_SYS_ADMIN capability in the target user namespace".
    ['into a user namespace where the caller lacks CAP_SYS_ADMIN fails with EPERM', 'EPERM', (s) => {
      const maker = spawn(s);
      must(unshare(s, maker, flagsOf(s, 'user')));
      const id = must(pin(s, maker, 'user'));
      return setns(s, actor(s, 'uid 1000'), byPin(id), typeOf(s, 'user'));
    }],
    // user_namespaces(7): "a process that resides in the parent user namespace and whose effective
    // user ID matches the owner of the namespace has all capabilities in the namespace"
    // (security/commoncap.c:cap_capable()).
    ['into a child user namespace made by the caller\'s uid succeeds', 'ok', (s) => {
      const inner = spawn(s, actor(s, 'uid 1000'), flagsOf(s, 'user'));
      return setns(s, actor(s, 'uid 1000'), byTask(inner, 'user'), typeOf(s, 'user'));
    }],
    ['into a child user namespace made by another uid fails with EPERM', 'EPERM', (s) => {
      const maker = actor(s, 'uid 1000');
      must(setcred(s, maker, { uid: 2000, gid: 2000 }));
      must(unshare(s, maker, flagsOf(s, 'user')));
      return setns(s, actor(s, 'uid 1000'), byPin(must(pin(s, maker, 'user'))), typeOf(s, 'user'));
    }],
    // user_namespaces(7): a process has no capabilities in an ancestor user namespace.
    ['into an ancestor user namespace fails with EPERM', 'EPERM', (s) => {
      const id = must(pin(s, 1, 'user'));
      return setns(s, actor(s, 'uid 1000 in its own user namespace'), byPin(id), typeOf(s, 'user'));
    }],
    // setns(2): "EINVAL The caller tried to join an ancestor (parent, grandparent, and so on) PID namespace"
    // (kernel/pid_namespace.c:pidns_install()).
    ['into an ancestor pid namespace fails with EINVAL', 'EINVAL', (s) => setns(s, spawn(s, 1, flagsOf(s, 'pid')), byTask(1, 'pid'), typeOf(s, 'pid'))],
    ['into a sibling pid namespace fails with EINVAL', 'EINVAL', (s) => {
      const a = spawn(s, 1, flagsOf(s, 'pid'));
      const b = spawn(s, 1, flagsOf(s, 'pid'));
      return setns(s, a, byTask(b, 'pid'), typeOf(s, 'pid'));
    }],
    ['into a descendant pid namespace succeeds', 'ok', (s) => setns(s, spawn(s), byTask(spawn(s, 1, flagsOf(s, 'pid')), 'pid'), typeOf(s, 'pid'))],
    ['into its own pid namespace succeeds', 'ok', (s) => setns(s, spawn(s), byTask(1, 'pid'), typeOf(s, 'pid'))],
    // setns(2): "EINVAL fd refers to a namespace whose type does not match that specified in nstype."
    ['with a pin whose type does not match nstype fails with EINVAL', 'EINVAL', (s) => setns(s, spawn(s), byPin(must(pin(s, 1, 'net'))), typeOf(s, 'uts'))],
    ['with a task entry whose type does not match nstype fails with EINVAL', 'EINVAL', (s) => setns(s, spawn(s), byTask(1, 'net'), typeOf(s, 'ipc'))],
    ['with nstype 0 joins whatever type the target is', 'ok', (s) => setns(s, spawn(s), byPin(must(pin(s, spawn(s, 1, flagsOf(s, 'net')), 'net'))), null)],
    // setns(2): "EBADF fd is not a valid file descriptor."
    ['with an unknown pin fails with EBADF', 'EBADF', (s) => setns(s, spawn(s), byPin(42), null)],
    // No /proc/PID: the model reports ESRCH for a target that does not exist.
    ['with a target pid that does not exist fails with ESRCH', 'ESRCH', (s) => setns(s, spawn(s), byTask(999, 'net'), null)],
    ['by an actor that does not exist fails with ESRCH', 'ESRCH', () => setns(booted(), 999, byTask(1, 'net'), null)],
    ['with an entry name that is not a namespace fails with EINVAL', 'EINVAL', (s) => setns(s, spawn(s), byTask(1, 'bogus'), null)],
    // proc(5), /proc/pid/ns: "Permission to dereference or read (readlink(2)) these symbolic links is
    // governed by a ptrace access mode PTRACE_MODE_READ_FSCREDS check" (kernel/ptrace.c:__ptrace_may_access()).
    ['into another uid\'s task\'s namespace without CAP_SYS_PTRACE fails with EACCES', 'EACCES', (s) => setns(s, actor(s, 'uid 1000'), byTask(1, 'net'), null)],
    ['into another uid\'s task\'s namespace with only CAP_SYS_PTRACE fails with EPERM', 'EPERM', (s) => {
      const a = actor(s, 'uid 1000');
      must(setcred(s, a, { caps: cap(CAP_SYS_PTRACE) }));
      return setns(s, a, byTask(1, 'net'), null);
    }],
    // setns(2): "EPERM The calling thread did not have the required capability for this operation."
    ['into a same-uid task\'s network namespace without CAP_SYS_ADMIN fails with EPERM', 'EPERM', (s) => setns(s, actor(s, 'uid 1000'), byTask(actor(s, 'uid 1000'), 'net'), null)],
    // kernel/net/core/net_namespace.c:netns_install(): CAP_SYS_ADMIN in the target's owner and in the caller's own user namespace.
    ['into a network namespace owned by an ancestor user namespace fails with EPERM', 'EPERM', (s) => setns(s, actor(s, 'uid 1000 in its own user namespace'), byPin(must(pin(s, 1, 'net'))), null)],
    ['into a network namespace owned by its own user namespace succeeds', 'ok', (s) => {
      const a = actor(s, 'uid 1000 in its own user namespace');
      const b = spawn(s, a, flagsOf(s, 'net'));
      return setns(s, a, byTask(b, 'net'), null);
    }],
    // fs/namespace.c:mntns_install(): also CAP_SYS_CHROOT in the caller's user namespace.
    ['into a mount namespace with CAP_SYS_ADMIN but not CAP_SYS_CHROOT fails with EPERM', 'EPERM', (s) => {
      const a = spawn(s);
      must(setcred(s, a, { caps: cap(CAP_SYS_ADMIN) }));
      return setns(s, a, byTask(3, 'mnt'), null);
    }],
    ['into a mount namespace with CAP_SYS_ADMIN and CAP_SYS_CHROOT succeeds', 'ok', (s) => {
      const a = spawn(s);
      must(setcred(s, a, { caps: cap(CAP_SYS_ADMIN, CAP_SYS_CHROOT) }));
      return setns(s, a, byTask(3, 'mnt'), null);
    }],
  ];
  it.each(PROFILES.flatMap((p) => rows.map(([name, want, run]) => [p, name, want, run] as const)))(
    '%s: setns() %s',
    (p, _name, want, run) => {
      expect(outcome(run(booted({ profile: p })))).toBe(want);
    },
  );

  it('setns() into a pid namespace changes only pid_for_children', () => {
    // setns(2): "the calling thread's PID namespace is not changed ... subsequently created children are placed in that namespace".
    const s = booted();
    const a = spawn(s);
    const b = spawn(s, 1, flagsOf(s, 'pid'));
    must(setns(s, a, byTask(b, 'pid'), typeOf(s, 'pid')));
    expect([task(s, a).pidNs === s.initial.pid, task(s, a).forChildren.pid === task(s, b).pidNs]).toEqual([true, true]);
  });

  it('setns() into a pid namespace puts the next child there, after its init', () => {
    const s = booted();
    const a = spawn(s);
    const b = spawn(s, 1, flagsOf(s, 'pid'));
    must(setns(s, a, byTask(b, 'pid'), typeOf(s, 'pid')));
    expect(task(s, spawn(s, a)).nrs.at(-1)).toBe(2);
  });

  it('setns() into a user namespace gives every capability in it (userns_install())', () => {
    const s = booted();
    const inner = spawn(s, actor(s, 'uid 1000'), flagsOf(s, 'user'));
    const a = actor(s, 'uid 1000');
    must(setns(s, a, byTask(inner, 'user'), typeOf(s, 'user')));
    expect([task(s, a).ns.user === task(s, inner).ns.user, task(s, a).cred.caps]).toEqual([true, fullCaps(s.types.lastCap)]);
  });

  it('modern: setns() into a time namespace changes time and time_for_children (kernel/time/namespace.c:timens_install())', () => {
    const s = booted({ profile: 'modern' });
    const b = spawn(s, 1, flagsOf(s, 'time'));
    const a = spawn(s);
    must(setns(s, a, byTask(b, 'time'), null));
    expect([task(s, a).ns.time === task(s, b).ns.time, task(s, a).forChildren.time === task(s, b).ns.time]).toEqual([true, true]);
  });

  it('modern: unshare(CLONE_NEWTIME) changes only time_for_children (time_namespaces(7))', () => {
    const s = booted({ profile: 'modern' });
    const a = spawn(s);
    must(unshare(s, a, flagsOf(s, 'time')));
    expect([task(s, a).ns.time === s.initial.time, task(s, a).forChildren.time === s.initial.time]).toEqual([true, false]);
  });

  it('setns() reports NS_INFO for the actor', () => {
    const s = booted();
    const a = spawn(s);
    const events = must(setns(s, a, byPin(must(pin(s, spawn(s, 1, flagsOf(s, 'net')), 'net'))), null));
    expect(events.map(tag)).toEqual(['NS_INFO']);
  });
});

describe('exit()', () => {
  it('exit() reparents the children to the init of the initial pid namespace', () => {
    // pid_namespaces(7): "orphaned children ... are reparented to the "init" process of that PID namespace"
    // (kernel/exit.c:find_new_reaper()).
    const s = booted();
    const a = spawn(s);
    const b = spawn(s, a);
    must(exit(s, a));
    expect([task(s, b).parent === task(s, 1), task(s, 1).children!.has(task(s, b))]).toEqual([true, true]);
  });

  it('exit() reparents the children to the init of the exiting task\'s pid namespace, not its parent', () => {
    const s = booted();
    const init = spawn(s, 1, flagsOf(s, 'pid'));
    const mid = spawn(s, init);
    const leaf = spawn(s, spawn(s, mid));
    const parentOfLeaf = task(s, leaf).parent!.nrs[0]!;
    must(exit(s, parentOfLeaf));
    expect(task(s, leaf).parent!.nrs[0]).toBe(init);
  });

  it('exit() of a pid namespace\'s init kills every task in it, descendant pid namespaces too', () => {
    // pid_namespaces(7): "If the "init" process of a PID namespace terminates, the kernel terminates all of
    // the processes in the namespace via a SIGKILL signal" (kernel/pid_namespace.c:zap_pid_ns_processes()).
    const s = booted();
    const init = spawn(s, 1, flagsOf(s, 'pid'));
    const inner = spawn(s, spawn(s, init), flagsOf(s, 'pid'));
    spawn(s, inner);
    const bystander = spawn(s);
    must(exit(s, init));
    expect([...allTasks(s).keys()].sort((x, y) => x - y)).toEqual([1, 2, 3, bystander]);
  });

  it('exit() of a pid namespace\'s init makes later clone() into it fail with ENOMEM', () => {
    // pid_namespaces(7): "a subsequent fork(2) into this PID namespace fail[s] with the error ENOMEM"
    // (kernel/pid.c:alloc_pid(): PIDNS_ADDING cleared).
    const s = booted();
    const a = spawn(s);
    must(unshare(s, a, flagsOf(s, 'pid')));
    const init = spawn(s, a);
    spawn(s, init);
    must(exit(s, init));
    expect(outcome(clone(s, a, 0))).toBe('ENOMEM');
  });

  it('exit() of a pid namespace\'s init reports the DEL records of what the killed tasks held last', () => {
    const s = booted();
    const init = spawn(s, 1, flagsOf(s, 'pid'));
    const child = spawn(s, init, flagsOf(s, 'net'));
    expect(must(exit(s, init)).map(named)).toEqual([`DEL_NET pid=${child}`, `DEL_PID pid=${init}`]);
  });

  // kernel/exit.c:do_exit(): exit_task_namespaces() drops the init's nsproxy, then exit_notify() →
  // find_child_reaper() → zap_pid_ns_processes() kills and reaps every task in the namespace; the
  // init's own struct pid (its reference to the pid namespace) and cred go when it is reaped, last.
  it.each([
    ['child shares its net: the child frees the net, the init its pid namespace',
      (s: ModelState, init: number) => { spawn(s, init); }, (init: number) => [`DEL_NET pid=${init + 1}`, `DEL_PID pid=${init}`]],
    ['unshared ipc is its own: its DEL_IPC comes before the records of the tasks it kills',
      (s: ModelState, init: number) => { spawn(s, init, flagsOf(s, 'uts')); must(unshare(s, init, flagsOf(s, 'ipc'))); },
      (init: number) => [`DEL_IPC pid=${init}`, `DEL_UTS pid=${init + 1}`, `DEL_NET pid=${init + 1}`, `DEL_PID pid=${init}`]],
    ['child is a nested init, reaped after its own namespace: each DEL_PID names its init',
      (s: ModelState, init: number) => { spawn(s, spawn(s, init, flagsOf(s, 'pid'))); },
      (init: number) => [`DEL_NET pid=${init + 2}`, `DEL_PID pid=${init + 1}`, `DEL_PID pid=${init}`]],
  ] as const)('exit() of a pid namespace\'s init whose %s', (_name, populate, want) => {
    const s = booted();
    const init = spawn(s, 1, flagsOf(s, 'pid', 'net'));
    populate(s, init);
    expect(must(exit(s, init)).map(named)).toEqual(want(init));
  });

  it.each([
    // SPEC §3: "Pid 1 of the initial pid namespace cannot exit (EPERM; Linux would panic)".
    ['pid 1 fails with EPERM', 1, 'EPERM'],
    // Kernel threads do not exit on request (the model's choice; kthreadd and kdevtmpfs run forever).
    ['kthreadd fails with EPERM', 2, 'EPERM'],
    ['kdevtmpfs fails with EPERM', 3, 'EPERM'],
    ['a pid that does not exist fails with ESRCH', 999, 'ESRCH'],
  ] as const)('exit() of %s', (_name, pid, want) => {
    expect(outcome(exit(booted(), pid))).toBe(want);
  });

  it('exit() of pid 1 of a nested pid namespace is allowed', () => {
    const s = booted();
    expect(outcome(exit(s, spawn(s, 1, flagsOf(s, 'pid'))))).toBe('ok');
  });
});

describe('identifier exhaustion', () => {
  const two64 = 1n << 64n;
  it('clone() takes the last two serials, then fails with EOVERFLOW and creates nothing', () => {
    // SPEC §2: "Exhausting the counter ... fails with EOVERFLOW and nothing is half-created".
    const s = booted({ serialStart: two64 - 2n });
    const got = [outcome(clone(s, 1, flagsOf(s, 'net'))), outcome(clone(s, 1, flagsOf(s, 'uts')))];
    const before = dumpModel(s);
    got.push(outcome(clone(s, 1, flagsOf(s, 'ipc'))));
    expect([got, dumpModel(s)]).toEqual([['ok', 'ok', 'EOVERFLOW'], before]);
  });

  it('clone() of two namespaces with one serial left fails with EOVERFLOW and creates neither', () => {
    const s = booted({ serialStart: two64 - 1n });
    const before = dumpModel(s);
    expect([outcome(clone(s, 1, flagsOf(s, 'net', 'mnt'))), dumpModel(s)]).toEqual(['EOVERFLOW', before]);
  });

  it('the last serial handed out is 2^64-1', () => {
    const s = booted({ serialStart: two64 - 1n });
    const a = spawn(s);
    must(unshare(s, a, flagsOf(s, 'net')));
    expect(task(s, a).ns.net!.snum).toBe(two64 - 1n);
  });

  it('clone() fails with EAGAIN once every pid below pid_max is taken', () => {
    // clone(2): "EAGAIN Too many processes are already running"; kernel/pid.c:alloc_pid() turns idr's -ENOSPC into -EAGAIN.
    const s = booted({ pidMax: 301 });
    let made = 0;
    while (clone(s, 1, 0).ok) made++;
    expect([made, outcome(clone(s, 1, 0))]).toEqual([297, 'EAGAIN']);
  });

  it('clone() of a new pid namespace fails with EAGAIN when the parent pid namespace is full', () => {
    const s = booted({ pidMax: 301 });
    while (clone(s, 1, 0).ok);
    expect(outcome(clone(s, 1, flagsOf(s, 'pid')))).toBe('EAGAIN');
  });

  it('pid allocation is cyclic: a freed pid is not reused before the counter wraps', () => {
    // kernel/pid.c:alloc_pid(): idr_alloc_cyclic() from the last pid handed out.
    const s = booted();
    const a = spawn(s);
    spawn(s);
    must(exit(s, a));
    expect(spawn(s)).toBe(6);
  });

  it.each([
    // kernel/pid.c:alloc_pid(): "init really needs pid 1, but after reaching the maximum wrap back to RESERVED_PIDS".
    ['a freed pid at or above RESERVED_PIDS is reused after the wrap', 305, 305],
    ['a freed pid below RESERVED_PIDS is not', 5, 'EAGAIN'],
  ] as const)('clone() after pid_max is reached: %s', (_name, freed, want) => {
    const s = booted({ pidMax: 310 });
    while (clone(s, 1, 0).ok);
    must(exit(s, freed));
    const r = clone(s, 1, 0);
    expect(r.ok ? r.value.pid : r.error.errno).toBe(want);
  });

  it('clone() after the wrap hands out RESERVED_PIDS first when it is free', () => {
    const s = booted({ pidMax: 310 });
    while (clone(s, 1, 0).ok);
    for (const pid of [5, RESERVED_PIDS, 307]) must(exit(s, pid));
    expect([spawn(s), spawn(s)]).toEqual([RESERVED_PIDS, 307]);
  });
});

describe('ns_info and virt_control (kernel/audit.c:audit_netlink_ok())', () => {
  type Run = (s: ModelState) => Result<unknown>;
  const dropCap = (s: ModelState, pid: number, c: number) => must(setcred(s, pid, { caps: fullCaps(s.types.lastCap) & ~cap(c) }));
  const rows: [string, Want, Run][] = [
    ['nsInfoRequest() from root in the initial user namespace succeeds', 'ok', (s) => nsInfoRequest(s, spawn(s), 1)],
    // audit_netlink_ok(): "if (current_user_ns() != &init_user_ns) return -ECONNREFUSED".
    ['nsInfoRequest() from outside the initial user namespace fails with ECONNREFUSED', 'ECONNREFUSED', (s) => nsInfoRequest(s, actor(s, 'uid 1000 in its own user namespace'), 1)],
    ['virtControl() from outside the initial user namespace fails with ECONNREFUSED', 'ECONNREFUSED', (s) => virtControl(s, actor(s, 'uid 1000 in its own user namespace'), 'hi')],
    // Patch 7/13: "accepts a PID from userspace and requests logging an AUDIT_NS_INFO record type (CAP_AUDIT_CONTROL required)".
    ['nsInfoRequest() without CAP_AUDIT_CONTROL fails with EPERM', 'EPERM', (s) => { const a = spawn(s); dropCap(s, a, CAP_AUDIT_CONTROL); return nsInfoRequest(s, a, 1); }],
    ['nsInfoRequest() with only CAP_AUDIT_WRITE fails with EPERM', 'EPERM', (s) => { const a = spawn(s); must(setcred(s, a, { caps: cap(CAP_AUDIT_WRITE) })); return nsInfoRequest(s, a, 1); }],
    ['nsInfoRequest() from uid 1000 without capabilities fails with EPERM', 'EPERM', (s) => nsInfoRequest(s, actor(s, 'uid 1000'), 1)],
    // audit_netlink_ok(): "Only support auditd and auditctl in initial pid namespace" → EPERM for control requests.
    ['nsInfoRequest() from root in a child pid namespace fails with EPERM', 'EPERM', (s) => nsInfoRequest(s, spawn(s, 1, flagsOf(s, 'pid')), 1)],
    ['virtControl() from root in a child pid namespace succeeds (user messages need only CAP_AUDIT_WRITE)', 'ok', (s) => virtControl(s, spawn(s, 1, flagsOf(s, 'pid')), 'hi')],
    // Patch 11/13: AUDIT_VIRT_CONTROL "(CAP_AUDIT_WRITE required)".
    ['virtControl() without CAP_AUDIT_WRITE fails with EPERM', 'EPERM', (s) => { const a = spawn(s); dropCap(s, a, CAP_AUDIT_WRITE); return virtControl(s, a, 'hi'); }],
    ['virtControl() with only CAP_AUDIT_WRITE succeeds', 'ok', (s) => { const a = spawn(s); must(setcred(s, a, { caps: cap(CAP_AUDIT_WRITE) })); return virtControl(s, a, 'hi'); }],
    ['nsInfoRequest() for a pid that does not exist fails with ESRCH', 'ESRCH', (s) => nsInfoRequest(s, 1, 999)],
    ['nsInfoRequest() by an actor that does not exist fails with ESRCH', 'ESRCH', (s) => nsInfoRequest(s, 999, 1)],
    ['virtControl() with a quote in the text fails with EINVAL', 'EINVAL', (s) => virtControl(s, 1, "it's")],
    ['virtControl() with a newline in the text fails with EINVAL', 'EINVAL', (s) => virtControl(s, 1, 'a\nb')],
    ['virtControl() with text of 8560 bytes succeeds', 'ok', (s) => virtControl(s, 1, 'x'.repeat(8560))],
    ['virtControl() with text over 8560 bytes fails with EINVAL', 'EINVAL', (s) => virtControl(s, 1, 'x'.repeat(8561))],
  ];
  it.each(rows)('%s', (_name, want, run) => {
    expect(outcome(run(booted()))).toBe(want);
  });

  it('nsInfoRequest() reports the target\'s namespaces in ns_entries order with its global pid', () => {
    const s = booted();
    const a = spawn(s, 1, flagsOf(s, 'net'));
    const info = must(nsInfoRequest(s, 1, a));
    expect([info.pid, info.namespaces.map((n) => `${n.type.name}=${n.snum}`)]).toEqual([a, ['net=8', 'uts=2', 'ipc=1', 'pid=4', 'user=3', 'mnt=5']]);
  });

  it('virtControl() attaches the sender\'s NS_INFO', () => {
    const s = booted();
    const a = spawn(s, 1, flagsOf(s, 'uts'));
    const v = must(virtControl(s, a, 'start vm'));
    expect([v.actor.pid, v.info.pid, v.info.namespaces.find((n) => n.type.name === 'uts')!.snum]).toEqual([a, a, 8n]);
  });
});

describe('setcred()', () => {
  it('setcred() example: uid 0 to 1000 leaves no capabilities', () => {
    // capabilities(7): "If one or more of the real, effective, or saved set user IDs was previously 0, and as a
    // result of the UID changes all of these IDs have a nonzero value, then all capabilities are cleared".
    const s = booted();
    const a = spawn(s);
    must(setcred(s, a, { uid: 1000, gid: 1000 }));
    expect(task(s, a).cred.caps).toBe(0n);
  });

  it('setcred() back to uid 0 restores every capability', () => {
    // capabilities(7): "If the effective user ID is changed from nonzero to 0, then the permitted set is copied to the effective set."
    const s = booted({ profile: 'modern' });
    const a = actor(s, 'uid 1000');
    must(setcred(s, a, { uid: 0 }));
    expect(task(s, a).cred.caps).toBe(fullCaps(40));
  });

  it.each([
    // [case, uid before, change, effective set after]
    ['an explicit caps= wins over the uid rule', 0, { uid: 1000, caps: 1n << 21n }, 1n << 21n],
    ['a gid change alone keeps the capabilities', 0, { gid: 5 }, fullCaps(37)],
    ['a uid change between non-zero ids keeps the (empty) set', 999, { uid: 1000 }, 0n],
  ] as const)('setcred(): %s', (_name, uidBefore, change, want) => {
    const s = booted();
    const a = spawn(s);
    must(setcred(s, a, { uid: uidBefore }));
    must(setcred(s, a, change));
    expect(task(s, a).cred.caps).toBe(want);
  });

  it('setcred() cuts comm to 15 bytes (TASK_COMM_LEN)', () => {
    const s = booted();
    const a = spawn(s);
    must(setcred(s, a, { comm: 'abcdefghijklmnopqrstuvwxyz' }));
    expect(task(s, a).comm).toBe('abcdefghijklmno');
  });

  it.each([
    ['uid -1', { uid: -1 }],
    ['uid 4294967295 ((uid_t)-1)', { uid: 4294967295 }],
    ['uid 1.5', { uid: 1.5 }],
    ['gid NaN', { gid: Number.NaN }],
    ['auid 4294967296', { auid: 4294967296 }],
    ['ses -1', { ses: -1 }],
    ['subj with a space', { subj: 'a b' }],
    ['an empty subj', { subj: '' }],
    ['comm with a newline', { comm: 'a\nb' }],
    // A capability set is a subset of 0..CAP_LAST_CAP (37 in v5); a negative bigint would hold every bit.
    ['caps -1', { caps: -1n }],
    ['caps with bit 38 (above CAP_LAST_CAP)', { caps: 1n << 38n }],
  ] as const)('setcred() with %s fails with EINVAL and changes nothing', (_name, change) => {
    const s = booted();
    const before = dumpModel(s);
    expect([outcome(setcred(s, 1, change)), dumpModel(s)]).toEqual(['EINVAL', before]);
  });

  it('setcred() accepts auid and ses 4294967295 (unset)', () => {
    expect(outcome(setcred(booted(), 1, { auid: 4294967295, ses: 4294967295 }))).toBe('ok');
  });

  it('setcred() of a pid that does not exist fails with ESRCH', () => {
    expect(outcome(setcred(booted(), 999, { uid: 1 }))).toBe('ESRCH');
  });
});

describe('pin() and unpin()', () => {
  it.each([
    ['pin() of a pid that does not exist fails with ESRCH', (s: ModelState) => pin(s, 999, 'net'), 'ESRCH'],
    ['pin() of an entry that is not a namespace fails with EINVAL', (s: ModelState) => pin(s, 1, 'bogus'), 'EINVAL'],
    ['pin() of pid_for_children succeeds', (s: ModelState) => pin(s, 1, 'pid_for_children'), 'ok'],
    ['unpin() of an unknown pin fails with EBADF', (s: ModelState) => unpin(s, 7), 'EBADF'],
    ['unpin() of a pin twice fails with EBADF', (s: ModelState) => { const id = must(pin(s, 1, 'net')); must(unpin(s, id)); return unpin(s, id); }, 'EBADF'],
  ] as const)('%s', (_name, run, want) => {
    expect(outcome(run(booted()))).toBe(want);
  });

  it('pin() ids count up from 1 and are never reused', () => {
    const s = booted();
    const first = must(pin(s, 1, 'net'));
    must(unpin(s, first));
    expect([first, must(pin(s, 1, 'net'))]).toEqual([1, 2]);
  });

  it('a pin keeps a namespace alive after its last task exits', () => {
    const s = booted();
    const a = spawn(s, 1, flagsOf(s, 'net'));
    const net = task(s, a).ns.net!;
    must(pin(s, a, 'net'));
    must(exit(s, a));
    expect([net.life, s.namespaces.has(net)]).toEqual(['live', true]);
  });
});

describe('event streams', () => {
  it('clone(net,mnt) from pid 1 reports INIT mnt (8), INIT net (9), then NS_INFO for the child', () => {
    // SPEC §3 creation order (kernel/nsproxy.c:create_new_namespaces(): mnt before net).
    const s = booted();
    const init = { pid: 1, uid: 0, auid: 4294967295, ses: 4294967295, subj: 'kernel' };
    const { pid, events } = must(clone(s, 1, flagsOf(s, 'net', 'mnt')));
    const childSnums: Record<string, bigint> = { net: 9n, uts: 2n, ipc: 1n, pid: 4n, user: 3n, mnt: 8n };
    expect(events).toEqual([
      { kind: 'ns-created', type: typeOf(s, 'mnt'), snum: 8n, oldSnum: 5n, actor: init },
      { kind: 'ns-created', type: typeOf(s, 'net'), snum: 9n, oldSnum: 7n, actor: init },
      { kind: 'ns-info', pid, namespaces: s.types.types.map((type) => ({ type, snum: childSnums[type.name]! })) },
    ]);
  });

  it('unshare(net), unshare(mnt), exit() report INIT_NET, NS_INFO, INIT_MNT, NS_INFO, DEL_MNT, DEL_NET', () => {
    // The seed's order: AUDIT_NS_DEL_MNT first (kernel/nsproxy.c:free_nsproxy() puts mnt first).
    const s = booted();
    const a = spawn(s);
    const events = [
      ...must(unshare(s, a, flagsOf(s, 'net'))),
      ...must(unshare(s, a, flagsOf(s, 'mnt'))),
      ...must(exit(s, a)),
    ];
    expect(events.map(tag)).toEqual(['INIT_NET', 'NS_INFO', 'INIT_MNT', 'NS_INFO', 'DEL_MNT', 'DEL_NET']);
  });

  it('modern: exit() frees time before net, as kernel/nsproxy.c:free_nsproxy() puts time_ns before net_ns', () => {
    const s = booted({ profile: 'modern' });
    const a = spawn(s, 1, flagsOf(s, 'net', 'time', 'cgroup'));
    expect(must(exit(s, a)).map(tag)).toEqual(['DEL_TIME', 'DEL_CGROUP', 'DEL_NET']);
  });

  it('exit() frees the active pid namespace after the nsproxy\'s namespaces (the struct pid goes at reap) and before the user namespace', () => {
    const s = booted();
    const a = actor(s, 'uid 1000');
    const init = spawn(s, a, flagsOf(s, 'user', 'pid', 'net'));
    expect(must(exit(s, init)).map(tag)).toEqual(['DEL_NET', 'DEL_PID', 'DEL_USER']);
  });

  it('exit() names the exiting task in the DEL records it causes', () => {
    const s = booted();
    const a = spawn(s);
    must(setcred(s, a, { auid: 1000, ses: 3, subj: 'unconfined' }));
    must(unshare(s, a, flagsOf(s, 'ipc')));
    const actors = must(exit(s, a)).map((e) => (e.kind === 'ns-freed' ? e.actor : null));
    expect(actors).toEqual([{ pid: a, uid: 0, auid: 1000, ses: 3, subj: 'unconfined' }]);
  });

  it('unpin() that frees a namespace names the task that pinned it', () => {
    const s = booted();
    const a = spawn(s, 1, flagsOf(s, 'net'));
    const id = must(pin(s, a, 'net'));
    const atExit = must(exit(s, a));
    const atUnpin = must(unpin(s, id));
    expect([atExit.map(tag), atUnpin.map((e) => [tag(e), e.kind === 'ns-freed' && e.actor.pid])]).toEqual([[], [['DEL_NET', a]]]);
  });

  it('freeing a user namespace frees what it alone kept alive, owned namespaces first', () => {
    const s = booted();
    const a = actor(s, 'uid 1000');
    must(unshare(s, a, flagsOf(s, 'user', 'uts')));
    expect(must(exit(s, a)).map(tag)).toEqual(['DEL_UTS', 'DEL_USER']);
  });

  it('a freed namespace\'s inode number goes to the next namespace, its serial does not', () => {
    // SPEC §2: "a freed namespace's inode number is reused by the next one (unlike its serial)".
    const s = booted();
    const a = spawn(s, 1, flagsOf(s, 'net'));
    const old = task(s, a).ns.net!;
    must(exit(s, a));
    const b = spawn(s, 1, flagsOf(s, 'net'));
    expect([task(s, b).ns.net!.inum === old.inum, task(s, b).ns.net!.snum]).toEqual([true, old.snum + 1n]);
  });

  it('clone() without CLONE_NEW* flags reports nothing', () => {
    expect(must(clone(booted(), 1, 0)).events).toEqual([]);
  });
});
