/**
 * What nsproc reads from a kernel SYSCALL record (kernel/auditsc.c:audit_log_exit():
 * `arch=%x syscall=%d success=%s exit=%ld … pid=%d auid=%u uid=%u … comm= exe= … key=…`):
 * whose event it is, which syscall, and its key(s). The kernel audit reader and the trail
 * (src/trail/) both read SYSCALL records here.
 */
import { fieldValue as field, untrustedString } from '../audit/record_text.js';
import { NS_SYSCALLS } from './rules.js';

export interface SyscallInfo {
  readonly arch: number;
  readonly syscall: number;
  readonly success: boolean;
  /** The return value: for a clone or clone3 that succeeded, the child's pid. */
  readonly exit: number;
  /**
   * The CLONE_NEW* flags asked for: clone's and unshare's first argument (a0), setns's nstype
   * (a1, 0 = any); null for clone3, whose flags are in user memory (a0 is a pointer).
   */
  readonly nsFlags: number | null;
  readonly pid: number;
  /** The task's loginuid and real uid (4294967295: unset); -1 when the record has none. */
  readonly auid: number;
  readonly uid: number;
  /** comm and exe (audit_log_untrustedstring()), null when the record has none. */
  readonly comm: string | null;
  readonly exe: string | null;
  /** The syscall's name when it is one of the namespace syscalls (clone, clone3, unshare, setns), else null. */
  readonly name: string | null;
  /** The rule keys (`key="nsproc"`; several are hex, joined by \x01, as auditctl -k twice); [] for `key=(null)`. */
  readonly keys: readonly string[];
  /** What the syscall does to namespaces, or null: it is none of clone, clone3, unshare, setns. */
  readonly nsOp: 'clone' | 'unshare' | 'setns' | null;
}

/** arch → syscall number → what it does to namespaces (clone3 is a clone). */
const NS_OPS: ReadonlyMap<number, ReadonlyMap<number, NonNullable<SyscallInfo['nsOp']>>> = new Map(
  NS_SYSCALLS.map((a) => [a.arch, new Map(Object.entries(a.nr).map(([name, nr]) => [nr, name === 'clone3' ? 'clone' : name as 'clone' | 'unshare' | 'setns']))]),
);

/** arch → syscall number → its name (clone3 as itself). */
const NS_NAMES: ReadonlyMap<number, ReadonlyMap<number, string>> = new Map(
  NS_SYSCALLS.map((a) => [a.arch, new Map(Object.entries(a.nr).map(([name, nr]) => [nr, name]))]),
);

/** clone3's number on every arch (include/uapi/asm-generic/unistd.h). */
const CLONE3 = 435;

/**
 * @param message a SYSCALL record's text
 * @returns what it says, or null when a field nsproc needs is missing
 * @example
 * parseSyscall('audit(1.002:16): arch=c000003e syscall=272 success=yes exit=0 … pid=8191 … key="nsproc"');
 * // { arch: 0xc000003e, syscall: 272, success: true, exit: 0, pid: 8191, keys: ['nsproc'], nsOp: 'unshare' }
 */
export function parseSyscall(message: string): SyscallInfo | null {
  const arch = field(message, 'arch');
  const syscall = field(message, 'syscall');
  const pid = field(message, 'pid');
  if (arch === null || syscall === null || pid === null) return null;
  const archNr = parseInt(arch, 16);
  const nr = Number(syscall);
  const success = field(message, 'success') === 'yes';
  const nsOp = success ? NS_OPS.get(archNr)?.get(nr) ?? null : null;
  const arg = (name: string): number => parseInt(field(message, name) ?? '0', 16) >>> 0;
  const num = (name: string): number => Number(field(message, name) ?? -1);
  const str = (name: string): string | null => {
    const v = field(message, name);
    return v === null ? null : untrustedString(v);
  };
  return {
    arch: archNr, syscall: nr, success, exit: Number(field(message, 'exit') ?? 0), pid: Number(pid),
    auid: num('auid'), uid: num('uid'), comm: str('comm'), exe: str('exe'), name: NS_NAMES.get(archNr)?.get(nr) ?? null,
    keys: keysOf(field(message, 'key')), nsOp,
    nsFlags: nsOp === null || nr === CLONE3 ? null : nsOp === 'setns' ? arg('a1') : arg('a0'),
  };
}

/** `"nsproc"` → [nsproc]; `(null)` → []; hex (kernel/audit.c:audit_log_key() when the text needs it) → split at \x01. */
function keysOf(v: string | null): string[] {
  const text = v === null ? null : untrustedString(v);
  if (text === null) return [];
  return v!.startsWith('"') ? [text] : text.split('\x01');
}
