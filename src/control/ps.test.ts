import { describe, expect, it } from 'vitest';
import { boot } from '../model/boot.js';
import { ok } from '../model/errno.js';
import type { Profile } from '../model/nstypes.js';
import type { ModelState } from '../model/state.js';
import { parsePsArgs, ps, type PsQuery } from './ps.js';
import { runBatch } from './run_batch.js';

const NO_LOG = { appendEvents: () => ok(undefined) };

function scenario(profile: Profile, script: string): ModelState {
  const b = boot({ profile });
  if (!b.ok) throw new Error(b.error.detail);
  const r = runBatch(b.value.state, NO_LOG, script.split(';').join('\n'));
  if (r.error) throw new Error(r.output);
  return b.value.state;
}

function table(s: ModelState, args: string): string[] {
  const q = parsePsArgs(args);
  if (!q.ok) throw new Error(q.error.detail);
  const r = ps(s, q.value);
  if (!r.ok) throw new Error(r.error.detail);
  return r.value;
}

describe('parsePsArgs()', () => {
  it('takes -p and flags (the @example)', () => {
    expect(parsePsArgs('-p 4 -l')).toEqual(ok<PsQuery>({ pid: 4, list: true, raw: false, json: false, noHeadings: false }));
  });

  it.each([
    ['an operand', '4'],
    ['a bad pid', '-p 0'],
    ['-J with -r', '-Jr'],
    ['an unknown option', '-o PID'],
  ])('fails with EINVAL for %s', (_name, args) => {
    const r = parsePsArgs(args);
    expect(r.ok || r.error.errno).toBe('EINVAL');
  });
});

/** Modern: pid 4 in new pid, net, time namespaces (serials a b c), uid 1000; its child 5; pid 1 unshared pid (d). */
const A = 'clone 1 pid,net,time;setcred 4 uid=1000 comm=sh;clone 4 0;unshare 1 pid';

describe('ps()', () => {
  it.each<[string, Profile, string, string, string[]]>([
    ['a tree with NSpid, uid and every serial in hex (modern)', 'modern', A, '', [
      'PID PPID NSPID  UID NETNS UTSNS IPCNS PIDNS PIDNS_FC USERNS MNTNS CGROUPNS TIMENS TIMENS_FC CONTAINER COMMAND',
      '  1    0 1        0     7     2     1     4        d      3     5        8      9         9           init',
      '  4    1 4,1   1000     b     2     1     a        a      3     5        8      c         c           └─sh',
      '  5    4 5,2   1000     b     2     1     a        a      3     5        8      c         c             └─sh',
      '  2    0 2        0     7     2     1     4        4      3     5        8      9         9           kthreadd',
      '  3    2 3        0     7     2     1     4        4      3     6        8      9         9           └─kdevtmpfs',
    ]],
    ['v5 after boot: no cgroup or time columns, PIDNS_FC kept', 'v5', '', '', [
      'PID PPID NSPID UID NETNS UTSNS IPCNS PIDNS PIDNS_FC USERNS MNTNS CONTAINER COMMAND',
      '  1    0 1       0     7     2     1     4        4      3     5           init',
      '  2    0 2       0     7     2     1     4        4      3     5           kthreadd',
      '  3    2 3       0     7     2     1     4        4      3     6           └─kdevtmpfs',
    ]],
    ['-p 4: that task and its descendants', 'modern', A, '-p 4 -n', [
      '  4    1 4,1   1000     b     2     1     a        a      3     5        8      c         c           sh',
      '  5    4 5,2   1000     b     2     1     a        a      3     5        8      c         c           └─sh',
    ]],
    ['-l: flat, by pid', 'v5', '', '-l -n', [
      '  1    0 1       0     7     2     1     4        4      3     5           init',
      '  2    0 2       0     7     2     1     4        4      3     5           kthreadd',
      '  3    2 3       0     7     2     1     4        4      3     6           kdevtmpfs',
    ]],
    ['a reparented task sits under its new parent', 'v5', 'clone 1 0;clone 4 0;exit 4', '-n', [
      '  1    0 1       0     7     2     1     4        4      3     5           init',
      '  5    1 5       0     7     2     1     4        4      3     5           └─init',
      '  2    0 2       0     7     2     1     4        4      3     5           kthreadd',
      '  3    2 3       0     7     2     1     4        4      3     6           └─kdevtmpfs',
    ]],
  ])('ps(): %s', (_name, profile, script, args, want) => {
    expect(table(scenario(profile, script), args)).toEqual(want);
  });

  it('-J: key "tasks", NSPID a number array, serials strings, children nested', () => {
    const out = JSON.parse(table(scenario('modern', A), '-J -p 4').join('\n'));
    expect(out.tasks[0]).toMatchObject({ pid: 4, ppid: 1, nspid: [4, 1], uid: 1000, pidns: 'a', timens_fc: 'c', container: null, command: 'sh' });
    expect(out.tasks[0].children[0]).toMatchObject({ pid: 5, nspid: [5, 2] });
  });

  it('fails with ESRCH for -p of a task that does not exist', () => {
    expect(ps(scenario('v5', ''), { pid: 99, list: false, raw: false, json: false, noHeadings: false })).toMatchObject({ ok: false, error: { errno: 'ESRCH' } });
  });
});
