/**
 * Whether the kernel's audit events name every namespace-making syscall (clone, clone3,
 * unshare, setns, of 64- and 32-bit processes): then host mode needs no polling to see an
 * unshare or setns without exec — each one is an event that names its process (SPEC §7).
 * Decided from AUDIT_GET and AUDIT_LIST_RULES, at start and after every CONFIG_CHANGE.
 */
import type { AuditStatus, ListedRule } from './protocol.js';
import { NS_FLAGS_IN_A0, NS_SYSCALLS } from './rules.js';

/**
 * @returns null when covered, else what is missing, as a sentence ending the start-up line
 * @example
 * uncovered({ enabled: 1, … }, rulesOf('-a always,exit -F arch=b64 -S clone,clone3,unshare,setns'));
 * // 'no always,exit rule covers every namespace-making call of clone, clone3, unshare, setns of 32-bit (b32) processes'
 */
export function uncovered(status: AuditStatus, rules: readonly ListedRule[]): string | null {
  if (status.enabled === 0) return 'kernel audit is off (enabled=0)';
  // A rule without arch= takes its syscall numbers as every arch's; one with other fields matches only some calls.
  const usable = rules.filter((r) => r.alwaysExit && !r.narrowed);
  for (const a of NS_SYSCALLS) {
    const missing = (Object.keys(a.nr) as (keyof typeof a.nr)[]).filter((name) => !usable.some((r) => (r.arch === null || r.arch === a.arch) && r.hasSyscall(a.nr[name]) && keepsEveryNsCall(r.a0Mask, NS_FLAGS_IN_A0[name])));
    if (missing.length > 0) {
      return `no always,exit rule covers every namespace-making call of ${missing.join(', ')} of ${a.auditctl === 'b64' ? '64' : '32'}-bit (${a.auditctl}) processes`;
    }
  }
  return null;
}

/**
 * Whether a rule's `a0&MASK` (null: none) keeps every call that makes a namespace: one whose
 * a0 has a bit of `flags` (null: a0 does not say, so only a rule without the test keeps them).
 */
function keepsEveryNsCall(mask: number | null, flags: number | null): boolean {
  if (mask === null) return true;
  return flags !== null && ((mask & flags) >>> 0) === flags;
}
