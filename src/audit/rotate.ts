/**
 * Log rotation as auditd does it for `max_log_file_action = ROTATE`
 * (audit-userspace src/auditd-event.c:rotate_logs()): shift `LOG.(i-1)` to
 * `LOG.i` for i = num_logs-1 … 2 (so the oldest, `LOG.(num_logs-1)`, is
 * replaced and dropped), a missing file being no error, then `LOG` → `LOG.1`.
 * With num_logs < 2 auditd does not rotate ("Log rotation disabled").
 */
import { ERRNO, fail, ok, type Result } from '../model/errno.js';
import { sysCode, sysErrno, type LogIo } from './_log_io.js';

/** auditd.conf(5): num_logs "must be 999 or less". */
export const MAX_NUM_LOGS = 999;

/** Rotation is on when a size limit is set and at least two files are kept (auditd: num_logs > 1). */
export function rotationEnabled(maxSizeBytes: number, numLogs: number): boolean {
  return maxSizeBytes > 0 && numLogs >= 2;
}

/** rename(2), a missing source being no error (auditd tolerates ENOENT). */
function renameIfExists(io: LogIo, from: string, to: string): Result<void> {
  try {
    io.renameSync(from, to);
    return ok(undefined);
  } catch (e) {
    if (sysCode(e) === 'ENOENT') return ok(undefined);
    const errno = sysErrno(e);
    return fail(errno, `cannot rotate the audit log: rename ${from} to ${to}: ${ERRNO[errno][1]}`);
  }
}

/** The files a rotated log keeps: LOG, then LOG.1 … LOG.(numLogs − 1), newest first. */
export function rotatedLogs(path: string, numLogs: number): string[] {
  return [path, ...Array.from({ length: Math.max(0, numLogs - 1) }, (_, i) => `${path}.${i + 1}`)];
}

/**
 * Renames `path` and its numbered predecessors one step up. Afterwards `path`
 * does not exist; the caller opens a new one and, if that fails, calls
 * {@link unrotateCurrent} so the current log keeps its name.
 *
 * @param io file system calls
 * @param path the current log, e.g. `./audit.log`
 * @param numLogs files kept, the current one included (≥ 2)
 * @returns ok, or the errno of the first rename that failed; no record is lost
 *   either way (a failed step leaves at most a gap in the numbering)
 *
 * @example Rotating with num_logs 3
 * ```ts
 * shiftLogs(nodeIo, 'audit.log', 3); // audit.log.1 → audit.log.2, audit.log → audit.log.1
 * ```
 */
export function shiftLogs(io: LogIo, path: string, numLogs: number): Result<void> {
  for (let i = numLogs - 1; i > 1; i--) {
    const r = renameIfExists(io, `${path}.${i - 1}`, `${path}.${i}`);
    if (!r.ok) return r;
  }
  try {
    io.renameSync(path, `${path}.1`);
    return ok(undefined);
  } catch (e) {
    const errno = sysErrno(e);
    return fail(errno, `cannot rotate the audit log: rename ${path} to ${path}.1: ${ERRNO[errno][1]}`);
  }
}

/** Undoes the last step of {@link shiftLogs} (`path.1` → `path`); best effort. */
export function unrotateCurrent(io: LogIo, path: string): void {
  try {
    io.renameSync(`${path}.1`, path);
  } catch {
    // The old log stays as path.1 and the fd still writes to it: nothing is lost.
  }
}
