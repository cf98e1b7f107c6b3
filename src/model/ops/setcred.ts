/**
 * setcred: change a task's credentials and identity so scenarios can model
 * unprivileged tasks (SPEC §3). Not a syscall: the control file is root-only,
 * so no permission check applies. Capabilities follow capabilities(7),
 * "Effect of user ID changes on capabilities", unless `caps` is given too:
 * uid 0 → non-zero clears the effective set, non-zero → 0 restores the full set.
 */
import { AUDIT_UNSET } from '../boot.js';
import { fullCaps } from '../caps.js';
import { fail, ok, type Result } from '../errno.js';
import { setField } from '../journal.js';
import type { Cred, ModelState } from '../state.js';
import { findTask } from '../task_ns.js';

export interface CredChange {
  readonly uid?: number;
  readonly gid?: number;
  readonly caps?: bigint;
  readonly auid?: number;
  readonly ses?: number;
  readonly subj?: string;
  readonly comm?: string;
}

/** include/linux/sched.h: TASK_COMM_LEN 16, so 15 bytes and the NUL; longer names are cut, as prctl(PR_SET_NAME) does. */
export const TASK_COMM_MAX = 15;
/** (uid_t)-1 means "no change" to setresuid(2); it is never a task's id. */
const ID_MAX = 4294967294;

function checkChange(c: CredChange): Result<void> {
  for (const key of ['uid', 'gid'] as const) {
    const v = c[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= ID_MAX)) return fail('EINVAL', `${key} must be 0..${ID_MAX}`);
  }
  for (const key of ['auid', 'ses'] as const) {
    const v = c[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= AUDIT_UNSET)) return fail('EINVAL', `${key} must be 0..${AUDIT_UNSET}`);
  }
  // Audit fields are space separated: a label or name with blanks or control bytes would break the record.
  for (const key of ['subj', 'comm'] as const) {
    const v = c[key];
    if (v !== undefined && !/^[\x21-\x7e]+$/.test(v)) return fail('EINVAL', `${key} must be printable ASCII without spaces`);
  }
  return ok(undefined);
}

/**
 * @example
 * setcred(state, 4, { uid: 1000, gid: 1000 }) // pid 4 is now uid 1000 with no capabilities
 */
export function setcred(s: ModelState, pid: number, change: CredChange): Result<void> {
  const found = findTask(s, pid);
  if (!found.ok) return found;
  const valid = checkChange(change);
  if (!valid.ok) return valid;
  // An effective set holds capabilities 0..CAP_LAST_CAP only (a negative bigint would hold every bit).
  const full = fullCaps(s.types.lastCap);
  if (change.caps !== undefined && (change.caps < 0n || (change.caps & ~full) !== 0n)) {
    return fail('EINVAL', `caps must be a set of capabilities 0..${s.types.lastCap}`);
  }
  const t = found.value;
  const old = t.cred;
  const uid = change.uid ?? old.uid;
  let caps = change.caps;
  if (caps === undefined && old.uid === 0 && uid !== 0) caps = 0n;
  if (caps === undefined && old.uid !== 0 && uid === 0) caps = fullCaps(s.types.lastCap);
  const cred: Cred = {
    uid,
    gid: change.gid ?? old.gid,
    caps: caps ?? old.caps,
    auid: change.auid ?? old.auid,
    ses: change.ses ?? old.ses,
    subj: change.subj ?? old.subj,
  };
  setField(s, t, 'cred', cred);
  if (change.comm !== undefined) setField(s, t, 'comm', change.comm.slice(0, TASK_COMM_MAX));
  return ok(undefined);
}
