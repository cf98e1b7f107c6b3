/**
 * Random operation sequences on both profiles, checking the model's
 * invariants after every step (SPEC §2, §3): serials, reference counts and
 * frees, inode numbers, pid maps, "a refused operation changes nothing",
 * "nothing leaks once every task has exited", and the undo journal.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { booted, bootNamespaces, must, refsFromScratch, task } from './_test_util.js';
import { CAP_SYS_ADMIN, fullCaps } from './caps.js';
import { dumpModel, pidMapsConsistent } from './dump.js';
import { ok, type Result } from './errno.js';
import type { ModelEvent } from './events.js';
import { Journal } from './journal.js';
import { PROFILES, type Profile } from './nstypes.js';
import { clone } from './ops/clone.js';
import { exit } from './ops/exit.js';
import { pin, unpin } from './ops/pin.js';
import { setcred } from './ops/setcred.js';
import { setns, type SetnsTarget } from './ops/setns.js';
import { unshare } from './ops/unshare.js';
import { allTasks, type ModelState, type Namespace } from './state.js';

const SEED = 20141006; // the day the V5 cover letter went out
const NUM_RUNS = 200;
const BOGUS_PID = 99999;

// ---- operations, drawn as indices and resolved against the live state ----

type Op =
  | { readonly op: 'clone' | 'unshare'; readonly actor: number; readonly flags: readonly number[] }
  | { readonly op: 'setns'; readonly actor: number; readonly byPin: boolean; readonly target: number; readonly entry: number; readonly type: number }
  | { readonly op: 'exit'; readonly actor: number }
  | { readonly op: 'pin'; readonly actor: number; readonly entry: number }
  | { readonly op: 'unpin'; readonly pin: number }
  | { readonly op: 'setcred'; readonly actor: number; readonly uid: number; readonly caps: number };

const ix = fc.nat({ max: 999 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  // Index 8 stands for a bit that is no CLONE_NEW* flag; 0..7 pick the profile's types.
  { weight: 4, arbitrary: fc.record({ op: fc.constant('clone' as const), actor: ix, flags: fc.array(fc.nat({ max: 8 }), { maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('unshare' as const), actor: ix, flags: fc.array(fc.nat({ max: 8 }), { maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('setns' as const), actor: ix, byPin: fc.boolean(), target: ix, entry: ix, type: ix }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('exit' as const), actor: ix }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('pin' as const), actor: ix, entry: ix }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('unpin' as const), pin: ix }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('setcred' as const), actor: ix, uid: fc.nat({ max: 4 }), caps: fc.nat({ max: 3 }) }) },
);
const opsArb = fc.array(opArb, { minLength: 1, maxLength: 40, size: 'max' });

/**
 * `clean`: boot tasks only clone and pin (so after cleanup exactly the boot
 * namespaces must remain); `free`: any task may do anything.
 */
type Mode = 'clean' | 'free';

const livePids = (s: ModelState) => [...allTasks(s).keys()].sort((a, b) => a - b);

/** A live pid from an index; one index in twenty names a task that does not exist. */
function pickPid(s: ModelState, i: number, bootTasksToo: boolean): number | null {
  if (i % 20 === 19) return BOGUS_PID;
  const pids = livePids(s).filter((p) => bootTasksToo || p > 3);
  return pids.length === 0 ? null : pids[i % pids.length]!;
}

function entryName(s: ModelState, i: number): string {
  const entries = [...s.types.types.map((t) => t.name), 'pid_for_children', 'bogus'];
  return entries[i % entries.length]!;
}

function flagWord(s: ModelState, picks: readonly number[]): number {
  return picks.reduce((f, p) => f | (p === 8 ? 0x1 : s.types.types[p % s.types.types.length]!.flag), 0) >>> 0;
}

const UIDS = [0, 1000, 1000, 2000, -1];
function capsOf(s: ModelState, i: number): bigint | undefined {
  return [undefined, 0n, 1n << BigInt(CAP_SYS_ADMIN), fullCaps(s.types.lastCap)][i];
}

/** Runs one drawn operation; null when there is nothing it could act on. */
function runOp(s: ModelState, o: Op, mode: Mode): Result<ModelEvent[]> | null {
  const free = mode === 'free';
  switch (o.op) {
    case 'clone': {
      const a = pickPid(s, o.actor, true);
      if (a === null) return null;
      const r = clone(s, a, flagWord(s, o.flags));
      return r.ok ? ok(r.value.events) : r;
    }
    case 'unshare': {
      const a = pickPid(s, o.actor, free);
      return a === null ? null : unshare(s, a, flagWord(s, o.flags));
    }
    case 'setns': {
      const a = pickPid(s, o.actor, free);
      if (a === null) return null;
      const pins = [...s.pins.keys()];
      const target: SetnsTarget = o.byPin && pins.length > 0
        ? { kind: 'pin', id: o.target % 10 === 9 ? 4242 : pins[o.target % pins.length]! }
        : { kind: 'task', pid: pickPid(s, o.target, true)!, entry: entryName(s, o.entry) };
      // Half the draws pass nstype 0; the rest name a type, often not the target's (EINVAL).
      const type = o.type % 2 === 0 ? null : s.types.types[(o.type >> 1) % s.types.types.length]!;
      return setns(s, a, target, type);
    }
    case 'exit': {
      // Mostly tasks that can exit; one draw in eight may name a boot task (EPERM).
      const a = pickPid(s, o.actor, o.actor % 8 === 0);
      return a === null ? null : exit(s, a);
    }
    case 'pin': {
      const a = pickPid(s, o.actor, true);
      if (a === null) return null;
      const r = pin(s, a, entryName(s, o.entry));
      return r.ok ? ok([]) : r;
    }
    case 'unpin': {
      const pins = [...s.pins.keys()];
      return unpin(s, pins.length === 0 || o.pin % 10 === 9 ? 4242 : pins[o.pin % pins.length]!);
    }
    case 'setcred': {
      const a = pickPid(s, o.actor, free);
      if (a === null) return null;
      const r = setcred(s, a, { uid: UIDS[o.uid]!, gid: UIDS[o.uid]!, caps: capsOf(s, o.caps) });
      return r.ok ? ok([]) : r;
    }
  }
}

// ---- invariants ----

/** What the checker remembers across steps. */
interface History {
  /** Every namespace ever seen live, by serial. */
  readonly seen: Map<bigint, Namespace>;
  /** How many ns-freed events each serial had. */
  readonly freed: Map<bigint, number>;
  /** The highest serial handed out so far. */
  lastSerial: bigint;
}

function newHistory(s: ModelState): History {
  const h: History = { seen: new Map(), freed: new Map(), lastSerial: 0n };
  for (const ns of s.namespaces) {
    h.seen.set(ns.snum, ns);
    if (ns.snum > h.lastSerial) h.lastSerial = ns.snum;
  }
  return h;
}

/** Every broken invariant after one step, as sentences (empty when all hold). */
function violations(s: ModelState, h: History, events: readonly ModelEvent[]): string[] {
  const bad: string[] = [];
  for (const e of events) {
    if (e.kind === 'ns-created') {
      if (e.snum === 0n) bad.push('a namespace got serial 0');
      if (e.snum <= h.lastSerial) bad.push(`serial ${e.snum} is not above the last one (${h.lastSerial})`);
      h.lastSerial = e.snum;
    }
    if (e.kind === 'ns-freed') h.freed.set(e.snum, (h.freed.get(e.snum) ?? 0) + 1);
  }
  if (s.nextSerial <= h.lastSerial) bad.push('nextSerial is not above the last serial handed out');

  const live = new Map<bigint, Namespace>();
  const inums = new Set<number>();
  const recount = refsFromScratch(s);
  for (const ns of s.namespaces) {
    if (live.has(ns.snum)) bad.push(`two live namespaces share serial ${ns.snum}`);
    live.set(ns.snum, ns);
    if (inums.has(ns.inum)) bad.push(`two live namespaces share inode number ${ns.inum}`);
    inums.add(ns.inum);
    if (ns.life !== 'live') bad.push(`namespace ${ns.snum} is in the live set but ${ns.life}`);
    if (ns.refs !== recount.get(ns)) bad.push(`namespace ${ns.snum} (${ns.type.name}) has refs ${ns.refs}, recount ${recount.get(ns)}`);
    if (ns.refs <= 0) bad.push(`namespace ${ns.snum} is live with no reference`);
    if (h.freed.has(ns.snum)) bad.push(`namespace ${ns.snum} is live after being freed`);
    for (const other of [ns.owner, ns.parent]) if (other && other.life !== 'live') bad.push(`namespace ${ns.snum} references freed ${other.snum}`);
    h.seen.set(ns.snum, ns);
  }
  for (const [snum, ns] of h.seen) {
    if (live.has(snum)) continue;
    if (ns.life !== 'freed' || ns.refs !== 0) bad.push(`namespace ${snum} left the live set without being freed at refs 0 (${ns.life}, ${ns.refs})`);
    if (h.freed.get(snum) !== 1) bad.push(`namespace ${snum} had ${h.freed.get(snum) ?? 0} ns-freed events`);
  }
  for (const [snum, n] of h.freed) if (n !== 1 || live.has(snum)) bad.push(`namespace ${snum} freed ${n} times`);
  for (const p of s.pins.values()) if (p.ns.life !== 'live') bad.push(`pin ${p.id} holds a freed namespace`);
  bad.push(...pidViolations(s));
  return bad;
}

function pidViolations(s: ModelState): string[] {
  const bad: string[] = [];
  if (!pidMapsConsistent(s)) bad.push('a task\'s pid disagrees with a pid namespace map');
  for (const t of allTasks(s).values()) {
    if (t.state !== 'live') bad.push(`task ${t.nrs[0]} is listed but ${t.state}`);
    if (t.nrs.length !== t.pidNs.level + 1) bad.push(`task ${t.nrs[0]} has ${t.nrs.length} pids at pid level ${t.pidNs.level}`);
    for (const ns of [...Object.values(t.ns), ...Object.values(t.forChildren)]) if (ns!.life !== 'live') bad.push(`task ${t.nrs[0]} holds freed ${ns!.snum}`);
    if (t.parent && t.parent.state !== 'live') bad.push(`task ${t.nrs[0]} has an exited parent`);
  }
  for (const ns of s.namespaces) {
    if (!ns.pids) continue;
    const tasks = [...ns.pids.tasks.values()];
    if (new Set(tasks).size !== tasks.length) bad.push(`a task has two pids in pid namespace ${ns.snum}`);
    for (const [nr, t] of ns.pids.tasks) if (t.nrs[ns.level] !== nr || t.state !== 'live') bad.push(`pid ${nr} of namespace ${ns.snum} is stale`);
  }
  return bad;
}

/** Runs ops, checking every step; returns how many failed (for the sanity check that both kinds occur). */
function runChecked(s: ModelState, ops: readonly Op[], mode: Mode, h = newHistory(s)): { failed: number; succeeded: number } {
  let failed = 0;
  let succeeded = 0;
  for (const o of ops) {
    const before = dumpModel(s);
    const r = runOp(s, o, mode);
    if (r === null) continue;
    if (!r.ok) {
      failed++;
      expect(dumpModel(s), `${o.op} failed with ${r.error.errno} and changed the model`).toEqual(before);
    } else {
      succeeded++;
    }
    expect(violations(s, h, r.ok ? r.value : []), `after ${JSON.stringify(o)}`).toEqual([]);
  }
  return { failed, succeeded };
}

/** Exits every task that can exit and drops every pin, checking every step. */
function cleanup(s: ModelState, h: History): void {
  for (;;) {
    const pid = livePids(s).find((p) => p > 3);
    if (pid === undefined) break;
    const r = exit(s, pid);
    expect(r.ok).toBe(true);
    expect(violations(s, h, r.ok ? r.value : [])).toEqual([]);
  }
  for (const id of [...s.pins.keys()]) {
    const r = unpin(s, id);
    expect(violations(s, h, r.ok ? r.value : [])).toEqual([]);
  }
}

/** The namespaces the boot tasks still reach through slots, owners and parents, and the initial ones. */
function reachableFromBootTasks(s: ModelState): Set<Namespace> {
  const out = new Set<Namespace>(Object.values(s.initial));
  const todo: Namespace[] = [];
  for (const pid of [1, 2, 3]) todo.push(...(Object.values(task(s, pid).ns) as Namespace[]), ...(Object.values(task(s, pid).forChildren) as Namespace[]));
  while (todo.length > 0) {
    const ns = todo.pop()!;
    if (out.has(ns) && !Object.values(s.initial).includes(ns)) continue;
    out.add(ns);
    for (const next of [ns.owner, ns.parent]) if (next && !out.has(next)) todo.push(next);
  }
  return out;
}

const byProfile = PROFILES.map((p) => [p] as const);
const params = (numRuns = NUM_RUNS) => ({ seed: SEED, numRuns });

describe('model invariants under random operation sequences', () => {
  it.each(byProfile)('%s: every step keeps serials, refs, frees, inode numbers and pid maps right; failures change nothing', (p: Profile) => {
    fc.assert(fc.property(opsArb, (ops) => {
      const s = booted({ profile: p });
      runChecked(s, ops, 'free');
    }), params());
  });

  it.each(byProfile)('%s: once every task that can exit has and every pin is dropped, only the boot namespaces remain', (p: Profile) => {
    fc.assert(fc.property(opsArb, (ops) => {
      const s = booted({ profile: p });
      const h = newHistory(s);
      runChecked(s, ops, 'clean', h);
      cleanup(s, h);
      expect(new Set(s.namespaces)).toEqual(bootNamespaces(s));
    }), params());
  });

  it.each(byProfile)('%s: when boot tasks move too, cleanup leaves exactly what they still reach', (p: Profile) => {
    fc.assert(fc.property(opsArb, (ops) => {
      const s = booted({ profile: p });
      const h = newHistory(s);
      runChecked(s, ops, 'free', h);
      cleanup(s, h);
      expect(new Set(s.namespaces)).toEqual(reachableFromBootTasks(s));
    }), params());
  });

  it.each(byProfile)('%s: Journal.rollback() restores dumpModel() exactly, and the model works on afterwards', (p: Profile) => {
    fc.assert(fc.property(opsArb, opsArb, opsArb, (prefix, journaled, after) => {
      const s = booted({ profile: p });
      runChecked(s, prefix, 'free');
      const before = dumpModel(s);
      s.journal = new Journal();
      for (const o of journaled) runOp(s, o, 'free');
      s.journal.rollback();
      s.journal = null;
      expect(dumpModel(s)).toEqual(before);
      const h = newHistory(s);
      expect(violations(s, h, [])).toEqual([]);
      runChecked(s, after, 'free', h);
    }), params(NUM_RUNS / 2));
  });

  it.each(byProfile)('%s: near the limits (pid_max 301 nearly full, 12 serials left) refusals still change nothing', (p: Profile) => {
    fc.assert(fc.property(opsArb, (ops) => {
      const s = booted({ profile: p, pidMax: 301, serialStart: (1n << 64n) - 12n });
      for (let i = 0; i < 285; i++) must(clone(s, 1, 0));
      const h = newHistory(s);
      runChecked(s, ops, 'clean', h);
      cleanup(s, h);
      expect(new Set(s.namespaces)).toEqual(bootNamespaces(s));
    }), params(12));
  });

  it('the generator reaches both outcomes: successful and refused operations', () => {
    let failed = 0;
    let succeeded = 0;
    fc.assert(fc.property(opsArb, (ops) => {
      const r = runChecked(booted(), ops, 'free');
      failed += r.failed;
      succeeded += r.succeeded;
    }), params(30));
    expect(failed > 50 && succeeded > 50).toBe(true);
  });
});
