/**
 * The tree's one contract with the kernel's caches. nsproc mounts with long
 * entry and attribute timeouts (fast reads: the kernel answers lookups and
 * stats itself), so every change to what the tree shows must drop what the
 * kernel cached BEFORE the change is acknowledged (SPEC §4, "fresh once
 * acknowledged"). Every path that changes the tree — a control-file write,
 * the rollback of a batch whose log write failed, host mode's rescans — calls
 * {@link TreeInvalidation.invalidate} with the pids it changed and answers its
 * caller only once the returned promise settles.
 *
 * What is cached, and what is dropped (fs/fuse/dir.c, libfuse 2.9):
 * - a task's names and attributes live under the root's dentry `<pid>`;
 *   FUSE_NOTIFY_INVAL_ENTRY(parent 1, "<pid>") unhashes it and prunes every
 *   unused dentry below it (d_invalidate), so the next walk looks it up again.
 *   Nodeid 1 is the only nodeid a libfuse2 high-level file system can name.
 * - names that do not exist are not cached (negative_timeout=0), so a new pid
 *   needs nothing; a reused pid had its old entry dropped when it exited.
 * - the root's listing is never cached (libfuse 2.9 has no cache_readdir) and
 *   its attributes never change (nlink 2, the mount time): nothing to drop there.
 * - busy dentries (a cwd, an open file, or a request in flight below `<pid>/`)
 *   survive d_invalidate, and the next lookup of `<pid>` brings them back: a
 *   directory has one alias, which d_splice_alias() rehashes with its cached
 *   children. So a notified pid that a request names again within the cache
 *   timeout is notified once more ({@link REVIVE_NOTIFY_MS} later, when that
 *   walk has ended), up to {@link REVIVE_NOTIFIES} times; what stays busy longer
 *   ends with the timeouts.
 * The kernel can only hold an entry for a pid whose path some request named,
 * so only those are notified: a clone+exit no reader saw costs no notify.
 */
import type { EntryNotifier } from './notify_writer.js';

/** What a change did to the tree: the tasks whose existence, owner or namespaces changed. */
export interface TreeChange {
  readonly pids: Iterable<number>;
}

/**
 * The default entry and attribute timeouts, in seconds. Long enough that a hot path never
 * looks a name up twice (one re-lookup per name per minute), short enough that what
 * invalidation cannot reach — dentries busy as a cwd or an open file below an exited
 * `<pid>/` — heals within a minute.
 */
export const DEFAULT_CACHE_TIMEOUT = 60;

/** How long a change waits for its notifies before it is acknowledged anyway (see {@link TreeInvalidation.invalidate}). */
export const NOTIFY_WAIT_MS = 5000;

/** How long after a notified pid is named again its next notify waits (the walk that named it has ended by then). */
export const REVIVE_NOTIFY_MS = 50;

/** How many more notifies a pid gets after a change: a reader that keeps its entries busy longer meets the timeouts. */
export const REVIVE_NOTIFIES = 2;

/** A notified pid whose busy entries a lookup may bring back: notifies left, and until when its cached entries can live. */
interface Reviving {
  left: number;
  readonly until: number;
}

export class TreeInvalidation {
  /** Pids the kernel may hold a dentry for: named by a request since their last notify. */
  private readonly mayBeCached = new Set<number>();
  private readonly reviving = new Map<number, Reviving>();
  private readonly renotifies = new Map<number, NodeJS.Timeout>();
  private notifier: EntryNotifier | null = null;
  private cacheMs = DEFAULT_CACHE_TIMEOUT * 1000;

  constructor(private readonly log: (line: string) => void = (l) => void process.stderr.write(`${l}\n`)) {}

  /** A request resolved a path below `/<pid>`: the kernel may now cache that entry. */
  seen(pid: number): void {
    this.mayBeCached.add(pid);
    const r = this.reviving.get(pid);
    if (!r || this.renotifies.has(pid)) return;
    if (Date.now() > r.until) return void this.reviving.delete(pid);
    if (--r.left === 0) this.reviving.delete(pid);
    const timer = setTimeout(() => {
      this.renotifies.delete(pid);
      if (this.notifier && this.mayBeCached.delete(pid)) void this.notify(this.notifier, [String(pid)]);
    }, REVIVE_NOTIFY_MS);
    timer.unref();
    this.renotifies.set(pid, timer);
  }

  /**
   * Starts notifying through `n` (the mount's /dev/fuse writer); null: the kernel caches nothing.
   * @param cacheSeconds the mount's longer timeout: how long an entry the kernel kept can live
   */
  connect(n: EntryNotifier | null, cacheSeconds = DEFAULT_CACHE_TIMEOUT): void {
    this.notifier = n;
    this.cacheMs = cacheSeconds * 1000;
    if (n) return;
    for (const t of this.renotifies.values()) clearTimeout(t);
    this.renotifies.clear();
    this.reviving.clear();
  }

  /**
   * THE invalidation entry point. Drops the kernel's entries for the changed
   * pids it may hold, and settles once the kernel confirmed every notify.
   * Returns null when nothing needs the kernel (the common case of a task no
   * reader looked at), so callers can answer at once.
   *
   * Bounded wait: after {@link NOTIFY_WAIT_MS} the promise settles anyway and a
   * line is logged. The change already happened and is in the audit log, so
   * failing the write would tell its writer something false; the notify stays
   * queued and lands later, and the timeouts bound what a reader could see
   * meanwhile. A notify only waits that long if the kernel holds the root's
   * lock that long, which nsproc's own requests never do (they are answered on
   * the main thread, which stays free while the writer thread waits).
   * @example
   * await tree.invalidate({ pids: batch.changedPids });
   */
  invalidate(change: TreeChange): Promise<void> | null {
    const names: string[] = [];
    for (const pid of change.pids) {
      // Removed before the notify is written: a lookup answered after this sees the new state and is noted again.
      if (this.mayBeCached.delete(pid)) names.push(String(pid));
    }
    if (names.length === 0 || this.notifier === null) return null;
    const now = Date.now();
    for (const [pid, r] of this.reviving) if (now > r.until) this.reviving.delete(pid);
    for (const name of names) this.reviving.set(Number(name), { left: REVIVE_NOTIFIES, until: now + this.cacheMs });
    const notify = this.notify(this.notifier, names);
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.log(`nsproc: the kernel did not confirm dropping its cached entries for pid ${describe(names)} within ${NOTIFY_WAIT_MS} ms; answered the write anyway (the entries expire with the timeouts)`);
        resolve();
      }, NOTIFY_WAIT_MS);
      void notify.finally(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Writes the notifies; settles (never rejects) once the kernel answered, failures logged. */
  private notify(notifier: EntryNotifier, names: readonly string[]): Promise<void> {
    return notifier.invalidateRootEntries(names).then(
      (failures) => {
        for (const f of failures) this.log(`nsproc: dropping the kernel's entry for pid ${f.name} failed (${f.code}); it expires with the timeouts`);
      },
      (e: unknown) => this.log(`nsproc: the cache invalidation thread failed: ${e instanceof Error ? e.message : String(e)}`),
    );
  }
}

function describe(names: readonly string[]): string {
  return names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
}
