/**
 * Only the daemon may write its audit log, as auditd owns its own: a log another user owns,
 * or can write, lets that user rewrite the daemon's records (`uid=0` …) after the fact. So
 * before the log is touched, the log and its rotated siblings (LOG.1 …) that exist must be
 * owned by the daemon's uid and not writable by group or others (new logs are made 0600),
 * and the directory must not let others replace them (writable by others without the
 * sticky bit, as /tmp has it). A symlink counts as its owner's and its target's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail, ok, type Result } from '../model/errno.js';
import { rotatedLogs } from './rotate.js';

/** What is wrong with one file's owner or mode, or null when it is the daemon's alone. */
function fileProblem(file: string, uid: number): string | null {
  const target = fs.statSync(file);
  for (const st of [fs.lstatSync(file), target]) {
    if (st.uid !== uid) return `is owned by uid ${st.uid}, not by this daemon's uid ${uid}; another user could rewrite its records (chown ${uid} ${file}, or use another --audit-log)`;
  }
  const mode = target.mode & 0o777;
  if ((mode & 0o022) !== 0) return `is writable by group or others (mode 0${mode.toString(8)}); they could rewrite its records (chmod go-w ${file})`;
  return null;
}

/**
 * Refuses a log the daemon does not own alone.
 * @param logPath the audit log, absolute
 * @param numLogs files kept by rotation (LOG and LOG.1 … LOG.(numLogs − 1))
 * @param uid the daemon's effective uid
 * @returns ok, or EACCES with a sentence that says what to fix
 * @example checkLogOwner('/tmp/x/audit.log', 5, 0) // EACCES: the audit log … is owned by uid 1001 …
 */
export function checkLogOwner(logPath: string, numLogs: number, uid: number): Result<void> {
  const dir = path.dirname(logPath);
  let dirMode: number;
  try { dirMode = fs.statSync(dir).mode; } catch { return ok(undefined); } // open(2) says why
  if ((dirMode & 0o002) !== 0 && (dirMode & 0o1000) === 0) {
    return fail('EACCES', `the directory ${dir} of the audit log is writable by others without the sticky bit (mode 0${(dirMode & 0o7777).toString(8)}); they could replace the log (chmod o-w or +t ${dir})`);
  }
  for (const file of rotatedLogs(logPath, numLogs)) {
    if (fs.lstatSync(file, { throwIfNoEntry: false }) === undefined) continue;
    let problem: string | null;
    try { problem = fileProblem(file, uid); } catch { continue; } // a dangling link: open(2) says why
    if (problem !== null) return fail('EACCES', `the audit log ${file} ${problem}`);
  }
  return ok(undefined);
}
