import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeListedRule, encodeExitRule, type AuditStatus } from './protocol.js';
import { AUDITCTL_ADD_RULES, NSPROC_RULES, installRules, readdRules, removeRules, rulesIntact, startWarnings, type RulesKernel } from './rules.js';
import type { Result } from '../model/errno.js';

const STATUS: AuditStatus = { enabled: 0, pid: 0, backlogLimit: 64, lost: 0, backlog: 0 };
const okv = <T>(value: T): Result<T> => ({ ok: true, value });

/** A kernel's rule list and enabled flag; `refuse` makes one call fail. */
function fakeKernel(enabled: number, rules: Buffer[] = []) {
  const state = { enabled, rules: [...rules], calls: [] as string[], refuse: '' };
  const refused = (call: string) => state.refuse === call;
  const k: RulesKernel = {
    status: () => okv({ ...STATUS, enabled: state.enabled }),
    setEnabled: (e) => {
      state.calls.push(`enable ${e}`);
      if (refused('enable') || state.enabled === 2) return { ok: false, error: { errno: 'EPERM', detail: 'locked' } };
      state.enabled = e;
      return okv(undefined);
    },
    listRules: () => okv(state.rules.map(decodeListedRule)),
    addRule: (r) => {
      state.calls.push('add');
      if (refused('add') && state.rules.length > 0) return { ok: false, error: { errno: 'EPERM', detail: 'no' } };
      if (state.rules.some((x) => x.equals(r))) return { ok: false, error: { errno: 'EEXIST', detail: 'exists' } };
      state.rules.push(Buffer.from(r));
      return okv(undefined);
    },
    deleteRule: (r) => {
      state.calls.push('delete');
      const i = state.rules.findIndex((x) => x.equals(r));
      if (i < 0) return { ok: false, error: { errno: 'ENOENT', detail: 'none' } };
      state.rules.splice(i, 1);
      return okv(undefined);
    },
  };
  return { k, state };
}

let dir = '';
afterEach(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); dir = ''; });
function stateFile(): string {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsproc-rules-'));
  return path.join(dir, 'run', 'kernel-audit-rules');
}
const userRule = encodeExitRule({ arch: 0xc000003e, syscalls: [59], key: 'exec' });
const nobody = () => false;

describe('installRules / removeRules', () => {
  it('adds the b64 and b32 rules (clone and unshare only when they ask for a namespace), enables audit, and at stop leaves the kernel as it found it', () => {
    const { k, state } = fakeKernel(0, [userRule]);
    const file = stateFile();
    const r = installRules(k, file, nobody);
    expect(r.ok && r.value.leftovers).toBe(0);
    expect(state.enabled).toBe(1);
    expect(state.rules.map((b) => decodeListedRule(b).key)).toEqual(['exec', ...NSPROC_RULES.map(() => 'nsproc')]);
    expect(AUDITCTL_ADD_RULES.slice(0, 3)).toEqual([
      "auditctl -a always,exit -F arch=b64 -S clone -F 'a0&0x7e020000' -k nsproc",
      "auditctl -a always,exit -F arch=b64 -S unshare -F 'a0&0x7e020080' -k nsproc",
      'auditctl -a always,exit -F arch=b64 -S clone3,setns -k nsproc',
    ]);
    expect(state.rules.slice(1).map((b) => decodeListedRule(b).a0Mask)).toEqual([0x7e020000, 0x7e020080, null, 0x7e020000, 0x7e020080, null]);
    expect(fs.readFileSync(file, 'utf8')).toBe(`enabled_before=0\npid=${process.pid}\n`);
    expect(removeRules(k, r.ok ? r.value : (undefined as never), file).ok).toBe(true);
    expect([state.enabled, state.rules]).toEqual([0, [userRule]]);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('leaves audit on at stop when it was on at start', () => {
    const { k, state } = fakeKernel(1);
    const file = stateFile();
    const r = installRules(k, file, nobody);
    if (!r.ok) throw new Error(r.error.detail);
    removeRules(k, r.value, file);
    expect([state.enabled, state.rules.length, state.calls.filter((c) => c.startsWith('enable'))]).toEqual([1, 0, []]);
  });

  it('after a kill -9: removes the rules left with the key nsproc and restores the flag the killed run found', () => {
    const { k, state } = fakeKernel(1, NSPROC_RULES.map(encodeExitRule));
    const file = stateFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'enabled_before=0\npid=999999\n');
    const r = installRules(k, file, nobody);
    if (!r.ok) throw new Error(r.error.detail);
    expect([r.value.leftovers, state.rules.length]).toEqual([6, 6]);
    removeRules(k, r.value, file);
    expect([state.enabled, state.rules.length]).toEqual([0, 0]);
  });

  it('refuses to take over the rules of another nsproc that is still running (EBUSY)', () => {
    const { k, state } = fakeKernel(1, NSPROC_RULES.map(encodeExitRule));
    const file = stateFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'enabled_before=0\npid=4242\n');
    const r = installRules(k, file, (pid) => pid === 4242);
    expect(r.ok ? '' : r.error.errno).toBe('EBUSY');
    expect([state.rules.length, state.calls]).toEqual([6, []]);
  });

  it('refuses a locked audit (enabled=2) with EPERM and a sentence, changing nothing', () => {
    const { k, state } = fakeKernel(2);
    const r = installRules(k, stateFile(), nobody);
    expect(r.ok ? '' : r.error).toMatchObject({ errno: 'EPERM', detail: expect.stringContaining('locked') });
    expect(state.calls).toEqual([]);
  });

  it('undoes what it did when a step fails: no rule of its own left, the flag as it was', () => {
    const { k, state } = fakeKernel(0, [userRule]);
    state.refuse = 'add'; // the second add fails
    const file = stateFile();
    const r = installRules(k, file, nobody);
    expect(r.ok ? '' : r.error.errno).toBe('EPERM');
    expect([state.rules, state.enabled, fs.existsSync(file)]).toEqual([[userRule], 0, false]);
  });

  it('removeRules tolerates rules someone already deleted (auditctl -D)', () => {
    const { k, state } = fakeKernel(0);
    const file = stateFile();
    const r = installRules(k, file, nobody);
    if (!r.ok) throw new Error(r.error.detail);
    state.rules = [];
    expect(removeRules(k, r.value, file).ok).toBe(true);
    expect(state.enabled).toBe(0);
  });
});

describe('readdRules', () => {
  it('while an auditctl -D goes through its list: adds back only what is missing and deletes nothing, so every delete of auditctl\'s finds its rule', () => {
    const { k, state } = fakeKernel(0, [userRule]);
    const file = stateFile();
    const r = installRules(k, file, nobody);
    if (!r.ok) throw new Error(r.error.detail);
    // auditctl -D -k nsproc: lists, then deletes one rule after another; nsproc wakes after the first.
    const listing = state.rules.filter((b) => decodeListedRule(b).key === 'nsproc');
    const deletes: string[] = [];
    listing.forEach((b, i) => {
      const d = k.deleteRule(b);
      deletes.push(d.ok ? 'ok' : d.error.errno);
      if (i === 0) {
        expect(rulesIntact(state.rules.map(decodeListedRule))).toBe(false);
        const again = readdRules(k, r.value);
        expect(again.ok && again.value.readded).toBe(1);
      }
    });
    expect(deletes).toEqual(listing.map(() => 'ok'));
    // Once the burst is over: the rest comes back, and all of nsproc's rules are there once.
    const last = readdRules(k, r.value);
    expect(last.ok && last.value.readded).toBe(NSPROC_RULES.length - 1);
    expect(rulesIntact(state.rules.map(decodeListedRule))).toBe(true);
    expect(state.rules.filter((b) => decodeListedRule(b).key === 'nsproc')).toHaveLength(NSPROC_RULES.length);
    expect(state.rules[0]).toEqual(userRule);
  });

  it('with every rule in place adds nothing', () => {
    const { k, state } = fakeKernel(1);
    const r = installRules(k, stateFile(), nobody);
    if (!r.ok) throw new Error(r.error.detail);
    state.calls = [];
    const again = readdRules(k, r.value);
    expect([again.ok && again.value.readded, state.calls]).toEqual([0, []]);
  });
});

describe('startWarnings', () => {
  const listed = (b: Buffer) => decodeListedRule(b);
  it('says when audit is off and when no always,exit rule exists, with the auditctl commands', () => {
    expect(startWarnings({ ...STATUS, enabled: 0 }, [])).toEqual([
      expect.stringContaining('auditctl -e 1'),
      expect.stringContaining(AUDITCTL_ADD_RULES.join('; ')),
    ]);
    expect(startWarnings({ ...STATUS, enabled: 1 }, [listed(userRule)])).toEqual([]);
    expect(startWarnings({ ...STATUS, enabled: 2 }, [listed(userRule)])).toEqual([]);
  });
});
