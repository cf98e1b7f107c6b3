/**
 * Issue 21 item 4: churn of fork + unshare(CLONE_NEWUTS) + exec, 3000 times, on both serial
 * paths (NS_GET_ID here; nsproc's counter as on kernels before 6.18: see below), as root and as a
 * throw-away uid (no account, nothing written to /etc) with CLONE_NEWUSER|CLONE_NEWUTS:
 * no "already known", the pairing rule kept, no storm pid left in the tree.
 */
import * as fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startDaemon, waitFor, type MountedDaemon } from '../helpers/mounted.js';
import { pairingViolations, records } from './_host.js';

const N = 3000;
const THROWAWAY_UID = '61235';

/** Forks N children that unshare `flags` and exec true; prints their pids. */
const storm = (flags: number) => `import ctypes,os\nl=ctypes.CDLL(None)\nfor i in range(${N}):\n  p=os.fork()\n  if p==0:\n    l.unshare(${flags}); os.execv('/bin/true',['true'])\n  print(p)\n  os.waitpid(p,0)`;

// The counter path once registered a reused `uts:<inum>` twice in one batch: the model threw
// "already known" and dropped the batch's exits, leaving exited pids in the tree.
for (const counter of [false, true]) {
  describe(`host mode under churn, ${counter ? "nsproc's counter (no NS_GET_ID)" : 'NS_GET_ID'} (issue 21 item 4)`, () => {
    let m: MountedDaemon;
    beforeAll(async () => {
      m = await startDaemon({ args: ['--host', '--host-rescan-ms', '300'], env: counter ? { NSPROC_TEST_NO_NS_GET_ID: '1' } : {} });
    });
    afterAll(async () => {
      await m?.stop();
    });
    for (const asUser of [false, true]) {
      it(`${N} × fork + unshare(${asUser ? 'CLONE_NEWUSER|CLONE_NEWUTS, a throw-away uid' : 'CLONE_NEWUTS, root'}) + exec: no throw, the rule kept, no exited pid left`, async () => {
        const flags = asUser ? 0x10000000 | 0x04000000 : 0x04000000;
        const cmd = asUser ? ['setpriv', `--reuid=${THROWAWAY_UID}`, `--regid=${THROWAWAY_UID}`, '--clear-groups', '/usr/bin/python3'] : ['/usr/bin/python3'];
        const r = await run(cmd[0]!, [...cmd.slice(1), '-c', storm(flags)], { timeoutMs: 120_000 });
        expect(r.code).toBe(0);
        const pids = r.stdout.trim().split('\n');
        expect(pids.length).toBe(N);
        await waitFor(async () => {
          const left = await Promise.all(pids.map((p) => fs.access(`${m.mountpoint}/${p}`).then(() => true, () => false)));
          return left.every((x) => !x);
        }, 30_000);
        const still = (await Promise.all(pids.map(async (p) => ((await fs.access(`${m.mountpoint}/${p}`).then(() => true, () => false)) ? p : null)))).filter((p) => p !== null);
        expect(still).toEqual([]);
        expect(m.output()).not.toContain('already known');
        expect(m.output()).not.toContain('host scanner stopped');
        expect(pairingViolations(await records(m))).toEqual([]);
      }, 180_000);
    }
  });
}
