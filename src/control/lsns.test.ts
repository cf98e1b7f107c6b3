import { describe, expect, it } from 'vitest';
import { boot } from '../model/boot.js';
import { ok } from '../model/errno.js';
import type { Profile } from '../model/nstypes.js';
import type { ModelState } from '../model/state.js';
import { dumpModel } from '../model/dump.js';
import { lsns } from './lsns.js';
import { parseLsnsArgs } from './lsns_args.js';
import type { QueryContext } from './query_context.js';
import { runBatch } from './run_batch.js';

const CTX: QueryContext = { mountpoint: '/mnt', userName: (uid) => (uid === 0 ? 'root' : uid === 1000 ? 'alice' : String(uid)) };
const NO_LOG = { appendEvents: () => ok(undefined) };

/** Boots a model and runs control-file lines (`;`-separated) on it. */
function scenario(profile: Profile, script: string): ModelState {
  const b = boot({ profile });
  if (!b.ok) throw new Error(b.error.detail);
  const r = runBatch(b.value.state, NO_LOG, script.split(';').join('\n'), CTX);
  if (r.error) throw new Error(r.output);
  return b.value.state;
}

function table(s: ModelState, args: string): string[] {
  const q = parseLsnsArgs(args);
  if (!q.ok) throw new Error(q.error.detail);
  const r = lsns(s, q.value, CTX);
  if (!r.ok) throw new Error(r.error.detail);
  return r.value;
}

/**
 * Modern profile: pid 4 in new user, mnt, pid, net and time namespaces (serials a–e,
 * inodes 4026531841–45 after kdevtmpfs's mnt at 4026531840), its child pid 5 (uid 1000,
 * comm worker), pid 1's time_for_children a new time namespace (f, 4026531846), and
 * pid 4's net pinned.
 */
const A = 'clone 1 user,net,mnt,pid,time;clone 4 0;setcred 5 uid=1000 comm=worker;unshare 1 time;pin 4 net';

describe('lsns()', () => {
  it('prints util-linux lsns defaults as a process tree (the @example)', () => {
    expect(table(scenario('v5', ''), '-t uts')).toEqual(['        NS TYPE NPROCS PID USER COMMAND', '4026531838 uts       3   1 root init']);
  });

  // Expected output built by hand from util-linux sys-utils/lsns.c (rows by NS, PID the lowest
  // pid, a row under the last row of its process's parent) and libsmartcols widths.
  it.each<[string, string, string[]]>([
    ['defaults: a process tree, rows by inode number', '', [
      '        NS TYPE   NPROCS PID USER COMMAND',
      '4026531832 mnt         2   1 root init',
      '4026531833 net         3   1 root init',
      '4026531834 time        3   1 root init',
      '4026531835 cgroup      5   1 root init',
      '4026531836 pid         3   1 root init',
      '4026531837 user        3   1 root init',
      '4026531838 uts         5   1 root init',
      '4026531839 ipc         5   1 root init',
      '4026531841 user        2   4 root ├─init',
      '4026531842 mnt         2   4 root ├─init',
      '4026531843 pid         2   4 root ├─init',
      '4026531844 net         2   4 root ├─init',
      '4026531845 time        2   4 root └─init',
      '4026531840 mnt         1   3 root kdevtmpfs',
      '4026531846 time        0     root ',
    ]],
    ['-l -o with PPID, UID and SNUM (hex serials)', '-l -o NS,TYPE,NPROCS,PID,PPID,UID,USER,SNUM', [
      '        NS TYPE   NPROCS PID PPID UID USER SNUM',
      '4026531832 mnt         2   1    0   0 root    5',
      '4026531833 net         3   1    0   0 root    7',
      '4026531834 time        3   1    0   0 root    9',
      '4026531835 cgroup      5   1    0   0 root    8',
      '4026531836 pid         3   1    0   0 root    4',
      '4026531837 user        3   1    0   0 root    3',
      '4026531838 uts         5   1    0   0 root    2',
      '4026531839 ipc         5   1    0   0 root    1',
      '4026531840 mnt         1   3    2   0 root    6',
      '4026531841 user        2   4    1   0 root    a',
      '4026531842 mnt         2   4    1   0 root    b',
      '4026531843 pid         2   4    1   0 root    c',
      '4026531844 net         2   4    1   0 root    d',
      '4026531845 time        2   4    1   0 root    e',
      '4026531846 time        0            0 root    f',
    ]],
    ['-p 5: only the namespaces pid 5 is in', '-p 5', [
      '        NS TYPE   NPROCS PID USER COMMAND',
      '4026531835 cgroup      5   1 root init',
      '4026531838 uts         5   1 root init',
      '4026531839 ipc         5   1 root init',
      '4026531841 user        2   4 root ├─init',
      '4026531842 mnt         2   4 root ├─init',
      '4026531843 pid         2   4 root ├─init',
      '4026531844 net         2   4 root ├─init',
      '4026531845 time        2   4 root └─init',
    ]],
    ['-P: only namespaces no task is in (pid 1\'s time_for_children)', '-P', [
      '        NS TYPE  NPROCS PID USER COMMAND',
      '4026531846 time       0     root ',
    ]],
    ['NAMESPACE: its processes, a child under its parent', '4026531841', [
      'PID PPID USER  COMMAND',
      '  4    1 root  init',
      '  5    4 alice └─worker',
    ]],
    ['NAMESPACE -l -o +UID,SNUM: flat', '-l 4026531841 -o +UID,SNUM', [
      'PID PPID USER  COMMAND  UID SNUM',
      '  4    1 root  init       0    a',
      '  5    4 alice worker  1000    a',
    ]],
    ['-T owner -o +SNUM,PNS,ONS: owned namespaces under their user namespace', '--tree=owner -o +SNUM,PNS,ONS', [
      'NS             TYPE   NPROCS PID USER COMMAND   SNUM        PNS        ONS',
      '4026531837     user        3   1 root init         3          0          0',
      '├─4026531832   mnt         2   1 root init         5          0 4026531837',
      '├─4026531833   net         3   1 root init         7          0 4026531837',
      '├─4026531834   time        3   1 root init         9          0 4026531837',
      '├─4026531835   cgroup      5   1 root init         8          0 4026531837',
      '├─4026531836   pid         3   1 root init         4          0 4026531837',
      '├─4026531838   uts         5   1 root init         2          0 4026531837',
      '├─4026531839   ipc         5   1 root init         1          0 4026531837',
      '├─4026531840   mnt         1   3 root kdevtmpfs    6          0 4026531837',
      '├─4026531841   user        2   4 root init         a 4026531837 4026531837',
      '│ ├─4026531842 mnt         2   4 root init         b          0 4026531841',
      '│ ├─4026531843 pid         2   4 root init         c 4026531836 4026531841',
      '│ ├─4026531844 net         2   4 root init         d          0 4026531841',
      '│ └─4026531845 time        2   4 root init         e          0 4026531841',
      '└─4026531846   time        0     root              f          0 4026531837',
    ]],
    ['-T parent -t pid -t user: pid and user namespaces under their parents', '-Tparent -t pid -t user', [
      'NS           TYPE  NPROCS PID USER COMMAND',
      '4026531837   user       3   1 root init',
      '└─4026531841 user       2   4 root init',
      '4026531836   pid        3   1 root init',
      '└─4026531843 pid        2   4 root init',
    ]],
    ['-T -p 5: owners are shown even where pid 5 is not', '-T -p 5 -t user -t uts', [
      'NS           TYPE  NPROCS PID USER COMMAND',
      '4026531837   user       3   1 root init',
      '├─4026531838 uts        5   1 root init',
      '└─4026531841 user       2   4 root init',
    ]],
    ['-r -t net: raw, NETNSID and NSFS empty, tree art escaped', '-r -t net', [
      'NS TYPE NPROCS PID USER NETNSID NSFS COMMAND',
      '4026531833 net 3 1 root   init',
      '4026531844 net 2 4 root   \\xe2\\x94\\x94\\xe2\\x94\\x80init',
    ]],
    ['-n -t uts: no header, same widths', '-n -t uts', ['4026531838 uts       5   1 root init']],
    ['-o PATH,NS -t pid -l: PATH under the mountpoint, empty without a task', '-o PATH,NS -t pid -l', [
      'PATH                  NS',
      '/mnt/1/ns/pid 4026531836',
      '/mnt/4/ns/pid 4026531843',
    ]],
  ])('lsns %s', (_name, args, want) => {
    expect(table(scenario('modern', A), args)).toEqual(want);
  });

  it('-J: util-linux JSON, numbers as numbers, missing values null, children nested', () => {
    const json = table(scenario('modern', A), '-J -t time').join('\n');
    expect(json).toBe(`{
   "namespaces": [
      {
         "ns": 4026531834,
         "type": "time",
         "nprocs": 3,
         "pid": 1,
         "user": "root",
         "command": "init",
         "children": [
            {
               "ns": 4026531845,
               "type": "time",
               "nprocs": 2,
               "pid": 4,
               "user": "root",
               "command": "init"
            }
         ]
      },{
         "ns": 4026531846,
         "type": "time",
         "nprocs": 0,
         "pid": null,
         "user": "root",
         "command": null
      }
   ]
}`);
  });

  it('-J --output-all -l: every column, SNUM a hex string', () => {
    const rows = JSON.parse(table(scenario('modern', A), '-J --output-all -l -t user').join('\n')).namespaces;
    expect(rows[1]).toEqual({
      ns: 4026531841, type: 'user', path: '/mnt/4/ns/user', nprocs: 2, pid: 4, ppid: 1, command: 'init', uid: 0, user: 'root',
      netnsid: null, nsfs: null, pns: 4026531837, ons: 4026531837, snum: 'a', container: null,
    });
  });

  it('lists a namespace no task is in with UID from its user namespace (NS_GET_OWNER_UID), 0 for other types', () => {
    const s = scenario('modern', 'clone 1 0;setcred 4 uid=1000;clone 4 user,net;pin 5 user;pin 5 net;exit 5');
    expect(table(s, '-P -o +UID,PNS,ONS,SNUM')).toEqual([
      '        NS TYPE  NPROCS PID USER  COMMAND  UID        PNS        ONS SNUM',
      '4026531841 user       0     alice         1000 4026531837 4026531837    a',
      '4026531842 net        0     root             0          0 4026531841    b',
    ]);
  });

  it.each([
    ['-t cgroup on v5 (no cgroup namespaces there): nothing, not even the header', '-t cgroup', []],
    ['-J -t cgroup on v5: an empty array', '-J -t cgroup', ['{', '   "namespaces": [', '', '   ]', '}']],
    ['-p of a pid that does not exist: nothing (lsns does not check)', '-p 999', []],
  ])('lsns %s', (_name, args, want) => {
    expect(table(scenario('v5', ''), args)).toEqual(want);
  });

  it('fails with ENOENT for a NAMESPACE that is not listed', () => {
    const q = parseLsnsArgs('-t net 4026531838');
    expect(q.ok && lsns(scenario('v5', ''), q.value, CTX)).toMatchObject({ ok: false, error: { errno: 'ENOENT' } });
  });

  it('counts tasks in one pass: a namespace of 2000 tasks lists them all, lowest pid first', () => {
    const s = scenario('v5', `clone 1 net;${Array(1999).fill('clone 4 0').join(';')}`);
    expect(table(s, '-t net -l -o NS,NPROCS,PID')).toEqual(['        NS NPROCS PID', '4026531842      3   1', '4026531843   2000   4']);
  });

  it('changes nothing in the model', () => {
    const s = scenario('modern', A);
    const before = JSON.stringify(dumpModel(s));
    for (const args of ['', '-T', '-Tparent', '-P', '--output-all -J', '4026531841']) table(s, args);
    expect(JSON.stringify(dumpModel(s))).toBe(before);
  });
});
