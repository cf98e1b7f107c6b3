/**
 * When host mode looks again whether a namespace was freed. A namespace becomes a
 * candidate when it may have gone (its last process left, it was just found, what it
 * owned went); each check takes the candidates then. One still alive with no process
 * in it lingers: it is looked at again after each of {@link RECHECK_MS} (a freed netns
 * goes after its cleanup work, later), then at every full scan only. One that
 * something we cannot follow holds is looked at at every full scan. Pure: the clock is
 * an argument.
 */

/** Re-check delays (ms) for a namespace whose last process went but whose handle still opens (netns cleanup runs later). */
export const RECHECK_MS: readonly number[] = [10, 50, 200, 1000];

interface Lingering {
  /** When it is looked at again (ms, the caller's clock); Infinity: at the next full scan. */
  due: number;
  /** Its place in {@link RECHECK_MS}; RECHECK_MS.length once the delays are used up. */
  readonly step: number;
}

export class RecheckSchedule {
  private readonly candidates = new Set<string>();
  private readonly lingering = new Map<string, Lingering>();
  /** The step of each namespace moved from lingering to the candidates: the next delay, should it still be alive. */
  private readonly retry = new Map<string, number>();

  /** `key` may have been freed: it is looked at by the next check. */
  add(key: string): void {
    this.candidates.add(key);
  }

  /**
   * The keys to look at now: the candidates and the lingering ones due by `now`, each
   * taken as it is handed out (one made a candidate meanwhile waits for the next check).
   * @example
   * const s = new RecheckSchedule();
   * s.add('id:1');
   * [...s.due(0)] // ['id:1']; then [...s.due(0)] is []
   */
  *due(now: number): Generator<string> {
    for (const [key, l] of this.lingering) {
      if (l.due > now) continue;
      this.lingering.delete(key);
      this.candidates.add(key);
      this.retry.set(key, l.step + 1);
    }
    for (const key of [...this.candidates]) {
      this.candidates.delete(key);
      yield key;
    }
  }

  /** `key` was alive with no process in it at `now`: looked at again after its next delay, once they are used up at every full scan. */
  alive(key: string, now: number): void {
    const step = this.retry.get(key) ?? 0;
    this.retry.delete(key);
    this.lingering.set(key, { due: step < RECHECK_MS.length ? now + RECHECK_MS[step]! : Infinity, step });
  }

  /** Something nsproc cannot follow holds `key` (an fd, a bind mount, a namespace it owns): looked at at every full scan. */
  held(key: string): void {
    this.lingering.set(key, { due: Infinity, step: RECHECK_MS.length });
  }

  /** A full scan: every lingering namespace is due. */
  fullScan(): void {
    for (const l of this.lingering.values()) l.due = 0;
  }

  /** `key` was freed: never looked at again. */
  forget(key: string): void {
    this.lingering.delete(key);
    this.retry.delete(key);
  }

  /** Milliseconds from `now` until a lingering namespace is due (Infinity when none is). */
  nextDue(now: number): number {
    let due = Infinity;
    for (const l of this.lingering.values()) due = Math.min(due, l.due);
    return due === Infinity ? Infinity : Math.max(0, due - now);
  }
}
