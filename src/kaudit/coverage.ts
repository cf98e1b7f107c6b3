/**
 * Whether the kernel's audit events name every namespace-making syscall (clone, clone3,
 * unshare, setns, of 64- and 32-bit processes): then host mode needs no polling to see an
 * unshare or setns without exec — each one is an event that names its process (SPEC §7).
 * Decided from AUDIT_GET and AUDIT_LIST_RULES, at start and after every CONFIG_CHANGE.
 */
import type { AuditStatus, ListedRule } from './protocol.js';
import { NS_SYSCALLS } from './rules.js';

/**
 * @returns null when covered, else what is missing, as a sentence ending the start-up line
 * @example
 * uncovered({ enabled: 1, … }, rulesOf('-a always,exit -F arch=b64 -S clone,clone3,unshare,setns'));
 * // 'no unfiltered always,exit rule covers clone, clone3, unshare, setns of 32-bit (b32) processes'
 */
export function uncovered(status: AuditStatus, rules: readonly ListedRule[]): string | null {
  if (status.enabled === 0) return 'kernel audit is off (enabled=0)';
  // A rule without arch= takes its syscall numbers as every arch's; one with other fields matches only some calls.
  const usable = rules.filter((r) => r.alwaysExit && !r.narrowed);
  for (const a of NS_SYSCALLS) {
    const missing = Object.entries(a.nr).filter(([, nr]) => !usable.some((r) => (r.arch === null || r.arch === a.arch) && r.hasSyscall(nr)));
    if (missing.length > 0) {
      return `no unfiltered always,exit rule covers ${missing.map(([name]) => name).join(', ')} of ${a.auditctl === 'b64' ? '64' : '32'}-bit (${a.auditctl}) processes`;
    }
  }
  return null;
}
