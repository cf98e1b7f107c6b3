import { describe, expect, it } from 'vitest';
import { uncovered } from './coverage.js';
import { decodeListedRule, encodeExitRule, type AuditStatus } from './protocol.js';
import { AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, NSPROC_RULES } from './rules.js';

const on: AuditStatus = { enabled: 1, pid: 0, backlogLimit: 64, lost: 0, backlog: 0 };
const rule = (arch: number, syscalls: number[], key = 'k', a0Mask?: number) => decodeListedRule(encodeExitRule({ arch, syscalls, key, ...(a0Mask === undefined ? {} : { a0Mask }) }));

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
    expect(uncovered(on, [])).toBe('no always,exit rule covers every namespace-making call of clone, clone3, unshare, setns of 64-bit (b64) processes');
    expect(uncovered(on, ours.slice(0, 3))).toBe('no always,exit rule covers every namespace-making call of clone, clone3, unshare, setns of 32-bit (b32) processes');
    expect(uncovered(on, [rule(AUDIT_ARCH_X86_64, [56, 435, 272]), ...ours.slice(3)])).toBe('no always,exit rule covers every namespace-making call of setns of 64-bit (b64) processes');
  });
  it('a rule with another field (-F auid>=1000) covers nothing', () => {
    const b = encodeExitRule({ arch: AUDIT_ARCH_X86_64, syscalls: [56, 435, 272, 308], key: 'k' });
    // Turn the key field (second) into auid (9) >= 1000.
    b.writeUInt32LE(9, 12 + 4 * 64 + 4);
    b.writeUInt32LE(1000, 12 + 4 * 64 + 4 * 64 + 4);
    expect(uncovered(on, [decodeListedRule(b), rule(AUDIT_ARCH_I386, [120, 435, 310, 346])])).toBe('no always,exit rule covers every namespace-making call of clone, clone3, unshare, setns of 64-bit (b64) processes');
  });
  it('a rule that tests a0 for namespace flags covers clone and unshare only when it keeps every CLONE_NEW* flag they can take', () => {
    const rest = [rule(AUDIT_ARCH_X86_64, [435, 308]), rule(AUDIT_ARCH_I386, [120, 435, 310, 346])];
    const covering = (cloneMask: number, unshareMask: number) => uncovered(on, [rule(AUDIT_ARCH_X86_64, [56], 'k', cloneMask), rule(AUDIT_ARCH_X86_64, [272], 'k', unshareMask), ...rest]);
    // CLONE_NEWNS|CLONE_NEWCGROUP…CLONE_NEWNET; unshare also CLONE_NEWTIME (0x80, clone's exit signal byte).
    expect(covering(0x7e020000, 0x7e020080)).toBeNull();
    expect(covering(0xffffffff, 0xffffffff)).toBeNull();
    expect(covering(0x40000000, 0x7e020080)).toBe('no always,exit rule covers every namespace-making call of clone of 64-bit (b64) processes');
    expect(covering(0x7e020000, 0x7e020000)).toBe('no always,exit rule covers every namespace-making call of unshare of 64-bit (b64) processes');
  });
  it('an a0 test on clone3 or setns covers nothing (their a0 is a struct pointer, an fd)', () => {
    const rules = [rule(AUDIT_ARCH_X86_64, [56, 272]), rule(AUDIT_ARCH_X86_64, [435, 308], 'k', 0xffffffff), rule(AUDIT_ARCH_I386, [120, 435, 310, 346])];
    expect(uncovered(on, rules)).toBe('no always,exit rule covers every namespace-making call of clone3, setns of 64-bit (b64) processes');
  });
});
