/**
 * One open audit log file: the fd, its size as counted here (fstat once at
 * open, as auditd's `log_size`), whole-batch appends and rotation.
 *
 * Invariant: outside a call, the file holds only whole lines. A failed append
 * is cut off again with ftruncate(2); if even that fails, the cut is retried
 * before the next append, which never writes after a partial line. A record
 * cut by a crash (see {@link cutPartialRecord}) is removed when the log is opened.
 */
import * as fs from 'node:fs';
import { ERRNO, fail, ok, type ErrnoName, type Result } from '../model/errno.js';
import { sysCode, sysErrno, type LogIo } from './_log_io.js';
import type { LogSink } from './log_sink.js';
import { NODE_PREFIX, TYPE_PREFIX } from './record_line.js';
import { shiftLogs, unrotateCurrent } from './rotate.js';

/** O_WRONLY|O_APPEND|O_CREAT, mode 0600 as auditd's log (libuv adds O_CLOEXEC, as auditd sets FD_CLOEXEC). */
const OPEN_FLAGS = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT;
const LOG_MODE = 0o600;
/** auditd makes a rotated log read-only (rotate_logs(): fchmod S_IRUSR). */
const ROTATED_MODE = 0o400;
const NL = 0x0a;
/** How far back {@link cutPartialRecord} reads at a time, looking for the last newline. */
const TAIL_CHUNK = 65536;
/** Every line of the log starts with one of these (record_line.ts: `type=NAME msg=audit(…)`, or `node=NAME type=…`). */
const RECORD_STARTS = [Buffer.from(TYPE_PREFIX), Buffer.from(NODE_PREFIX)];

/** An open log file; see the module comment for its invariant. */
export class LogFile {
  /** Set when undoing a failed append could not truncate: retried first thing next time. */
  private pendingTruncate: number | null = null;

  private constructor(
    private readonly io: LogIo,
    readonly path: string,
    private fd: number | null,
    private bytes: number,
    /** Bytes of a partial record a crash had left at the end, removed by open(). */
    readonly cutAtOpen: number,
    private readonly sink: LogSink | null,
  ) {}

  /**
   * Cuts off a partial record a crash left at the end ({@link cutPartialRecord}),
   * then open(2) for appending (created 0600) and fstat(2) once for the size.
   * @param sink told of the size at open, after every append and at every rotation
   */
  static open(io: LogIo, path: string, sink: LogSink | null = null): Result<LogFile> {
    const cut = cutPartialRecord(io, path);
    if (!cut.ok) return cut;
    const r = openFd(io, path);
    if (!r.ok) return r;
    sink?.opened(r.value.size);
    return ok(new LogFile(io, path, r.value.fd, r.value.size, cut.value, sink));
  }

  /** Bytes in the file, counted; never includes a failed append. */
  get size(): number {
    return this.bytes;
  }

  get isOpen(): boolean {
    return this.fd !== null;
  }

  /**
   * write(2) `buf` until done (O_APPEND: each write lands at the end), then
   * fsync(2) when `sync`. On failure the file is truncated back to its size
   * before the call and the errno returned.
   */
  append(buf: Uint8Array, sync: boolean): Result<void> {
    if (this.fd === null) return fail('EBADF', `audit log ${this.path} is closed`);
    const cut = this.finishTruncate();
    if (!cut.ok) return cut;
    let off = 0;
    try {
      while (off < buf.length) {
        const n = this.io.writeSync(this.fd, buf, off, buf.length - off);
        if (n <= 0) throw Object.assign(new Error('write(2) wrote nothing'), { code: 'EIO' });
        off += n;
      }
      if (sync) this.io.fsyncSync(this.fd);
    } catch (e) {
      const errno = sysErrno(e);
      if (off > 0) {
        this.pendingTruncate = this.bytes;
        this.finishTruncate();
      }
      return fail(errno, `cannot write the audit log ${this.path}: ${ERRNO[errno][1]}; the batch was not logged`);
    }
    this.bytes += buf.length;
    this.sink?.appended(this.bytes);
    return ok(undefined);
  }

  /** ftruncate(2) back to the last whole line, if a failed append left one pending. */
  finishTruncate(): Result<void> {
    if (this.pendingTruncate === null || this.fd === null) return ok(undefined);
    try {
      this.io.ftruncateSync(this.fd, this.pendingTruncate);
      this.pendingTruncate = null;
      return ok(undefined);
    } catch (e) {
      const errno = sysErrno(e);
      return fail(errno, `cannot remove a partial batch from the audit log ${this.path}: ${ERRNO[errno][1]}`);
    }
  }

  /**
   * auditd rotate_logs(): shift `path` → `path.1` → …, open a new `path`, make
   * the old file read-only and close it. If the new file cannot be opened the
   * old one gets its name back and stays the current log.
   */
  rotate(numLogs: number): Result<void> {
    if (this.fd === null) return fail('EBADF', `audit log ${this.path} is closed`);
    const cut = this.finishTruncate();
    if (!cut.ok) return cut;
    const shifted = shiftLogs(this.io, this.path, numLogs);
    if (!shifted.ok) return shifted;
    const f = openFd(this.io, this.path);
    if (!f.ok) {
      unrotateCurrent(this.io, this.path);
      return f;
    }
    try { this.io.fchmodSync(this.fd, ROTATED_MODE); } catch { /* auditd: "not fatal" */ }
    try { this.io.closeSync(this.fd); } catch { /* its lines are written; nothing to undo */ }
    const rotatedSize = this.bytes;
    this.fd = f.value.fd;
    this.bytes = f.value.size;
    this.sink?.rotated(rotatedSize);
    return ok(undefined);
  }

  /** fsync(2) and close(2); closing twice is a no-op. */
  close(): Result<void> {
    if (this.fd === null) return ok(undefined);
    const fd = this.fd;
    this.fd = null;
    let errno: ErrnoName | null = null;
    try { this.io.fsyncSync(fd); } catch (e) { errno = sysErrno(e); }
    try { this.io.closeSync(fd); } catch (e) { errno ??= sysErrno(e); }
    return errno === null ? ok(undefined) : fail(errno, `closing the audit log ${this.path}: ${ERRNO[errno][1]}`);
  }
}

/**
 * A crash can leave the log ending inside a record: SIGKILL (or power loss)
 * during a write(2) of more than a page stops it between pages
 * (mm/filemap.c:generic_perform_write() checks fatal_signal_pending()), so the
 * file keeps the first pages of the batch. No record of that batch was
 * acknowledged (its write(2) never returned), so the partial last line is cut
 * off before anything is appended after it. A last line that is not the start
 * of a record is not ours to cut: the log is refused (EINVAL).
 * @returns the bytes cut off (0 for a missing, empty or whole log)
 */
export function cutPartialRecord(io: LogIo, path: string): Result<number> {
  let fd: number;
  try {
    fd = io.openSync(path, fs.constants.O_RDWR, LOG_MODE);
  } catch (e) {
    if (sysCode(e) === 'ENOENT') return ok(0);
    const errno = sysErrno(e);
    return fail(errno, `cannot open the audit log ${path}: ${ERRNO[errno][1]}`);
  }
  try {
    const size = io.fstatSync(fd).size;
    if (size === 0 || readAt(io, fd, size - 1, 1)[0] === NL) return ok(0);
    let lineStart = 0;
    for (let end = size; end > 0; end -= TAIL_CHUNK) {
      const from = Math.max(0, end - TAIL_CHUNK);
      const nl = readAt(io, fd, from, end - from).lastIndexOf(NL);
      if (nl >= 0) {
        lineStart = from + nl + 1;
        break;
      }
    }
    const head = readAt(io, fd, lineStart, Math.min(RECORD_STARTS[0]!.length, size - lineStart));
    if (!RECORD_STARTS.some((start) => start.subarray(0, head.length).equals(head))) {
      return fail('EINVAL', `the audit log ${path} ends with a partial line that is not an audit record; not appending to it`);
    }
    io.ftruncateSync(fd, lineStart);
    return ok(size - lineStart);
  } catch (e) {
    const errno = sysErrno(e);
    return fail(errno, `cannot remove a partial record from the audit log ${path}: ${ERRNO[errno][1]}`);
  } finally {
    try { io.closeSync(fd); } catch { /* nothing was changed through it after the truncate */ }
  }
}

/** pread(2) `length` bytes at `position` (fewer only at the end of the file). */
function readAt(io: LogIo, fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = io.readSync(fd, buf, got, length - got, position + got);
    if (n <= 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

function openFd(io: LogIo, path: string): Result<{ fd: number; size: number }> {
  let fd: number | null = null;
  try {
    fd = io.openSync(path, OPEN_FLAGS, LOG_MODE);
    return ok({ fd, size: io.fstatSync(fd).size });
  } catch (e) {
    const errno = sysErrno(e);
    if (fd !== null) try { io.closeSync(fd); } catch { /* already failing */ }
    return fail(errno, `cannot open the audit log ${path}: ${ERRNO[errno][1]}`);
  }
}
