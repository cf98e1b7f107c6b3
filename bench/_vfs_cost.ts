/**
 * nsproc's own share of a FUSE operation: the Vfs calls libfuse's
 * high-level API makes for one reader operation, run in-process. With
 * attr/entry timeouts 0 a path walk asks GETATTR of every directory on the
 * way (permission checks) and LOOKUP of every component below the root; both
 * become getattr(path) calls. stat+open each walk the path once, then come
 * OPEN, READ and RELEASE; readlink walks once and asks READLINK.
 */
import type { Vfs } from '../src/procfs/vfs.js';

function prefixes(p: string): string[] {
  const parts = p.split('/').filter((x) => x !== '');
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

function walk(vfs: Vfs, p: string): void {
  vfs.getattr('/');
  for (const q of prefixes(p)) {
    vfs.getattr(q); // LOOKUP
    vfs.getattr(q); // GETATTR (permission check, or stat itself)
  }
}

/** Mean µs of the Vfs calls per operation over `paths` (cycled), timed over at least `ms`. */
export function vfsCostUs(vfs: Vfs, mode: 'statread' | 'readlink', paths: readonly string[], ms: number): number {
  const once = (p: string): void => {
    if (mode === 'readlink') {
      const pre = prefixes(p);
      vfs.getattr('/');
      for (const q of pre.slice(0, -1)) { vfs.getattr(q); vfs.getattr(q); }
      vfs.getattr(p);
      vfs.readlink(p);
      return;
    }
    walk(vfs, p);
    walk(vfs, p);
    const fh = vfs.open(p, 0);
    if (typeof fh !== 'number') throw new Error(`open ${p}: ${fh.errno}`);
    vfs.read(fh, 4096, 0);
    vfs.release(fh);
  };
  for (let i = 0; i < 2000; i++) once(paths[i % paths.length]!); // warm up the JIT
  let ops = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 100; i++) once(paths[(ops + i) % paths.length]!);
    ops += 100;
  }
  return ((performance.now() - t0) * 1000) / ops;
}
