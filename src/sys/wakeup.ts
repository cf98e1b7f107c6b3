/**
 * A worker thread that sleeps in poll(2) on its socket must also wake when the main thread
 * posts it a message (a rescan to answer now, stop): the main thread signals this eventfd
 * after each postMessage, and the worker polls it beside its socket. So an idle worker sleeps
 * until something happens or a deadline of its own comes, with no timer of a few ms that
 * would wake it, and the main thread after it, dozens of times a second for nothing.
 */
import { EFD_CLOEXEC, EFD_NONBLOCK, close, eventfd, pollReadable, read, write } from './libc.js';
import type { Result } from '../model/errno.js';

/** What woke a {@link Wakeup.wait}: the socket is readable, the main thread signalled (neither: the timeout). */
export type Woke = { readonly ok: true; readonly socket: boolean; readonly woken: boolean } | Extract<Result<never>, { ok: false }>;

export class Wakeup {
  private readonly one = Buffer.alloc(8);
  private readonly sink = Buffer.alloc(8);
  private readonly ready = { bits: 0 };

  private constructor(readonly fd: number) {
    this.one.writeBigUInt64LE(1n);
  }

  /** A new eventfd (the main thread's side); throws with the errno when the kernel refuses. */
  static create(): Wakeup {
    const r = eventfd(EFD_NONBLOCK | EFD_CLOEXEC);
    if (!r.ok) throw new Error(`eventfd(2) failed with ${r.error.errno}`);
    return new Wakeup(r.value);
  }

  /** The same eventfd in a worker (descriptors are the whole process's). */
  static of(fd: number): Wakeup {
    return new Wakeup(fd);
  }

  /** Wakes the worker's {@link wait}. Never blocks (the counter would overflow only after 2^64 − 2 signals). */
  signal(): void {
    write(this.fd, this.one);
  }

  /**
   * Sleeps until `fd` is readable, a signal comes, or `timeoutMs` passes (Infinity: no limit).
   * @returns which woke it (both false: the timeout); a signal is consumed
   */
  wait(fd: number, timeoutMs: number): Woke {
    const r = pollReadable([fd, this.fd], timeoutMs, this.ready);
    if (!r.ok) return r.error.errno === 'EINTR' ? { ok: true, socket: false, woken: false } : r;
    const woken = (this.ready.bits & 2) !== 0;
    if (woken) read(this.fd, this.sink);
    return { ok: true, socket: (this.ready.bits & 1) !== 0, woken };
  }

  close(): void {
    close(this.fd);
  }
}
