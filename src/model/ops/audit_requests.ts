/**
 * Requests to the audit subsystem (patches 7/13 and 11/13): an NS_INFO dump
 * for a pid, and a VIRT_CONTROL message with the sender's NS_INFO attached.
 * As kernel/audit.c:audit_netlink_ok(): only the initial user namespace may
 * talk to audit (ECONNREFUSED otherwise, so PAM-style callers carry on),
 * control requests such as AUDIT_NS_INFO come only from the initial pid
 * namespace (EPERM), and the sender needs CAP_AUDIT_CONTROL or
 * CAP_AUDIT_WRITE there (EPERM).
 */
import { CAP_AUDIT_CONTROL, CAP_AUDIT_WRITE, CAP_NAMES, hasCap } from '../caps.js';
import { fail, ok, type Result } from '../errno.js';
import type { NsInfoEvent, VirtControlEvent } from '../events.js';
import { actorInfo, type ModelState, type Task } from '../state.js';
import { findTask, nsInfo } from '../task_ns.js';

function auditSender(s: ModelState, pid: number, cap: number): Result<Task> {
  const found = findTask(s, pid, 'actor');
  if (!found.ok) return found;
  const t = found.value;
  // Host mode: unread namespaces are not "another user namespace"; say what is not known.
  if (t.host?.nsDenied) return nsDenied(pid, ' (audit listens only in the initial user namespace)');
  if (t.ns.user !== s.initial.user) return fail('ECONNREFUSED', `pid ${pid} is not in the initial user namespace, and audit only listens there`);
  if (!hasCap(t.cred.caps, cap)) return fail('EPERM', `pid ${pid} lacks CAP_${CAP_NAMES[cap]!.toUpperCase()}`);
  return ok(t);
}

/** Host mode: a process whose /proc/<pid>/ns the daemon may not read has no namespaces to report. */
function nsDenied<T>(pid: number, why = ''): Result<T> {
  return fail('EACCES', `the daemon may not read /proc/${pid}/ns, so it cannot tell pid ${pid}'s namespaces${why}`);
}

/** AUDIT_NS_INFO for `targetPid` on behalf of `actorPid`. */
export function nsInfoRequest(s: ModelState, actorPid: number, targetPid: number): Result<NsInfoEvent> {
  const sender = auditSender(s, actorPid, CAP_AUDIT_CONTROL);
  if (!sender.ok) return sender;
  if (sender.value.pidNs !== s.initial.pid) {
    return fail('EPERM', `pid ${actorPid} is not in the initial pid namespace, where audit control requests must come from`);
  }
  const target = findTask(s, targetPid, 'target task');
  if (!target.ok) return target;
  if (target.value.host?.nsDenied) return nsDenied(targetPid);
  return ok(nsInfo(s, target.value));
}

/** The audit text limit of kernel/audit.c (AUDIT_MESSAGE_TEXT_MAX). */
export const AUDIT_MESSAGE_TEXT_MAX = 8560;

/** AUDIT_VIRT_CONTROL with `text`, and the sender's NS_INFO attached. */
export function virtControl(s: ModelState, actorPid: number, text: string): Result<VirtControlEvent> {
  const sender = auditSender(s, actorPid, CAP_AUDIT_WRITE);
  if (!sender.ok) return sender;
  // The record quotes the text in '…' on one line: a quote or control byte would forge or split fields.
  if (!/^[^\x00-\x1f\x7f']*$/.test(text)) return fail('EINVAL', "the message text may not contain quotes (') or control characters");
  if (Buffer.byteLength(text) > AUDIT_MESSAGE_TEXT_MAX) return fail('EINVAL', `the message text is longer than ${AUDIT_MESSAGE_TEXT_MAX} bytes`);
  const t = sender.value;
  return ok({ kind: 'virt-control', actor: actorInfo(t), text, info: nsInfo(s, t) });
}
