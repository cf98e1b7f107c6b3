/**
 * Undo journal. Operations check everything before they change anything, so a
 * failed operation needs no undo; the journal exists for the one failure that
 * comes after: the audit log refusing the batch's records (SPEC §6: "the model
 * is unchanged"). Writes go through these helpers, which record the inverse
 * when a journal is active and cost one null check otherwise.
 */
import type { ModelState } from './state.js';

export class Journal {
  private readonly undo: (() => void)[] = [];

  record(fn: () => void): void {
    this.undo.push(fn);
  }

  /** Undoes every recorded change, last first. */
  rollback(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]!();
    this.undo.length = 0;
  }
}

export function setField<T extends object, K extends keyof T>(s: ModelState, obj: T, key: K, value: T[K]): void {
  if (s.journal) {
    const old = obj[key];
    s.journal.record(() => { obj[key] = old; });
  }
  obj[key] = value;
}

export function mapSet<K, V>(s: ModelState, map: Map<K, V>, key: K, value: V): void {
  if (s.journal) {
    const had = map.has(key);
    const old = map.get(key);
    s.journal.record(() => { if (had) map.set(key, old as V); else map.delete(key); });
  }
  map.set(key, value);
}

export function mapDelete<K, V>(s: ModelState, map: Map<K, V>, key: K): void {
  if (s.journal && map.has(key)) {
    const old = map.get(key) as V;
    s.journal.record(() => { map.set(key, old); });
  }
  map.delete(key);
}

export function setAdd<V>(s: ModelState, set: Set<V>, value: V): void {
  if (s.journal && !set.has(value)) s.journal.record(() => { set.delete(value); });
  set.add(value);
}

export function setDelete<V>(s: ModelState, set: Set<V>, value: V): void {
  if (s.journal && set.has(value)) s.journal.record(() => { set.add(value); });
  set.delete(value);
}
