/**
 * The `<pid>/stat` line (proc(5), fs/proc/array.c:do_task_stat()): how nsproc
 * writes it for a model task, and how a reader takes it apart.
 */
import { ppidOf } from '../model/query.js';
import type { Task } from '../model/state.js';

/** proc(5)'s `flags` bit of a kernel thread (include/linux/sched.h). */
const PF_KTHREAD = 0x00200000;

/** Fields the model has no value for: 0, as do_task_stat() prints for what a task lacks. */
const none = (...names: string[]): [string, number][] => names.map((n) => [n, 0]);

/**
 * `<pid>/stat`: the 52 fields of proc(5), in order, for a reader in the initial pid
 * namespace. The model knows pid, comm, state, ppid, whether the task is a kernel
 * thread (`flags`) and that it has one thread; every other field is 0. A host process
 * (SPEC §7) shows the host's own line, as last read.
 * @example
 * renderStat(init) // '1 (init) S 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 …\n'
 */
export function renderStat(t: Task): string {
  if (t.host) return t.host.stat;
  const fields: [string, number | string][] = [
    ['pid', t.nrs[0]!],
    ['comm', `(${t.comm})`],
    ['state', 'S'], // the model has no scheduler: every task waits, as `status` says
    ['ppid', ppidOf(t)],
    ...none('pgrp', 'session', 'tty_nr', 'tpgid'),
    ['flags', t.kthread ? PF_KTHREAD : 0],
    ...none('minflt', 'cminflt', 'majflt', 'cmajflt', 'utime', 'stime', 'cutime', 'cstime', 'priority', 'nice'),
    ['num_threads', 1], // every task is single-threaded
    ...none('itrealvalue', 'starttime', 'vsize', 'rss', 'rsslim', 'startcode', 'endcode', 'startstack', 'kstkesp', 'kstkeip',
      'signal', 'blocked', 'sigignore', 'sigcatch', 'wchan', 'nswap', 'cnswap', 'exit_signal', 'processor', 'rt_priority',
      'policy', 'delayacct_blkio_ticks', 'guest_time', 'cguest_time', 'start_data', 'end_data', 'start_brk', 'arg_start',
      'arg_end', 'env_start', 'env_end', 'exit_code'),
  ];
  return `${fields.map((f) => f[1]).join(' ')}\n`;
}

/** A stat line's pid, its comm, and the fields after the comm (proc(5)'s field 3, `state`, onwards). */
export interface StatLine {
  readonly pid: number;
  readonly comm: string;
  readonly rest: readonly string[];
}

/**
 * Splits a stat line as procps does (readproc.c:stat2proc()): the comm runs from the
 * first `(` to the LAST `)`, since a comm may itself hold spaces and parentheses.
 * Null for a line without them.
 * @example
 * parseStat('7 (a) b) S 1 …') // { pid: 7, comm: 'a) b', rest: ['S', '1', …] }
 */
export function parseStat(text: string): StatLine | null {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  return {
    pid: Number(text.slice(0, open)),
    comm: text.slice(open + 2, close),
    rest: text.slice(close + 1).trim().split(' '),
  };
}
