import { describe, expect, it } from 'vitest';
import { uncovered } from './coverage.js';
import { decodeListedRule, encodeExitRule, type AuditStatus } from './protocol.js';
import { AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, NSPROC_RULES } from './rules.js';

const on: AuditStatus = { enabled: 1, pid: 0, backlogLimit: 64, lost: 0, backlog: 0 };
const rule = (arch: number, syscalls: number[], key = 'k') => decodeListedRule(encodeExitRule({ arch, syscalls, key }));

describe('uncovered()', () => {
  it('nsproc\'s own rules cover every namespace syscall of both arches', () => {
    expect(uncovered(on, NSPROC_RULES.map((r) => decodeListedRule(encodeExitRule(r))))).toBeNull();
    expect(uncovered({ ...on, enabled: 2 }, NSPROC_RULES.map((r) => decodeListedRule(encodeExitRule(r))))).toBeNull();
  });
  it('one rule per syscall covers as well as one for all', () => {
    const rules = [56, 435, 272, 308].map((nr) => rule(AUDIT_ARCH_X86_64, [nr])).concat([120, 435, 310, 346].map((nr) => rule(AUDIT_ARCH_I386, [nr])));
    expect(uncovered(on, rules)).toBeNull();
  });
  it('says what is missing: audit off, no rules, one arch, one syscall', () => {
    const ours = NSPROC_RULES.map((r) => decodeListedRule(encodeExitRule(r)));
    expect(uncovered({ ...on, enabled: 0 }, ours)).toBe('kernel audit is off (enabled=0)');
    expect(uncovered(on, [])).toBe('no unfiltered always,exit rule covers clone, clone3, unshare, setns of 64-bit (b64) processes');
    expect(uncovered(on, [ours[0]!])).toBe('no unfiltered always,exit rule covers clone, clone3, unshare, setns of 32-bit (b32) processes');
    expect(uncovered(on, [rule(AUDIT_ARCH_X86_64, [56, 435, 272]), ours[1]!])).toBe('no unfiltered always,exit rule covers setns of 64-bit (b64) processes');
  });
  it('a rule with another field (-F auid>=1000) covers nothing', () => {
    const b = encodeExitRule({ arch: AUDIT_ARCH_X86_64, syscalls: [56, 435, 272, 308], key: 'k' });
    // Turn the key field (second) into auid (9) >= 1000.
    b.writeUInt32LE(9, 12 + 4 * 64 + 4);
    b.writeUInt32LE(1000, 12 + 4 * 64 + 4 * 64 + 4);
    expect(uncovered(on, [decodeListedRule(b), rule(AUDIT_ARCH_I386, [120, 435, 310, 346])])).toBe('no unfiltered always,exit rule covers clone, clone3, unshare, setns of 64-bit (b64) processes');
  });
});
