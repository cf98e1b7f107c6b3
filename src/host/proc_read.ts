/**
 * Reading one process from /proc (proc(5)): its status lines, stat, cmdline, loginuid,
 * sessionid, LSM label, cgroup and `ns/` links. Synchronous: runs in the scanning
 * worker thread only, never on the thread that serves FUSE.
 */
import * as fs from 'node:fs';
import { AUDIT_UNSET } from '../model/boot.js';
import { ERRNO, errnoFromNode, fail, ok, type Result } from '../model/errno.js';
import type { ObservedProc } from '../model/host_observation.js';
import { containerOf } from './cgroup_container.js';

/** The `status` lines SPEC §7 serves, in the host's order. */
const STATUS_KEYS = new Set(['Name', 'State', 'Tgid', 'Pid', 'PPid', 'Uid', 'Gid', 'NStgid', 'NSpid', 'CapEff']);

export interface ProcStatus {
  readonly comm: string;
  /** The thread group (process) it belongs to: another number than its own for a thread read by its tid. */
  readonly tgid: number | null;
  readonly ppid: number;
  /** `Uid:` and `Gid:`: real, effective, saved and fs ids, in that order (fs/proc/array.c:task_state()). */
  readonly uids: readonly number[];
  readonly gids: readonly number[];
  readonly nspid: number[];
  readonly capEff: bigint;
  readonly capPrm: bigint;
  readonly kthread: boolean;
  /** Z (zombie) or X (dead): its namespaces are gone already (exit_task_namespaces()). */
  readonly dead: boolean;
  /** The SPEC §7 lines, each ending in a newline. */
  readonly lines: string;
}

/** Parses `/proc/<pid>/status` (fs/proc/array.c:proc_pid_status()). */
export function parseStatus(text: string): ProcStatus {
  const f = new Map<string, string>();
  let lines = '';
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^\t/, '');
    f.set(key, value);
    if (STATUS_KEYS.has(key)) lines += `${line}\n`;
  }
  const ids = (k: string) => {
    const v = (f.get(k) ?? '').split('\t').map(Number);
    return [0, 1, 2, 3].map((i) => v[i] ?? 0);
  };
  const cap = (k: string) => BigInt(`0x${f.get(k) ?? '0'}`);
  const state = f.get('State') ?? '';
  return {
    comm: f.get('Name') ?? '',
    tgid: f.has('Tgid') ? Number(f.get('Tgid')) : null,
    ppid: Number(f.get('PPid') ?? 0),
    uids: ids('Uid'),
    gids: ids('Gid'),
    nspid: (f.get('NSpid') ?? f.get('Pid') ?? '0').split('\t').map(Number),
    capEff: cap('CapEff'),
    capPrm: cap('CapPrm'),
    // Kthread: is Linux 6.x; before it, kernel threads are kthreadd (pid 2) and its children.
    kthread: f.has('Kthread') ? f.get('Kthread') === '1' : f.get('PPid') === '2' || f.get('Pid') === '2',
    dead: state.startsWith('Z') || state.startsWith('X'),
    lines,
  };
}

/** Where {@link readProcFile} reads; grown when a file is larger (it stays that large). */
let scratch = Buffer.allocUnsafe(16384);

/**
 * A /proc file's text, or why not (ENOENT once the process is gone).
 * open, read until 0, close, into one reused buffer: readFileSync's fstat and fresh
 * buffer made reading every process's `cgroup` 1.4× as dear (1.17 against 0.82 ms for 76).
 * @example
 * const r = readProcFile('/proc/self/status');
 * // r.ok && r.value.startsWith('Name:')
 */
export function readProcFile(path: string): Result<string> {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY);
  } catch (e) {
    return failed('open', path, e);
  }
  try {
    let end = 0;
    for (;;) {
      if (end === scratch.length) {
        const next = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(next);
        scratch = next;
      }
      const n = fs.readSync(fd, scratch, end, scratch.length - end, null);
      if (n === 0) return ok(scratch.toString('utf8', 0, end));
      end += n;
    }
  } catch (e) {
    return failed('read', path, e);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A file the tree serves as the host showed it (`<pid>/stat`, `cmdline`), read once with the
 * process's `status`; '' when the process went meanwhile (its exit follows).
 */
export function readServedText(pid: number, file: 'stat' | 'cmdline'): string {
  const t = readProcFile(`/proc/${pid}/${file}`);
  return t.ok ? t.value : '';
}

/** What one read of a process found: it (with its cgroup text, '' for kernel threads), a thread read by its tid, or nothing (gone meanwhile). */
export type ProcessRead =
  | { readonly kind: 'process'; readonly facts: ObservedProc; readonly cgroup: string }
  | { readonly kind: 'thread' }
  | { readonly kind: 'gone' };

/**
 * Everything host mode observes of a process but its `ns/` links (read before, by the caller).
 * @param ns its namespaces' keys by `ns/` entry, null when they could not be read
 * @example
 * const r = readProcess(process.pid, null);
 * // r.kind === 'process' && r.facts.pid === process.pid
 */
export function readProcess(pid: number, ns: Record<string, string> | null): ProcessRead {
  const text = readProcFile(`/proc/${pid}/status`);
  const st = text.ok ? parseStatus(text.value) : null;
  // A thread read by its tid (a kernel-audit rescan of a clone3's child: pthread_create): no process.
  if (st && st.tgid !== null && st.tgid !== pid) return { kind: 'thread' };
  const dumpable = st && !st.dead ? readDumpable(pid, st) : null;
  if (!st || dumpable === null) return { kind: 'gone' };
  // Kernel threads stay in the root cgroup (kthreadd's): not read.
  const cgroup = st.kthread ? '' : readCgroup(pid);
  const facts: ObservedProc = {
    pid, ppid: st.ppid, comm: st.comm, nspid: st.nspid, uid: st.uids[0]!, gid: st.gids[0]!, capEff: st.capEff,
    creds: { uids: st.uids, gids: st.gids, capPrm: st.capPrm, dumpable },
    auid: readAuditId(pid, 'loginuid'), ses: readAuditId(pid, 'sessionid'), subj: readSubj(pid), kthread: st.kthread,
    status: st.lines, stat: readServedText(pid, 'stat'), cmdline: readServedText(pid, 'cmdline'), ns, container: containerOf(cgroup),
  };
  return { kind: 'process', facts, cgroup };
}

/** /proc/<pid>/cgroup's text; '' when it cannot be read (gone, or a kernel without cgroups). */
export function readCgroup(pid: number): string {
  const t = readProcFile(`/proc/${pid}/cgroup`);
  return t.ok ? t.value : '';
}

/** loginuid / sessionid: the number, or unset (4294967295) when the file is missing. */
export function readAuditId(pid: number, file: 'loginuid' | 'sessionid'): number {
  const t = readProcFile(`/proc/${pid}/${file}`);
  return t.ok && /^[0-9]+$/.test(t.value.trim()) ? Number(t.value.trim()) : AUDIT_UNSET;
}

/** attr/current without its newline; '?' when the host has no LSM (EINVAL), as auditd prints unknown values. */
export function readSubj(pid: number): string {
  const t = readProcFile(`/proc/${pid}/attr/current`);
  if (!t.ok) return '?';
  const v = t.value.replace(/\0/g, '').trim();
  return v === '' ? '?' : v;
}

/**
 * Whether the process is dumpable (prctl(2) PR_SET_DUMPABLE; a set-id exec or a credential
 * change without exec clears it): fs/proc/base.c:task_dump_owner() gives `/proc/<pid>/ns`
 * to root (of the mm's user namespace) when it is not, else to the euid and egid, which
 * `status` holds. Null when the process is gone.
 */
export function readDumpable(pid: number, ids: Pick<ProcStatus, 'uids' | 'gids'>): boolean | null {
  try {
    const o = fs.lstatSync(`/proc/${pid}/ns`);
    return o.uid === ids.uids[1] && o.gid === ids.gids[1];
  } catch {
    return null;
  }
}

/**
 * How long the process's main thread has been on a CPU and how many timeslices it got
 * (/proc/<pid>/schedstat: sum_exec_runtime and pcount, fs/proc/base.c:proc_pid_schedstat()),
 * as text to compare with a later reading; null when it cannot be read (gone). The same
 * text later means the thread has not run in between, so it made no system call.
 */
export function readRunTime(pid: number): string | null {
  const r = readProcFile(`/proc/${pid}/schedstat`);
  if (!r.ok) return null;
  const fields = r.value.split(' ');
  return fields.length === 3 ? `${fields[0]} ${fields[2]!.trimEnd()}` : null;
}

/**
 * How many threads the process has: /proc/<pid>/task's link count is two plus that
 * (fs/proc/base.c:proc_task_getattr()); null when gone.
 */
export function readThreads(pid: number): number | null {
  try {
    const st = fs.statSync(`/proc/${pid}/task`, { throwIfNoEntry: false });
    return st ? st.nlink - 2 : null;
  } catch {
    return null;
  }
}

/** `net:[4026531993]` → 4026531993, or null for any other link text. */
export function linkInum(text: string, type: string): number | null {
  if (!text.startsWith(`${type}:[`) || !text.endsWith(']')) return null;
  const n = Number(text.slice(type.length + 2, -1));
  return Number.isInteger(n) ? n : null;
}

/** readlink(2) of a /proc path, or why not (EACCES: another user's `ns/`; ENOENT: gone). */
export function readLink(path: string): Result<string> {
  try {
    return ok(fs.readlinkSync(path));
  } catch (e) {
    return failed('readlink', path, e);
  }
}

/** A failed system call on `path` as a Result: its errno name and `<call>(2) of <path>: <strerror>`. */
function failed(call: string, path: string, e: unknown): Result<never> {
  const errno = errnoFromNode((e as NodeJS.ErrnoException).code);
  return fail(errno, `${call}(2) of ${path}: ${ERRNO[errno][1]}`);
}

/** The numeric entries of /proc: every process (thread group) of the pid namespace /proc shows. */
export function listPids(): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) pids.push(Number(name));
  }
  return pids;
}
