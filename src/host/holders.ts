/**
 * What holds a namespace besides a process in it (what `lsns -P` finds too): an open
 * file of any process (`/proc/<pid>/fd/*`), or a bind mount, an nsfs line of the
 * daemon's `/proc/self/mountinfo`. Synchronous: runs in the scanning worker thread.
 */
import * as fs from 'node:fs';
import { listPids, readLink, readProcFile } from './proc_read.js';

/** A file that holds a namespace: open it to reach the namespace. */
export interface NsHolder {
  /** `/proc/<pid>/fd/<fd>` or the bind mount's mount point. */
  readonly path: string;
  /** The `TYPE` of its `TYPE:[INUM]` (any type the kernel has: the caller keeps those it knows). */
  readonly type: string;
  readonly inum: number;
  /** The process it was found through: the fd's owner, or `selfPid` for a mount. */
  readonly via: number;
}

const NSFS_NAME = /^([a-z]+):\[([0-9]+)\]$/;

/**
 * An nsfs file's name, as an fd's link and a bind mount's root show it.
 * @example
 * nsfsName('net:[4026531993]') // { type: 'net', inum: 4026531993 }
 * nsfsName('socket:[81234]')   // { type: 'socket', … }: the caller keeps the types it knows
 * nsfsName('/dev/null')        // null
 */
export function nsfsName(text: string): { type: string; inum: number } | null {
  const m = NSFS_NAME.exec(text);
  return m ? { type: m[1]!, inum: Number(m[2]) } : null;
}

/**
 * The nsfs bind mounts of a mountinfo text (proc(5)): fields before ` - `, then the
 * file system type; an nsfs mount's root (field 4) is `TYPE:[INUM]`, its mount point
 * (field 5) octal-escaped (`\040` a space, `\011` a tab, `\012` a newline, `\134` a backslash).
 * @example
 * nsfsMounts('612 29 0:4 net:[4026532285] /run/netns/a\\040b rw - nsfs nsfs rw\n')
 * // [{ type: 'net', inum: 4026532285, path: '/run/netns/a b' }]
 */
export function nsfsMounts(text: string): { type: string; inum: number; path: string }[] {
  const out: { type: string; inum: number; path: string }[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0 || !line.slice(sep + 3).startsWith('nsfs ')) continue;
    const f = line.slice(0, sep).split(' ');
    const name = nsfsName(f[3] ?? '');
    if (!name) continue;
    out.push({ ...name, path: f[4]!.replace(/\\([0-7]{3})/g, (_x, o: string) => String.fromCharCode(parseInt(o, 8))) });
  }
  return out;
}

/**
 * Every namespace file open in a process, then every nsfs bind mount in the daemon's
 * mount namespace, each handed out as it is found: the caller opens it before the next
 * is read, while it is still there.
 * @param selfPid the daemon's pid, the `via` of a mount
 */
export function* nsHolders(selfPid: number): Generator<NsHolder> {
  for (const pid of listPids()) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      const path = `/proc/${pid}/fd/${fd}`;
      const link = readLink(path);
      const name = link.ok ? nsfsName(link.value) : null;
      if (name) yield { path, ...name, via: pid };
    }
  }
  const mountinfo = readProcFile('/proc/self/mountinfo');
  if (mountinfo.ok) for (const m of nsfsMounts(mountinfo.value)) yield { ...m, via: selfPid };
}
