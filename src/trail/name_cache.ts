/**
 * The short names every line repeats (`node=`'s and `type=`'s values), read from a line in
 * place: the same few names come back a million times, so each is copied out of its chunk once
 * and handed out again. Saves cutting a string per line and hashing it again for each map it
 * is looked up in (V8 keeps a string's hash in the string).
 */
import { keep } from './state.js';

/** Past this many names (a log of garbage names) new ones are copied each time, not kept. */
const MAX_NAMES = 4096;

export class NameCache {
  /** FNV-1a hash of the name → the name (a name whose hash another holds is copied each time). */
  private readonly byHash = new Map<number, string>();

  /**
   * @returns `text` from `start` to `end`, as a string of its own
   * @example
   * new NameCache().name('node=hostA type=NS_INFO', 5, 10); // 'hostA'
   */
  name(text: string, start: number, end: number): string {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    const known = this.byHash.get(h);
    if (known !== undefined && known.length === end - start && text.startsWith(known, start)) return known;
    const s = keep(text.slice(start, end));
    if (known === undefined && this.byHash.size < MAX_NAMES) this.byHash.set(h, s);
    return s;
  }
}
