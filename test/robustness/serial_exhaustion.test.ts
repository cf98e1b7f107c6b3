/**
 * SPEC §2 on a real daemon: with `--serial-start 0xfffffffffffffffe` two
 * serials are left. Running out fails with EOVERFLOW, creates nothing (the full
 * model dump and the audit log are unchanged), never reuses a freed serial, and
 * the daemon keeps serving reads and the commands that need no serial.
 */
import * as fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/mounted.js';
import { ctl, parseLog, startInspectable, type Inspectable } from './_inspect.js';

let m: Inspectable;
beforeAll(async () => { m = await startInspectable({ args: ['--serial-start', '0xfffffffffffffffe'] }); });
afterAll(async () => { await m?.stop(); });

/** Runs one command; expects it to fail with `errno` and to change neither the model nor the log. */
async function refused(cmd: string, errno: string): Promise<void> {
  const before = await m.dump();
  const r = await ctl(m.mountpoint, `${cmd}\n`);
  expect({ cmd, errno: r.errno, line: r.output.split(':')[0] + ':' + r.output.split(':')[1] }).toEqual({ cmd, errno, line: `error: ${errno}` });
  expect(await m.dump()).toEqual(before);
}

async function accepted(cmd: string): Promise<string> {
  const r = await ctl(m.mountpoint, `${cmd}\n`);
  expect({ cmd, errno: r.errno }).toEqual({ cmd, errno: null });
  return r.output.trim();
}

describe('serial exhaustion on a mount (--serial-start 0xfffffffffffffffe)', () => {
  let child = '';

  it('clone with three new namespaces and two serials left fails with EOVERFLOW and creates nothing', async () => {
    await refused('clone 1 net,mnt,uts', 'EOVERFLOW');
  });

  it('clone 1 net takes serial fffffffffffffffe', async () => {
    child = await accepted('clone 1 net');
    expect((await run('cat', [`${m.mountpoint}/${child}/ns/net_snum`])).stdout).toBe('fffffffffffffffe\n');
  });

  it('clone with two new namespaces and one serial left fails whole (EOVERFLOW, nothing half-created)', async () => {
    await refused('clone 1 net,mnt', 'EOVERFLOW');
  });

  it('unshare takes the last serial, ffffffffffffffff', async () => {
    await accepted(`unshare ${child} uts`);
    expect((await run('cat', [`${m.mountpoint}/${child}/ns/uts_snum`])).stdout).toBe('ffffffffffffffff\n');
  });

  it.each([
    ['clone 1 net'],
    ['clone 1 user'],
    ['unshare 1 ipc'],
  ])('then %s fails with EOVERFLOW and changes nothing', async (cmd) => {
    await refused(cmd, 'EOVERFLOW');
  });

  it('a failing command in a batch stops the batch: the commands before it stay, the rest do not run', async () => {
    const before = await m.dump();
    const r = await ctl(m.mountpoint, 'clone 1 0\nclone 1 net\nclone 1 0\n');
    expect([r.errno, r.output.split('\n')[1]?.startsWith('error: EOVERFLOW:')]).toEqual(['EOVERFLOW', true]);
    const after = (await m.dump()).model as { tasks: unknown[] };
    expect(after.tasks.length).toBe((before.model as { tasks: unknown[] }).tasks.length + 1);
  });

  it('commands that need no serial still work, and the tree still reads', async () => {
    const p = await accepted('clone 1 0');
    await accepted(`setns ${p} ${child} net`);
    expect((await run('cat', [`${m.mountpoint}/${p}/ns/net_snum`])).stdout).toBe('fffffffffffffffe\n');
    await accepted(`exit ${p}`);
    const ls = await run('ls', [m.mountpoint]);
    expect([ls.code, ls.stdout.split('\n')]).toEqual([0, expect.arrayContaining(['1', '2', child, 'nsctl'])]);
  });

  it('a freed serial is never reused: after the namespaces go, clone 1 net still fails with EOVERFLOW', async () => {
    await accepted(`exit ${child}`);
    await refused('clone 1 net', 'EOVERFLOW');
    expect((await run('cat', [`${m.mountpoint}/1/status`])).code).toBe(0);
  });

  it('the log holds whole records; the refused commands wrote none', async () => {
    const recs = parseLog(await fs.readFile(m.auditLog, 'utf8'));
    const inits = recs.filter((r) => r.type.startsWith('AUDIT_NS_INIT_')).map((r) => /(?:^| )[a-z]+ns=([0-9a-f]+) res/.exec(r.body)?.[1]);
    expect(inits.slice(-2)).toEqual(['fffffffffffffffe', 'ffffffffffffffff']);
    expect(inits.length).toBe(6 + 2);
  });
});
