import { describe, expect, it } from 'vitest';
import type { HostCreds } from './host_observation.js';
import { nsReader, pidDirAccess, procOwner, type AccessPolicy, type ProcMountOptions } from './proc_access.js';
import type { Namespace, Task } from './state.js';

// Only what the rule reads: the host's creds and the user namespace (its parent chain and owner).
const initialUser = { level: 0, parent: null, creatorUid: 0 } as unknown as Namespace;
const childOf = (parent: Namespace, creatorUid: number) => ({ level: parent.level + 1, parent, creatorUid }) as unknown as Namespace;
const task = (c: Partial<HostCreds>, user = initialUser): Task => ({
  cred: { uid: 0, gid: 0 },
  ns: { user },
  host: { creds: { uids: [1001, 1001, 1001, 1001], gids: [100, 100, 100, 100], capPrm: 0n, dumpable: true, ...c } },
}) as unknown as Task;
const policy = (proc: ProcMountOptions = { hidepid: 0, gid: null }): AccessPolicy => ({ proc, primaryGid: (uid) => (uid === 1001 ? 100 : undefined) });

describe('nsReader()', () => {
  const cases: [string, Task, { uid: number; gid: number }][] = [
    ['one uid, its primary gid, dumpable, no capabilities: that user', task({}), { uid: 1001, gid: 100 }],
    ['fs ids differ: the kernel does not compare them', task({ uids: [1001, 1001, 1001, 0] }), { uid: 1001, gid: 100 }],
    ['setgid (egid, sgid 0): root only', task({ gids: [100, 0, 0, 0] }), { uid: 0, gid: 0 }],
    ['setuid of another user (ruid 65534, euid 1001): root only', task({ uids: [65534, 1001, 1001, 1001] }), { uid: 0, gid: 0 }],
    ['uid 1001 with gid 65534, not its primary group: root only', task({ gids: [65534, 65534, 65534, 65534] }), { uid: 0, gid: 0 }],
    ['not dumpable: root only', task({ dumpable: false }), { uid: 0, gid: 0 }],
    ['permitted capabilities (ambient): root only', task({ capPrm: 1n << 13n }), { uid: 0, gid: 0 }],
    ['in a user namespace 1001 made, whatever its ids and capabilities: 1001', task({ uids: [0, 0, 0, 0], capPrm: 0x1ffn }, childOf(childOf(initialUser, 1001), 0)), { uid: 1001, gid: 100 }],
    ['in a user namespace root made: root only', task({ uids: [0, 0, 0, 0] }, childOf(initialUser, 0)), { uid: 0, gid: 0 }],
    ['not dumpable in a user namespace of its own: root only (mm->user_ns is not known)', task({ dumpable: false }, childOf(initialUser, 1001)), { uid: 0, gid: 0 }],
  ];
  for (const [what, t, want] of cases) it(what, () => expect(nsReader(t, policy()), what).toEqual(want));

  it('a model task (no host facts) is its cred uid and gid\'s', () => {
    expect(nsReader({ cred: { uid: 7, gid: 8 } } as unknown as Task, null)).toEqual({ uid: 7, gid: 8 });
  });
});

describe('procOwner()', () => {
  it('is the euid and egid, as /proc/<pid> is owned', () => {
    expect(procOwner(task({ uids: [1001, 0, 0, 0], gids: [100, 5, 5, 5] }))).toEqual({ uid: 0, gid: 5 });
  });
});

describe('pidDirAccess()', () => {
  const t = task({});
  const cases: [string, ProcMountOptions, Task, { uid: number; gid: number; mode: number }][] = [
    ['no hidepid: its euid/egid, 0555', { hidepid: 0, gid: null }, t, { uid: 1001, gid: 100, mode: 0o555 }],
    ['hidepid=noaccess: the reader only, 0500', { hidepid: 1, gid: null }, t, { uid: 1001, gid: 100, mode: 0o500 }],
    ['hidepid=invisible,gid=4: the reader and group 4, 0550', { hidepid: 2, gid: 4 }, t, { uid: 1001, gid: 4, mode: 0o550 }],
    ['hidepid=ptraceable ignores gid=', { hidepid: 4, gid: 4 }, t, { uid: 1001, gid: 100, mode: 0o500 }],
    ['hidepid=invisible, not dumpable: root (and group 4)', { hidepid: 2, gid: 4 }, task({ dumpable: false }), { uid: 0, gid: 4, mode: 0o550 }],
  ];
  for (const [what, proc, tk, want] of cases) it(what, () => expect(pidDirAccess(tk, policy(proc)), what).toEqual(want));
});
