import { describe, expect, it } from 'vitest';
import type { ObservedContainer } from '../model/host_observation.js';
import { containerInPath, containerOf } from './cgroup_container.js';

const ID = '3f1c0a9e8d7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19';
const ID2 = 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1';
const UID = '7d0a6c3e-51b2-4f8a-9c1d-2e3f4a5b6c7d';
const UID_ = UID.replace(/-/g, '_');

type Want = Omit<ObservedContainer, 'cgroup'>;
const c = (runtime: Want['runtime'], id: string, pod: string | null = null): Want => ({ runtime, id, pod });

describe('containerInPath()', () => {
  it('decodes a libvirt machine scope (the @example)', () => {
    expect(containerInPath('/machine.slice/machine-lxc\\x2d1234\\x2dweb.scope')).toEqual(
      { runtime: 'libvirt', id: 'lxc-1234-web', pod: null, cgroup: '/machine.slice/machine-lxc\\x2d1234\\x2dweb.scope' });
  });

  // One row per pattern, as the runtimes write the paths (systemd and cgroupfs drivers, rootless, nested).
  it.each<[string, string, Want]>([
    ['docker, systemd driver', `/system.slice/docker-${ID}.scope`, c('docker', ID)],
    ['docker, systemd inside the container', `/system.slice/docker-${ID}.scope/init.scope`, c('docker', ID)],
    ['docker, cgroupfs driver', `/docker/${ID}`, c('docker', ID)],
    ['docker in docker (the inner one)', `/docker/${ID}/docker/${ID2}`, c('docker', ID2)],
    ['podman, root', `/machine.slice/libpod-${ID}.scope`, c('podman', ID)],
    ['podman, rootless', `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope`, c('podman', ID)],
    ['podman, systemd inside (--systemd)', `/machine.slice/libpod-${ID}.scope/container`, c('podman', ID)],
    ['podman in a pod', `/machine.slice/machine-libpod_pod_${ID2}.slice/libpod-${ID}.scope`, c('podman', ID)],
    ['podman, cgroupfs manager', `/libpod_parent/libpod-${ID}`, c('podman', ID)],
    ['containerd CRI outside kubepods', `/system.slice/cri-containerd-${ID}.scope`, c('containerd', ID)],
    ['kubernetes burstable, containerd', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`, c('kubernetes', ID, UID)],
    ['kubernetes guaranteed, containerd', `/kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-${ID}.scope`, c('kubernetes', ID, UID)],
    ['kubernetes besteffort, CRI-O', `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/crio-${ID}.scope`, c('kubernetes', ID, UID)],
    ['kubernetes static pod (hash uid)', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6f1e2d3c4b5a69788796a5b4c3d2e1f0.slice/cri-containerd-${ID}.scope`, c('kubernetes', ID, '6f1e2d3c4b5a69788796a5b4c3d2e1f0')],
    ['kubernetes, cgroupfs driver, burstable', `/kubepods/burstable/pod${UID}/${ID}`, c('kubernetes', ID, UID)],
    ['kubernetes, cgroupfs driver, guaranteed', `/kubepods/pod${UID}/${ID}`, c('kubernetes', ID, UID)],
    ['kubernetes, cgroupfs driver, CRI-O', `/kubepods/besteffort/pod${UID}/crio-${ID}`, c('kubernetes', ID, UID)],
    ['kubernetes in kind (the pod, not the node)', `/system.slice/docker-${ID2}.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${UID_}.slice/cri-containerd-${ID}.scope`, c('kubernetes', ID, UID)],
    ['CRI-O outside kubepods', `/system.slice/crio-${ID}.scope`, c('crio', ID)],
    ['lxc 4+', '/lxc.payload.web', c('lxc', 'web')],
    ['lxc 4+, systemd inside', '/lxc.payload.web/system.slice/cron.service', c('lxc', 'web')],
    ['lxc before 4', '/lxc/web', c('lxc', 'web')],
    ['docker inside lxc (the inner one)', `/lxc.payload.web/system.slice/docker-${ID}.scope`, c('docker', ID)],
    ['systemd-nspawn', '/machine.slice/machine-debian.scope', c('nspawn', 'debian')],
    ['systemd-nspawn, escaped dash', '/machine.slice/machine-build\\x2dbox.scope/payload', c('nspawn', 'build-box')],
    ['libvirt qemu', '/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt/emulator', c('libvirt', 'qemu-1-vm1')],
    ['libvirt lxc', '/machine.slice/machine-lxc\\x2d4242\\x2dweb.scope', c('libvirt', 'lxc-4242-web')],
    ['under a test\'s own cgroup', `/user.slice/session-3.scope/nsproc-test/docker-${ID}.scope`, c('docker', ID)],
  ])('%s: %s', (_name, path, want) => {
    expect(containerInPath(path)).toEqual({ ...want, cgroup: path });
  });

  // Near misses: helpers of a runtime, a short or upper-case id, a slice, names that would break a record.
  it.each<[string, string]>([
    ['the root', '/'],
    ['a login session', '/user.slice/user-1000.slice/session-2.scope'],
    ['dockerd itself', '/system.slice/docker.service'],
    ['containerd itself', '/system.slice/containerd.service'],
    ['podman\'s conmon', `/machine.slice/libpod-conmon-${ID}.scope`],
    ['CRI-O\'s conmon', `/system.slice/crio-conmon-${ID}.scope`],
    ['lxc\'s monitor', '/lxc.monitor.web'],
    ['a short docker id', '/system.slice/docker-3f1c0a9e8d7b.scope'],
    ['an upper-case id', `/system.slice/docker-${ID.toUpperCase()}.scope`],
    ['a docker slice', `/system.slice/docker-${ID}.slice`],
    ['a bare id not under docker or a pod', `/system.slice/${ID}`],
    ['a pod slice with no container', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`],
    ['a kubepods qos slice', '/kubepods.slice/kubepods-burstable.slice'],
    ['a pod dir not under kubepods', `/burst/pod${UID}/${ID}`],
    ['a podman pod slice', `/machine.slice/machine-libpod_pod_${ID}.slice`],
    ['machined\'s own slice', '/machine.slice'],
    ['a machine name with a blank', '/machine.slice/machine-my\\x20box.scope'],
    ['a machine name with an =', '/machine.slice/machine-a\\x3db.scope'],
    ['a memory cgroup named by a hash', '/process_api/b19bc3731bcac2d04866e4c22dc5b56f'],
  ])('%s is no container: %s', (_name, path) => {
    expect(containerInPath(path)).toBeNull();
  });
});

describe('containerOf()', () => {
  const v1 = (systemd: string, memory: string, v2: string) =>
    `12:pids:${memory}\n4:memory:${memory}\n1:name=systemd:${systemd}\n0::${v2}\n`;

  it('reads the v2 line first', () => {
    expect(containerOf(v1(`/docker/${ID2}`, `/docker/${ID2}`, `/system.slice/docker-${ID}.scope`))?.id).toBe(ID);
  });

  it('falls back to name=systemd when the v2 line names none (hybrid, a runtime that did not join it)', () => {
    const got = containerOf(v1(`/system.slice/docker-${ID}.scope`, '/', '/'));
    expect(got).toEqual({ runtime: 'docker', id: ID, pod: null, cgroup: `/system.slice/docker-${ID}.scope` });
  });

  it('then to the v1 controller lines, in file order', () => {
    expect(containerOf(v1('/', `/docker/${ID}`, '/'))?.cgroup).toBe(`/docker/${ID}`);
  });

  it('takes a path with a colon whole (only the first two colons separate fields)', () => {
    expect(containerOf('0::/lxc.payload.a:b\n')).toEqual({ runtime: 'lxc', id: 'a:b', pod: null, cgroup: '/lxc.payload.a:b' });
  });

  it.each([
    ['a host process', v1('/user.slice/user-0.slice/session-1.scope', '/user.slice', '/user.slice/user-0.slice/session-1.scope')],
    ['an empty file (a kernel without cgroups)', ''],
    ['garbage', 'nonsense\n'],
  ])('is null for %s', (_name, text) => {
    expect(containerOf(text)).toBeNull();
  });
});
