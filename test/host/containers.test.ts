/**
 * Container identity in host mode (SPEC §9) on a real mount: for each way a runtime names
 * its cgroup, the directories are made under this test's own cgroup (in the v2 hierarchy
 * and in name=systemd's v1 one, whichever the machine has), a sleeping process in a new
 * network namespace is moved into them, and the NSPROC_CONTAINER record, `nsctl ps` and
 * `nsctl lsns -o +CONTAINER` are checked. No container runtime is involved. Every
 * directory made is removed again (deepest first) once its processes are gone.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bashOk } from '../control/_helpers.js';
import { startDaemon, waitFor, type MountedDaemon } from '../helpers/mounted.js';
import { CgroupDirs, hierarchies, type Hierarchy } from './_cgroups.js';
import { background, field, kill, pairingViolations, pyNsId, rec, records, waitRecord } from './_host.js';

const RESCAN_MS = 200;
const hex = (c: string) => c.repeat(64);
const UID = '7d0a6c3e-51b2-4f8a-9c1d-2e3f4a5b6c7d';
const UID2 = '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e';

interface Case {
  readonly name: string;
  /** Path below the test's base cgroup. */
  readonly rel: string;
  readonly runtime: string;
  readonly id: string;
  readonly pod?: string;
}

const CASES: readonly Case[] = [
  { name: 'docker, systemd driver', rel: `system.slice/docker-${hex('1')}.scope`, runtime: 'docker', id: hex('1') },
  { name: 'docker, cgroupfs driver', rel: `docker/${hex('2')}`, runtime: 'docker', id: hex('2') },
  { name: 'podman', rel: `machine.slice/libpod-${hex('3')}.scope`, runtime: 'podman', id: hex('3') },
  { name: 'containerd (CRI)', rel: `system.slice/cri-containerd-${hex('4')}.scope`, runtime: 'containerd', id: hex('4') },
  { name: 'kubernetes, systemd driver', rel: `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID.replace(/-/g, '_')}.slice/cri-containerd-${hex('5')}.scope`, runtime: 'kubernetes', id: hex('5'), pod: UID },
  { name: 'kubernetes, cgroupfs driver', rel: `kubepods/besteffort/pod${UID2}/${hex('6')}`, runtime: 'kubernetes', id: hex('6'), pod: UID2 },
  { name: 'CRI-O', rel: `system.slice/crio-${hex('7')}.scope`, runtime: 'crio', id: hex('7') },
  { name: 'LXC 4+', rel: 'lxc.payload.web', runtime: 'lxc', id: 'web' },
  { name: 'LXC before 4', rel: 'lxc/db', runtime: 'lxc', id: 'db' },
  { name: 'systemd-nspawn', rel: 'machine.slice/machine-build\\x2dbox.scope', runtime: 'nspawn', id: 'build-box' },
  { name: 'libvirt LXC', rel: 'machine.slice/machine-lxc\\x2d1234\\x2dweb.scope', runtime: 'libvirt', id: 'lxc-1234-web' },
];
/** Beside their containers, not in them. */
const NEAR_MISSES = [`machine.slice/libpod-conmon-${hex('3')}.scope`, `system.slice/crio-conmon-${hex('7')}.scope`, 'lxc.monitor.web'];

describe('host mode: containers from cgroups', () => {
  let m: MountedDaemon;
  let hier: Hierarchy[] = [];
  let found: Awaited<ReturnType<typeof hierarchies>>;
  const base = `nsproc-ctest-${process.pid}`;
  const started: number[] = [];
  let dirs: CgroupDirs;
  const mkdirs = (rel: string, only?: Hierarchy[]) => dirs.mkdirs(rel, only);
  const move = (pid: number, rel: string, only?: Hierarchy[]) => dirs.move(pid, rel, only);
  /** A sleeper in a new network namespace (so lsns shows it as its net namespace's PID), once it has unshared. */
  async function sleeper(): Promise<number> {
    const pid = background('unshare', ['-n', 'sleep', '300']);
    started.push(pid);
    const ours = await fs.readlink('/proc/self/ns/net');
    await waitFor(async () => (await fs.readlink(`/proc/${pid}/ns/net`).catch(() => ours)) !== ours, 10_000);
    return pid;
  }
  const cgroupOf = (rel: string, h: Hierarchy) => `"${dirs.cgroupPath(rel, h)}"`;

  beforeAll(async () => {
    found = await hierarchies();
    hier = [found.v2, found.systemd].filter((h): h is Hierarchy => h !== null);
    if (hier.length === 0) throw new Error('no cgroup v2 or name=systemd hierarchy is mounted: this test needs one');
    dirs = new CgroupDirs(base, hier);
    m = await startDaemon({ args: ['--host', '--host-rescan-ms', String(RESCAN_MS)] });
  });

  afterAll(async () => {
    for (const pid of started) kill(pid);
    await m?.stop();
    await dirs?.removeAll('containers.test');
  });

  it('a sleeping process moved into each runtime\'s cgroup: NSPROC_CONTAINER with its serials, the CONTAINER column of ps and lsns', async () => {
    const misses: number[] = [];
    for (const rel of NEAR_MISSES) {
      await mkdirs(rel);
      const pid = await sleeper();
      await move(pid, rel);
      misses.push(pid);
    }
    const pids = new Map<Case, number>();
    for (const c of CASES) {
      await mkdirs(c.rel);
      const pid = await sleeper();
      await move(pid, c.rel);
      pids.set(c, pid);
    }
    for (const c of CASES) {
      const pid = pids.get(c)!;
      const r = await waitRecord(m, rec('NSPROC_CONTAINER', { pid: String(pid) }), `NSPROC_CONTAINER of ${c.name}`);
      const want = [['pid', String(pid)], ['runtime', c.runtime], ['container', c.id], ...(c.pod ? [['pod', c.pod]] : []), ['cgroup', cgroupOf(c.rel, hier[0]!)]];
      expect(r.fields.slice(0, want.length), c.name).toEqual(want);
      expect(r.fields.slice(want.length).map(([k]) => k), c.name).toEqual(['netns', 'utsns', 'ipcns', 'pidns', 'userns', 'mntns', 'cgroupns', 'timens']);
      expect(field(r, 'netns'), c.name).toBe(await pyNsId(`/proc/${pid}/ns/net`));
    }

    // A scan that started after the misses were moved has read them: the one that sees this move
    // (made once the records above were written, so by a later scan than theirs).
    const sentinel = `system.slice/docker-${hex('a')}.scope`;
    await mkdirs(sentinel);
    const last = await sleeper();
    await move(last, sentinel);
    await waitRecord(m, rec('NSPROC_CONTAINER', { pid: String(last), container: hex('a') }), 'the sentinel\'s NSPROC_CONTAINER');
    const all = await records(m);
    expect(all.filter((r) => r.type === 'NSPROC_CONTAINER' && misses.includes(Number(field(r, 'pid'))))).toEqual([]);
    expect(pairingViolations(all)).toEqual([]);

    const ps = JSON.parse(await bashOk(m, 'nsctl ps -J -l')).tasks as { pid: number; container: string | null }[];
    const psOf = new Map(ps.map((t) => [t.pid, t.container]));
    for (const c of CASES) expect(psOf.get(pids.get(c)!), c.name).toBe(c.id);
    for (const pid of misses) expect(psOf.get(pid)).toBeNull();
    expect(psOf.get(process.pid)).toBeNull();

    // Text: CONTAINER after the namespace columns, before COMMAND.
    const docker = CASES[0]!;
    const text = (await bashOk(m, `nsctl ps -l -p ${pids.get(docker)}`)).split('\n');
    expect(text[0]!.split(/ +/).slice(-2)).toEqual(['CONTAINER', 'COMMAND']);
    expect(text[1]!.split(/ +/).slice(-2)).toEqual([docker.id, 'sleep']);

    const lsns = (await bashOk(m, 'nsctl lsns -l -r -n -t net -o PID,CONTAINER')).trim().split('\n').map((l) => l.split(' '));
    const lsnsOf = new Map(lsns.map(([pid, container]) => [Number(pid), container ?? '']));
    for (const c of CASES) expect(lsnsOf.get(pids.get(c)!), c.name).toBe(c.id);
    for (const pid of misses) expect(lsnsOf.get(pid)).toBe('');
    const plus = JSON.parse(await bashOk(m, 'nsctl lsns -J -t net -l -o +CONTAINER')).namespaces as { pid: number; container: string | null }[];
    expect(Object.keys(plus[0]!)).toEqual(['ns', 'type', 'nprocs', 'pid', 'user', 'netnsid', 'nsfs', 'command', 'container']);
    expect(plus.find((n) => n.pid === pids.get(docker))?.container).toBe(docker.id);
    expect(plus.find((n) => n.pid === misses[0])?.container).toBeNull();
  });

  it('a process that joins the cgroup before it execs (as runtimes start containers): the record at its exec', async () => {
    const rel = `system.slice/docker-${hex('8')}.scope`;
    await mkdirs(rel);
    const procs = hier.map((h) => path.join(h.mount, h.own, base, rel, 'cgroup.procs'));
    const pid = background('sh', ['-c', `${procs.map((p) => `echo $$ > '${p}'`).join('; ')}; exec unshare -u sleep 300`]);
    started.push(pid);
    const ours = await fs.readlink('/proc/self/ns/uts');
    await waitFor(async () => (await fs.readlink(`/proc/${pid}/ns/uts`).catch(() => ours)) !== ours, 10_000);
    const uts = await pyNsId(`/proc/${pid}/ns/uts`);
    // unshare(1) may have been read before its unshare too: that first record, then one with the new set.
    const r = await waitRecord(m, rec('NSPROC_CONTAINER', { pid: String(pid), utsns: uts }), 'NSPROC_CONTAINER of the exec');
    expect([field(r, 'runtime'), field(r, 'container')]).toEqual(['docker', hex('8')]);
    expect((await records(m)).filter(rec('NSPROC_CONTAINER', { container: hex('8') })).length).toBeLessThanOrEqual(2);
  });

  it('with only name=systemd\'s v1 hierarchy naming it, the record\'s cgroup is that line\'s path', async (ctx) => {
    // Only where both exist: the v2 line (read first) then names no container.
    const v1 = found.systemd;
    if (!found.v2 || !v1) return ctx.skip();
    const rel = `system.slice/docker-${hex('9')}.scope`;
    await mkdirs(rel, [v1]);
    const pid = await sleeper();
    await move(pid, rel, [v1]);
    const r = await waitRecord(m, rec('NSPROC_CONTAINER', { pid: String(pid) }), 'NSPROC_CONTAINER from name=systemd');
    expect([field(r, 'container'), field(r, 'cgroup')]).toEqual([hex('9'), cgroupOf(rel, v1)]);
  });
});
