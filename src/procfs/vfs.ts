/**
 * The contract between the tree (paths → nodes over the model) and the FUSE
 * adapter. The adapter only translates: a {@link KernelError} becomes
 * `-errno`, a throw becomes EIO. Open-file state (per-open snapshots, the
 * control file's pending answers) lives behind this interface, not in FUSE code.
 */
import type { KernelError } from '../model/errno.js';

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

export interface Attr {
  /** File type bits and permission bits, e.g. S_IFREG | 0o400. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Reported with `use_ino`; the kernel keeps the low 32 bits. */
  readonly ino: number;
  readonly size: number;
  readonly nlink: number;
}

export interface DirListing {
  readonly names: readonly string[];
  /** Same length as names: lets readdir report d_ino (use_ino). */
  readonly attrs: readonly Attr[];
}

export interface Vfs {
  getattr(path: string): Attr | KernelError;
  readdir(path: string): DirListing | KernelError;
  readlink(path: string): string | KernelError;
  /** Returns a file handle ≥ 1. `flags` are open(2) flags. */
  open(path: string, flags: number): number | KernelError;
  /** A promise when the answer must wait (a control file's kept line ran: see write). */
  read(fh: number, length: number, position: number): Buffer | KernelError | Promise<Buffer | KernelError>;
  /**
   * Returns the number of bytes taken (all of them) or the error for the whole write; a
   * promise when the kernel's caches must be invalidated first (tree_invalidation.ts).
   */
  write(fh: number, data: Buffer, position: number): number | KernelError | Promise<number | KernelError>;
  truncate(path: string, size: number): void | KernelError;
  release(fh: number): void;
}

/**
 * The answer of a read or write that cannot wait: a Vfs with no kernel cache to invalidate
 * (in-process dumps and tests) answers at once, and a promise here is a bug.
 */
export function answeredNow<T>(v: T | Promise<T>): T {
  if (v instanceof Promise) throw new Error('the Vfs answered later, but this caller has no mount to wait for');
  return v;
}

export function isKernelError(v: unknown): v is KernelError {
  return typeof v === 'object' && v !== null && 'errno' in v && 'detail' in v;
}

/**
 * The largest single write the kernel passes to the daemon (the adapter mounts
 * with big_writes,max_write=MAX_WRITE); a larger write(2) arrives in pieces of
 * exactly this size.
 */
export const MAX_WRITE = 131072;
