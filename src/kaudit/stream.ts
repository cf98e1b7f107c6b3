/**
 * The reader thread's bookkeeping, pure: records in, whole events and losses out.
 * Every record's serial goes to the gap finder; records become events (assembler.ts);
 * the kernel's lost counter (AUDIT_GET) is compared with its last value. Losses are
 * reported as {@link Lost} values, one per cause, never dropped silently.
 */
import { EventAssembler, type KernelEvent } from './assembler.js';
import type { KernelRecord } from './record.js';
import { SerialGaps } from './serial_gaps.js';

/** An event ends after this much quiet without EOE (see assembler.ts): auditd's end_of_event_timeout default. */
export const EVENT_QUIET_MS = 2000;
/** A serial missing this long after a higher one arrived is lost (see serial_gaps.ts). */
export const GAP_GRACE_MS = 1000;

/** Kernel events nsproc did not get, by cause (the NSPROC_KERNEL_LOST record's fields). */
export type Lost =
  /** Serials that never arrived: `first`…`last`, `count` of them. */
  | { readonly reason: 'gap'; readonly first: number; readonly last: number; readonly count: number }
  /** The kernel's own lost counter rose by `count` (to `total`): records it dropped before anyone got them. */
  | { readonly reason: 'kernel_lost'; readonly count: number; readonly total: number }
  /** recv(2) failed with ENOBUFS: this reader's socket buffer was full; the gap that follows says which. */
  | { readonly reason: 'overrun' };

export class KernelStream {
  private readonly assembler = new EventAssembler(EVENT_QUIET_MS);
  private readonly gaps = new SerialGaps(GAP_GRACE_MS);
  private events: KernelEvent[] = [];
  private lost: Lost[] = [];
  private lastLost: number | null = null;
  /** The highest kernel serial seen, or null. */
  high: number | null = null;

  records(rs: readonly KernelRecord[], nowMs: number): void {
    for (const r of rs) {
      this.gaps.see(r.serial, nowMs);
      if (this.high === null || r.serial > this.high) this.high = r.serial;
      const done = this.assembler.add(r, nowMs);
      if (done) this.events.push(done);
    }
  }

  overrun(): void {
    this.lost.push({ reason: 'overrun' });
  }

  /** The kernel's lost counter from AUDIT_GET: the first value is the baseline. */
  kernelLost(total: number): void {
    if (this.lastLost !== null && total > this.lastLost) this.lost.push({ reason: 'kernel_lost', count: total - this.lastLost, total });
    this.lastLost = total;
  }

  /** Ends quiet events and reports gaps that outlived their grace time. */
  tick(nowMs: number): void {
    this.events.push(...this.assembler.expire(nowMs));
    for (const g of this.gaps.take(nowMs)) this.lost.push({ reason: 'gap', ...g });
  }

  /** Ends every open event (at stop). */
  drain(): void {
    this.events.push(...this.assembler.drain());
  }

  /** Whether an event or a gap is open: {@link tick} has work to do later. */
  get open(): boolean {
    return this.assembler.size > 0 || this.gaps.size > 0;
  }

  get pending(): number {
    return this.events.length + this.lost.length;
  }

  take(): { events: KernelEvent[]; lost: Lost[] } {
    const out = { events: this.events, lost: this.lost };
    this.events = [];
    this.lost = [];
    return out;
  }
}
