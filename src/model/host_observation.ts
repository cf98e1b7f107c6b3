/**
 * What host mode's adapter (src/host/) saw on the running kernel, as plain
 * data: the only input of the host operations in ops/observe.ts. Values only
 * (they cross from the scanning worker thread by structured clone).
 */
import type { NsName } from './nstypes.js';

/**
 * A namespace seen for the first time. `key` names it for as long as it lives:
 * `id:<hex>` with the kernel's NS_GET_ID, else `<type>:<inum>` (SPEC §7: on
 * older kernels a namespace is known by its type and inode while it is alive).
 */
export interface ObservedNs {
  readonly key: string;
  readonly type: NsName;
  readonly inum: number;
  /** NS_GET_ID (Linux 6.18+), or null: the model then numbers it from its own counter. */
  readonly id: bigint | null;
  /** NS_GET_USERNS's namespace (null for the initial user namespace, or unreadable). */
  readonly ownerKey: string | null;
  /** NS_GET_PARENT's (pid and user namespaces below the initial ones). */
  readonly parentKey: string | null;
  /** NS_GET_OWNER_UID (user namespaces). */
  readonly ownerUid: number | null;
  /** The process through which it was found (its `ns/` link, an open fd, an owned namespace); 0 for a bind mount. */
  readonly via: number;
}

/** A process seen for the first time, or whose namespaces or credentials changed. */
export interface ObservedProc {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  /** NSpid: the pid in each pid namespace, outermost (the daemon's) first. */
  readonly nspid: readonly number[];
  /** Real uid and gid: what audit records name in `uid=` (the kernel's own put the effective one in `euid=`). */
  readonly uid: number;
  readonly gid: number;
  readonly capEff: bigint;
  /** What decides who may see it in /proc (kernel/ptrace.c:__ptrace_may_access()). */
  readonly creds: HostCreds;
  /** loginuid and sessionid; 4294967295 = unset. */
  readonly auid: number;
  readonly ses: number;
  /** attr/current, without the trailing newline; 'unconfined' when the host has no LSM. */
  readonly subj: string;
  readonly kthread: boolean;
  /** The host's own `status` lines that SPEC §7 lists, ready to serve. */
  readonly status: string;
  /** The host's own `stat` line and `cmdline` (NUL-separated arguments), as read with `status`. */
  readonly stat: string;
  readonly cmdline: string;
  /** `ns/` entry name → namespace key; null when the daemon may not read /proc/<pid>/ns (EACCES). */
  readonly ns: Readonly<Record<string, string>> | null;
  /** The container its cgroup names (src/host/cgroup_container.ts), or null: none, or unreadable. */
  readonly container: ObservedContainer | null;
}

/** A process's credentials beyond the model's: what the kernel's ptrace access check reads. */
export interface HostCreds {
  /** `status`'s `Uid:` and `Gid:`: real, effective, saved and fs ids. */
  readonly uids: readonly number[];
  readonly gids: readonly number[];
  /** `CapPrm:`: the permitted set, in its own user namespace. */
  readonly capPrm: bigint;
  /** prctl(2) PR_GET_DUMPABLE is 1 (SUID_DUMP_USER). */
  readonly dumpable: boolean;
}

/** Who made the container a process is in (SPEC §9), as its cgroup path names it. */
export type ContainerRuntime = 'docker' | 'podman' | 'containerd' | 'kubernetes' | 'crio' | 'lxc' | 'nspawn' | 'libvirt';

/** The container a process is in, read from `/proc/<pid>/cgroup`. */
export interface ObservedContainer {
  readonly runtime: ContainerRuntime;
  /** The runtime's 64-hex id (docker, podman, containerd, crio, kubernetes), or the name (lxc, nspawn, libvirt). */
  readonly id: string;
  /** The Kubernetes pod's uid (runtime `kubernetes` only), as the API server writes it; else null. */
  readonly pod: string | null;
  /** The cgroup path that named it: the third field of that `/proc/<pid>/cgroup` line. */
  readonly cgroup: string;
}

/** One step of what the host did: applied as a whole by ops/observe.ts. */
export interface HostBatch {
  /** New namespaces, owners and parents before what they own. */
  readonly namespaces: readonly ObservedNs[];
  readonly procs: readonly ObservedProc[];
  /** Processes that exited. */
  readonly gone: readonly number[];
  /** Namespace keys the kernel has freed. */
  readonly freed: readonly string[];
}
