/**
 * With `--kernel-audit`, the host scanner's events wait a moment before they are logged as
 * nsproc's own: the kernel's record of the clone, unshare or setns that caused them may still
 * be on its way (the proc connector reports an exec at once, while the audit record goes
 * through the kauditd thread), and SPEC §8 puts them inside that syscall's event. A kernel
 * event takes ("claims") the held events of its process; the others are logged once the
 * kernel's stream has caught up with them ({@link CLAIM_MS}, {@link MAX_HOLD_MS}). Order is kept: events leave in the order held, except those claimed,
 * which leave earlier — so an INIT never comes after its namespace's DEL. Pure.
 */
import type { ModelEvent } from '../model/events.js';

/**
 * A host event waits until the reader has passed on every kernel record it received up to
 * CLAIM_MS after the event (the kauditd thread's delay): the record that explains it
 * would be among them.
 */
export const CLAIM_MS = 50;
/** …and never longer than this (a reader that never catches up). */
export const MAX_HOLD_MS = 1000;

interface Held {
  readonly event: ModelEvent;
  readonly atMs: number;
}

export class HeldEvents {
  private items: Held[] = [];

  get size(): number {
    return this.items.length;
  }

  hold(events: readonly ModelEvent[], nowMs: number): void {
    for (const event of events) this.items.push({ event, atMs: nowMs });
  }

  /**
   * Takes, in order, the held events a clone, unshare or setns explains: those `mine` picks,
   * except a DEL behind a held INIT of its namespace that stays (it must not come first).
   * @param mine whether the syscall explains this event (kernel_audit.ts: {@link explains})
   */
  claim(mine: (e: ModelEvent) => boolean): ModelEvent[] {
    const taken: ModelEvent[] = [];
    const initsLeft = new Set<bigint>();
    this.items = this.items.filter(({ event: e }) => {
      const take = mine(e) && !(e.kind === 'ns-freed' && initsLeft.has(e.snum));
      if (take) taken.push(e);
      else if (e.kind === 'ns-created') initsLeft.add(e.snum);
      return !take;
    });
    return taken;
  }

  /**
   * The events no kernel event can claim any more, with all held before them, in order.
   * @param nowMs the time now
   * @param throughMs the reader has passed on every kernel record it received until then
   */
  due(nowMs: number, throughMs: number): ModelEvent[] {
    let n = 0;
    for (let i = 0; i < this.items.length; i++) {
      const at = this.items[i]!.atMs;
      if (at + CLAIM_MS <= throughMs || nowMs - at >= MAX_HOLD_MS) n = i + 1;
    }
    return this.items.splice(0, n).map((h) => h.event);
  }

  /**
   * The held events up to and including the last held INIT of any of these serials, in order:
   * a record about to be logged names them, and a serial's INIT comes before any other record
   * of it (a kernel event's NS_INFO may name a namespace whose INIT waits here, made by an
   * earlier syscall that no event claimed it for).
   */
  through(snums: ReadonlySet<bigint>): ModelEvent[] {
    let n = 0;
    for (let i = 0; i < this.items.length; i++) {
      const e = this.items[i]!.event;
      if (e.kind === 'ns-created' && snums.has(e.snum)) n = i + 1;
    }
    return this.items.splice(0, n).map((h) => h.event);
  }

  /** Everything held (at stop). */
  drain(): ModelEvent[] {
    return this.items.splice(0).map((h) => h.event);
  }
}
