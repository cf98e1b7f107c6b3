/**
 * File contents, generated from model state at open time (the kernel's
 * seq_file show functions): `<pid>/status` as proc(5), `ns/*_snum` as the
 * seed's patch 12/13.
 */
import { pidNsChain } from '../model/pids.js';
import type { Namespace, Task } from '../model/state.js';

/** `ns/<type>_snum`: the serial in lowercase hex and a newline. */
export function renderSnum(ns: Namespace): string {
  return `${ns.snum.toString(16)}\n`;
}

/**
 * `<pid>/status` (fs/proc/array.c:proc_pid_status()): pids as the initial pid
 * namespace sees them; NStgid/NSpid list the pid in each pid namespace from the
 * initial one inwards, as Linux prints them for a reader in the initial one.
 */
export function renderStatus(t: Task): string {
  const { uid, gid, caps } = t.cred;
  const nspid = pidNsChain(t.pidNs).map((_, level) => t.nrs[level]).join('\t');
  const ppid = t.parent && t.parent.state === 'live' ? t.parent.nrs[0] : 0;
  return [
    `Name:\t${t.comm}`,
    'State:\tS (sleeping)', // the model has no scheduler: every task waits
    `Tgid:\t${t.nrs[0]}`,
    `Pid:\t${t.nrs[0]}`,
    `PPid:\t${ppid}`,
    `Uid:\t${uid}\t${uid}\t${uid}\t${uid}`, // real, effective, saved, filesystem
    `Gid:\t${gid}\t${gid}\t${gid}\t${gid}`,
    `NStgid:\t${nspid}`,
    `NSpid:\t${nspid}`,
    `CapEff:\t${caps.toString(16).padStart(16, '0')}`,
    '',
  ].join('\n');
}
