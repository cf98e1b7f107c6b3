/**
 * The fuse-native floor for R1: serves a bench dump (see _dump.ts) from a
 * Map with fuse-native and nsproc's exact FUSE options, doing as little as a
 * JavaScript handler can (a Map lookup, a prebuilt stat). What it reaches is
 * the most any file system served through fuse-native can reach here; the gap
 * between it and the C baseline is fuse-native's per-request cost.
 *
 *   node dist/bench/floor_fs.js DUMP MOUNTPOINT [ENTRY_TIMEOUT]
 */
import * as fs from 'node:fs';
import { fuseOptions } from '../src/procfs/fuse_adapter.js';
import { loadFuseNative, type FuseCb, type FuseStat } from '../src/procfs/fuse_native.js';

interface Entry { stat: FuseStat; kind: string; content: Buffer; children: string[]; statsOfChildren: FuseStat[] }

const ENOENT = -2;
const EINVAL = -22;

function load(file: string): Map<string, Entry> {
  const map = new Map<string, Entry>();
  const time = Date.now();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const [p, kind, mode, uid, gid, ino, nlink, listed, hex] = line.split('\t') as [string, string, string, string, string, string, string, string, string];
    const stat: FuseStat = {
      mode: parseInt(mode, 8), uid: Number(uid), gid: Number(gid), ino: Number(ino), nlink: Number(nlink), size: 0,
      atime: time, mtime: time, ctime: time,
    };
    map.set(p, { stat, kind, content: Buffer.from(hex, 'hex'), children: [], statsOfChildren: [] });
    if (listed === '1' && p !== '/') {
      const parent = map.get(p.slice(0, p.lastIndexOf('/')) || '/')!;
      parent.children.push(p.slice(p.lastIndexOf('/') + 1));
      parent.statsOfChildren.push(stat);
    }
  }
  return map;
}

const [dumpFile, mountpoint, timeout] = process.argv.slice(2);
// nsproc's entry and attribute timeouts (r1_read.ts passes them), so both get the same round trips.
const mountOpts = { entryTimeout: Number(timeout ?? 0), attrTimeout: Number(timeout ?? 0) };
if (!dumpFile || !mountpoint) {
  process.stderr.write('usage: floor_fs DUMP MOUNTPOINT\n');
  process.exit(2);
}
const tree = load(dumpFile);
const open = new Map<number, Entry>();
let nextFh = 1;
const Fuse = loadFuseNative();
const fuse = new Fuse(mountpoint, {
  getattr: (p: string, cb: FuseCb) => { const e = tree.get(p); return e ? cb(0, e.stat) : cb(ENOENT); },
  fgetattr: (p: string, _fd: number, cb: FuseCb) => { const e = tree.get(p); return e ? cb(0, e.stat) : cb(ENOENT); },
  readlink: (p: string, cb: FuseCb) => { const e = tree.get(p); return e ? cb(0, e.content.toString()) : cb(ENOENT); },
  readdir: (p: string, cb: FuseCb) => {
    const e = tree.get(p);
    if (!e) return cb(ENOENT);
    return cb(0, ['.', '..', ...e.children], [e.stat, e.stat, ...e.statsOfChildren]);
  },
  open: (p: string, _flags: number, cb: FuseCb) => {
    const e = tree.get(p);
    if (!e) return cb(ENOENT);
    const fh = nextFh++;
    open.set(fh, e);
    return cb(0, fh);
  },
  read: (_p: string, fh: number, buf: Buffer, len: number, pos: number, cb: FuseCb) => {
    const e = open.get(fh);
    if (!e || e.kind === 'n') return cb(EINVAL);
    return cb(e.content.copy(buf, 0, pos, Math.min(pos + len, e.content.length)));
  },
  release: (_p: string, fh: number, cb: FuseCb) => { open.delete(fh); cb(0); },
}, { ...fuseOptions(mountOpts), fsname: fuseOptions(mountOpts).fsname!.replace(/^nsproc/, 'nsfloor'), subtype: 'nsfloor', force: true });
fuse.mount((err) => {
  if (err) {
    process.stderr.write(`floor_fs: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`floor_fs: mounted ${tree.size} nodes\n`);
});
const stop = () => fuse.unmount(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
