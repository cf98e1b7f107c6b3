/**
 * File contents, generated from model state at open time (the kernel's
 * seq_file show functions): `<pid>/status`, `comm` and `cmdline` as proc(5)
 * (`stat`: stat_text.ts), `ns/*_snum` as the seed's patch 12/13.
 */
import type { Namespace, Task } from '../model/state.js';
import { ppidOf } from '../model/query.js';
import { parseStat } from './stat_text.js';

/** `ns/<type>_snum`: the serial in lowercase hex and a newline. */
export function renderSnum(ns: Namespace): string {
  return `${ns.snum.toString(16)}\n`;
}

/**
 * `<pid>/status` (fs/proc/array.c:proc_pid_status() and task_state()): the
 * lines the model can answer, in Linux 6.18's order and format (`Key:\t`,
 * tab-separated values), for a reader in the initial pid namespace.
 * NStgid/NSpid list the pid in each pid namespace from the initial one inwards.
 * Lines Linux has and the model cannot fill are left out rather than invented:
 * Umask and FDSize (no files), Groups (no supplementary groups), NSpgid/NSsid
 * (no process groups or sessions), memory, signals and the other capability sets.
 * A host process (SPEC §7) shows the host's lines instead.
 */
export function renderStatus(t: Task): string {
  // Host mode (SPEC §7): the host's own lines, as they were at the last scan.
  if (t.host) return t.host.status;
  const { uid, gid, caps } = t.cred;
  const nspid = t.nrs.join('\t'); // one number per pid namespace level, outermost first
  return [
    `Name:\t${t.comm}`,
    'State:\tS (sleeping)', // the model has no scheduler: every task waits
    `Tgid:\t${t.nrs[0]}`, // every task is single-threaded
    'Ngid:\t0', // NUMA balancing group: none
    `Pid:\t${t.nrs[0]}`,
    `PPid:\t${ppidOf(t)}`,
    'TracerPid:\t0', // the model has no ptrace
    `Uid:\t${uid}\t${uid}\t${uid}\t${uid}`, // real, effective, saved, filesystem
    `Gid:\t${gid}\t${gid}\t${gid}\t${gid}`,
    `NStgid:\t${nspid}`,
    `NSpid:\t${nspid}`,
    `Kthread:\t${t.kthread ? 1 : 0}`,
    `CapEff:\t${caps.toString(16).padStart(16, '0')}`,
    '',
  ].join('\n');
}

/**
 * `<pid>/comm`: the comm and a newline (fs/proc/base.c:comm_show()). A host process's
 * comm is taken from its `stat` line, where it is unescaped as in the host's own `comm`
 * (`status` escapes a newline and a backslash in `Name:`).
 */
export function renderComm(t: Task): string {
  const comm = t.host ? parseStat(t.host.stat)?.comm ?? t.comm : t.comm;
  return `${comm}\n`;
}

/**
 * `<pid>/mountinfo` (proc(5)): empty. The model's mount namespaces hold no mounts, so no
 * nsfs file is bind-mounted anywhere either (lsns's NSFS column stays empty, as in `nsctl lsns`).
 */
export function renderMountinfo(): string {
  return '';
}

/**
 * `<pid>/cmdline`: the arguments, each ended by a NUL (proc(5)). The model keeps no argv,
 * so a task's one argument is its comm; a kernel thread has no user memory and shows
 * nothing, as on Linux. A host process shows its own, as last read.
 */
export function renderCmdline(t: Task): string {
  if (t.host) return t.host.cmdline;
  return t.kthread ? '' : `${t.comm}\0`;
}
