/**
 * The trail as renderers take it (text, JSON, and SVG drawn from the same object): the
 * lanes (one per node and boot), the namespaces with their lives, and the lines in time
 * order across hosts — what the index kept, plus what is only known at the end of the input
 * (kernel events by syscall, migrations between the parts, losses inside the trail's time,
 * what was still alive).
 */
import { TYPE_NAMES } from './record_kinds.js';
import { bootLabel, type Selector } from './selector.js';
import type { TrailIndex } from './trail_index.js';
import type { At, Boot, Container, Entry, Ns, Part } from './state.js';

export interface Lane {
  readonly boot: Boot;
  readonly first: At;
  readonly last: At;
}

export interface Migration {
  readonly container: Container;
  readonly from: Part;
  readonly to: Part;
  /** Each namespace of the target part with the source's namespace of its type (null: none). */
  readonly continues: readonly { readonly to: Ns; readonly from: Ns | null }[];
}

export interface TrailModel {
  readonly selector: Selector;
  /** What was selected, in words (the first line of the text trail). */
  readonly subject: string;
  readonly containers: readonly Container[];
  readonly lanes: readonly Lane[];
  /** Every namespace of the trail, in the order made (or first seen). */
  readonly namespaces: readonly Ns[];
  readonly migrations: readonly Migration[];
  /** In time order across hosts (input order for equal times). */
  readonly entries: readonly Entry[];
}

/** Why there is no trail: nothing matched (exit 1), or a prefix matched more than one. */
export interface NoTrail {
  readonly reason: 'none' | 'ambiguous';
  readonly sentence: string;
}

/** The migration a `migrated` line tells of. */
export function migrationOf(e: Entry, m: TrailModel): Migration | undefined {
  return m.migrations.find((x) => x.container === e.container && x.to.boot === e.boot && x.to.start.seq - 0.5 === e.at.seq);
}

/** `type:serial`, as the trail names a namespace within its lane. */
export function nsLabel(n: Ns): string {
  return `${TYPE_NAMES[n.typeIdx]}:${n.serial}`;
}

/** A container in words: `uuid U (vm "web")`, `docker container ID`. */
export function containerLabel(c: Container): string {
  const parts: string[] = [];
  if (c.uuid !== null) parts.push(`uuid ${c.uuid}`);
  if (c.id !== null) parts.push(`${c.runtime ?? 'container'} ${c.id}`);
  if (c.name !== null) parts.push(`vm "${c.name}"`);
  return parts.join(', ');
}

/** @returns the trail, or why there is none */
export function buildTrail(ix: TrailIndex, sel: Selector): TrailModel | NoTrail {
  const chosen = choose(ix, sel);
  if ('reason' in chosen) return chosen;
  const { containers, ns: direct, subject } = chosen;
  const cset = new Set(containers);
  const nsAll = new Set<Ns>(direct);
  for (const c of containers) for (const p of c.parts) for (const n of p.ns) nsAll.add(n);
  const entries = ix.entries.filter((e) => (e.container !== null && cset.has(e.container)) || e.ns.some((n) => nsAll.has(n)));
  const migrations = containers.flatMap(migrationsOf);
  for (const m of migrations) {
    entries.push({ at: { ...m.to.start, seq: m.to.start.seq - 0.5 }, boot: m.to.boot, event: 'migrated', ns: m.to.ns, pid: m.to.pid, auid: null, container: m.container, detail: { fromNode: m.from.boot.node, fromBoot: bootLabel(m.from.boot) } });
  }
  for (const [boot, byName] of ix.kernel) {
    for (const [name, t] of byName) entries.push({ at: t.first, boot, event: 'kernel', ns: [], pid: null, auid: null, container: containers[0] ?? null, detail: { syscall: name, count: t.count, lastT: t.last.t } });
  }
  const lanes = lanesOf(entries, [...nsAll], containers);
  for (const lane of lanes) entries.push(...lossesIn(lane, [...nsAll], containers));
  entries.push(...aliveAtEnd([...nsAll]));
  entries.sort((a, b) => a.at.t - b.at.t || a.at.seq - b.at.seq);
  const namespaces = [...nsAll].sort((a, b) => (a.created ?? a.seen).seq - (b.created ?? b.seen).seq);
  return { selector: sel, subject, containers, lanes, namespaces, migrations, entries };
}

function choose(ix: TrailIndex, sel: Selector): { containers: Container[]; ns: Ns[]; subject: string } | NoTrail {
  const held = () => inputHeld(ix);
  switch (sel.kind) {
    case 'uuid': {
      const cs = ix.containers.all().filter((c) => c.traced);
      if (cs.length === 0) return { reason: 'none', sentence: `no container with uuid ${sel.uuid} in the input (${held()})` };
      return { containers: cs, ns: [], subject: `container ${containerLabel(cs[0]!)}` };
    }
    case 'container': {
      let cs = ix.containers.all().filter((c) => c.traced);
      const exact = cs.filter((c) => c.id === sel.prefix || c.name === sel.prefix);
      if (exact.length === 1) cs = exact;
      if (cs.length === 0) return { reason: 'none', sentence: `no container id or name begins '${sel.prefix}' in the input (${held()})` };
      if (cs.length > 1) return { reason: 'ambiguous', sentence: `'${sel.prefix}' names ${cs.length} containers: ${cs.slice(0, 5).map(containerLabel).join('; ')}${cs.length > 5 ? ' …' : ''}` };
      return { containers: cs, ns: [], subject: `container ${containerLabel(cs[0]!)}` };
    }
    case 'ns': {
      const ns = ix.traced;
      const boots = new Set(ns.map((n) => n.boot));
      if (ns.length === 0) return { reason: 'none', sentence: `no namespace ${TYPE_NAMES[sel.typeIdx]}:${sel.serial} of boot '${sel.boot}' on node '${sel.node}' in the input (${held()})` };
      if (boots.size > 1) return { reason: 'ambiguous', sentence: `boot '${sel.boot}' of node '${sel.node}' is more than one boot: ${[...boots].map(bootLabel).join(', ')}` };
      return { containers: [], ns, subject: `namespace ${nsLabel(ns[0]!)} of ${laneLabel(ns[0]!.boot)}` };
    }
    case 'pid': {
      const last = ix.pidLast;
      const ns = last === null ? [] : last.ns.filter((n): n is Ns => n !== undefined && !n.initial);
      if (last === null) return { reason: 'none', sentence: `no NS_INFO of pid ${sel.pid} on node '${sel.node}' in the input (${held()})` };
      if (ns.length === 0) return { reason: 'none', sentence: `pid ${sel.pid} on node '${sel.node}' was last seen in its boot's initial namespaces only` };
      const containers = [...new Set(ns.flatMap((n) => n.containers))];
      return { containers: [], ns, subject: `the namespaces of pid ${sel.pid} on ${laneLabel(ns[0]!.boot)} at its last NS_INFO${containers.length > 0 ? ` (${containers.map(containerLabel).join('; ')})` : ''}` };
    }
    case 'summary':
      return { reason: 'none', sentence: 'no selector' };
  }
}

/** `hostA boot 11111111-…` (or `boot ?1` without an id). */
export function laneLabel(b: Boot): string {
  return `${b.node === '' ? 'the unnamed node' : b.node} boot ${bootLabel(b)}`;
}

/** The input in one clause, for "nothing matched" sentences. */
export function inputHeld(ix: TrailIndex): string {
  const boots = ix.boots();
  const cs = ix.containers.all();
  const uuids = cs.filter((c) => c.uuid !== null).slice(0, 3).map((c) => c.uuid);
  const ids = cs.filter((c) => c.id !== null).slice(0, 3).map((c) => c.id);
  const list = [...uuids.map((u) => `uuid ${u}`), ...ids.map((i) => `id ${i}`)].join(', ');
  return `it held ${ix.counts.records} records of ${ix.nodes.size} node${ix.nodes.size === 1 ? '' : 's'}, ${boots.length} boot${boots.length === 1 ? '' : 's'}, `
    + `${cs.length} container${cs.length === 1 ? '' : 's'} still known at its end${list === '' ? '' : `: ${list}${cs.length > 3 ? ' …' : ''}`}`;
}

/** Consecutive parts (in time) on different boots, one stopped for a migration or the next started for one. */
export function migrationsOf(c: Container): Migration[] {
  const parts = [...c.parts].sort((a, b) => a.start.t - b.start.t || a.start.seq - b.start.seq);
  const out: Migration[] = [];
  for (let i = 1; i < parts.length; i++) {
    const from = parts[i - 1]!, to = parts[i]!;
    if (from.boot === to.boot || !(from.stopReason === 'migrated' || to.startReason === 'migrated')) continue;
    out.push({ container: c, from, to, continues: to.ns.map((n) => ({ to: n, from: from.ns.find((m) => m.typeIdx === n.typeIdx) ?? null })) });
  }
  return out;
}

function lanesOf(entries: readonly Entry[], ns: readonly Ns[], containers: readonly Container[]): Lane[] {
  const span = new Map<Boot, { first: At; last: At }>();
  const see = (b: Boot, at: At) => {
    const s = span.get(b);
    if (s === undefined) span.set(b, { first: at, last: at });
    else {
      if (at.t < s.first.t) s.first = at;
      if (at.t > s.last.t) s.last = at;
    }
  };
  for (const e of entries) see(e.boot, e.at);
  for (const n of ns) { see(n.boot, n.created ?? n.seen); if (n.freed !== null) see(n.boot, n.freed); }
  for (const c of containers) for (const p of c.parts) { see(p.boot, p.start); if (p.stop !== null) see(p.boot, p.stop); }
  return [...span].map(([boot, s]) => ({ boot, ...s })).sort((a, b) => a.first.t - b.first.t || a.first.seq - b.first.seq);
}

/** What the boot's records admit was lost while the trail was on it (to the end when something stayed alive). */
function lossesIn(lane: Lane, ns: readonly Ns[], containers: readonly Container[]): Entry[] {
  const b = lane.boot;
  const open = ns.some((n) => n.boot === b && n.freed === null)
    || containers.some((c) => c.parts.some((p) => p.boot === b && p.stop === null));
  const until = open ? Infinity : lane.last.t;
  const out: Entry[] = b.losses
    .filter((l) => l.kind === 'no-start' || (l.at.t >= lane.first.t && l.at.t <= until))
    .map((l) => ({ at: l.at, boot: b, event: 'lost', ns: [], pid: null, auid: null, container: null, detail: { kind: l.kind, text: l.text } }));
  if (b.lossesDropped > 0) {
    out.push({ at: b.last, boot: b, event: 'lost', ns: [], pid: null, auid: null, container: null, detail: { kind: 'more', text: `${b.lossesDropped} more losses on this boot, not listed` } });
  }
  return out;
}

/** The trail's namespaces not freed by the end of the input, per boot, with the processes last seen in them. */
function aliveAtEnd(ns: readonly Ns[]): Entry[] {
  const byBoot = new Map<Boot, Ns[]>();
  for (const n of ns) if (n.freed === null) byBoot.set(n.boot, [...(byBoot.get(n.boot) ?? []), n]);
  return [...byBoot].map(([boot, alive]) => {
    // A process whose set holds a freed namespace has left it or exited (no record says which).
    const pids = [...boot.procs.values()]
      .filter((p) => p.set !== null && p.set.ns.some((n) => n !== undefined && alive.includes(n)) && !p.set.ns.some((n) => n !== undefined && n.freed !== null))
      .map((p) => p.pid);
    const at: At = { ...boot.last, seq: Number.MAX_SAFE_INTEGER };
    return { at, boot, event: 'alive', ns: alive, pid: null, auid: null, container: alive[0]?.containers[0] ?? null, detail: { pids: pids.sort((a, b) => a - b).join(' ') } } satisfies Entry;
  });
}
