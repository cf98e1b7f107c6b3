/**
 * The fuse-native floor for R2: a control file served with raw fuse-native
 * handlers and nsproc's exact FUSE options, doing as little as a JavaScript
 * handler can — a write answers each line at once (a number for a `clone`
 * line, `ok` for any other), a read hands back the stored answer from a
 * per-open cursor, as nsproc's nsctl does. No model, no audit log. What it
 * costs per command (a write round trip and a read round trip) is what any
 * control file served through fuse-native costs here; nsproc's cost above it
 * is the model, the log and nsproc's own adapter.
 *
 *   node dist/bench/ctl_floor_fs.js MOUNTPOINT
 */
import { fuseOptions } from '../src/procfs/fuse_adapter.js';
import { loadFuseNative, type FuseCb, type FuseStat } from '../src/procfs/fuse_native.js';

const ENOENT = -2;
const EBADF = -9;
const CTL = '/nsctl';

const [mountpoint] = process.argv.slice(2);
if (!mountpoint) {
  process.stderr.write('usage: ctl_floor_fs MOUNTPOINT\n');
  process.exit(2);
}
const time = Date.now();
const stat = (mode: number, ino: number, nlink: number): FuseStat => ({ mode, uid: 0, gid: 0, size: 0, nlink, ino, atime: time, mtime: time, ctime: time });
const ROOT = stat(0o040555, 1, 2);
const FILE = stat(0o100600, 2, 1);
const getattr = (p: string, cb: FuseCb) => (p === '/' ? cb(0, ROOT) : p === CTL ? cb(0, FILE) : cb(ENOENT));
/** Per open file: the answers not read yet. */
const answers = new Map<number, Buffer>();
let nextFh = 1;
let nextPid = 2;

function answer(text: string): Buffer {
  let out = '';
  for (const line of text.split('\n')) if (line !== '') out += line.startsWith('clone') ? `${nextPid++}\n` : 'ok\n';
  return Buffer.from(out);
}

const Fuse = loadFuseNative();
const fuse = new Fuse(mountpoint, {
  getattr,
  fgetattr: (p: string, _fd: number, cb: FuseCb) => getattr(p, cb),
  open: (p: string, _flags: number, cb: FuseCb) => {
    if (p !== CTL) return cb(ENOENT);
    answers.set(nextFh, Buffer.alloc(0));
    return cb(0, nextFh++);
  },
  truncate: (_p: string, _size: number, cb: FuseCb) => cb(0),
  ftruncate: (_p: string, _fd: number, _size: number, cb: FuseCb) => cb(0),
  write: (_p: string, fh: number, buf: Buffer, len: number, _pos: number, cb: FuseCb) => {
    if (!answers.has(fh)) return cb(EBADF);
    answers.set(fh, answer(buf.toString('utf8', 0, len)));
    return cb(len);
  },
  read: (_p: string, fh: number, buf: Buffer, len: number, _pos: number, cb: FuseCb) => {
    const pending = answers.get(fh);
    if (!pending) return cb(EBADF);
    const n = pending.copy(buf, 0, 0, Math.min(len, pending.length));
    answers.set(fh, pending.subarray(n));
    return cb(n);
  },
  release: (_p: string, fh: number, cb: FuseCb) => {
    answers.delete(fh);
    cb(0);
  },
}, { ...fuseOptions({}), fsname: fuseOptions({}).fsname!.replace(/^nsproc/, 'nsctlfloor'), subtype: 'nsctlfloor', force: true });
fuse.mount((err) => {
  if (err) {
    process.stderr.write(`ctl_floor_fs: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write('ctl_floor_fs: mounted\n');
});
const stop = () => fuse.unmount(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
