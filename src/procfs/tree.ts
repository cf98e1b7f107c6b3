/**
 * Paths → nodes over the model (fs/proc/base.c, fs/proc/namespaces.c). The
 * per-task directory and `ns/` are tables built from the namespace type table;
 * inode numbers come from model state: a namespace's inum for its nsfs file,
 * a fixed scheme (pid × 64 + slot; `self` and `thread-self` 3 and 4) for
 * everything else, never a counter.
 */
import type { KernelError } from '../model/errno.js';
import { nsLinkText, type NsType, type ProfileTypes } from '../model/nstypes.js';
import { nsReader, pidDirAccess, procOwner, type AccessPolicy, type Owner } from '../model/proc_access.js';
import { pidFromText } from '../model/pids.js';
import { allTasks, type ModelState, type Namespace, type Task } from '../model/state.js';
import { renderCmdline, renderComm, renderMountinfo, renderStatus } from './render.js';
import { renderStat } from './stat_text.js';
import { S_IFDIR, S_IFLNK, S_IFREG, type Attr } from './vfs.js';

export type Node =
  | { readonly kind: 'root' }
  | { readonly kind: 'ctl' }
  /** `self` and `thread-self`: the task `--self` or the `self` command chose (model mode only). */
  | { readonly kind: 'self-link'; readonly name: SelfName }
  | { readonly kind: 'pid-dir'; readonly task: Task }
  | { readonly kind: 'pid-file'; readonly task: Task; readonly file: PidFile }
  | { readonly kind: 'ns-dir'; readonly task: Task }
  | { readonly kind: 'ns-link'; readonly task: Task; readonly ns: Namespace; readonly slot: number }
  | { readonly kind: 'snum'; readonly task: Task; readonly ns: Namespace; readonly slot: number }
  /** The target a link names (`net:[4026531993]`): resolvable, not listed, opens fail with ENOENT (proc_vfs.ts). */
  | { readonly kind: 'nsfs'; readonly ns: Namespace };

export const CTL_NAME = 'nsctl';
const ROOT_INO = 1;
const CTL_INO = 2;
/** fs/proc/self.c and thread_self.c: the links readers find before the pids (proc_pid_readdir()). */
const SELF_LINKS = { self: 3, 'thread-self': 4 } as const;
type SelfName = keyof typeof SELF_LINKS;
const SELF_NAMES = Object.keys(SELF_LINKS) as SelfName[];
const SLOTS_PER_PID = 64;
/** Inode slots under a pid; the files beside `ns/` come after every profile's ns entries (modern: 3–20). */
const SLOT = { dir: 0, status: 1, nsDir: 2, firstEntry: 3, firstPidFile: 32 } as const;
const ROOT: Owner = { uid: 0, gid: 0 };

/** A `<pid>/` file beside `ns/` (fs/proc/base.c:tgid_base_stuff), readable by everyone. */
export interface PidFile {
  readonly name: string;
  readonly slot: number;
  readonly render: (t: Task) => string;
  /** Served in host mode too (false: only a model's tasks have it). */
  readonly host: boolean;
}

/**
 * `<pid>/`'s files in listing order: `status`, then the proc(5) files readers such as
 * util-linux's lsns and procps open before `ns/` or beside it (in tgid_base_stuff's order;
 * lsns reads /proc/self/mountinfo for its NSFS column). A host process's mountinfo is not
 * read (one more file per process and rescan), so host mode has none.
 */
const PID_FILES: readonly PidFile[] = [
  { name: 'status', slot: SLOT.status, render: renderStatus, host: true },
  { name: 'comm', slot: SLOT.firstPidFile, render: renderComm, host: true },
  { name: 'cmdline', slot: SLOT.firstPidFile + 1, render: renderCmdline, host: true },
  { name: 'stat', slot: SLOT.firstPidFile + 2, render: renderStat, host: true },
  { name: 'mountinfo', slot: SLOT.firstPidFile + 3, render: renderMountinfo, host: false },
];
const PID_FILE_BY_NAME = new Map(PID_FILES.map((f) => [f.name, f]));
/** `<pid>/`'s listing: `status` and `ns/` first, then the other files. */
const PID_DIR_NAMES: readonly string[] = ['status', 'ns', ...PID_FILES.slice(1).map((f) => f.name)];

/** `ns/` entries in order: the links (ns_entries order), then the `*_snum` files. */
export interface NsEntry {
  readonly name: string;
  readonly kind: 'ns-link' | 'snum';
  readonly type: NsType;
  readonly forChildren: boolean;
}

export function nsEntries(pt: ProfileTypes): NsEntry[] {
  return [
    ...pt.linkEntries.map((l) => ({ name: l.entry, kind: 'ns-link' as const, type: l.type, forChildren: l.forChildren })),
    ...pt.types.map((t) => ({ name: `${t.name}_snum`, kind: 'snum' as const, type: t, forChildren: false })),
  ];
}

const cache = new WeakMap<ProfileTypes, { list: NsEntry[]; byName: Map<string, [NsEntry, number]> }>();
function entriesOf(pt: ProfileTypes) {
  let c = cache.get(pt);
  if (!c) {
    const list = nsEntries(pt);
    if (SLOT.firstEntry + list.length > SLOT.firstPidFile) throw new Error(`${list.length} ns entries overlap the <pid>/ file slots`);
    c = { list, byName: new Map(list.map((e, i) => [e.name, [e, SLOT.firstEntry + i]])) };
    cache.set(pt, c);
  }
  return c;
}

function entryNode(task: Task, e: NsEntry, slot: number): Node {
  const ns = (e.forChildren ? task.forChildren : task.ns)[e.type.name]!;
  return { kind: e.kind, task, ns, slot };
}

const ENOENT = (path: string): KernelError => ({ errno: 'ENOENT', detail: `${path} does not exist` });

/** Resolves a path ('/', '/1/ns/net' …) to its node. */
export function lookup(s: ModelState, path: string): Node | KernelError {
  if (path === '/') return { kind: 'root' };
  const parts = path.split('/');
  if (parts.length === 2 && parts[1] === CTL_NAME) return { kind: 'ctl' };
  if (parts.length === 2 && Object.hasOwn(SELF_LINKS, parts[1]!)) return s.procSelf === null ? ENOENT(path) : { kind: 'self-link', name: parts[1] as SelfName };
  const pidText = parts[1]!;
  const pid = pidFromText(pidText);
  const task = pid === null ? undefined : allTasks(s).get(pid);
  if (!task) return ENOENT(path);
  if (parts.length === 2) return { kind: 'pid-dir', task };
  const file = parts.length === 3 ? PID_FILE_BY_NAME.get(parts[2]!) : undefined;
  if (file && (file.host || !task.host)) return { kind: 'pid-file', task, file };
  if (parts[2] !== 'ns') return ENOENT(path);
  if (parts.length === 3) return { kind: 'ns-dir', task };
  if (task.host?.nsDenied) return nsDenied(task);
  if (parts.length !== 4) return ENOENT(path);
  const hit = entriesOf(s.types).byName.get(parts[3]!);
  if (hit) return entryNode(task, hit[0], hit[1]);
  // A link's target resolves inside ns/, as the magic link does on Linux.
  for (const e of entriesOf(s.types).list) {
    if (e.kind !== 'ns-link') continue;
    const n = entryNode(task, e, 0);
    if (n.kind === 'ns-link' && nsLinkText(n.ns.type, n.ns.inum) === parts[3]) return { kind: 'nsfs', ns: n.ns };
  }
  return ENOENT(path);
}

/** SPEC §7: a host process whose /proc/<pid>/ns the daemon itself cannot read shows EACCES, never invented values. */
const nsDenied = (t: Task): KernelError => ({ errno: 'EACCES', detail: `the daemon may not read /proc/${t.nrs[0]}/ns` });

const pidIno = (t: Task, slot: number) => t.nrs[0]! * SLOTS_PER_PID + slot;

/**
 * Modes and owners as SPEC §4: a task's `<pid>/` and its files beside `ns/` (`status`,
 * `stat` …) belong to its euid/egid;
 * `ns/` is 0500 and `*_snum` 0400, owned by the one user the kernel's ptrace check lets
 * read them, or root (model/proc_access.ts), so the kernel's own checks
 * (default_permissions) give other users EACCES, as ptrace access does on Linux. With
 * /proc's hidepid, `<pid>/` is closed the same way (`policy`: host mode's).
 */
export function attrOf(n: Node, policy: AccessPolicy | null = null): Attr {
  const a = (mode: number, ino: number, o: Owner = ROOT, nlink = 1): Attr => ({ mode, uid: o.uid, gid: o.gid, ino, size: 0, nlink });
  switch (n.kind) {
    case 'root': return a(S_IFDIR | 0o555, ROOT_INO, ROOT, 2);
    case 'ctl': return a(S_IFREG | 0o600, CTL_INO);
    case 'self-link': return a(S_IFLNK | 0o777, SELF_LINKS[n.name]);
    case 'pid-dir': {
      const d = pidDirAccess(n.task, policy);
      return a(S_IFDIR | d.mode, pidIno(n.task, SLOT.dir), d, 3);
    }
    case 'pid-file': return a(S_IFREG | 0o444, pidIno(n.task, n.file.slot), procOwner(n.task));
    case 'ns-dir': return a(S_IFDIR | 0o500, pidIno(n.task, SLOT.nsDir), nsReader(n.task, policy), 2);
    case 'ns-link': return a(S_IFLNK | 0o777, pidIno(n.task, n.slot), nsReader(n.task, policy));
    case 'snum': return a(S_IFREG | 0o400, pidIno(n.task, n.slot), nsReader(n.task, policy));
    // fs/nsfs.c: a root-owned "regular empty file" whose inode number is the namespace's.
    case 'nsfs': return a(S_IFREG | 0o444, n.ns.inum);
  }
}

/** Directory entries with their attributes, or ENOTDIR. */
export function list(s: ModelState, n: Node): { names: readonly string[]; nodes: Node[] } | KernelError {
  switch (n.kind) {
    case 'root': {
      // One pass over the pid map; it is in allocation order, which is ascending until pids
      // wrap at pid_max, so sorting is needed only then (bench R3: 100k pids per listing).
      const tasks = allTasks(s);
      // self and thread-self come before the pids, as proc_pid_readdir() lists them.
      const links = s.procSelf === null ? [] : SELF_NAMES;
      const names: string[] = [...links];
      const nodes: Node[] = links.map((name): Node => ({ kind: 'self-link', name }));
      let ascending = true;
      let last = 0;
      for (const [pid, task] of tasks) {
        if (pid < last) ascending = false;
        last = pid;
        names.push(String(pid));
        nodes.push({ kind: 'pid-dir', task });
      }
      if (!ascending) {
        const order = [...tasks.keys()].sort((a, b) => a - b);
        names.length = links.length;
        nodes.length = links.length;
        for (const pid of order) {
          names.push(String(pid));
          nodes.push({ kind: 'pid-dir', task: tasks.get(pid)! });
        }
      }
      names.push(CTL_NAME);
      nodes.push({ kind: 'ctl' });
      return { names, nodes };
    }
    case 'pid-dir': {
      const task = n.task;
      const names = task.host ? PID_DIR_NAMES.filter((name) => PID_FILE_BY_NAME.get(name)?.host !== false) : PID_DIR_NAMES;
      const nodes = names.map((name): Node => (name === 'ns' ? { kind: 'ns-dir', task } : { kind: 'pid-file', task, file: PID_FILE_BY_NAME.get(name)! }));
      return { names, nodes };
    }
    case 'ns-dir': {
      if (n.task.host?.nsDenied) return nsDenied(n.task);
      const { list: entries } = entriesOf(s.types);
      return { names: entries.map((e) => e.name), nodes: entries.map((e, i) => entryNode(n.task, e, SLOT.firstEntry + i)) };
    }
    default: return { errno: 'ENOTDIR', detail: 'not a directory' };
  }
}

/**
 * What a `self` link reads: the chosen pid. Linux's `thread-self` reads `PID/task/TID`; a
 * model task is its one thread and the tree has no `task/`, so `thread-self` names the
 * task's own directory, whose files are that thread's.
 */
export function selfLinkText(s: ModelState): string {
  return String(s.procSelf);
}
