/**
 * Every foreign call nsproc makes, in one place: the C library's ioctl(2),
 * open_by_handle_at(2), close(2), the socket calls netlink needs
 * (socket(2), bind(2), setsockopt(2), send(2), recv(2)) and what lets a worker
 * sleep until its socket or the main thread wakes it (poll(2), eventfd(2),
 * read(2), write(2)), through koffi 2.x.
 * Nothing else in nsproc loads koffi, so this file is the whole surface to
 * review for memory safety: every pointer argument is a Node Buffer whose
 * length is passed with it.
 *
 * The calls are synchronous (koffi's async calls from worker threads have open
 * issues: koffi #190, #271, #274). A call that can block (recv) belongs in a
 * worker thread, never on the main thread that serves FUSE; give its socket a
 * receive timeout (SO_RCVTIMEO, {@link setRecvTimeout}) so the worker can stop.
 *
 * Each call returns model/errno.ts's {@link Result}: the value, or the errno
 * errno(3) left right after the call, named as the kernel names it, with a sentence.
 * Extend by adding a declaration to `fns` and a small typed wrapper below.
 */
import { createRequire } from 'node:module';
import { ERRNO, errnoFromNumber, type Result } from '../model/errno.js';

type Koffi = typeof import('koffi');
const koffi = createRequire(import.meta.url)('koffi') as Koffi;
const libc = koffi.load('libc.so.6');

// Every pointer is `void *` and gets a Buffer (or null): one calling convention for all.
const fns = {
  ioctl: libc.func('int ioctl(int fd, unsigned long request, void *arg)'),
  open_by_handle_at: libc.func('int open_by_handle_at(int mount_fd, void *handle, int flags)'),
  close: libc.func('int close(int fd)'),
  socket: libc.func('int socket(int domain, int type, int protocol)'),
  bind: libc.func('int bind(int fd, void *addr, uint32_t addrlen)'),
  setsockopt: libc.func('int setsockopt(int fd, int level, int name, void *value, uint32_t len)'),
  send: libc.func('intptr_t send(int fd, void *buf, size_t len, int flags)'),
  recv: libc.func('intptr_t recv(int fd, void *buf, size_t len, int flags)'),
  poll: libc.func('int poll(void *fds, unsigned long nfds, int timeout)'),
  eventfd: libc.func('int eventfd(unsigned int initval, int flags)'),
  read: libc.func('intptr_t read(int fd, void *buf, size_t count)'),
  write: libc.func('intptr_t write(int fd, void *buf, size_t count)'),
};

/** A call's return value, or the errno it left: `<call>(2): <strerror text>` as its sentence. */
function result(call: string, ret: number | bigint): Result<number> {
  const value = Number(ret);
  if (value >= 0) return { ok: true, value };
  const errno = errnoFromNumber(koffi.errno());
  return { ok: false, error: { errno, detail: `${call}(2): ${ERRNO[errno][1]}` } };
}

/**
 * ioctl(2) with a buffer argument (or none).
 * @example NS_GET_ID of the daemon's network namespace
 * const fd = fs.openSync('/proc/self/ns/net', 'r');
 * const out = Buffer.alloc(8);
 * ioctl(fd, NS_GET_ID, out); // { ok: true, value: 0 }; out.readBigUInt64LE() is the id
 */
export function ioctl(fd: number, request: number, arg: Buffer | null): Result<number> {
  return result('ioctl', fns.ioctl(fd, request, arg));
}

/** open_by_handle_at(2); `handle` is a whole `struct file_handle`. The fd it returns is the caller's to close. */
export function openByHandleAt(mountFd: number, handle: Buffer, flags: number): Result<number> {
  return result('open_by_handle_at', fns.open_by_handle_at(mountFd, handle, flags));
}

/** close(2) of a descriptor this module returned (Node's own descriptors close with fs.closeSync). */
export function close(fd: number): Result<number> {
  return result('close', fns.close(fd));
}

/** socket(2). */
export function socket(domain: number, type: number, protocol: number): Result<number> {
  return result('socket', fns.socket(domain, type, protocol));
}

/** bind(2) to the address bytes in `addr` (e.g. a 12-byte sockaddr_nl). */
export function bind(fd: number, addr: Buffer): Result<number> {
  return result('bind', fns.bind(fd, addr, addr.length));
}

/** setsockopt(2) with the option value's bytes. */
export function setsockopt(fd: number, level: number, name: number, value: Buffer): Result<number> {
  return result('setsockopt', fns.setsockopt(fd, level, name, value, value.length));
}

/** send(2) of the whole buffer; returns the bytes sent. */
export function send(fd: number, buf: Buffer, flags = 0): Result<number> {
  return result('send', fns.send(fd, buf, buf.length, flags));
}

/** recv(2) into `buf`; returns the bytes received. Blocks unless the socket has a timeout or `flags` has MSG_DONTWAIT. */
export function recv(fd: number, buf: Buffer, flags = 0): Result<number> {
  return result('recv', fns.recv(fd, buf, buf.length, flags));
}

/**
 * poll(2) for POLLIN on each fd; returns how many are ready, and sets bit i of `ready[0]`
 * when `fds[i]` is readable (or in error: its next recv says which).
 * @param timeoutMs how long to wait at most; Infinity: until one is ready
 */
export function pollReadable(fds: readonly number[], timeoutMs: number, ready: { bits: number }): Result<number> {
  const b = Buffer.alloc(8 * fds.length); // struct pollfd { int fd; short events; short revents; }
  fds.forEach((fd, i) => {
    b.writeInt32LE(fd, 8 * i);
    b.writeInt16LE(POLLIN, 8 * i + 4);
  });
  const t = timeoutMs === Infinity ? -1 : Math.min(0x7fffffff, Math.max(0, Math.ceil(timeoutMs)));
  const r = result('poll', fns.poll(b, fds.length, t));
  ready.bits = 0;
  if (r.ok) fds.forEach((_, i) => { if (b.readInt16LE(8 * i + 6) !== 0) ready.bits |= 1 << i; });
  return r;
}

const POLLIN = 0x1;
export const EFD_NONBLOCK = 0o4000;
export const EFD_CLOEXEC = 0o2000000;

/** eventfd(2): a counter another thread can wake a poll(2) with. */
export function eventfd(flags: number): Result<number> {
  return result('eventfd', fns.eventfd(0, flags));
}

/** read(2) into `buf`. */
export function read(fd: number, buf: Buffer): Result<number> {
  return result('read', fns.read(fd, buf, buf.length));
}

/** write(2) of the whole buffer. */
export function write(fd: number, buf: Buffer): Result<number> {
  return result('write', fns.write(fd, buf, buf.length));
}

export const SOL_SOCKET = 1;
export const SO_RCVBUF = 8;
export const SO_RCVTIMEO = 20;
/** SO_RCVBUF without the rmem_max cap (needs CAP_NET_ADMIN). */
export const SO_RCVBUFFORCE = 33;
export const MSG_DONTWAIT = 0x40;

/** SO_RCVTIMEO: a blocking recv(2) gives up with EAGAIN after `ms` (struct timeval, 64-bit). */
export function setRecvTimeout(fd: number, ms: number): Result<number> {
  const tv = Buffer.alloc(16);
  tv.writeBigInt64LE(BigInt(Math.floor(ms / 1000)), 0);
  tv.writeBigInt64LE(BigInt((ms % 1000) * 1000), 8);
  return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv);
}

/** An int-valued socket option. */
export function setIntOption(fd: number, level: number, name: number, value: number): Result<number> {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value, 0);
  return setsockopt(fd, level, name, b);
}

export const AF_NETLINK = 16;
export const SOCK_DGRAM = 2;
