/**
 * Host mode on a full disk: the host goes on whatever the log says, so records that cannot be
 * written are lost — and said to be. The audit log lives on a small tmpfs that a filler file
 * fills; namespaces made meanwhile are in the tree but not in the log; once the filler goes,
 * the next record is NSPROC_LOG_LOST with how many records were lost and between which times.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir, run, waitFor } from '../helpers/mounted.js';
import { startInspectable, type Inspectable } from '../robustness/_inspect.js';
import { background, kill, pyNsId } from './_host.js';

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('host mode with a log that fills up', () => {
  let dir: string;
  let logDir: string;
  let m: Inspectable;
  const sleepers: number[] = [];
  const logPath = () => path.join(logDir, 'audit.log');
  const filler = () => path.join(logDir, 'filler');

  beforeAll(async () => {
    dir = await makeTempDir();
    logDir = path.join(dir, 'logfs');
    await fs.mkdir(logDir);
    const mounted = await run('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', logDir]);
    if (mounted.code !== 0) throw new Error(`cannot mount a tmpfs: ${mounted.stderr}`);
    m = await startInspectable({ args: ['--host', '--host-rescan-ms', '200', '--audit-log', logPath()] });
  });
  afterAll(async () => {
    for (const p of sleepers) kill(p);
    await m?.stop();
    if (logDir) await run('umount', ['-l', logDir]);
    if (dir) await removeTempDir(dir);
  });

  it('counts what a full log lost, follows the host anyway, and writes NSPROC_LOG_LOST once it has room', async () => {
    // Fill the tmpfs: dd stops at ENOSPC.
    await run('dd', ['if=/dev/zero', `of=${filler()}`, 'bs=4k']);
    const lost = async () => ((await m.dump()) as unknown as { audit: { lostRecords: number } }).audit.lostRecords;
    // Each new network namespace is an INIT_NET and an NS_INFO that the log cannot take — once
    // the slack of the log's own last page (dd fills whole pages) is used up: namespaces are
    // made until the log has refused six records (CI failed when three fitted in the slack).
    for (let i = 0; i < 40 && (await lost()) < 6; i++) {
      sleepers.push(background('unshare', ['-n', 'sleep', '60']));
      await waitFor(async () => (await lost()) >= 6, 500);
    }
    expect(await lost()).toBeGreaterThanOrEqual(6);
    const pid = sleepers[0]!;
    // The tree followed the host.
    const want = await pyNsId(`/proc/${pid}/ns/net`);
    const out = await run('cat', [path.join(m.mountpoint, String(pid), 'ns/net_snum')]);
    expect(out.stdout.trim()).toBe(want);
    // The page's slack can still take a small batch now and then (which begins with the losses
    // until then): only what comes after this point is looked at (CI met an early one).
    const size = (await fs.stat(logPath())).size;
    const before = await lost();
    await fs.rm(filler());
    sleepers.push(background('unshare', ['-n', 'sleep', '60']));
    const after = async () => (await fs.readFile(logPath(), 'utf8')).slice(size);
    let rec: string | undefined;
    expect(await waitFor(async () => (rec = (await after()).split('\n').find((l) => l.startsWith('type=NSPROC_LOG_LOST '))) !== undefined, 10_000)).toBe(true);
    const f = /^type=NSPROC_LOG_LOST msg=audit\((\d+\.\d{3}):\d+\): lost=(\d+) first=(\d+\.\d{3}) last=(\d+\.\d{3}) errno=ENOSPC$/.exec(rec!);
    expect(f, rec).not.toBeNull();
    const [, at, n, first, last] = f!;
    expect(Number(n)).toBeGreaterThanOrEqual(before);
    expect(Number(first)).toBeLessThanOrEqual(Number(last));
    expect(Number(last)).toBeLessThanOrEqual(Number(at));
    // It is the first thing written once there was room again, whole lines before it.
    expect((await after()).startsWith(`${rec!}\n`)).toBe(true);
    expect(await lost()).toBe(0);
  });
});
