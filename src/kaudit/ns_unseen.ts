/**
 * NSPROC_NS_UNSEEN (SPEC §8): a successful clone, clone3, unshare or setns whose namespaces
 * nsproc could not read — the process was gone before it was read after the syscall — gets,
 * inside that syscall's own event, a record of nsproc's own that names the namespace types:
 *
 *   type=NSPROC_NS_UNSEEN msg=audit(T:S): pid=P syscall=unshare types=net,mnt comm="unshare" exe="/usr/bin/unshare"
 *
 * so that nothing the kernel reported is silently missing from the log. The types come from
 * the syscall's arguments as the SYSCALL record shows them; which of them nsproc saw comes
 * from what host mode read ({@link Sightings}). Pure.
 */
import { rawLine } from '../audit/format.js';
import { fieldValue } from '../audit/record_text.js';
import { profileTypes, type NsName } from '../model/nstypes.js';
import type { Task } from '../model/state.js';
import type { Sightings } from './sightings.js';
import type { SyscallInfo } from './syscall_record.js';

export const UNSEEN_RECORD = 'NSPROC_NS_UNSEEN';

/** Every type of Linux 6.x, in table order (the order NS_INFO prints them). */
const TYPES = profileTypes('modern').types;

/** clone(2)'s low byte is the exit signal, not flags (kernel/fork.c: `clone_flags & ~CSIGNAL`); CLONE_NEWTIME (0x80) is clone3's and unshare's only. */
const CSIGNAL = 0xff;

/**
 * The namespace types a syscall made (setns: entered), from its flags as the kernel logged
 * them: unshare's a0, clone's a0 without the exit signal, setns's nstype a1 (a pidfd setns
 * may name several). 'unknown' where the record cannot say: clone3 (a0 points to its
 * struct clone_args in user memory) and setns with nstype 0 (any type: the fd's own).
 * @returns the types in table order ([] when it made none, e.g. a plain fork), or 'unknown'
 * @example
 * madeTypes(parseSyscall('audit(1.002:3): arch=c000003e syscall=272 success=yes exit=0 a0=40020000 pid=5')!); // ['net', 'mnt']
 */
export function madeTypes(sys: SyscallInfo): NsName[] | 'unknown' {
  if (sys.nsOp === null) return [];
  if (sys.nsFlags === null || (sys.nsOp === 'setns' && sys.nsFlags === 0)) return 'unknown';
  const flags = sys.name === 'clone' ? sys.nsFlags & ~CSIGNAL : sys.nsFlags;
  return TYPES.filter((t) => (flags & t.flag) !== 0).map((t) => t.name);
}

/**
 * The process whose namespaces show what the syscall did, as the host numbers it: the caller
 * (the record's `pid` is from the initial pid namespace), or a clone's child. clone returns the
 * child's pid in the caller's pid namespace (its NSpid's last); for a caller below the initial
 * one, the child is the one of its children (as host mode read them) with that pid there.
 * @param tasks host mode's processes
 * @returns the pid, or null: a clone's child that host mode has not read under a caller in a child pid namespace
 */
export function targetPid(sys: SyscallInfo, tasks: ReadonlyMap<number, Task>): number | null {
  if (sys.nsOp !== 'clone') return sys.pid;
  const caller = tasks.get(sys.pid);
  if (!caller || caller.nrs.length <= 1) return sys.exit;
  const level = caller.nrs.length - 1;
  for (const c of caller.children ?? []) if (c.nrs[level] === sys.exit) return c.nrs[0]!;
  return null;
}

/**
 * Which of the types the syscall made nsproc did not see, taking what it saw of them from
 * `seen` (so that a later syscall of the same process is not taken for seen by it).
 * `pid` is {@link targetPid}'s (null: a child nsproc cannot name, so it never read it).
 * - The target is alive and was read now (`readNow`): all seen (its namespaces are known).
 * - unshare, clone with known flags: each type with an INIT by the target since the syscall.
 * - setns: an NS_INFO of the caller since the syscall (its namespaces changed and were read).
 * - clone3 (flags unknown): anything of the child since the syscall — a read, an INIT, an
 *   NS_INFO — means it was seen; a child read before it exited made no records of its own
 *   when it had no namespaces of its own.
 * @param sinceMs the syscall's time (its audit stamp); what was seen before it is older
 * @returns the unseen types, 'unknown', or null when nothing was unseen
 */
export function unseenTypes(sys: SyscallInfo, pid: number | null, readNow: boolean, seen: Sightings, sinceMs: number): NsName[] | 'unknown' | null {
  const made = madeTypes(sys);
  if (made !== 'unknown' && made.length === 0) return null;
  if (pid === null) return made;
  if (sys.nsOp === 'setns') return seen.takeInfo(pid, sinceMs) || readNow ? null : made;
  if (made === 'unknown') {
    const any = TYPES.filter((t) => seen.takeInit(pid, t.name, sinceMs)).length > 0;
    return any || seen.takeInfo(pid, sinceMs) || seen.readSince(pid, sinceMs) || readNow ? null : 'unknown';
  }
  const left = made.filter((t) => !seen.takeInit(pid, t, sinceMs));
  return left.length === 0 || readNow ? null : left;
}

/**
 * The record's line, with the syscall event's own stamp. comm and exe are the SYSCALL
 * record's own text (audit_log_untrustedstring(): quoted, or hex; `(null)` when it had none),
 * which is what format.ts writes for such values.
 * @param stamp the event's `SEC.MSEC:SERIAL`
 * @param syscallText the SYSCALL record's text
 * @example
 * unseenLine('1796153311.663:16', sys, ['net'], text);
 * // 'type=NSPROC_NS_UNSEEN msg=audit(1796153311.663:16): pid=8191 syscall=unshare types=net comm="unshare" exe="/usr/bin/unshare"'
 */
export function unseenLine(stamp: string, sys: SyscallInfo, types: readonly NsName[] | 'unknown', syscallText: string): string {
  const comm = fieldValue(syscallText, 'comm') ?? '(null)';
  const exe = fieldValue(syscallText, 'exe') ?? '(null)';
  const list = types === 'unknown' ? types : types.join(',');
  return rawLine(UNSEEN_RECORD, `audit(${stamp}): pid=${sys.pid} syscall=${sys.name} types=${list} comm=${comm} exe=${exe}`);
}
