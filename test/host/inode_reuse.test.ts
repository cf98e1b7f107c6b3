/**
 * Issue 21 item 1: the kernel hands a freed namespace's inode to the next new one at
 * once, so a link that names the same inode as last time may name another namespace.
 * A process already in a new uts namespace unshares uts twice without exec (the second
 * new namespace usually gets the first one's inode): the tree and the log must follow the
 * kernel's id (read here with python3's own ioctl), as root and as a throw-away uid in its
 * own user namespace (setpriv to a uid no account has: nothing written to /etc).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bash } from '../control/_helpers.js';
import { startDaemon, waitFor, type MountedDaemon } from '../helpers/mounted.js';
import { background, kill, pairingViolations, pyNsId, rec, records, waitRecord } from './_host.js';

const RESCAN_MS = 300;
const THROWAWAY_UID = '61234';
const started: number[] = [];

/** python3 that waits for `go`, then unshares uts twice without exec, writes `done`, and sleeps. */
function twice(dir: string, asUser: boolean): number {
  const py = `import ctypes,os,time\nl=ctypes.CDLL(None)\nwhile not os.path.exists('${dir}/go'): time.sleep(0.02)\nassert l.unshare(0x04000000)==0\nassert l.unshare(0x04000000)==0\nopen('${dir}/done','w').close()\ntime.sleep(120)`;
  const pre = asUser ? ['setpriv', `--reuid=${THROWAWAY_UID}`, `--regid=${THROWAWAY_UID}`, '--clear-groups', 'unshare', '-U', '-r', '-u'] : ['unshare', '-u'];
  const pid = background(pre[0]!, [...pre.slice(1), 'python3', '-c', py]);
  started.push(pid);
  return pid;
}

describe('host mode: a reused inode is a new namespace (issue 21 item 1)', () => {
  let m: MountedDaemon;
  beforeAll(async () => {
    m = await startDaemon({ args: ['--host', '--host-rescan-ms', String(RESCAN_MS)] });
  });
  afterAll(async () => {
    for (const pid of started) kill(pid);
    await m?.stop();
  });

  for (const asUser of [false, true]) {
    it(`unshare uts twice without exec (${asUser ? 'a throw-away uid in its own user namespace' : 'root'}): uts_snum, INIT_UTS and NS_INFO name the kernel's new id`, async () => {
      const dir = await fs.mkdtemp(path.join(m.dir, 'twice-'));
      await fs.chmod(dir, 0o777);
      // setpriv and unshare exec: the python3 keeps the pid.
      const pid = twice(dir, asUser);
      let first = '';
      await waitFor(async () => (first = await pyNsId(`/proc/${pid}/ns/uts`).catch(() => '')) !== '' && (await fs.readlink(`/proc/${pid}/ns/uts`).catch(() => '')) !== (await fs.readlink('/proc/self/ns/uts')), 10_000);
      first = await pyNsId(`/proc/${pid}/ns/uts`);
      await waitRecord(m, rec('NS_INFO', { pid: String(pid), utsns: first }), `NS_INFO of ${pid} in its first uts namespace`);
      await fs.writeFile(path.join(dir, 'go'), '');
      await waitFor(async () => fs.access(path.join(dir, 'done')).then(() => true, () => false), 10_000);
      const now = await pyNsId(`/proc/${pid}/ns/uts`);
      expect(now).not.toBe(first);
      await waitRecord(m, rec('AUDIT_NS_INIT_UTS', { utsns: now }), `INIT_UTS utsns=${now}`, 10_000);
      await waitRecord(m, rec('NS_INFO', { pid: String(pid), utsns: now }), `NS_INFO utsns=${now}`, 10_000);
      expect((await bash(m, `cat $M/${pid}/ns/uts_snum`)).stdout).toBe(`${now}\n`);
      await waitRecord(m, rec('AUDIT_NS_DEL_UTS', { utsns: first }), `DEL_UTS utsns=${first}`, 10_000);
      expect(pairingViolations(await records(m))).toEqual([]);
    });
  }
});
