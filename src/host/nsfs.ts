/**
 * The nsfs ioctls (include/uapi/linux/nsfs.h) and nsfs file handles
 * (fs/nsfs.c, Linux 6.18): a namespace's 64-bit id, its owner and parent, the
 * owner uid of a user namespace, and whether a namespace is still alive
 * without holding it. Every call goes through ./sys/libc.ts.
 */
import * as fs from 'node:fs';
import { ok, type Result } from '../model/errno.js';
import { NS_TYPES } from '../model/nstypes.js';
import { close, ioctl, openByHandleAt } from '../sys/libc.js';

const NSIO = 0xb7;
const IO = (nr: number) => (NSIO << 8) | nr;
/** _IOR(0xb7, 13, __u64): the namespace's id, unique for the boot, never reused (Linux 6.18). */
export const NS_GET_ID = ((2 << 30) | (8 << 16) | (NSIO << 8) | 13) >>> 0;
/** _IO(0xb7, 1): an fd for the owning user namespace. */
export const NS_GET_USERNS = IO(1);
/** _IO(0xb7, 2): an fd for the parent (pid and user namespaces). */
export const NS_GET_PARENT = IO(2);
/** _IO(0xb7, 4): the owner uid of a user namespace (a uid_t written to the argument). */
export const NS_GET_OWNER_UID = IO(4);

/** fs/fhandle.c: open_by_handle_at() with this "mount fd" resolves nsfs handles (include/uapi/linux/fcntl.h FD_NSFS_ROOT). */
export const FD_NSFS_ROOT = -10003;
/** include/linux/exportfs.h FILEID_NSFS. */
export const FILEID_NSFS = 0xf1;

/** NS_GET_ID on an open namespace file: the id, or the errno (ENOTTY on kernels before 6.18). */
export function nsGetId(fd: number): Result<bigint> {
  const out = Buffer.alloc(8);
  const r = ioctl(fd, NS_GET_ID, out);
  return r.ok ? ok(out.readBigUInt64LE(0)) : r;
}

/** NS_GET_USERNS / NS_GET_PARENT: a new descriptor (close it with {@link closeNsFd}), or the errno (EPERM at the top, EINVAL for types without a parent). */
export function nsRelative(fd: number, which: 'owner' | 'parent'): Result<number> {
  return ioctl(fd, which === 'owner' ? NS_GET_USERNS : NS_GET_PARENT, null);
}

/** NS_GET_OWNER_UID of a user namespace. */
export function nsOwnerUid(fd: number): number | null {
  const out = Buffer.alloc(4);
  return ioctl(fd, NS_GET_OWNER_UID, out).ok ? out.readUInt32LE(0) : null;
}

/** Closes a descriptor an ioctl returned. */
export function closeNsFd(fd: number): void {
  close(fd);
}

/** The inode number of an open namespace file (the `[INUM]` of its link). */
export function nsInum(fd: number): number {
  return fs.fstatSync(fd).ino;
}

/**
 * Is the namespace still alive? Opens its nsfs file handle
 * (`struct nsfs_file_handle { u64 ns_id; u32 ns_type; u32 ns_inum }`, ns_type
 * being the CLONE_NEW* flag) and closes it at once: it opens while the
 * namespace lives and fails with ESTALE once it is freed, and it does not pin it.
 * @returns 'alive', 'freed' (ESTALE), or 'unknown' (handles unsupported: EOPNOTSUPP, EINVAL, EBADF before 6.18)
 */
export function nsAlive(id: bigint, typeFlag: number, inum: number): 'alive' | 'freed' | 'unknown' {
  const h = Buffer.alloc(8 + 16);
  h.writeUInt32LE(16, 0); // handle_bytes
  h.writeInt32LE(FILEID_NSFS, 4); // handle_type
  h.writeBigUInt64LE(id, 8);
  h.writeUInt32LE(typeFlag >>> 0, 16);
  h.writeUInt32LE(inum >>> 0, 20);
  const r = openByHandleAt(FD_NSFS_ROOT, h, fs.constants.O_RDONLY);
  if (r.ok) {
    close(r.value);
    return 'alive';
  }
  return r.error.errno === 'ESTALE' ? 'freed' : 'unknown';
}

/** The type {@link probeHandles} tries. */
const NET_FLAG = NS_TYPES.find((t) => t.name === 'net')!.flag;

/** Whether nsfs file handles open (Linux 6.18): tried on this process's own network namespace. */
export function probeHandles(): boolean {
  let fd: number;
  try {
    fd = fs.openSync('/proc/self/ns/net', fs.constants.O_RDONLY);
  } catch {
    return false;
  }
  try {
    const id = nsGetId(fd);
    return id.ok && nsAlive(id.value, NET_FLAG, nsInum(fd)) === 'alive';
  } finally {
    fs.closeSync(fd);
  }
}
