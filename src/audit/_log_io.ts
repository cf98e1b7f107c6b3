/**
 * The few file system calls the audit log makes, behind an interface so tests
 * can inject the failures a real disk gives (ENOSPC after a short write, EIO on
 * fsync) without privileges. Production uses {@link nodeIo}: synchronous
 * node:fs calls, one system call each.
 */
import * as fs from 'node:fs';
import { errnoFromNode, type ErrnoName } from '../model/errno.js';

/** The system calls behind an {@link AuditLog}, named as in node:fs. */
export interface LogIo {
  openSync(path: string, flags: number, mode: number): number;
  /** pread(2): may read fewer bytes than asked. */
  readSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  /** write(2): may write fewer bytes than asked (a short write), or throw. */
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, len: number): void;
  fstatSync(fd: number): { readonly size: number };
  fchmodSync(fd: number, mode: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
}

/** The real file system. */
export const nodeIo: LogIo = {
  openSync: (path, flags, mode) => fs.openSync(path, flags, mode),
  readSync: (fd, buf, offset, length, position) => fs.readSync(fd, buf, offset, length, position),
  writeSync: (fd, buf, offset, length) => fs.writeSync(fd, buf, offset, length),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  ftruncateSync: (fd, len) => fs.ftruncateSync(fd, len),
  fstatSync: (fd) => fs.fstatSync(fd),
  fchmodSync: (fd, mode) => fs.fchmodSync(fd, mode),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
};

/**
 * The errno of a failed system call. Anything that is not a Node.js system
 * error (no string `code`) is a bug, not a disk condition, and is rethrown.
 */
export function sysErrno(e: unknown): ErrnoName {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') throw e;
  return errnoFromNode(code);
}

/** The `code` of a Node.js system error, undefined for anything else. */
export function sysCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
