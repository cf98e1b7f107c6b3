/**
 * Undo journal. Operations check everything before they change anything, so a
 * failed operation needs no undo; the journal exists for the one failure that
 * comes after: the audit log refusing the batch's records (SPEC §6: "the model
 * is unchanged"). Host observations (ops/observe.ts) check nothing first, so
 * theirs undoes a batch that throws halfway. Writes go through these helpers,
 * which record the inverse when a journal is active and cost one null check
 * otherwise.
 *
 * A record is four slots of one flat array (what to undo, on what, key, old
 * value), not a closure: a 1000-command batch makes tens of thousands of
 * records that live until the batch ends, and as closures they were a third
 * of the batch's young-generation GC time (bench R2, --trace-gc).
 */
import type { ModelState } from './state.js';

/** What a record undoes; its other slots are target, key and value. */
const FIELD = 0; // target[key] = value
const MAP_SET = 1; // target.set(key, value)
const MAP_DELETE = 2; // target.delete(key)
const SET_ADD = 3; // target.add(key)
const SET_DELETE = 4; // target.delete(key)
const CALL = 5; // target()

export class Journal {
  /** Records of four slots each, oldest first. */
  private readonly undo: unknown[] = [];

  /** Records an arbitrary inverse (the inode allocator's heap uses this). */
  record(fn: () => void): void {
    this.push(CALL, fn, undefined, undefined);
  }

  /** One record; for the helpers below. */
  push(op: number, target: unknown, key: unknown, value: unknown): void {
    const u = this.undo;
    const n = u.length;
    u[n] = op;
    u[n + 1] = target;
    u[n + 2] = key;
    u[n + 3] = value;
  }

  /**
   * Calls `f` for every recorded change of a field or map entry, oldest first, with the value
   * it had before (undefined: a map entry that did not exist). The first call for a target and
   * key thus gives its value before the batch.
   */
  forEachChange(f: (target: unknown, key: unknown, before: unknown) => void): void {
    const u = this.undo;
    for (let i = 0; i < u.length; i += 4) {
      const op = u[i];
      if (op === FIELD || op === MAP_SET || op === MAP_DELETE) f(u[i + 1], u[i + 2], op === MAP_DELETE ? undefined : u[i + 3]);
    }
  }

  /** Undoes every recorded change, last first. */
  rollback(): void {
    const u = this.undo;
    for (let i = u.length - 4; i >= 0; i -= 4) {
      const target = u[i + 1];
      const key = u[i + 2];
      switch (u[i]) {
        case FIELD: (target as Record<PropertyKey, unknown>)[key as PropertyKey] = u[i + 3]; break;
        case MAP_SET: (target as Map<unknown, unknown>).set(key, u[i + 3]); break;
        case MAP_DELETE: (target as Map<unknown, unknown>).delete(key); break;
        case SET_ADD: (target as Set<unknown>).add(key); break;
        case SET_DELETE: (target as Set<unknown>).delete(key); break;
        case CALL: (target as () => void)(); break;
      }
    }
    u.length = 0;
  }
}

export function setField<T extends object, K extends keyof T>(s: ModelState, obj: T, key: K, value: T[K]): void {
  if (s.journal) s.journal.push(FIELD, obj, key, obj[key]);
  obj[key] = value;
}

export function mapSet<K, V>(s: ModelState, map: Map<K, V>, key: K, value: V): void {
  if (s.journal) {
    // One lookup for an entry that holds a value (host mode rewrites thousands a second).
    const old = map.get(key);
    if (old !== undefined || map.has(key)) s.journal.push(MAP_SET, map, key, old);
    else s.journal.push(MAP_DELETE, map, key, undefined);
  }
  map.set(key, value);
}

export function mapDelete<K, V>(s: ModelState, map: Map<K, V>, key: K): void {
  if (s.journal && map.has(key)) s.journal.push(MAP_SET, map, key, map.get(key));
  map.delete(key);
}

export function setAdd<V>(s: ModelState, set: Set<V>, value: V): void {
  if (s.journal && !set.has(value)) s.journal.push(SET_DELETE, set, value, undefined);
  set.add(value);
}

export function setDelete<V>(s: ModelState, set: Set<V>, value: V): void {
  if (s.journal && set.has(value)) s.journal.push(SET_ADD, set, value, undefined);
  set.delete(value);
}
