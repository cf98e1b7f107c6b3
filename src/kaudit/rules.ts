/**
 * `--kernel-audit-rules` (SPEC §8): the kernel audit rules nsproc needs, added at start and
 * removed at stop, and the audit enabled flag restored as nsproc found it.
 *
 * Lifecycle: {@link installRules} at start → serve → {@link removeRules} at stop. What
 * install changed is also written to a state file, so that after a `kill -9` the next start
 * finds the rules it left (every rule with the key `nsproc`), removes them, and learns the
 * enabled flag the killed run had found (the flag it sees itself is the one that run set).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoFromNode, fail, type Result } from '../model/errno.js';
import { profileTypes } from '../model/nstypes.js';
import { decodeListedRule, encodeExitRule, sameRule, type AuditStatus, type ExitRule, type ListedRule } from './protocol.js';

/** The key of every rule nsproc adds; rules with this key belong to nsproc. */
export const NSPROC_KEY = 'nsproc';

export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_I386 = 0x40000003;

/**
 * The syscalls that change a process's namespaces, per arch as the kernel's audit records
 * name it: 64-bit (arch/x86/entry/syscalls/syscall_64.tbl) and 32-bit processes
 * (syscall_32.tbl); clone3 has one number everywhere.
 */
export const NS_SYSCALLS = [
  { arch: AUDIT_ARCH_X86_64, auditctl: 'b64', nr: { clone: 56, clone3: 435, unshare: 272, setns: 308 } },
  { arch: AUDIT_ARCH_I386, auditctl: 'b32', nr: { clone: 120, clone3: 435, unshare: 310, setns: 346 } },
] as const;

/** Every CLONE_NEW* flag (the type table's). */
const CLONE_NEW_ALL = profileTypes('modern').cloneNewMask;
/** clone(2)'s low byte is the exit signal, so its CLONE_NEWTIME bit (0x80) is no namespace flag there: clone3 and unshare only. */
const CSIGNAL = 0xff;

/**
 * Where each syscall says which namespaces it makes, as a rule can test it: clone's and
 * unshare's flags are a0, so `-F a0&MASK` keeps only the calls that ask for a namespace (a
 * plain fork, the commonest syscall event, makes none: no event). clone3 passes a struct and
 * setns may pass nstype 0: every call (null).
 */
export const NS_FLAGS_IN_A0 = { clone: (CLONE_NEW_ALL & ~CSIGNAL) >>> 0, unshare: CLONE_NEW_ALL, clone3: null, setns: null } as const;

type NsSyscall = keyof typeof NS_FLAGS_IN_A0;

/** Per arch: `-S clone -F a0&MASK`, `-S unshare -F a0&MASK`, `-S clone3,setns`, each `-k nsproc`. */
const RULE_GROUPS: readonly (readonly NsSyscall[])[] = [['clone'], ['unshare'], ['clone3', 'setns']];

export const NSPROC_RULES: readonly ExitRule[] = NS_SYSCALLS.flatMap((a) => RULE_GROUPS.map((names) => {
  const mask = NS_FLAGS_IN_A0[names[0]!];
  return { arch: a.arch, syscalls: names.map((n) => a.nr[n]), ...(mask === null ? {} : { a0Mask: mask }), key: NSPROC_KEY };
}));

/** The same rules as auditctl(8) commands, for messages and docs. */
export const AUDITCTL_ADD_RULES: readonly string[] = NS_SYSCALLS.flatMap((a) => RULE_GROUPS.map((names) => {
  const mask = NS_FLAGS_IN_A0[names[0]!];
  return `auditctl -a always,exit -F arch=${a.auditctl} -S ${names.join(',')}${mask === null ? '' : ` -F 'a0&0x${mask.toString(16)}'`} -k ${NSPROC_KEY}`;
}));
/** Undoing them by hand (the second only if audit was off before). */
export const AUDITCTL_UNDO = `auditctl -D -k ${NSPROC_KEY}; auditctl -e 0`;

/** The calls the manager makes (src/kaudit/socket.ts: AuditControl). */
export interface RulesKernel {
  status(): Result<AuditStatus>;
  setEnabled(enabled: 0 | 1): Result<void>;
  listRules(): Result<ListedRule[]>;
  addRule(rule: Buffer): Result<void>;
  deleteRule(rule: Buffer): Result<void>;
}

/** What {@link installRules} changed, for {@link removeRules}. */
export interface Installed {
  /** The rules this run added (each exactly as sent, which is what AUDIT_DEL_RULE matches). */
  readonly added: readonly Buffer[];
  /** The enabled flag to put back at stop, or null when it is to stay (it was already 1). */
  readonly restoreEnabled: 0 | null;
  /** Rules with the key `nsproc` found at start and removed (left by a killed run). */
  readonly leftovers: number;
}

/** The state file's contents: `enabled_before=N` and `pid=N` lines. */
interface Saved { readonly enabledBefore: number; readonly pid: number }

/**
 * Removes leftovers with the key `nsproc`, adds {@link NSPROC_RULES} and enables audit if it
 * was off. All or nothing: on a failure what was done is undone and the error returned.
 * @param k the kernel
 * @param stateFile where this run's changes are kept for a run after a kill -9
 * @param alive whether a pid is a running nsproc (refuses to take over another one's rules)
 */
export function installRules(k: RulesKernel, stateFile: string, alive: (pid: number) => boolean): Result<Installed> {
  const st = k.status();
  if (!st.ok) return st;
  if (st.value.enabled === 2) {
    return fail('EPERM', 'kernel audit is locked (enabled=2, auditctl -e 2): its rules cannot change until the next boot; run without --kernel-audit-rules');
  }
  const saved = readState(stateFile);
  if (saved && saved.pid !== process.pid && alive(saved.pid)) {
    return fail('EBUSY', `another nsproc (pid ${saved.pid}) manages the kernel audit rules (${stateFile}); stop it first, or run this one without --kernel-audit-rules`);
  }
  const listed = k.listRules();
  if (!listed.ok) return listed;
  const ours = listed.value.filter((r) => r.key === NSPROC_KEY);
  for (const r of ours) {
    const d = k.deleteRule(r.data);
    if (!d.ok) return d;
  }
  // A state file outlives only a killed run (a stop removes it; /run is emptied at boot): the
  // flag that run found is the one to restore, not the one it set.
  const enabledBefore = saved ? saved.enabledBefore : st.value.enabled;
  const written = writeState(stateFile, { enabledBefore, pid: process.pid });
  if (!written.ok) return written;
  const added: Buffer[] = [];
  const undo = (): void => {
    for (const r of added) k.deleteRule(r);
    if (enabledBefore === 0) k.setEnabled(0);
    fs.rmSync(stateFile, { force: true });
  };
  const a = addNsprocRules(k, added);
  if (!a.ok) {
    undo();
    return a;
  }
  if (st.value.enabled === 0) {
    const e = k.setEnabled(1);
    if (!e.ok) {
      undo();
      return e;
    }
  }
  return { ok: true, value: { added, restoreEnabled: enabledBefore === 0 ? 0 : null, leftovers: ours.length } };
}

/**
 * nsproc's rules again, after someone removed some of them (`auditctl -D`, as an auditd
 * reload or augenrules does): only the missing ones are added. None is deleted: an
 * `auditctl -D` still going through its list would fail on a rule gone under it.
 * @returns what is now installed (every rule of nsproc's; the flag to restore stays as it was)
 */
export function readdRules(k: RulesKernel, installed: Installed): Result<Installed & { readonly readded: number }> {
  const listed = k.listRules();
  if (!listed.ok) return listed;
  let readded = 0;
  for (const data of missingRules(listed.value)) {
    const a = k.addRule(data);
    // EEXIST: added by another hand since the listing; it is there, which is what counts.
    if (!a.ok && a.error.errno !== 'EEXIST') return a;
    if (a.ok) readded++;
  }
  return { ok: true, value: { ...installed, added: OWN_RULES.map((own) => own.data), readded } };
}

/** Adds {@link NSPROC_RULES}, each as sent pushed to `added` (what AUDIT_DEL_RULE needs back); stops at the first failure. */
function addNsprocRules(k: RulesKernel, added: Buffer[]): Result<void> {
  for (const { data } of OWN_RULES) {
    const a = k.addRule(data);
    if (!a.ok) return a;
    added.push(data);
  }
  return { ok: true, value: undefined };
}

/** Each of {@link NSPROC_RULES} as sent, and as a listing would show it. */
const OWN_RULES = NSPROC_RULES.map((rule) => {
  const data = encodeExitRule(rule);
  return { data, listed: decodeListedRule(data) };
});

/** The rules of {@link NSPROC_RULES} that `listed` lacks, as AUDIT_ADD_RULE takes them. */
function missingRules(listed: readonly ListedRule[]): Buffer[] {
  return OWN_RULES.filter((own) => !listed.some((r) => sameRule(r, own.listed))).map((own) => own.data);
}

/** Whether every rule of {@link NSPROC_RULES} is still loaded. */
export function rulesIntact(listed: readonly ListedRule[]): boolean {
  return missingRules(listed).length === 0;
}

/**
 * Deletes the rules {@link installRules} added and restores the enabled flag; every step is
 * tried, and the first failure is returned.
 */
export function removeRules(k: RulesKernel, installed: Installed, stateFile: string): Result<void> {
  let first: Result<void> = { ok: true, value: undefined };
  const keep = (r: Result<void>): void => {
    if (first.ok && !r.ok) first = r;
  };
  for (const r of installed.added) {
    const d = k.deleteRule(r);
    // ENOENT: someone removed it already (auditctl -D); nothing of ours is left.
    if (!d.ok && d.error.errno !== 'ENOENT') keep(d);
  }
  if (installed.restoreEnabled !== null) keep(k.setEnabled(installed.restoreEnabled));
  if (first.ok) fs.rmSync(stateFile, { force: true });
  return first;
}

function readState(file: string): Saved | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const field = (name: string): number | null => {
    const m = new RegExp(`^${name}=(\\d+)$`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };
  const enabledBefore = field('enabled_before');
  const pid = field('pid');
  return enabledBefore === null || pid === null ? null : { enabledBefore, pid };
}

function writeState(file: string, s: Saved): Result<void> {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `enabled_before=${s.enabledBefore}\npid=${s.pid}\n`, { mode: 0o600 });
    fs.renameSync(tmp, file);
    return { ok: true, value: undefined };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    return fail(errnoFromNode(code), `cannot write ${file}, which lets a later start undo this one's audit rules: ${code}`);
  }
}

/**
 * Without `--kernel-audit-rules` nsproc changes nothing; it says at start what keeps syscall
 * events from coming, with the auditctl(8) commands that would change it.
 * @returns one line per problem (none when audit is on and some always,exit rule exists)
 */
export function startWarnings(status: AuditStatus, rules: readonly ListedRule[]): string[] {
  const add = AUDITCTL_ADD_RULES.join('; ');
  const out: string[] = [];
  if (status.enabled === 0) {
    out.push(`kernel audit is off (enabled=0): no kernel events will come. To turn it on: auditctl -e 1 (or start with --kernel-audit-rules)`);
  }
  if (!rules.some((r) => r.alwaysExit)) {
    out.push(`no always,exit audit rule is loaded: the kernel makes no syscall events. nsproc's own would be: ${add} (or start with --kernel-audit-rules)`);
  }
  return out;
}
