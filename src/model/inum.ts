/**
 * Inode numbers for non-initial namespaces: lowest free number from
 * PROC_DYNAMIC_FIRST (0xF0000000), a freed number handed out again
 * (fs/proc/generic.c:proc_alloc_inum() on an ida). O(log n) per call:
 * a min-heap of freed numbers below a high-water mark.
 */
import type { Journal } from './journal.js';

export const PROC_DYNAMIC_FIRST = 0xf0000000;
/** The kernel shows only 32 bits of an inode number here (FUSE stat slot, proc inums are unsigned int). */
export const INUM_LIMIT = 0x100000000;

export class InumAllocator {
  /** Never handed out at or above this. */
  private next = PROC_DYNAMIC_FIRST;
  private readonly freed: number[] = [];

  /** How many more numbers can be handed out. */
  available(): number {
    return INUM_LIMIT - this.next + this.freed.length;
  }

  alloc(journal: Journal | null): number {
    if (this.freed.length > 0) {
      const n = heapPop(this.freed);
      journal?.record(() => heapPush(this.freed, n));
      return n;
    }
    const n = this.next++;
    journal?.record(() => { this.next--; });
    return n;
  }

  free(inum: number, journal: Journal | null): void {
    heapPush(this.freed, inum);
    journal?.record(() => heapRemove(this.freed, inum));
  }

  /** For dumps: the allocator's observable state. */
  snapshot(): { next: number; freed: number[] } {
    return { next: this.next, freed: [...this.freed].sort((a, b) => a - b) };
  }
}

function heapPush(h: number[], v: number): void {
  h.push(v);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p]! <= v) break;
    h[i] = h[p]!;
    i = p;
  }
  h[i] = v;
}

function heapPop(h: number[]): number {
  const top = h[0]!;
  const last = h.pop()!;
  if (h.length > 0) siftDown(h, 0, last);
  return top;
}

function siftDown(h: number[], start: number, v: number): void {
  let i = start;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= h.length) break;
    const c = l + 1 < h.length && h[l + 1]! < h[l]! ? l + 1 : l;
    if (h[c]! >= v) break;
    h[i] = h[c]!;
    i = c;
  }
  h[i] = v;
}

/** Rollback only (rare): O(n). */
function heapRemove(h: number[], v: number): void {
  const i = h.indexOf(v);
  if (i < 0) return;
  const last = h.pop()!;
  if (i === h.length) return;
  h[i] = last;
  // Restore order both ways.
  let j = i;
  while (j > 0 && h[(j - 1) >> 1]! > h[j]!) {
    const p = (j - 1) >> 1;
    [h[p], h[j]] = [h[j]!, h[p]!];
    j = p;
  }
  siftDown(h, j, h[j]!);
}
