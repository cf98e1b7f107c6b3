/**
 * Host mode's count of namespaces (the debug socket's `stats`, src/cli/_debug.ts): how many
 * it found at start, how many it saw appear since, and — where the kernel gives ids
 * (NS_GET_ID) — how many it can tell it missed: ids the kernel handed out between two
 * namespaces nsproc saw, which no namespace nsproc saw has.
 *
 * Linux 6.18 takes namespace ids from one counter for all types in per-CPU batches of 4096
 * (include/linux/cookie.h, gen_cookie_next(): each CPU counts up by one through its batch
 * `k*4096+1 … (k+1)*4096`; measured here: ids on one CPU are consecutive across types, the
 * other CPU's are in another batch). So ids are in creation order within a batch only, and a
 * gap is counted there: from the first id seen in a batch after start (what came before it
 * in the batch may be older than nsproc's start) up to the highest seen, the ids nsproc saw
 * nothing of. A lower bound — nothing before the first or after the last sighting in a batch
 * is counted, and on 6.19+ (one counter, no batches) a gap across a multiple of 4096 is not
 * either — but never a guess: every id counted was given to a namespace nsproc never saw (one
 * made and freed between two looks, or held only where nsproc does not look). Pure.
 */
import type { HostBatch } from '../model/host_observation.js';

/** COOKIE_LOCAL_BATCH (include/linux/cookie.h). */
const ID_BATCH = 4096n;

export interface NsCensusStats {
  /** Namespaces alive when host mode started (its snapshot). */
  atStart: number;
  /** Namespaces seen appear since. */
  seen: number;
  /** Ids between namespaces seen since start that no seen namespace has; null without NS_GET_ID. */
  inferredMissed: number | null;
}

interface Batch {
  /** The first id seen in this batch after start: the gaps are counted above it. */
  readonly base: bigint;
  high: bigint;
}

export class NsCensus {
  private readonly atStart: number;
  private readonly ids: boolean;
  private seen = 0;
  private missed = 0;
  private readonly batches = new Map<bigint, Batch>();

  /** @param start the snapshot's batch; its ids say whether the kernel gives ids */
  constructor(start: HostBatch) {
    this.atStart = start.namespaces.length;
    this.ids = start.namespaces.some((n) => n.id !== null);
  }

  get stats(): NsCensusStats {
    return { atStart: this.atStart, seen: this.seen, inferredMissed: this.ids ? this.missed : null };
  }

  /** The namespaces these batches saw for the first time. */
  note(batches: readonly HostBatch[]): void {
    for (const b of batches) {
      for (const n of b.namespaces) {
        this.seen++;
        if (n.id !== null) this.noteId(n.id);
      }
    }
  }

  private noteId(id: bigint): void {
    const key = (id - 1n) / ID_BATCH;
    const b = this.batches.get(key);
    if (!b) return void this.batches.set(key, { base: id, high: id });
    // Below the first sighting: made before it, perhaps before start; not counted either way.
    if (id <= b.base) return;
    if (id > b.high) {
      this.missed += Number(id - b.high - 1n);
      b.high = id;
    } else {
      // Seen late (two namespaces made at once, read the other way round): a gap filled.
      this.missed--;
    }
  }
}
