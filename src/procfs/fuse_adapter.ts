/**
 * Serves a {@link Vfs} over FUSE. This file only translates: every handler
 * calls the Vfs, a returned KernelError becomes `-errno` in {@link reply} (the
 * one place), and a throw becomes EIO with one line on stderr — the daemon
 * goes on. Operations a read-only /proc refuses are answered from
 * {@link READ_ONLY_ERRNO} without asking the Vfs.
 */
import * as posix from 'node:path/posix';
import { errnoNumber, type ErrnoName, type KernelError } from '../model/errno.js';
import { MAX_WRITE, isKernelError, type Attr, type Vfs } from './vfs.js';
import { loadFuseNative, type FuseCb, type FuseNativeOptions, type FuseOps, type FuseStat } from './fuse_native.js';
import { fuseDescriptors, startNotifyWriter, type EntryNotifier } from './notify_writer.js';
import { DEFAULT_CACHE_TIMEOUT } from './tree_invalidation.js';

/** How to mount; every field has the default the product needs. */
export interface MountOptions {
  /** Let other users in (needed for proc-like permissions). Default true. */
  readonly allowOther?: boolean;
  /** The kernel enforces the modes and owners we report (SPEC §4). Default true. */
  readonly defaultPermissions?: boolean;
  /** fusermount removes the mount when the daemon dies, even by SIGKILL. Default true. */
  readonly autoUnmount?: boolean;
  /** Clear a dead ("Transport endpoint is not connected") mount first. Default false. */
  readonly force?: boolean;
  /** Every read reaches the Vfs, so size-0 files read fully. Default true. */
  readonly directIo?: boolean;
  /** The kernel shows our inode numbers (low 32 bits). Default true. */
  readonly useIno?: boolean;
  /**
   * Kernel attribute / name cache in seconds. Default {@link DEFAULT_CACHE_TIMEOUT}: the
   * kernel answers repeated lookups and stats itself, and the tree invalidates what a
   * change makes wrong (tree_invalidation.ts) through {@link MountedFs.notifier}.
   */
  readonly attrTimeout?: number;
  readonly entryTimeout?: number;
  /** atime/mtime/ctime of every file, ms since the epoch. Default: the mount time. */
  readonly startTime?: number;
  /** Where handler failures are logged, one line each. Default: stderr. */
  readonly log?: (line: string) => void;
}

/** A live mount. */
export interface MountedFs {
  readonly mountpoint: string;
  /** Writes cache invalidations to this mount's /dev/fuse; null when nothing is cached (both timeouts 0). */
  readonly notifier: EntryNotifier | null;
  /** The longer of the entry and attribute timeouts, in seconds: how long an entry the kernel kept can live. */
  readonly cacheSeconds: number;
  /** Lazily unmounts (fusermount -uz) and stops serving; safe to call twice. */
  unmount(): Promise<void>;
}

/**
 * What a read-only /proc answers for operations the Vfs contract lacks.
 * Creating a name in a directory without a create op is EACCES
 * (fs/namei.c:lookup_open()); changing anything else is EROFS (SPEC §4).
 */
export const READ_ONLY_ERRNO = {
  create: 'EACCES', mknod: 'EACCES', mkdir: 'EACCES', symlink: 'EACCES', link: 'EACCES',
  unlink: 'EROFS', rmdir: 'EROFS', rename: 'EROFS', chmod: 'EROFS', chown: 'EROFS', utimens: 'EROFS',
} as const satisfies Record<string, ErrnoName>;

/** A handler's answer: the fuse-native callback arguments, or the error. */
type Reply = readonly [number, ...unknown[]] | KernelError;
/** read and write may answer later (a control write waits for its cache invalidations). */
type Answer = Reply | Promise<Reply>;

/**
 * Mounts `vfs` at `mountpoint` and resolves once the kernel has initialised
 * the connection (FUSE_INIT answered).
 * @param vfs the tree to serve
 * @param mountpoint an existing directory
 * @param opts see {@link MountOptions}; the defaults are the product's
 * @returns the mount, to unmount later
 * @example Mounting a tree and unmounting it
 * const fs = await mountVfs(vfs, '/tmp/nsproc', { force: true });
 * await fs.unmount();
 */
export async function mountVfs(vfs: Vfs, mountpoint: string, opts: MountOptions = {}): Promise<MountedFs> {
  const Fuse = loadFuseNative();
  const log = opts.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const fuse = new Fuse(mountpoint, fuseOps(vfs, opts.startTime ?? Date.now(), log), fuseOptions(opts));
  const before = fuseDescriptors();
  await new Promise<void>((resolve, reject) => fuse.mount((err) => (err ? reject(err) : resolve())));
  let notifier: EntryNotifier | null = null;
  let done: Promise<void> | undefined;
  const unmount = () => {
    done ??= new Promise<void>((resolve, reject) => fuse.unmount((err) => (err ? reject(err) : resolve())))
      .finally(() => notifier?.close());
    return done;
  };
  if (cacheTimeout(opts.attrTimeout) > 0 || cacheTimeout(opts.entryTimeout) > 0) {
    // fuse-native keeps libfuse's descriptor to itself: the one that appeared while mounting is this mount's.
    const fds = [...fuseDescriptors()].filter((fd) => !before.has(fd));
    if (fds.length !== 1) {
      await unmount().catch(() => undefined);
      throw new Error(`cannot tell this mount's /dev/fuse descriptor (new ones: ${fds.join(', ') || 'none'}), so cached entries could not be invalidated; mount with --entry-timeout 0 --attr-timeout 0`);
    }
    notifier = startNotifyWriter(fds[0]!);
  }
  return { mountpoint, notifier, cacheSeconds: Math.max(cacheTimeout(opts.attrTimeout), cacheTimeout(opts.entryTimeout)), unmount };
}

function cacheTimeout(t: number | undefined): number {
  return t ?? DEFAULT_CACHE_TIMEOUT;
}

/**
 * libfuse options fuse-native does not expose ride on `fsname`, which it
 * appends as `fsname=…` inside the same `-o` list. Measured: with direct_io a
 * 100 KiB write(2) reaches the Vfs as one call (a control batch) with or
 * without big_writes; a buffer spanning more than 32 pages is split. big_writes
 * keeps that true when direct_io is off (page-cache writes are 4 KiB otherwise).
 *
 * fuse-native options from ours; timeouts as strings because fuse-native drops a numeric 0.
 */
export function fuseOptions(opts: MountOptions): FuseNativeOptions {
  const extra = [
    (opts.useIno ?? true) ? 'use_ino' : undefined,
    (opts.directIo ?? true) ? 'direct_io' : undefined,
    'big_writes',
    `max_write=${MAX_WRITE}`,
    // libfuse's default, said out loud: a name that does not exist is never cached, so a new pid needs no notify.
    'negative_timeout=0',
  ].filter((o) => o !== undefined);
  return {
    allowOther: opts.allowOther ?? true,
    defaultPermissions: opts.defaultPermissions ?? true,
    autoUnmount: opts.autoUnmount ?? true,
    force: opts.force ?? false,
    fsname: ['nsproc', ...extra].join(','),
    subtype: 'nsproc',
    attrTimeout: String(cacheTimeout(opts.attrTimeout)),
    entryTimeout: String(cacheTimeout(opts.entryTimeout)),
    // A control write waits at most NOTIFY_WAIT_MS for its invalidations; fuse-native's 15 s ETIMEDOUT guard is moot.
    timeout: false,
  };
}

function fuseOps(vfs: Vfs, time: number, log: (line: string) => void): FuseOps {
  const stat = (a: Attr): FuseStat => ({
    mode: a.mode, uid: a.uid, gid: a.gid, size: a.size, nlink: a.nlink, ino: a.ino, atime: time, mtime: time, ctime: time,
  });
  const run = (op: string, target: string, cb: FuseCb, body: () => Answer): void => reply(op, target, cb, body, log);
  const getattr = (p: string, cb: FuseCb) => run('getattr', p, cb, () => map(vfs.getattr(p), (a) => [0, stat(a)]));
  const refuse = (op: keyof typeof READ_ONLY_ERRNO) => (p: string, ...rest: unknown[]) =>
    run(op, p, rest[rest.length - 1] as FuseCb, () => ({ errno: READ_ONLY_ERRNO[op], detail: `${op} on nsproc` }));
  return {
    getattr,
    // fuse-native routes fgetattr to getattr(path) without the handle anyway.
    fgetattr: (p, _fd, cb) => getattr(p, cb),
    readdir: (p, cb) => run('readdir', p, cb, () => readdir(vfs, p, stat)),
    readlink: (p, cb) => run('readlink', p, cb, () => map(vfs.readlink(p), (t) => [0, t])),
    // Only asked without default_permissions; then existence is the only check.
    access: (p, _mode, cb) => run('access', p, cb, () => map(vfs.getattr(p), () => [0])),
    // As /proc: no blocks, no inodes to report.
    statfs: (p, cb) => run('statfs', p, cb, () => [0, { bsize: 4096, frsize: 4096, namemax: 255 }]),
    open: (p, flags, cb) => run('open', p, cb, () => map(vfs.open(p, flags), (fh) => [0, fh])),
    // read/write answer with a byte count in the code slot.
    // libfuse's buffer stays valid until the answer, which may come later (a control file's kept line ran).
    read: (p, fh, buf, len, pos, cb) =>
      run('read', p, cb, () => mapLater(vfs.read(fh, len, pos), (data) => [data.copy(buf, 0, 0, Math.min(len, data.length))])),
    // The write buffer is libfuse's memory, valid only during this call: hand the Vfs a copy.
    write: (p, fh, buf, len, pos, cb) =>
      run('write', p, cb, () => mapLater(vfs.write(fh, Buffer.from(buf.subarray(0, len)), pos), (n) => [n])),
    truncate: (p, size, cb) => run('truncate', p, cb, () => map(vfs.truncate(p, size), () => [0])),
    ftruncate: (p, _fd, size, cb) => run('ftruncate', p, cb, () => map(vfs.truncate(p, size), () => [0])),
    release: (p, fh, cb) => run('release', p, cb, () => (vfs.release(fh), [0])),
    create: refuse('create'), mknod: refuse('mknod'), mkdir: refuse('mkdir'), symlink: refuse('symlink'),
    link: refuse('link'), unlink: refuse('unlink'), rmdir: refuse('rmdir'), rename: refuse('rename'),
    chmod: refuse('chmod'), chown: refuse('chown'), utimens: refuse('utimens'),
  };
}

/** Lists a directory with `.` and `..` first (as /proc does) and a stat per name, so d_ino shows. */
function readdir(vfs: Vfs, p: string, stat: (a: Attr) => FuseStat): Reply {
  const listing = vfs.readdir(p);
  if (isKernelError(listing)) return listing;
  const names = [...listing.names];
  const stats = listing.attrs.map(stat);
  if (!names.includes('.')) {
    const self = vfs.getattr(p);
    const parent = vfs.getattr(posix.dirname(p));
    if (isKernelError(self)) return self;
    names.unshift('.', '..');
    stats.unshift(stat(self), stat(isKernelError(parent) ? self : parent));
  }
  return [0, names, stats];
}

function map<T>(v: T | KernelError, f: (v: T) => Reply): Reply {
  return isKernelError(v) ? v : f(v);
}

function mapLater<T>(v: T | KernelError | Promise<T | KernelError>, f: (v: T) => Reply): Answer {
  return v instanceof Promise ? v.then((x) => map(x, f)) : map(v, f);
}

/**
 * The one place a KernelError becomes `-errno`, and where a throw becomes EIO
 * (logged, never fatal: the next request is served as usual).
 */
function reply(op: string, target: string, cb: FuseCb, body: () => Answer, log: (line: string) => void): void {
  let r: Answer;
  try {
    r = body();
  } catch (e) {
    r = failed(op, target, e, log);
  }
  // Closures only for an answer that comes later: every request pays for what it allocates (bench R2).
  if (r instanceof Promise) r.then((x) => send(cb, x), (e: unknown) => send(cb, failed(op, target, e, log)));
  else send(cb, r);
}

function send(cb: FuseCb, r: Reply): void {
  if (isKernelError(r)) cb(-errnoNumber(r.errno));
  else cb(...r);
}

function failed(op: string, target: string, e: unknown, log: (line: string) => void): Reply {
  const why = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  log(`nsproc: ${op} ${target}: internal error, answered EIO: ${why.replace(/\s+/g, ' ')}`);
  return { errno: 'EIO', detail: why };
}
