/**
 * `nsctl ps` on a real mount (profile modern): the task tree of a scenario,
 * and every cell agreeing with the tree's own files (status NSpid, *_snum).
 */
import * as fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type MountedDaemon } from '../helpers/mounted.js';
import { bash, bashOk } from '../control/_helpers.js';

let m: MountedDaemon;
beforeAll(async () => {
  m = await startDaemon({ args: ['--profile', 'modern'] });
  // 4: new pid, net and time namespaces, uid 1000, comm sh; 5: its child; 6: pid 1's child after pid 1 unshared time.
  await bashOk(m, 'nsctl - <<EOF\nclone 1 pid,net,time\nsetcred 4 uid=1000 comm=sh\nclone 4 0\nunshare 1 time\nclone 1 0\nEOF');
});
afterAll(async () => { await m?.stop(); });

describe('nsctl ps', () => {
  it('prints the task tree with NSpid, uid, each namespace\'s serial in hex and comm', async () => {
    expect(await bashOk(m, 'nsctl ps')).toBe([
      'PID PPID NSPID  UID NETNS UTSNS IPCNS PIDNS PIDNS_FC USERNS MNTNS CGROUPNS TIMENS TIMENS_FC CONTAINER COMMAND',
      '  1    0 1        0     7     2     1     4        4      3     5        8      9         d           init',
      '  4    1 4,1   1000     b     2     1     a        a      3     5        8      c         c           ├─sh',
      '  5    4 5,2   1000     b     2     1     a        a      3     5        8      c         c           │ └─sh',
      '  6    1 6        0     7     2     1     4        4      3     5        8      d         d           └─init',
      '  2    0 2        0     7     2     1     4        4      3     5        8      9         9           kthreadd',
      '  3    2 3        0     7     2     1     4        4      3     6        8      9         9           └─kdevtmpfs',
      '',
    ].join('\n'));
  });

  it('agrees with each task\'s status NSpid and *_snum files', async () => {
    const rows = JSON.parse(await bashOk(m, 'nsctl ps -J -l')).tasks as Record<string, unknown>[];
    expect(rows.map((r) => r['pid'])).toEqual([1, 2, 3, 4, 5, 6]);
    for (const r of rows) {
      const dir = `${m.mountpoint}/${r['pid']}`;
      const status = await fs.readFile(`${dir}/status`, 'utf8');
      expect(status, String(r['pid'])).toContain(`\nNSpid:\t${(r['nspid'] as number[]).join('\t')}\n`);
      expect(status).toContain(`\nPPid:\t${r['ppid']}\n`);
      for (const t of ['net', 'uts', 'ipc', 'pid', 'user', 'mnt', 'cgroup', 'time']) {
        expect(r[`${t}ns`], `${r['pid']} ${t}`).toBe((await fs.readFile(`${dir}/ns/${t}_snum`, 'utf8')).trim());
      }
    }
  });

  it('-p PID shows that task and its descendants; an unknown pid is ESRCH', async () => {
    expect((await bashOk(m, 'nsctl ps -n -p 4')).split('\n').map((l) => l.trim().split(/ +/)[0])).toEqual(['4', '5', '']);
    const r = await bash(m, 'nsctl ps -p 99999');
    expect([r.code, r.stderr]).toEqual([1, 'nsctl: ESRCH: no task with pid 99999\n']);
  });
});
