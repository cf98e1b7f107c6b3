/**
 * The namespaces alive of one type on one boot, by serial (serial_key.ts). It remembers the
 * last one looked up: every NS_INFO names each type, and most of a busy log's fields name the
 * boot's initial namespaces again and again — one comparison instead of a map lookup.
 */
import type { SerialKey } from './serial_key.js';
import type { Ns } from './state.js';

export class NsTable {
  private readonly byKey = new Map<SerialKey, Ns>();
  private lastKey: SerialKey | null = null;
  private last: Ns | undefined;

  /**
   * @example
   * const t = new NsTable(); t.set(0xc, n); t.get(0xc) === n; // true
   */
  get(key: SerialKey): Ns | undefined {
    if (key === this.lastKey) return this.last;
    const n = this.byKey.get(key);
    if (n !== undefined) { this.lastKey = key; this.last = n; }
    return n;
  }

  set(key: SerialKey, n: Ns): void {
    this.byKey.set(key, n);
    this.lastKey = key;
    this.last = n;
  }

  /** It was freed: a namespace of the same serial later is another one. */
  delete(key: SerialKey): void {
    this.byKey.delete(key);
    if (key === this.lastKey) { this.lastKey = null; this.last = undefined; }
  }
}
