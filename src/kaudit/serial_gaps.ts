/**
 * Finds kernel audit serials that never arrived. The kernel numbers every event it emits
 * with kernel/audit.c:audit_serial() (32 bits, wrapping, 0 skipped), and the multicast
 * carries every record to every reader — unless one is dropped on the way (the kernel's
 * rate limit after the event was numbered, or this reader's socket buffer full: ENOBUFS).
 * A serial is missing once a higher one has arrived; records of two CPUs arrive slightly
 * out of order, so it counts as lost only when still missing `graceMs` later.
 * Serials before the first one seen are not tracked: they were before this reader.
 * Pure: the caller passes the time.
 */

/** A run of serials that never arrived, as the kernel numbered them. */
export interface Gap {
  readonly first: number;
  readonly last: number;
  readonly count: number;
}

interface Missing {
  /** Unwrapped serials, inclusive. */
  from: number;
  to: number;
  readonly sinceMs: number;
}

const U32 = 0x100000000;

export class SerialGaps {
  /** Highest unwrapped serial seen; null before the first. */
  private high: number | null = null;
  /** Disjoint, sorted by `from`. */
  private missing: Missing[] = [];

  constructor(private readonly graceMs: number) {}

  /** Notes one record's serial (any record of an event). */
  see(serial: number, nowMs: number): void {
    const u = this.unwrap(serial);
    if (this.high === null) {
      this.high = u;
      return;
    }
    if (u > this.high) {
      if (u > this.high + 1) this.missing.push({ from: this.high + 1, to: u - 1, sinceMs: nowMs });
      this.high = u;
      return;
    }
    this.arrived(u);
  }

  /** How many gaps wait out their grace time. */
  get size(): number {
    return this.missing.length;
  }

  /** Gaps missing for `graceMs` or more, oldest first; they are not reported again. */
  take(nowMs: number): Gap[] {
    const out: Gap[] = [];
    this.missing = this.missing.filter((m) => {
      if (nowMs - m.sinceMs < this.graceMs) return true;
      out.push({ first: wrap(m.from), last: wrap(m.to), count: m.to - m.from + 1 });
      return false;
    });
    return out;
  }

  private arrived(u: number): void {
    const i = this.missing.findIndex((m) => m.from <= u && u <= m.to);
    if (i < 0) return; // a repeat, or from before the first serial seen
    const m = this.missing[i]!;
    const parts: Missing[] = [];
    if (m.from < u) parts.push({ from: m.from, to: u - 1, sinceMs: m.sinceMs });
    if (u < m.to) parts.push({ from: u + 1, to: m.to, sinceMs: m.sinceMs });
    this.missing.splice(i, 1, ...parts);
  }

  /**
   * Serials as one rising count across the 32-bit wrap (…, 4294967295, 1, 2, …: 0 is
   * skipped, so each wrap adds 2^32 − 1). A serial far below the highest is after a wrap.
   */
  private unwrap(serial: number): number {
    if (this.high === null) return serial;
    const epoch = Math.floor((this.high - 1) / (U32 - 1));
    let u = serial + epoch * (U32 - 1);
    if (u < this.high - U32 / 2) u += U32 - 1;
    return u;
  }
}

function wrap(u: number): number {
  return ((u - 1) % (U32 - 1)) + 1;
}
