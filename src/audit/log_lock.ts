/**
 * One writer per audit log: two daemons appending to one file would interleave two boots
 * with overlapping audit serials (`ausearch -a N` would mix events). The daemon holds an
 * flock(2) on `LOG.lock` beside the log for its whole life, taken before the log is opened
 * (so before a partial record is cut and before boot records are written).
 *
 * Why a lock file and not the log: rotation renames the log (LOG → LOG.1) and a lock on the
 * old inode would not guard the new LOG. `LOG.lock` is never renamed. A clean stop removes
 * it (so locks do not litter the log's directory), while still holding the lock and only if
 * the path still names the file locked (dev+inode); a locker checks the same after flock and
 * starts over if the file it locked was removed meanwhile, so two daemons never hold two
 * different `LOG.lock` files at once. A kill -9 leaves it; the next start reuses it.
 * Node has no flock(): flock(1) from util-linux locks the file description we pass it as
 * its fd 3, and that lock belongs to the description, which stays open here (O_CLOEXEC, so
 * no child inherits it) until close or death, whatever kills the daemon. The lock file
 * stays empty (it takes no block on a full disk): on refusal the holder is found as fuser(1)
 * finds it, by the processes with the lock file open.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ERRNO, fail, ok, type Result } from '../model/errno.js';
import { sysErrno } from './_log_io.js';

/** A held lock; release() removes the lock file if still ours and closes it (death only closes it). */
export interface LogLock {
  /** The lock file, `LOG.lock` in the log's directory with symlinks resolved. */
  readonly path: string;
  release(): void;
}

/** flock(1) -E: our exit status for "held by someone else". */
const BUSY = 75;

/** The other processes that have `file` open (their /proc/PID/fd links), as fuser(1) finds them. */
function holders(file: string): number[] {
  const found: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((n) => /^[0-9]+$/.test(n) && Number(n) !== process.pid)) {
    let fds: string[];
    try { fds = fs.readdirSync(`/proc/${pid}/fd`); } catch { continue; } // gone, or not ours to see
    if (fds.some((fd) => { try { return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === file; } catch { return false; } })) found.push(Number(pid));
  }
  return found;
}

/**
 * Takes the lock of `logPath` without waiting.
 * @param logPath the audit log, absolute; its directory must exist
 * @returns the lock, EAGAIN naming the holder's pid, or the errno of open(2) (EIO if flock(1) fails)
 * @example Refusing a second writer
 * const lock = lockAuditLog('/var/log/nsproc/audit.log');
 * if (!lock.ok) throw new Error(lock.error.detail); // "… in use by nsproc pid 4242 …"
 */
export function lockAuditLog(logPath: string): Result<LogLock> {
  for (;;) {
    const r = lockOnce(logPath);
    if (r !== 'removed') return r;
  }
}

/** Whether `fd` is still the file at `file` (not removed or replaced since it was opened). */
function sameFile(fd: number, file: string): boolean {
  const held = fs.fstatSync(fd);
  const now = fs.lstatSync(file, { throwIfNoEntry: false });
  return now !== undefined && now.dev === held.dev && now.ino === held.ino;
}

/** One try; 'removed' when the file locked had been removed by a stopping holder meanwhile. */
function lockOnce(logPath: string): Result<LogLock> | 'removed' {
  let file: string;
  let fd: number;
  try {
    // One lock whatever path names the directory (a symlink, another mount of it).
    file = path.join(fs.realpathSync(path.dirname(logPath)), `${path.basename(logPath)}.lock`);
    fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  } catch (e) {
    const errno = sysErrno(e);
    return fail(errno, `cannot open the lock of the audit log ${logPath}: ${ERRNO[errno][1]}`);
  }
  const r = spawnSync('flock', ['--nonblock', '--conflict-exit-code', String(BUSY), '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
  if (r.status !== 0) {
    fs.closeSync(fd);
    if (r.status === BUSY) {
      const pids = holders(file);
      const who = pids.length > 0 ? `nsproc pid ${pids.join(', ')}` : 'another nsproc';
      return fail('EAGAIN', `the audit log ${logPath} is in use by ${who} (lock ${file}); two daemons must never write one log`);
    }
    const why = r.error !== undefined ? `flock(1) from util-linux cannot run: ${r.error.message}` : `flock(1) failed: ${String(r.stderr).trim()}`;
    return fail('EIO', `cannot lock the audit log ${logPath}: ${why}`);
  }
  if (!sameFile(fd, file)) {
    fs.closeSync(fd);
    return 'removed';
  }
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    // Unlinked before close, under the lock: a waiter on this inode then sees it gone (sameFile).
    try { if (sameFile(fd, file)) fs.unlinkSync(file); } catch { /* left in place: the next start reuses it */ }
    fs.closeSync(fd);
  };
  return ok({ path: file, release });
}
