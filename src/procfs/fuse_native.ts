/**
 * The one module that knows how to load fuse-native (2.2.6) and what its API
 * looks like. Loading needs no apt package and no environment variables: the
 * prebuilt addon wants `libfuse.so.2`, which fuse-shared-library-linux ships
 * (see /work/shared/notes/fuse-native.md, "Installing and loading").
 */
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const require = createRequire(import.meta.url);

/** dlfcn.h: keep the library mapped after the (failed) module init. */
const RTLD_NODELETE = 0x1000;

/** Node-style callback that fuse-native hands each handler: `cb(resultOrNegErrno, ...values)`. */
export type FuseCb = (code: number, ...values: unknown[]) => void;

/** The stat fields fuse-native reads; times in milliseconds since the epoch. */
export interface FuseStat {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  nlink: number;
  ino: number;
  atime: number;
  mtime: number;
  ctime: number;
}

/** The statfs fields fuse-native reads. */
export interface FuseStatfs {
  bsize: number;
  frsize: number;
  namemax: number;
}

/** Handlers we implement; fuse-native registers with libfuse only the ones present. */
export interface FuseOps {
  getattr?(path: string, cb: FuseCb): void;
  fgetattr?(path: string, fd: number, cb: FuseCb): void;
  readdir?(path: string, cb: FuseCb): void;
  readlink?(path: string, cb: FuseCb): void;
  access?(path: string, mode: number, cb: FuseCb): void;
  statfs?(path: string, cb: FuseCb): void;
  open?(path: string, flags: number, cb: FuseCb): void;
  read?(path: string, fd: number, buf: Buffer, len: number, pos: number, cb: FuseCb): void;
  write?(path: string, fd: number, buf: Buffer, len: number, pos: number, cb: FuseCb): void;
  truncate?(path: string, size: number, cb: FuseCb): void;
  ftruncate?(path: string, fd: number, size: number, cb: FuseCb): void;
  release?(path: string, fd: number, cb: FuseCb): void;
  create?(path: string, mode: number, cb: FuseCb): void;
  mknod?(path: string, mode: number, dev: number, cb: FuseCb): void;
  unlink?(path: string, cb: FuseCb): void;
  rmdir?(path: string, cb: FuseCb): void;
  mkdir?(path: string, mode: number, cb: FuseCb): void;
  rename?(src: string, dest: string, cb: FuseCb): void;
  link?(src: string, dest: string, cb: FuseCb): void;
  symlink?(src: string, dest: string, cb: FuseCb): void;
  chmod?(path: string, mode: number, cb: FuseCb): void;
  chown?(path: string, uid: number, gid: number, cb: FuseCb): void;
  utimens?(path: string, atime: number, mtime: number, cb: FuseCb): void;
}

/** fuse-native constructor options that we use (see `_fuseOptions` in its index.js). */
export interface FuseNativeOptions {
  allowOther?: boolean;
  defaultPermissions?: boolean;
  autoUnmount?: boolean;
  force?: boolean;
  mkdir?: boolean;
  /** Appended as `fsname=…`: libfuse options fuse-native lacks ride along after commas. */
  fsname?: string;
  subtype?: string;
  /** Strings: fuse-native drops a numeric 0. */
  attrTimeout?: string;
  entryTimeout?: string;
  /** Per-handler timeout in ms before fuse-native answers ETIMEDOUT; false = none. */
  timeout?: number | false;
}

/** A fuse-native mount. */
export interface FuseInstance {
  mount(cb: (err: Error | null) => void): void;
  unmount(cb: (err: Error | null) => void): void;
}

export type FuseConstructor = new (mnt: string, ops: FuseOps, opts: FuseNativeOptions) => FuseInstance;

let loaded: FuseConstructor | undefined;

/** Directory holding the `fusermount` shipped by fuse-shared-library-linux. */
export function fuseBinDir(): string {
  return path.join(libfuseDir(), 'bin');
}

function libfuseDir(): string {
  const pkg = require.resolve('fuse-shared-library-linux/package.json');
  return path.join(path.dirname(pkg), 'libfuse');
}

/**
 * Loads fuse-native once: preloads the shipped libfuse.so (SONAME libfuse.so.2)
 * so the prebuilt addon links against it, and puts the shipped `fusermount`
 * on PATH for unmount, `force` and `autoUnmount`.
 * @returns the fuse-native class
 * @example Loading fuse-native
 * const Fuse = loadFuseNative();
 * const fuse = new Fuse('/tmp/m', { getattr: (p, cb) => cb(-2) }, {});
 */
export function loadFuseNative(): FuseConstructor {
  if (loaded !== undefined) return loaded;
  const lib = path.join(libfuseDir(), 'lib', 'libfuse.so');
  try {
    process.dlopen({ exports: {} }, lib, os.constants.dlopen.RTLD_NOW | RTLD_NODELETE);
  } catch (e) {
    // It is a plain library, not a Node addon: the load succeeds, the init fails.
    if (!(e instanceof Error) || !e.message.includes('did not self-register')) throw e;
  }
  const bin = fuseBinDir();
  const dirs = (process.env['PATH'] ?? '').split(':');
  if (!dirs.includes(bin)) process.env['PATH'] = [bin, ...dirs.filter((d) => d !== '')].join(':');
  loaded = require('fuse-native') as FuseConstructor;
  return loaded;
}
