/**
 * What the host's /proc shows, turned into observations (HostBatch): the
 * scanning half of host mode. It keeps what it saw last, so it reports only
 * what changed: new namespaces (with their owner and parent first), new or
 * changed processes, exits, and namespaces the kernel freed.
 *
 * Where each fact comes from (what `lsns -P` finds too):
 * - processes: `/proc/<pid>/status`, `stat`, `cmdline`, `loginuid`, `sessionid`, `attr/current`, `ns/*`;
 * - namespaces held only by an open file (`/proc/<pid>/fd/*`) or a bind mount
 *   (nsfs lines of `/proc/self/mountinfo`): {@link Scanner.scanHolders};
 * - owners and parents: NS_GET_USERNS and NS_GET_PARENT on every new namespace;
 * - the container a process is in: `/proc/<pid>/cgroup` (cgroup_container.ts), read with
 *   the process (runtimes put a container's process in its cgroup before its exec), and
 *   compared at the full scans that also look at holders (a process moved without an
 *   exec makes no proc connector event).
 * A namespace is known by `id:<hex>` (NS_GET_ID) or, without it, `<type>:<inum>`.
 * It is freed once no process holds it and its nsfs file handle fails with ESTALE
 * (Linux 6.18); without handles, once no process, fd, mount or owned/child
 * namespace holds it (SPEC §7). Synchronous: runs in the worker thread.
 */
import * as fs from 'node:fs';
import type { ErrnoName } from '../model/errno.js';
import type { HostBatch, ObservedNs, ObservedProc } from '../model/host_observation.js';
import { profileTypes, type NsName, type Profile } from '../model/nstypes.js';
import { containerOf } from './cgroup_container.js';
import { closeNsFd, nsAlive, nsGetId, nsInum, nsOwnerUid, nsRelative, probeHandles } from './nsfs.js';
import { linkInum, listPids, parseStatus, readAuditId, readDumpable, readLink, readProcFile, readServedText, readSubj } from './proc_read.js';

export interface ScannerOptions {
  readonly profile: Profile;
  /** Use NS_GET_ID (false: the kernel lacks it, or a test pretends so). */
  readonly useIds: boolean;
  /** The daemon's pid: bind mounts are found through its mountinfo. */
  readonly selfPid: number;
}

interface KnownNs {
  readonly key: string;
  readonly type: NsName;
  readonly flag: number;
  readonly inum: number;
  readonly id: bigint | null;
  readonly ownerKey: string | null;
  readonly parentKey: string | null;
  /** Process slots (`ns/` entries of known processes) naming it. */
  holders: number;
  /** Known namespaces it owns or parents. */
  related: number;
}

interface ProcView {
  readonly inums: readonly number[];
  /** Per link entry, its namespace key; null when /proc/<pid>/ns is not readable. */
  readonly keys: readonly string[] | null;
  /** What was last read of it. */
  readonly facts: ObservedProc;
  /** The text of its /proc/<pid>/cgroup as last read ('' for kernel threads and when unreadable). */
  readonly cgroup: string;
}

export interface ScanStats {
  fullScans: number;
  holderScans: number;
  procReads: number;
  overruns: number;
}

/** How long a thread's tid is remembered (a kernel-audit rescan of a clone3's child may ask about it later). */
const THREAD_MS = 30_000;

/** Re-check delays (ms) for a namespace whose last process went but whose handle still opens (netns cleanup runs later). */
const RECHECK_MS = [10, 50, 200, 1000];

export class Scanner {
  private readonly entries: readonly { readonly entry: string; readonly type: NsName; readonly flag: number }[];
  private readonly known = new Map<string, KnownNs>();
  /** `<type>:<inum>` → key of the live namespace with that inode. */
  private readonly byInum = new Map<string, string>();
  private readonly procs = new Map<number, ProcView>();
  private extraHeld = new Set<string>();
  private readonly candidates = new Set<string>();
  /** Keys that reads took on trust of an inode since the last look (checkTrusted). */
  private readonly trusted = new Set<string>();
  private readonly lingering = new Map<string, { due: number; readonly step: number }>();
  private pending = emptyPending();
  /** Ended batches not yet taken. */
  private done: HostBatch[] = [];
  /** Re-check step of each namespace moved from lingering to candidates. */
  private readonly retry = new Map<string, number>();
  /** Threads seen lately (fork events, or a tid read), by tid → when: not processes, never in the tree. */
  private readonly threads = new Map<number, number>();
  /** nsfs file handles tell freed namespaces apart (probed once). */
  readonly handles: boolean;
  readonly stats: ScanStats = { fullScans: 0, holderScans: 0, procReads: 0, overruns: 0 };

  constructor(private readonly opts: ScannerOptions, private readonly now: () => number = Date.now) {
    this.entries = profileTypes(opts.profile).linkEntries.map((e) => ({ entry: e.entry, type: e.type.name, flag: e.type.flag }));
    this.handles = opts.useIds && probeHandles();
  }

  /** Everything: every process, and with `holders` the fds, bind mounts and each process's cgroup too. */
  fullScan(holders: boolean): void {
    this.stats.fullScans++;
    const pids = listPids();
    const present = new Set(pids);
    for (const pid of [...this.procs.keys()]) if (!present.has(pid)) this.markGone(pid);
    for (const pid of pids) {
      const view = this.procs.get(pid);
      // Kernel threads make no system calls from user space: once read, their namespaces stay
      // (kdevtmpfs's unshare in drivers/base/devtmpfs.c happens as it starts, before its first read).
      // A process moved into another cgroup without an exec makes no event: looked for with the holders
      // (worker.ts: every 10th scan), as one more read per process costs each rescan about a third more.
      // PR_SET_DUMPABLE makes no event either (its `ns/` changes owner: model/proc_access.ts needs it).
      if (!view || (!view.facts.kthread && (this.linksChanged(pid, view) || readDumpable(pid, view.facts.creds) !== view.facts.creds.dumpable ||
        (holders && readCgroup(pid) !== view.cgroup)))) this.readProc(pid);
    }
    // Links of the same inodes as before were trusted: checkCandidates() looks whether their namespaces still live.
    if (this.handles) for (const k of this.known.values()) if (k.holders > 0) this.trusted.add(k.key);
    if (holders) this.scanHolders();
    for (const [tid, at] of this.threads) if (this.now() - at >= THREAD_MS) this.threads.delete(tid);
    for (const l of this.lingering.values()) l.due = 0;
    this.checkCandidates();
  }

  /** A process appeared, exec'd, or changed credentials: read it again. */
  readProc(pid: number): void {
    this.stats.procReads++;
    // Namespaces first: once registered (NS_GET_ID read), a namespace is known even if the
    // process exits right after, as a short program exec'd after unshare(1) does.
    const seen = this.readNs(pid);
    if (seen === 'gone') return this.markGone(pid);
    const text = readProcFile(`/proc/${pid}/status`);
    const st = text.ok ? parseStatus(text.value) : null;
    // A thread read by its tid (a kernel-audit rescan of a clone3's child: pthread_create): no process.
    if (st && st.tgid !== null && st.tgid !== pid) {
      this.noteThread(pid);
      return this.markGone(pid);
    }
    const dumpable = st && !st.dead ? readDumpable(pid, st) : null;
    if (!st || dumpable === null) {
      // Gone meanwhile: its new namespaces still get their records, with the facts last read (at its fork or exec).
      const last = this.procs.get(pid);
      if (last && seen.keys) this.record(pid, { ...last.facts, ns: this.nsRecord(seen.keys) }, seen, last.cgroup);
      return this.markGone(pid);
    }
    // Kernel threads stay in the root cgroup (kthreadd's): not read.
    const cgroup = st.kthread ? '' : readCgroup(pid);
    const facts: ObservedProc = {
      pid, ppid: st.ppid, comm: st.comm, nspid: st.nspid, uid: st.uids[0]!, gid: st.gids[0]!, capEff: st.capEff,
      creds: { uids: st.uids, gids: st.gids, capPrm: st.capPrm, dumpable },
      auid: readAuditId(pid, 'loginuid'), ses: readAuditId(pid, 'sessionid'), subj: readSubj(pid), kthread: st.kthread,
      status: st.lines, stat: readServedText(pid, 'stat'), cmdline: readServedText(pid, 'cmdline'), ns: seen.keys ? this.nsRecord(seen.keys) : null, container: containerOf(cgroup),
    };
    this.record(pid, facts, seen, cgroup);
  }

  private record(pid: number, facts: ObservedProc, seen: { inums: number[]; keys: string[] | null }, cgroup: string): void {
    this.setView(pid, { inums: seen.inums, keys: seen.keys, facts, cgroup });
    this.pending.procs.set(pid, facts);
  }

  private nsRecord(keys: readonly string[]): Record<string, string> {
    return Object.fromEntries(this.entries.map((e, i) => [e.entry, keys[i]!]));
  }

  /** The process's `ns/` links as keys (null keys: EACCES), or 'gone'. */
  private readNs(pid: number): { inums: number[]; keys: string[] | null } | 'gone' {
    const inums: number[] = [];
    const keys: string[] = [];
    for (const e of this.entries) {
      const link = readLink(`/proc/${pid}/ns/${e.entry}`);
      if (!link.ok) return unreadable(link.error.errno) ? { inums: [], keys: null } : 'gone';
      const inum = linkInum(link.value, e.type);
      const key = inum === null ? null : this.keyOf(`/proc/${pid}/ns/${e.entry}`, e.type, inum, pid);
      if (key === null) return 'gone';
      inums.push(inum!);
      keys.push(key);
    }
    return { inums, keys };
  }

  /** A thread was made (the proc connector's fork with a child pid that is not its tgid). */
  noteThread(tid: number): void {
    this.threads.set(tid, this.now());
  }

  /** Whether `tid` was a thread lately (not a process: host mode does not follow threads). */
  isThread(tid: number): boolean {
    return this.threads.has(tid);
  }

  /** A process exited. */
  markGone(pid: number): void {
    if (!this.procs.has(pid)) return;
    // Its last reading and its exit must not land in one batch (exits are applied first).
    if (this.pending.procs.has(pid)) this.flushInto();
    this.setView(pid, null);
    this.pending.gone.push(pid);
  }

  /** Namespaces held by open files of any process, or bind-mounted in the daemon's mount namespace. */
  scanHolders(): void {
    this.stats.holderScans++;
    const held = new Set<string>();
    const types = new Map(this.entries.map((e) => [e.type as string, e]));
    for (const pid of listPids()) {
      let fds: string[];
      try {
        fds = fs.readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        const link = readLink(`/proc/${pid}/fd/${fd}`);
        if (!link.ok) continue;
        const type = nsfsType(link.value);
        const e = type === null ? undefined : types.get(type);
        if (!e) continue;
        const key = this.keyOf(`/proc/${pid}/fd/${fd}`, e.type, linkInum(link.value, e.type)!, pid);
        if (key !== null) held.add(key);
      }
    }
    const mountinfo = readProcFile('/proc/self/mountinfo');
    if (mountinfo.ok) {
      for (const m of nsfsMounts(mountinfo.value)) {
        const e = types.get(m.type);
        if (!e) continue;
        const key = this.keyOf(m.path, e.type, m.inum, this.opts.selfPid);
        if (key !== null) held.add(key);
      }
    }
    this.extraHeld = held;
  }

  /** Namespaces that lost a holder, and those due for a re-check: freed ones are reported. */
  checkCandidates(): void {
    this.checkTrusted();
    const now = this.now();
    for (const [key, l] of this.lingering) {
      if (l.due > now) continue;
      this.lingering.delete(key);
      this.candidates.add(key);
      this.retry.set(key, l.step + 1);
    }
    let rescannedHolders = false;
    for (const key of [...this.candidates]) {
      this.candidates.delete(key);
      const k = this.known.get(key);
      if (!k || k.holders > 0) continue;
      const alive = k.id !== null && this.handles ? nsAlive(k.id, k.flag, k.inum) : 'unknown';
      if (alive === 'freed') {
        this.free(k);
        continue;
      }
      if (alive === 'unknown') {
        // Without handles: freed once nothing we can see holds it, after a fresh look at fds and mounts;
        // while something does, it is looked at again at every full scan.
        if (k.related > 0) {
          this.lingering.set(key, { due: Infinity, step: RECHECK_MS.length });
          continue;
        }
        if (!rescannedHolders) {
          this.scanHolders();
          rescannedHolders = true;
        }
        if (this.extraHeld.has(key)) this.lingering.set(key, { due: Infinity, step: RECHECK_MS.length });
        else this.free(k);
        continue;
      }
      const step = this.retry.get(key) ?? 0;
      this.retry.delete(key);
      // Alive with no process in it: re-checked soon (a freed netns goes after its cleanup work), then at every full scan.
      if (step < RECHECK_MS.length) this.lingering.set(key, { due: now + RECHECK_MS[step]!, step });
      else this.lingering.set(key, { due: Infinity, step });
    }
  }

  /**
   * The kernel hands a freed namespace's inode to the next new one at once, so a link read
   * by its inode since the last look is vouched for only now, after the read: a namespace
   * whose nsfs handle fails (ESTALE) is freed and can have no members. Its inode is then
   * trusted no more, and the processes and holders naming it are read again, by id.
   */
  private checkTrusted(): void {
    while (this.trusted.size > 0) {
      const dead = new Set<string>();
      for (const key of this.trusted) {
        const k = this.known.get(key);
        if (k && k.id !== null && nsAlive(k.id, k.flag, k.inum) === 'freed') dead.add(key);
      }
      this.trusted.clear();
      if (dead.size === 0) return;
      for (const key of dead) {
        const k = this.known.get(key)!;
        if (this.byInum.get(`${k.type}:${k.inum}`) === key) this.byInum.delete(`${k.type}:${k.inum}`);
        this.candidates.add(key);
      }
      for (const [pid, view] of [...this.procs]) if (view.keys?.some((key) => dead.has(key))) this.readProc(pid);
      if ([...dead].some((key) => this.extraHeld.has(key))) this.scanHolders();
    }
  }

  /** Milliseconds until a re-check is due (Infinity when none). */
  nextDue(): number {
    let due = Infinity;
    for (const l of this.lingering.values()) due = Math.min(due, l.due);
    return due === Infinity ? Infinity : Math.max(0, due - this.now());
  }

  /** Whether anything waits to be reported. */
  hasPending(): boolean {
    const p = this.pending;
    return p.namespaces.length + p.procs.size + p.gone.length + p.freed.length > 0 || this.done.length > 0;
  }

  /** What changed since the last call, as batches in order. */
  take(): HostBatch[] {
    this.flushInto();
    const out = this.done;
    this.done = [];
    return out;
  }

  /** Ends the current pending batch (kept for {@link take}). */
  private flushInto(): void {
    const p = this.pending;
    if (p.namespaces.length + p.procs.size + p.gone.length + p.freed.length === 0) return;
    this.done.push({ namespaces: p.namespaces, procs: [...p.procs.values()], gone: p.gone, freed: p.freed });
    this.pending = emptyPending();
  }

  /** Whether a known process's ns links name other inodes than last time (an unshare or setns without exec). */
  private linksChanged(pid: number, view: ProcView): boolean {
    for (let i = 0; i < this.entries.length; i++) {
      const link = readLink(`/proc/${pid}/ns/${this.entries[i]!.entry}`);
      if (!link.ok) return !(view.keys === null && unreadable(link.error.errno));
      if (view.keys === null || linkInum(link.value, this.entries[i]!.type) !== view.inums[i]) return true;
    }
    return false;
  }

  private setView(pid: number, view: ProcView | null): void {
    const old = this.procs.get(pid);
    if (view?.keys) for (const key of view.keys) this.known.get(key)!.holders++;
    if (old?.keys) {
      for (const key of old.keys) {
        const k = this.known.get(key)!;
        if (--k.holders === 0) this.candidates.add(key);
      }
    }
    if (view) this.procs.set(pid, view);
    else this.procs.delete(pid);
  }

  /**
   * The key of the namespace behind `path` (an ns link, an fd, a bind mount) whose
   * link names `type:[inum]`. A live one that a process holds is trusted by its inode
   * (an inode is not reused while the namespace lives; checkTrusted() looks that it still
   * lives, after the read); otherwise the file is opened and
   * asked (NS_GET_ID), so a reused inode is a new namespace. Null when the file is gone.
   */
  private keyOf(path: string, type: NsName, inum: number, via: number): string | null {
    const cached = this.byInum.get(`${type}:${inum}`);
    if (cached !== undefined && (!this.opts.useIds || this.known.get(cached)!.holders > 0)) {
      if (this.handles) this.trusted.add(cached);
      return cached;
    }
    let fd: number;
    try {
      fd = fs.openSync(path, fs.constants.O_RDONLY);
    } catch {
      return null;
    }
    try {
      return this.register(fd, type, via);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Registers the namespace open on `fd` (owner and parent first); returns its key. */
  private register(fd: number, type: NsName, via: number): string {
    const inum = nsInum(fd);
    const got = this.opts.useIds ? nsGetId(fd) : null;
    const id = got?.ok ? got.value : null;
    const key = id !== null ? `id:${id.toString(16)}` : `${type}:${inum}`;
    if (this.known.has(key)) return key;
    // Without NS_GET_ID a key is `<type>:<inum>`, and the kernel gives a freed namespace's inode
    // to the next one at once: a key this batch already freed (or registered, then freed) starts
    // a new batch, so that the model applies the free before the new namespace (model/ops/observe.ts).
    if (this.pending.freed.includes(key)) this.flushInto();
    const ownerKey = this.relative(fd, 'owner', type, via);
    const parentKey = type === 'pid' || type === 'user' ? this.relative(fd, 'parent', type, via) : null;
    const flag = profileTypes(this.opts.profile).byName.get(type)!.flag;
    this.known.set(key, { key, type, flag, inum, id, ownerKey, parentKey, holders: 0, related: 0 });
    for (const r of new Set([ownerKey, parentKey])) if (r !== null) this.known.get(r)!.related++;
    // A stale inode entry (a namespace freed unnoticed) is replaced by the live one.
    this.byInum.set(`${type}:${inum}`, key);
    const obs: ObservedNs = { key, type, inum, id, ownerKey, parentKey, ownerUid: type === 'user' ? nsOwnerUid(fd) : null, via };
    this.pending.namespaces.push(obs);
    // Until a process is seen in it, it is held by what it was found through, or by nothing we watch.
    this.candidates.add(key);
    return key;
  }

  /** NS_GET_USERNS / NS_GET_PARENT, registered; null at the top (EPERM) or where the type has none. */
  private relative(fd: number, which: 'owner' | 'parent', type: NsName, via: number): string | null {
    const r = nsRelative(fd, which);
    if (!r.ok) return null;
    try {
        // An owner is a user namespace; a parent has the child's type.
      return this.register(r.value, which === 'owner' ? 'user' : type, via);
    } finally {
      closeNsFd(r.value);
    }
  }

  private free(k: KnownNs): void {
    this.known.delete(k.key);
    if (this.byInum.get(`${k.type}:${k.inum}`) === k.key) this.byInum.delete(`${k.type}:${k.inum}`);
    this.lingering.delete(k.key);
    this.retry.delete(k.key);
    this.pending.freed.push(k.key);
    for (const r of new Set([k.ownerKey, k.parentKey])) {
      const rel = r === null ? undefined : this.known.get(r);
      if (rel && --rel.related === 0) this.candidates.add(r!);
    }
  }

  /** A full scan after the proc connector lost events (ENOBUFS). */
  overrun(): void {
    this.stats.overruns++;
    this.fullScan(false);
  }
}

/** /proc/<pid>/cgroup's text; '' when it cannot be read (gone, or a kernel without cgroups). */
function readCgroup(pid: number): string {
  const t = readProcFile(`/proc/${pid}/cgroup`);
  return t.ok ? t.value : '';
}

/** readlink of `ns/` refused (proc(5): a ptrace access check): the process is there, its namespaces unknown. */
function unreadable(errno: ErrnoName): boolean {
  return errno === 'EACCES' || errno === 'EPERM';
}

function emptyPending() {
  return { namespaces: [] as ObservedNs[], procs: new Map<number, ObservedProc>(), gone: [] as number[], freed: [] as string[] };
}

/** `net:[4026531993]` → 'net'; null for other link texts (sockets, pipes, files). */
function nsfsType(link: string): string | null {
  const m = /^([a-z]+):\[[0-9]+\]$/.exec(link);
  return m ? m[1]! : null;
}

/** nsfs bind mounts in a mountinfo text (proc(5)): root is `TYPE:[INUM]`, the mount point octal-escaped. */
export function nsfsMounts(text: string): { type: string; inum: number; path: string }[] {
  const out: { type: string; inum: number; path: string }[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0 || !line.slice(sep + 3).startsWith('nsfs ')) continue;
    const f = line.slice(0, sep).split(' ');
    const m = /^([a-z]+):\[([0-9]+)\]$/.exec(f[3] ?? '');
    if (!m) continue;
    out.push({ type: m[1]!, inum: Number(m[2]), path: f[4]!.replace(/\\([0-7]{3})/g, (_x, o: string) => String.fromCharCode(parseInt(o, 8))) });
  }
  return out;
}
