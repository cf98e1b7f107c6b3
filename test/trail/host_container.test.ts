/**
 * nstrail --container on a host-mode daemon's log (SPEC §9): a process in a new network
 * namespace is moved into a docker-<id>.scope cgroup (made under this test's own cgroup, no
 * container runtime), and an "admin" enters its network namespace with nsenter(1). The
 * container's trail, found by a prefix of its id, holds the NSPROC_CONTAINER record with the
 * process's namespaces, the admin's entry, and, once the processes are gone, the DEL.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CgroupDirs, hierarchies } from '../host/_cgroups.js';
import { background, kill, pyNsId, rec, waitRecord } from '../host/_host.js';
import { REPO, startDaemon, waitFor, type MountedDaemon } from '../helpers/mounted.js';

const ID = `${'c0ffee'.repeat(10)}abcd`;
const REL = `system.slice/docker-${ID}.scope`;

function nstrail(args: readonly string[]) {
  const r = spawnSync(path.join(REPO, 'nstrail'), args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('nstrail --container on host mode records', () => {
  let m: MountedDaemon;
  let dirs: CgroupDirs;
  const started: number[] = [];

  beforeAll(async () => {
    const found = await hierarchies();
    const hier = [found.v2, found.systemd].filter((h) => h !== null);
    if (hier.length === 0) throw new Error('no cgroup v2 or name=systemd hierarchy is mounted: this test needs one');
    dirs = new CgroupDirs(`nsproc-trail-${process.pid}`, hier);
    m = await startDaemon({ args: ['--host', '--host-rescan-ms', '200'] });
  });

  afterAll(async () => {
    for (const pid of started) kill(pid);
    await m?.stop();
    await dirs?.removeAll('host_container.test');
  });

  it('finds the container by an id prefix: its namespaces, the admin who entered its net namespace, their end', async () => {
    await dirs.mkdirs(REL);
    const ours = await fs.readlink('/proc/self/ns/net');
    const pid = background('unshare', ['-n', 'sleep', '300']);
    started.push(pid);
    await waitFor(async () => (await fs.readlink(`/proc/${pid}/ns/net`).catch(() => ours)) !== ours, 10_000);
    await dirs.move(pid, REL);
    const net = await pyNsId(`/proc/${pid}/ns/net`);
    await waitRecord(m, rec('NSPROC_CONTAINER', { pid: String(pid), container: ID }), 'NSPROC_CONTAINER');
    const admin = background('nsenter', ['-t', String(pid), '-n', 'sleep', '300']);
    started.push(admin);
    await waitRecord(m, rec('NS_INFO', { pid: String(admin), netns: net }), "the admin's NS_INFO");

    const r = nstrail(['--json', '--container', ID.slice(0, 12), m.auditLog]);
    expect(r.status, r.stderr).toBe(0);
    const o = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(o.find((x) => x.event === 'container')).toMatchObject({ node: null, pid, runtime: 'docker', container: ID });
    expect(o.find((x) => x.event === 'container')!.namespaces).toContainEqual({ type: 'net', serial: net, inum: null });
    expect(o.find((x) => x.event === 'entered' && x.pid === admin)).toMatchObject({ namespaces: [{ type: 'net', serial: net, inum: null }] });
    expect(o.at(-1)).toMatchObject({ event: 'alive' });

    kill(admin);
    kill(pid);
    await waitRecord(m, rec('AUDIT_NS_DEL_NET', { netns: net }), 'the DEL of its net namespace');
    const end = nstrail(['--container', ID.slice(0, 12), m.auditLog]);
    expect(end.stdout).toMatch(new RegExp(`freed .*net:${net}|net:${net}.* freed`));
    expect(end.stdout).not.toMatch(/still alive at the end of the input: .*net:/);
  });
});
