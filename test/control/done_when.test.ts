/**
 * The "done when" script, run by bash as a new user would, on a real
 * mount: nsctl on PATH, the control file written with echo.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type MountedDaemon } from '../helpers/mounted.js';
import { bash, bashOk, readRecords, V5_BOOT_RECORDS } from './_helpers.js';

let m: MountedDaemon;
beforeAll(async () => { m = await startDaemon(); });
afterAll(async () => { await m?.stop(); });

describe('nsctl on a mount: the issue script', () => {
  it('clone 1 net,mnt creates mnt (serial 8) before net (serial 9); unshare, exit; three DEL records', async () => {
    const out = await bashOk(m, `
      set -e
      p=$(nsctl -m $M clone 1 net,mnt)
      echo "pid=$p"
      echo "mnt=$(cat $M/$p/ns/mnt_snum) net=$(cat $M/$p/ns/net_snum)"
      nsctl unshare $p uts
      echo "uts=$(cat $M/$p/ns/uts_snum)"
      nsctl exit $p
      [ ! -e $M/$p ] && echo gone
      echo "del=$(grep -c AUDIT_NS_DEL_ $LOG)"
    `);
    expect(out).toBe('pid=4\nmnt=8 net=9\nok\nuts=a\nok\ngone\ndel=3\n');
    const recs = (await readRecords(m)).slice(V5_BOOT_RECORDS);
    expect(recs.map((r) => r.type)).toEqual([
      'AUDIT_NS_INIT_MNT', 'AUDIT_NS_INIT_NET', 'NS_INFO',
      'AUDIT_NS_INIT_UTS', 'NS_INFO',
      'AUDIT_NS_DEL_MNT', 'AUDIT_NS_DEL_UTS', 'AUDIT_NS_DEL_NET',
    ]);
  });

  it('echo of a failing command into the control file fails in bash with "write error: No such process"', async () => {
    const r = await bash(m, `echo 'setns 1 99999 net' > $M/nsctl`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('write error: No such process');
  });

  it('a read on the same open file returns the result, or error: ERRNO:', async () => {
    const out = await bashOk(m, `
      exec 3<>$M/nsctl
      printf 'clone 1 0\\nclone 1 0\\n' >&3
      cat <&3
      exec 3>&-
      exec 3<>$M/nsctl
      printf 'exit 99999\\n' >&3 2>/dev/null || echo "write failed"
      cat <&3
    `);
    const lines = out.split('\n');
    expect(lines.slice(0, 3)).toEqual(['5', '6', 'write failed']);
    expect(lines[3]).toMatch(/^error: ESRCH: \S/);
  });

  it.each([
    ['EINVAL', 'bogus 1', 'Invalid argument'],
    ['EPERM', 'exit 1', 'Operation not permitted'],
    ['ESRCH', 'exit 99999', 'No such process'],
  ])('a write fails with %s in bash', async (_errno, cmd, text) => {
    const r = await bash(m, `echo '${cmd}' > $M/nsctl`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`write error: ${text}`);
  });
});
