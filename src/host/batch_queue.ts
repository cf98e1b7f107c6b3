/**
 * The scanner's observations gathered into {@link HostBatch}es, in order. The model
 * applies a batch's exits before its readings, and its new namespaces before its
 * frees (model/ops/observe.ts), so two rules end a batch early: a process read in
 * this batch that exits, and a key this batch freed that is registered again.
 * Pure.
 */
import type { HostBatch, ObservedNs, ObservedProc } from '../model/host_observation.js';

interface Pending {
  readonly namespaces: ObservedNs[];
  /** By pid: a process read twice in a batch is reported once, as last read. */
  readonly procs: Map<number, ObservedProc>;
  readonly gone: number[];
  readonly freed: string[];
}

const emptyPending = (): Pending => ({ namespaces: [], procs: new Map(), gone: [], freed: [] });

export class BatchQueue {
  private pending = emptyPending();
  /** Ended batches not yet taken. */
  private done: HostBatch[] = [];

  /**
   * A namespace with `key` is being registered (before its owner and parent are): if this
   * batch freed that key (`<type>:<inum>` keys: the kernel gives a freed inode to the next
   * namespace at once), the batch ends, so that the free is applied before the new one.
   */
  registering(key: string): void {
    if (this.pending.freed.includes(key)) this.end();
  }

  /** A namespace seen for the first time (after its owner and parent). */
  namespace(ns: ObservedNs): void {
    this.pending.namespaces.push(ns);
  }

  /** What a process was read to be. */
  proc(facts: ObservedProc): void {
    this.pending.procs.set(facts.pid, facts);
  }

  /** A process exited: if this batch has its last reading, the batch ends first (the two must not land in one batch). */
  gone(pid: number): void {
    if (this.pending.procs.has(pid)) this.end();
    this.pending.gone.push(pid);
  }

  /** The kernel freed the namespace known by `key`. */
  freed(key: string): void {
    this.pending.freed.push(key);
  }

  /** Whether anything waits to be taken. */
  hasPending(): boolean {
    return !this.isEmpty() || this.done.length > 0;
  }

  /**
   * Everything since the last call, as batches in order.
   * @example
   * const q = new BatchQueue();
   * q.freed('uts:4026532300');
   * q.take() // [{ namespaces: [], procs: [], gone: [], freed: ['uts:4026532300'] }]
   */
  take(): HostBatch[] {
    this.end();
    const out = this.done;
    this.done = [];
    return out;
  }

  private isEmpty(): boolean {
    const p = this.pending;
    return p.namespaces.length + p.procs.size + p.gone.length + p.freed.length === 0;
  }

  /** Ends the current batch (kept for {@link take}); nothing when it is empty. */
  private end(): void {
    if (this.isEmpty()) return;
    const p = this.pending;
    this.done.push({ namespaces: p.namespaces, procs: [...p.procs.values()], gone: p.gone, freed: p.freed });
    this.pending = emptyPending();
  }
}
