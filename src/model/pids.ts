/**
 * Pid numbers, as kernel/pid.c:alloc_pid() hands them out: in the task's own
 * pid namespace and in every ancestor, each by idr_alloc_cyclic() from the
 * namespace's cursor up to pid_max (exclusive), wrapping to RESERVED_PIDS once
 * the cursor has passed it (to 1 before), EAGAIN when none is free.
 */
import { mapDelete, mapSet, setField } from './journal.js';
import type { ModelState, Namespace, PidSpace, Task } from './state.js';

/** kernel/pid.c: the low numbers skipped after the first wrap. */
export const RESERVED_PIDS = 300;
/** PID_MAX_LIMIT on 64-bit, what systemd sets kernel.pid_max to. */
export const DEFAULT_PID_MAX = 4194304;

/** pid_t is a signed 32-bit int: no pid is above this. */
export const PID_T_MAX = 0x7fffffff;

/**
 * A pid as /proc names it and nsctl takes it: decimal without sign or leading zero, 1..PID_T_MAX.
 * @returns the number, or null for any other text
 */
export function pidFromText(text: string): number | null {
  return /^[1-9][0-9]{0,9}$/.test(text) && Number(text) <= PID_T_MAX ? Number(text) : null;
}

/** The number idr_alloc_cyclic() would give next, or null when the namespace is full. */
export function peekPid(ps: PidSpace, pidMax: number): number | null {
  const min = ps.cursor > RESERVED_PIDS ? RESERVED_PIDS : 1;
  // Every number in [1, pid_max) taken: nothing to scan for. (Pids below `min` count in
  // `size` too, so comparing with pidMax - min would refuse free numbers after the wrap.)
  if (ps.tasks.size >= pidMax - 1) return null;
  for (let n = Math.max(ps.cursor, min); n < pidMax; n++) if (!ps.tasks.has(n)) return n;
  for (let n = min; n < ps.cursor && n < pidMax; n++) if (!ps.tasks.has(n)) return n;
  return null;
}

/** The pid namespaces a task in `ns` has a number in, from level 0 to `ns`. */
export function pidNsChain(ns: Namespace): Namespace[] {
  const chain: Namespace[] = [];
  for (let p: Namespace | null = ns; p !== null; p = p.parent) chain.push(p);
  return chain.reverse();
}

/** The numbers a new task in `ns` would get, level 0 first, or null (EAGAIN). */
export function planPids(s: ModelState, ns: Namespace): number[] | null {
  const nrs: number[] = [];
  for (const p of pidNsChain(ns)) {
    const nr = peekPid(p.pids!, s.pidMax);
    if (nr === null) return null;
    nrs.push(nr);
  }
  return nrs;
}

/** Enters a task under the numbers planPids() gave; the first task of a namespace becomes its init. */
export function attachPids(s: ModelState, t: Task): void {
  const chain = pidNsChain(t.pidNs);
  chain.forEach((p, level) => {
    const ps = p.pids!;
    const nr = t.nrs[level]!;
    mapSet(s, ps.tasks, nr, t);
    setField(s, ps, 'cursor', nr + 1);
    if (ps.state === 'new') setField(s, ps, 'state', 'running');
  });
}

/** Removes a task's numbers from every pid namespace it is in. */
export function detachPids(s: ModelState, t: Task): void {
  pidNsChain(t.pidNs).forEach((p, level) => mapDelete(s, p.pids!.tasks, t.nrs[level]!));
}

/** The init (pid 1) of a pid namespace, if it is alive. */
export function childReaper(ns: Namespace): Task | undefined {
  return ns.pids!.tasks.get(1);
}
