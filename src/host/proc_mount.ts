/**
 * The options of the `/proc` host mode reads (proc(5)): `hidepid=` and `gid=` say who
 * may see whose `<pid>/`, and the tree follows them (model/proc_access.ts).
 */
import type { ProcMountOptions } from '../model/proc_access.js';

/** fs/proc/root.c: hidepid= as a word (Linux 5.8+) or a number (before). */
const HIDEPID: Readonly<Record<string, ProcMountOptions['hidepid']>> = {
  0: 0, off: 0, 1: 1, noaccess: 1, 2: 2, invisible: 2, 4: 4, ptraceable: 4,
};

/**
 * The options of the proc mount on `/proc` in a mountinfo text: the last one listed there,
 * the one on top (a mount is listed after the one it covers).
 * @example
 * procMountOptions('78 54 0:46 / /proc rw,relatime - proc proc rw,gid=4,hidepid=invisible\n')
 * // { hidepid: 2, gid: 4 }
 */
export function procMountOptions(mountinfo: string): ProcMountOptions {
  let found: ProcMountOptions = { hidepid: 0, gid: null };
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (f[4] !== '/proc' || dash < 0) continue;
    // Every mount on /proc counts: one of another type covers the proc below it.
    found = { hidepid: 0, gid: null };
    if (f[dash + 1] !== 'proc') continue;
    let hidepid: ProcMountOptions['hidepid'] = 0;
    let gid: number | null = null;
    for (const o of (f[dash + 3] ?? '').split(',')) {
      const [k, v = ''] = o.split('=');
      if (k === 'hidepid') hidepid = HIDEPID[v] ?? 0;
      if (k === 'gid' && /^[0-9]+$/.test(v)) gid = Number(v);
    }
    found = { hidepid, gid };
  }
  return found;
}
