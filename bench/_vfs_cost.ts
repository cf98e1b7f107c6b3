/**
 * nsproc's own share of a FUSE operation: the Vfs calls libfuse's
 * high-level API makes for one reader operation once the kernel's caches
 * hold the path (what R1 measures: the rtt rows show 4 and 1 round trips),
 * run in-process. stat+open+read+close is a GETATTR (the kernel marks atime
 * stale after every direct_io read), OPEN, READ and RELEASE; a readlink is
 * one READLINK.
 */
import type { Vfs } from '../src/procfs/vfs.js';

/** Mean µs of the Vfs calls per operation over `paths` (cycled), timed over at least `ms`. */
export function vfsCostUs(vfs: Vfs, mode: 'statread' | 'readlink', paths: readonly string[], ms: number): number {
  const once = (p: string): void => {
    if (mode === 'readlink') {
      vfs.readlink(p);
      return;
    }
    vfs.getattr(p);
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
