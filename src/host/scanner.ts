/**
 * What the host's /proc shows, turned into observations (HostBatch): the
 * scanning half of host mode, which the worker thread (worker.ts) drives. It keeps
 * what it saw last, so it reports only what changed: new namespaces (with their owner
 * and parent first), new or changed processes, exits, and namespaces the kernel freed.
 * This file follows the processes (what it read of each last; proc_read.ts reads them)
 * and ties the parts together: the known namespaces and the inode rule (ns_registry.ts),
 * what else holds them (holders.ts), when a namespace is looked at again (recheck.ts),
 * and the batches (batch_queue.ts).
 *
 * Where each fact comes from (what `lsns -P` finds too):
 * - processes: `/proc/<pid>/status`, `stat`, `cmdline`, `loginuid`, `sessionid`, `attr/current`, `ns/*`;
 * - namespaces held only by an open file (`/proc/<pid>/fd/*`) or a bind mount
 *   (nsfs lines of `/proc/self/mountinfo`): holders.ts, at the full scans with holders;
 * - owners and parents: NS_GET_USERNS and NS_GET_PARENT on every new namespace;
 * - the container a process is in: `/proc/<pid>/cgroup` (cgroup_container.ts), read with
 *   the process (runtimes put a container's process in its cgroup before its exec), and
 *   compared at the full scans that also look at holders (a process moved without an
 *   exec makes no proc connector event).
 * A namespace is freed once no process holds it and its nsfs file handle fails with ESTALE
 * (Linux 6.18); without handles, once no process, fd, mount or owned/child
 * namespace holds it (SPEC §7). Synchronous: runs in the worker thread.
 */
import type { ErrnoName } from '../model/errno.js';
import type { HostBatch, ObservedProc } from '../model/host_observation.js';
import { profileTypes, type NsName, type Profile } from '../model/nstypes.js';
import { BatchQueue } from './batch_queue.js';
import { nsHolders } from './holders.js';
import { NsRegistry } from './ns_registry.js';
import { probeHandles } from './nsfs.js';
import { linkInum, listPids, readCgroup, readDumpable, readLink, readProcess, readRunTime, readThreads } from './proc_read.js';
import { RecheckSchedule } from './recheck.js';

export interface ScannerOptions {
  readonly profile: Profile;
  /** Use NS_GET_ID (false: the kernel lacks it, or a test pretends so). */
  readonly useIds: boolean;
  /** The daemon's pid: bind mounts are found through its mountinfo. */
  readonly selfPid: number;
}

interface ProcView {
  readonly inums: readonly number[];
  /** Per link entry, its namespace key; null when /proc/<pid>/ns is not readable. */
  readonly keys: readonly string[] | null;
  /** What was last read of it. */
  readonly facts: ObservedProc;
  /** The text of its /proc/<pid>/cgroup as last read ('' for kernel threads and when unreadable). */
  readonly cgroup: string;
  /** Its main thread's CPU time and timeslices when last looked at (proc_read.ts readRunTime). */
  ran: string | null;
}

export interface ScanStats {
  fullScans: number;
  holderScans: number;
  procReads: number;
  overruns: number;
  /** Processes a full scan did not look into: they had not been on a CPU since the last look. */
  idleSkips: number;
}

/** How long a thread's tid is remembered (a kernel-audit rescan of a clone3's child may ask about it later). */
const THREAD_MS = 30_000;

export class Scanner {
  private readonly entries: readonly { readonly entry: string; readonly type: NsName }[];
  private readonly procs = new Map<number, ProcView>();
  /** Namespaces the last holder scan found held by an fd or a bind mount. */
  private extraHeld = new Set<string>();
  private readonly batches = new BatchQueue();
  private readonly recheck = new RecheckSchedule();
  private readonly registry: NsRegistry;
  /** Threads seen lately (fork events, or a tid read), by tid → when: not processes, never in the tree. */
  private readonly threads = new Map<number, number>();
  /** nsfs file handles tell freed namespaces apart (probed once). */
  readonly handles: boolean;
  readonly stats: ScanStats = { fullScans: 0, holderScans: 0, procReads: 0, overruns: 0, idleSkips: 0 };

  constructor(private readonly opts: ScannerOptions, private readonly now: () => number = Date.now) {
    this.entries = profileTypes(opts.profile).linkEntries.map((e) => ({ entry: e.entry, type: e.type.name }));
    this.handles = opts.useIds && probeHandles();
    this.registry = new NsRegistry({ profile: opts.profile, useIds: opts.useIds, handles: this.handles }, this.batches, this.recheck);
  }

  /** Everything: every process, and with `holders` the fds, bind mounts and each process's cgroup too. */
  fullScan(holders: boolean): void {
    this.stats.fullScans++;
    const pids = listPids();
    const present = new Set(pids);
    for (const pid of [...this.procs.keys()]) if (!present.has(pid)) this.markGone(pid);
    for (const pid of pids) {
      const view = this.procs.get(pid);
      if (!view || this.mayHaveChanged(pid, view, holders)) this.readProc(pid);
    }
    // Links of the same inodes as before were trusted: checkCandidates() looks whether their namespaces still live.
    this.registry.trustMembers();
    if (holders) this.scanHolders();
    for (const [tid, at] of this.threads) if (this.now() - at >= THREAD_MS) this.threads.delete(tid);
    this.recheck.fullScan();
    this.checkCandidates();
  }

  /** A process appeared, exec'd, or changed credentials: read it again. */
  readProc(pid: number): void {
    this.stats.procReads++;
    const ran = readRunTime(pid);
    // Namespaces first: once registered (NS_GET_ID read), a namespace is known even if the
    // process exits right after, as a short program exec'd after unshare(1) does.
    const seen = this.readNs(pid);
    if (seen === 'gone') return this.markGone(pid);
    const ns = seen.keys ? this.nsRecord(seen.keys) : null;
    const got = readProcess(pid, ns);
    if (got.kind === 'thread') {
      this.noteThread(pid);
      return this.markGone(pid);
    }
    if (got.kind === 'gone') {
      // Gone meanwhile: its new namespaces still get their records, with the facts last read (at its fork or exec).
      const last = this.procs.get(pid);
      if (last && ns) this.record(pid, { ...last.facts, ns }, seen, last.cgroup, ran);
      return this.markGone(pid);
    }
    this.record(pid, got.facts, seen, got.cgroup, ran);
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
    this.setView(pid, null);
    this.batches.gone(pid);
  }

  /** Namespaces that lost a holder, and those due for a re-check: freed ones are reported. */
  checkCandidates(): void {
    this.checkTrusted();
    const now = this.now();
    let rescannedHolders = false;
    for (const key of this.recheck.due(now)) {
      const k = this.registry.get(key);
      if (!k || k.members > 0) continue;
      const alive = this.registry.alive(k);
      if (alive === 'freed') {
        this.registry.free(k);
        continue;
      }
      if (alive === 'unknown') {
        // Without handles: freed once nothing we can see holds it, after a fresh look at fds and mounts;
        // while something does, it is looked at again at every full scan.
        if (k.related > 0) {
          this.recheck.held(key);
          continue;
        }
        if (!rescannedHolders) {
          this.scanHolders();
          rescannedHolders = true;
        }
        if (this.extraHeld.has(key)) this.recheck.held(key);
        else this.registry.free(k);
        continue;
      }
      this.recheck.alive(key, now);
    }
  }

  /** Milliseconds until a re-check is due (Infinity when none). */
  nextDue(): number {
    return this.recheck.nextDue(this.now());
  }

  /** Whether anything waits to be reported. */
  hasPending(): boolean {
    return this.batches.hasPending();
  }

  /** What changed since the last call, as batches in order. */
  take(): HostBatch[] {
    return this.batches.take();
  }

  /** A full scan after the proc connector lost events (ENOBUFS). */
  overrun(): void {
    this.stats.overruns++;
    this.fullScan(false);
  }

  private record(pid: number, facts: ObservedProc, seen: { inums: number[]; keys: string[] | null }, cgroup: string, ran: string | null): void {
    this.setView(pid, { inums: seen.inums, keys: seen.keys, facts, cgroup, ran });
    this.batches.proc(facts);
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
      const key = inum === null ? null : this.registry.keyOf(`/proc/${pid}/ns/${e.entry}`, e.type, inum, pid);
      if (key === null) return 'gone';
      inums.push(inum!);
      keys.push(key);
    }
    return { inums, keys };
  }

  /** Whether a known process's ns links name other inodes than last time (an unshare or setns without exec). */
  /**
   * Whether a full scan must read `pid` again. Kernel threads make no system calls from user
   * space: once read, their namespaces stay (kdevtmpfs's unshare in drivers/base/devtmpfs.c
   * happens as it starts, before its first read). A process of one thread that has not been on
   * a CPU since it was last looked at made no system call — no unshare, setns or PR_SET_DUMPABLE
   * (which changes its `ns/` owner: model/proc_access.ts) — so its links and owner are as they
   * were: a read of schedstat and a stat instead of ten readlinks and an lstat (39 against 9 µs
   * per process, measured). With more threads, another one may have run (schedstat is the main
   * thread's; dumpability is the whole process's): looked at. The holder scans (worker.ts:
   * every 10th) look at every process anyway, and for a cgroup move, which makes no event and
   * needs no CPU of the process moved.
   */
  private mayHaveChanged(pid: number, view: ProcView, holders: boolean): boolean {
    if (view.facts.kthread) return false;
    // Read before the links: if it runs in between, the next scan sees that it ran.
    const ran = readRunTime(pid);
    if (!holders && ran !== null && ran === view.ran && readThreads(pid) === 1) {
      this.stats.idleSkips++;
      return false;
    }
    view.ran = ran;
    return this.linksChanged(pid, view) || readDumpable(pid, view.facts.creds) !== view.facts.creds.dumpable ||
      (holders && readCgroup(pid) !== view.cgroup);
  }

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
    if (view?.keys) this.registry.join(view.keys);
    if (old?.keys) this.registry.leave(old.keys);
    if (view) this.procs.set(pid, view);
    else this.procs.delete(pid);
  }

  /** Namespaces held by open files of any process, or bind-mounted in the daemon's mount namespace. */
  private scanHolders(): void {
    this.stats.holderScans++;
    const held = new Set<string>();
    const types = new Map(this.entries.map((e) => [e.type as string, e.type]));
    for (const h of nsHolders(this.opts.selfPid)) {
      const type = types.get(h.type);
      const key = type === undefined ? null : this.registry.keyOf(h.path, type, h.inum, h.via);
      if (key !== null) held.add(key);
    }
    this.extraHeld = held;
  }

  /**
   * The inode rule, after the read (ns_registry.ts): a namespace whose nsfs handle fails
   * is freed and can have no members; the processes and holders that named it by its
   * inode are read again, by id — until no inode taken on trust names a freed one.
   */
  private checkTrusted(): void {
    for (let dead = this.registry.untrustFreed(); dead.size > 0; dead = this.registry.untrustFreed()) {
      for (const [pid, view] of [...this.procs]) if (view.keys?.some((key) => dead.has(key))) this.readProc(pid);
      if ([...dead].some((key) => this.extraHeld.has(key))) this.scanHolders();
    }
  }
}

/** readlink of `ns/` refused (proc(5): a ptrace access check): the process is there, its namespaces unknown. */
function unreadable(errno: ErrnoName): boolean {
  return errno === 'EACCES' || errno === 'EPERM';
}
