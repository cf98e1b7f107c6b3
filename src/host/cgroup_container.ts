/**
 * The container a process is in, from the text of its `/proc/<pid>/cgroup`
 * (cgroups(7): `hierarchy-ID:controller-list:cgroup-path`), read the way the
 * runtimes name their cgroups and the tools that map them back (docker,
 * crictl, systemd-cgls, laurel) read them. Pure: no I/O.
 *
 * - Which line: the v2 line (`0::`), else `name=systemd`, else the v1
 *   controller lines in file order; the first whose path names a container.
 * - Which component: the path's components are matched one by one against
 *   {@link PATTERNS} (first row wins for a component); the innermost match
 *   is the container (docker inside an LXC container is the docker one).
 * - Kubernetes: a container component right under a pod component
 *   (`kubepods-…-pod<uid>.slice`, `/kubepods/<qos>/pod<uid>`) is the pod's,
 *   runtime `kubernetes` whatever CRI runtime made it (its scope name stays in
 *   the cgroup path); the pod uid comes back with its dashes (systemd slices
 *   write them as `_`).
 */
import type { ContainerRuntime, ObservedContainer } from '../model/host_observation.js';

/** One row per way a runtime names a container's cgroup. */
interface Pattern {
  readonly runtime: ContainerRuntime;
  /** One path component; group 1 is the id or name. */
  readonly component: RegExp;
  /** The path of the parent cgroup must match this (cgroupfs layouts: `/docker/<id>`, `/lxc/<name>`). */
  readonly under?: RegExp;
  /** `hex`: the 64-hex id as it is; `unit`: a systemd unit name part, `\xHH` escapes decoded. */
  readonly id: 'hex' | 'unit' | 'name';
  /** The row names a Kubernetes pod (group 1: its uid), not a container. */
  readonly pod?: true;
  /** Only right under a pod component (the cgroupfs driver's bare container id). */
  readonly inPod?: true;
}

const HEX64 = '([0-9a-f]{64})';
/** A pod uid: a UUID, or the 32-hex hash of a static pod; systemd slice names write `-` as `_`. */
const POD_UID = '([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}|[0-9a-f]{32})';

/**
 * The patterns, most specific first. The conmon processes of podman and CRI-O
 * (`libpod-conmon-<id>.scope`, `crio-conmon-<id>.scope`) and LXC's monitor
 * (`lxc.monitor.<name>`) are outside their containers: no row matches them.
 */
export const PATTERNS: readonly Pattern[] = [
  // docker run, systemd cgroup driver (and cri-dockerd under a pod).
  { runtime: 'docker', component: new RegExp(`^docker-${HEX64}\\.scope$`), id: 'hex' },
  // cgroupfs driver: /docker/<id>.
  { runtime: 'docker', component: new RegExp(`^${HEX64}$`), under: /(^|\/)docker$/, id: 'hex' },
  // podman: libpod-<id>.scope (systemd), libpod-<id> under libpod_parent (cgroupfs).
  { runtime: 'podman', component: new RegExp(`^libpod-${HEX64}(?:\\.scope)?$`), id: 'hex' },
  // containerd's CRI plugin, systemd driver.
  { runtime: 'containerd', component: new RegExp(`^cri-containerd-${HEX64}\\.scope$`), id: 'hex' },
  // CRI-O: crio-<id>.scope (systemd), crio-<id> (cgroupfs).
  { runtime: 'crio', component: new RegExp(`^crio-${HEX64}(?:\\.scope)?$`), id: 'hex' },
  // kubelet, systemd driver: kubepods-pod<uid>.slice, kubepods-burstable-pod<uid>.slice (kind: kubelet-kubepods-…).
  { runtime: 'kubernetes', component: new RegExp(`^(?:[a-z0-9]+-)?kubepods(?:-burstable|-besteffort)?-pod${POD_UID}\\.slice$`), id: 'hex', pod: true },
  // kubelet, cgroupfs driver: /kubepods/pod<uid>, /kubepods/burstable/pod<uid>, and the container's bare id under it.
  { runtime: 'kubernetes', component: new RegExp(`^pod${POD_UID}$`), under: /(^|\/)kubepods(\/burstable|\/besteffort)?$/, id: 'hex', pod: true },
  { runtime: 'kubernetes', component: new RegExp(`^${HEX64}$`), inPod: true, id: 'hex' },
  // LXC 4+: lxc.payload.<name>; before: /lxc/<name>.
  { runtime: 'lxc', component: /^lxc\.payload\.(.+)$/, id: 'name' },
  { runtime: 'lxc', component: /^(.+)$/, under: /(^|\/)lxc$/, id: 'name' },
  // systemd-machined scopes: libvirt names its machines lxc-<id>-<name> / qemu-<id>-<name> (older: without <id>-);
  // every other machine-<name>.scope is systemd-nspawn's.
  { runtime: 'libvirt', component: /^machine-((?:lxc|qemu)\\x2d.+)\.scope$/, id: 'unit' },
  { runtime: 'nspawn', component: /^machine-(.+)\.scope$/, id: 'unit' },
];

/**
 * A name as it may appear in `container=NAME` of a record and a table cell: what
 * hostnames, machined's machine names and LXC's usual names are made of. A name
 * with other bytes (a blank, `=`, a quote) is not taken for a container.
 */
const SAFE_NAME = /^[A-Za-z0-9_.+:@-]{1,253}$/;

/** systemd's unit name escapes (systemd-escape(1)): `\xHH` is the byte HH. */
function unescapeUnit(text: string): string {
  return text.replace(/\\x([0-9a-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * The container a cgroup path names, or null.
 * @param path a cgroup path, as the third field of a `/proc/<pid>/cgroup` line
 * @example
 * containerInPath('/machine.slice/machine-lxc\\x2d1234\\x2dweb.scope');
 * // { runtime: 'libvirt', id: 'lxc-1234-web', pod: null, cgroup: '/machine.slice/machine-lxc\\x2d1234\\x2dweb.scope' }
 */
export function containerInPath(path: string): ObservedContainer | null {
  const parts = path.split('/');
  let found: ObservedContainer | null = null;
  let pod: { readonly uid: string; readonly at: number } | null = null;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '') continue;
    const parent = parts.slice(0, i).join('/');
    const inPod = pod !== null && pod.at === i - 1;
    for (const row of PATTERNS) {
      const m = row.component.exec(part);
      if (!m || (row.under && !row.under.test(parent)) || (row.inPod && !inPod)) continue;
      if (row.pod) {
        pod = { uid: m[1]!.replace(/_/g, '-'), at: i };
        break;
      }
      const id = row.id === 'unit' ? unescapeUnit(m[1]!) : m[1]!;
      if (row.id !== 'hex' && !SAFE_NAME.test(id)) break;
      found = { runtime: inPod ? 'kubernetes' : row.runtime, id, pod: inPod ? pod!.uid : null, cgroup: path };
      break;
    }
  }
  return found;
}

/**
 * The container a process is in, from its `/proc/<pid>/cgroup` text, or null.
 * @example
 * containerOf('1:name=systemd:/\n0::/system.slice/docker-' + 'ab'.repeat(32) + '.scope\n');
 * // { runtime: 'docker', id: 'abab…ab', pod: null, cgroup: '/system.slice/docker-abab…ab.scope' }
 */
export function containerOf(text: string): ObservedContainer | null {
  const v2: string[] = [];
  const systemd: string[] = [];
  const v1: string[] = [];
  for (const line of text.split('\n')) {
    const a = line.indexOf(':');
    const b = a < 0 ? -1 : line.indexOf(':', a + 1);
    if (b < 0) continue;
    const controllers = line.slice(a + 1, b);
    const path = line.slice(b + 1);
    if (line.slice(0, a) === '0' && controllers === '') v2.push(path);
    else if (controllers === 'name=systemd') systemd.push(path);
    else v1.push(path);
  }
  for (const path of [...v2, ...systemd, ...v1]) {
    const c = containerInPath(path);
    if (c) return c;
  }
  return null;
}
