/**
 * Helpers shared by the model's tests (private: nothing outside `*.test.ts`
 * imports this). They read the state the way a reviewer would — from tasks,
 * pins and namespaces — never through the code under test's own bookkeeping.
 */
import { boot, type BootOptions } from './boot.js';
import type { ErrnoName, Result } from './errno.js';
import type { NsName } from './nstypes.js';
import { allTasks, type ModelState, type Namespace, type Task } from './state.js';

/** A booted model; throws if boot refuses the options. */
export function booted(opts: BootOptions = {}): ModelState {
  return must(boot(opts)).state;
}

/** The value of a result that must be ok; throws naming the errno otherwise. */
export function must<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.errno}: ${r.error.detail}`);
  return r.value;
}

/** `'ok'` or the errno name: what the case tables compare. */
export type Verdict = ErrnoName | 'ok';

/** A result's {@link Verdict}. */
export function outcome(r: Result<unknown>): Verdict {
  return r.ok ? 'ok' : r.error.errno;
}

/** The CLONE_NEW* word for type names of the state's profile. */
export function flagsOf(s: ModelState, ...names: NsName[]): number {
  return names.reduce((f, n) => f | s.types.byName.get(n)!.flag, 0) >>> 0;
}

export function task(s: ModelState, pid: number): Task {
  const t = allTasks(s).get(pid);
  if (!t) throw new Error(`no live task ${pid}`);
  return t;
}

/**
 * Every namespace's reference count, recounted from scratch (SPEC §3): task
 * slots, `*_for_children` slots, pins, namespaces it owns or parents (once
 * when owner and parent are the same namespace), and the boot reference of
 * initial namespaces.
 */
export function refsFromScratch(s: ModelState): Map<Namespace, number> {
  const refs = new Map<Namespace, number>();
  const add = (ns: Namespace | null | undefined) => { if (ns) refs.set(ns, (refs.get(ns) ?? 0) + 1); };
  for (const ns of s.namespaces) {
    if (!refs.has(ns)) refs.set(ns, 0);
    if (ns.initial) add(ns);
    add(ns.owner);
    if (ns.parent !== ns.owner) add(ns.parent);
  }
  for (const t of allTasks(s).values()) {
    for (const ns of Object.values(t.ns)) add(ns);
    for (const ns of Object.values(t.forChildren)) add(ns);
  }
  for (const p of s.pins.values()) add(p.ns);
  return refs;
}

/** The namespaces that boot leaves: the initial ones and kdevtmpfs's private mount namespace. */
export function bootNamespaces(s: ModelState): Set<Namespace> {
  return new Set([...Object.values(s.initial), task(s, 3).ns.mnt!]);
}
