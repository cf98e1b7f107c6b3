/**
 * With `--kernel-audit`, the host scanner's events wait a moment before they are logged as
 * nsproc's own: the kernel's record of the clone, unshare or setns that caused them may still
 * be on its way (the proc connector reports an exec at once, while the audit record goes
 * through the kauditd thread), and SPEC §8 puts them inside that syscall's event. A kernel
 * event takes ("claims") the held events of its process; the others are logged once held
 * {@link CLAIM_MS}. Order is kept: events leave in the order held, except those claimed,
 * which leave earlier — so an INIT never comes after its namespace's DEL (a DEL is claimed
 * only while its process lives, i.e. when the syscall itself left the namespace). Pure.
 */
import type { ModelEvent } from '../model/events.js';

/** How long a host event waits for the syscall record that explains it. */
export const CLAIM_MS = 50;

interface Held {
  readonly event: ModelEvent;
  readonly atMs: number;
}

export class HeldEvents {
  private items: Held[] = [];

  hold(events: readonly ModelEvent[], nowMs: number): void {
    for (const event of events) this.items.push({ event, atMs: nowMs });
  }

  /**
   * Takes, in order, the held events a clone, unshare or setns of these processes explains:
   * the INITs they made, their NS_INFO, and the DELs of namespaces they left while alive.
   */
  claim(pids: ReadonlySet<number>, alive: (pid: number) => boolean): ModelEvent[] {
    const taken: ModelEvent[] = [];
    // A DEL stays behind an INIT of its namespace that stays held.
    const initsLeft = new Set<bigint>();
    this.items = this.items.filter(({ event: e }) => {
      const mine = e.kind === 'ns-info' ? pids.has(e.pid)
        : e.kind === 'ns-created' ? pids.has(e.actor.pid)
          : e.kind === 'ns-freed' ? pids.has(e.actor.pid) && alive(e.actor.pid) && !initsLeft.has(e.snum) : false;
      if (mine) taken.push(e);
      else if (e.kind === 'ns-created') initsLeft.add(e.snum);
      return !mine;
    });
    return taken;
  }

  /** The events held {@link CLAIM_MS} or longer, with all held before them, in order. */
  due(nowMs: number): ModelEvent[] {
    let n = 0;
    for (let i = 0; i < this.items.length; i++) if (nowMs - this.items[i]!.atMs >= CLAIM_MS) n = i + 1;
    return this.items.splice(0, n).map((h) => h.event);
  }

  /** Everything held (at stop). */
  drain(): ModelEvent[] {
    return this.items.splice(0).map((h) => h.event);
  }
}
