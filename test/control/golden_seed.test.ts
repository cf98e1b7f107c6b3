/**
 * The golden seed test (SPEC §6: "the same operations give the same lines
 * field by field, save the timestamp and audit serial"). A task with uid 0 and
 * the seed's label unshares net, then mnt, then exits, on a freshly booted
 * mount; its records are the seed's lines for that sequence, with the seed's
 * doubled `type=type=` read as `type=` and NS_INFO's `pid=` first.
 */
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_LINES } from '../../src/audit/_seed_fixture.js';
import { startDaemon, type MountedDaemon } from '../helpers/mounted.js';
import { bashOk, readRecords, V5_BOOT_RECORDS } from './_helpers.js';

const SEED_FILE = '/work/shared/seed/namespaces-log-per-task-v5-cover-letter.txt';
const SEED_PID = '481';

/** The seed mail's record lines (the fixture copy when the mail is not on this machine). */
async function seedLines(): Promise<string[]> {
  if (!existsSync(SEED_FILE)) return [...SEED_LINES];
  return (await fs.readFile(SEED_FILE, 'utf8')).split('\n').filter((l) => l.startsWith('type='));
}

/** A line with its timestamp and audit serial blanked, and the actor's pid set to the seed's. */
function normalise(line: string, pid: string): string {
  return line
    .replace(/^type=type=/, 'type=')
    .replace(/msg=audit\(\d+\.\d{3}:\d+\)/, 'msg=audit(T:S)')
    .replace(new RegExp(`\\bpid=${pid}\\b`), `pid=${SEED_PID}`);
}

/** The seed lines for: unshare net, unshare mnt, exit — in the order nsproc writes them. */
function expected(seed: string[]): string[] {
  const find = (re: RegExp) => normalise(seed.find((l) => re.test(l))!, SEED_PID);
  const initNet = find(/AUDIT_NS_INIT_NET .* pid=481 /);
  const initMnt = find(/AUDIT_NS_INIT_MNT .* pid=481 /);
  const delMnt = find(/AUDIT_NS_DEL_MNT /);
  // NS_INFO gets pid= first ("Log AUDIT_NS_INFO with PID").
  const info1 = find(/^type=NS_INFO /).replace('): ', `): pid=${SEED_PID} `);
  // The seed shows no NS_INFO after the mnt unshare and no DEL_NET: they are the seed's lines with mnt 9 / net 8.
  const info2 = info1.replace('mntns=5', 'mntns=9');
  const delNet = delMnt.replace('AUDIT_NS_DEL_MNT', 'AUDIT_NS_DEL_NET').replace('mntns=9', 'netns=8');
  return [initNet, info1, initMnt, info2, delMnt, delNet];
}

let m: MountedDaemon;
beforeAll(async () => { m = await startDaemon(); });
afterAll(async () => { await m?.stop(); });

describe('the seed sequence', () => {
  it('boot writes the seed boot lines, serials 5..10 included, save the time', async () => {
    const seed = (await seedLines()).filter((l) => / subj=kernel /.test(l));
    const boot = (await readRecords(m)).slice(0, V5_BOOT_RECORDS).map((r) => r.line);
    const noTime = (l: string) => l.replace(/msg=audit\(\d+\.\d{3}:/, 'msg=audit(T:');
    expect(boot.map(noTime)).toEqual(seed.map(noTime));
  });

  it('uid 0 with subj system_u:system_r:init_t:s0 unshares net, then mnt, then exits: the seed lines field by field', async () => {
    const out = await bashOk(m, `
      set -e
      p=$(nsctl clone 1 0)
      nsctl setcred $p uid=0 subj=system_u:system_r:init_t:s0 >/dev/null
      nsctl unshare $p net >/dev/null
      nsctl unshare $p mnt >/dev/null
      nsctl exit $p >/dev/null
      echo $p`);
    const pid = out.trim();
    const recs = (await readRecords(m)).slice(V5_BOOT_RECORDS);
    const want = expected(await seedLines());
    const got = recs.map((r) => normalise(r.line, pid));
    // Field by field first, so a failure names the field.
    const split = (l: string) => [l.slice(0, l.indexOf(' msg=')), ...l.slice(l.indexOf('): ') + 3).split(' ')];
    expect(got.map(split)).toEqual(want.map(split));
    expect(got).toEqual(want);
    expect(want.slice(0, 3)).toEqual([
      'type=AUDIT_NS_INIT_NET msg=audit(T:S): pid=481 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:init_t:s0 old_netns=7 netns=8 res=1',
      'type=NS_INFO msg=audit(T:S): pid=481 netns=8 utsns=2 ipcns=1 pidns=4 userns=3 mntns=5',
      'type=AUDIT_NS_INIT_MNT msg=audit(T:S): pid=481 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:init_t:s0 old_mntns=5 mntns=9 res=1',
    ]);
    // The seed's serials 81, 82, 83, (84), 85 are one apart, as ours are.
    const first = recs[0]!.serial;
    expect(recs.map((r) => r.serial - first)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
