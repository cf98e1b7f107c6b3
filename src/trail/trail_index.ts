/**
 * The trail index: reads records one at a time, in input order, and keeps what the trail
 * needs (state.ts) — per (node, boot) the namespaces alive and the processes last seen, the
 * containers and their parts (containers.ts) — and the lines of the trail asked for (only
 * those: with no selector nothing is kept but the containers' counts).
 *
 * Records of one node go through its serials first (node_serials.ts: copies dropped, gaps
 * and wraps noted). Kernel events (a SYSCALL record first, SPEC §8) are assembled by their
 * stamp: the SYSCALL record says who (comm, exe, auid) for the nsproc records that follow
 * it, and the event is counted, by syscall, in the trail of the namespaces its process is in.
 */
import { GARBAGE } from '../audit/record_line.js';
import { parseSyscall, type SyscallInfo } from '../kaudit/syscall_record.js';
import { auditField, NS_TYPES } from '../model/nstypes.js';
import { Containers } from './containers.js';
import { newCounts } from './input_counts.js';
import { parseHeader, type LineHeader } from './line_header.js';
import { NodeSerials, type SerialVerdict } from './node_serials.js';
import { NsTable } from './ns_table.js';
import * as F from './record_fields.js';
import { recordKind, type RecordKind } from './record_kinds.js';
import { selectsNs, type Selector } from './selector.js';
import { serialKey, type SerialKey } from './serial_key.js';
import { keep, MAX_LOSSES, type At, type Boot, type Container, type Entry, type LossKind, type Ns, type NsSet, type Proc } from './state.js';

interface NodeState {
  readonly name: string;
  readonly serials: NodeSerials;
  boot: Boot | null;
  readonly boots: Boot[];
  /** The event being read (its records share a stamp). */
  ev: EventCtx | null;
}

interface EventCtx {
  readonly boot: Boot;
  readonly at: At;
  syscall: SyscallInfo | null;
}

/** Kernel events of one syscall on one boot, inside the traced namespaces. */
export interface KernelTally {
  count: number;
  readonly first: At;
  last: At;
}

const FIELDS = NS_TYPES.map(auditField);
/** A namespace's list of processes is first pruned at this length, then at twice what was left. */
const PRUNE_MIN = 16;

export class TrailIndex {
  readonly counts = newCounts();
  readonly nodes = new Map<string, NodeState>();
  readonly entries: Entry[] = [];
  /** Namespaces --ns or --pid asked for. */
  readonly traced: Ns[] = [];
  /** boot → syscall name → tally, for kernel events in the trail. */
  readonly kernel = new Map<Boot, Map<string, KernelTally>>();
  readonly containers: Containers;
  /** --pid: the process's namespaces at its last appearance. */
  pidLast: NsSet | null = null;
  private seq = 0;

  /**
   * @param sel what the trail is of
   * @param onEnded called with each container whose life ended (stopped, namespaces freed), then forgotten
   * @param nodes --node: only these nodes' records are read (null: all)
   */
  /** `node=NAME ` of each node read, when only some are (lines of others are passed over on their first bytes). */
  private readonly nodePrefixes: readonly string[] | null;

  constructor(readonly sel: Selector, onEnded: (c: Container) => void, private readonly nodeFilter: ReadonlySet<string> | null) {
    this.containers = new Containers(this, onEnded);
    this.nodePrefixes = nodeFilter === null ? null : [...nodeFilter].filter((n) => n !== '').map((n) => `node=${n} `);
  }

  /**
   * One line of the input: `text` from `start` to `end` (a chunk of the input, line_reader.ts);
   * `cut`: the file ended inside it; `dirty`: its chunk holds bytes that are not text.
   */
  line(text: string, start: number, end: number, cut: boolean, dirty: boolean): void {
    if (start === end) return;
    if (this.nodePrefixes !== null && text.startsWith('node=', start) && !this.nodePrefixes.some((p) => text.startsWith(p, start))) return;
    if (cut) { this.counts.cut++; return; }
    const h = parseHeader(text, start, end);
    if (typeof h === 'string') {
      if (h === 'truncated') this.counts.truncated++;
      else if (h === 'garbage') this.counts.garbage++;
      else this.counts.notRecords++;
      return;
    }
    if (dirty && GARBAGE.test(text.slice(start, end))) { this.counts.garbage++; return; }
    if (this.nodeFilter !== null && !this.nodeFilter.has(h.node)) return;
    this.counts.records++;
    const kind = recordKind(h.type);
    const node = this.nodes.get(h.node) ?? this.newNode(h.node);
    const t = h.sec * 1000 + h.msec;
    const v = node.serials.check(kind !== null && kind.kind !== 'syscall', t, h.serial, text, kind?.id ?? -1, start, end);
    if (v.kind === 'duplicate') { this.counts.duplicates++; return; }
    const at: At = { t, serial: h.serial, seq: this.seq++ };
    if (v.kind !== 'same-event' || node.ev === null) {
      if (node.ev !== null) this.finishEvent(node.ev);
      const boot = this.bootFor(node, kind, v, h, text, end, at);
      node.ev = { boot, at, syscall: null };
      if (v.kind === 'wrapped') this.counts.wrapped++;
      if (v.kind === 'gap') {
        // Before the record that showed it, which would otherwise share its place in the trail.
        const n = v.last - v.first + 1;
        this.loss(boot, { ...at, seq: at.seq - 0.5 }, 'gap', n === 1 ? `audit serial ${v.first} missing (1 event)` : `audit serials ${v.first}..${v.last} missing (${n} events)`);
      }
    }
    const ev = node.ev;
    ev.boot.last = at;
    if (kind !== null) this.record(kind, ev, at, h, text, start, end);
  }

  /** The end of the input: the events under way are complete. */
  finish(): void {
    for (const node of this.nodes.values()) {
      if (node.ev !== null) this.finishEvent(node.ev);
      node.ev = null;
    }
  }

  /** Every (node, boot) in the input, in the order first seen. */
  boots(): Boot[] {
    return [...this.nodes.values()].flatMap((n) => n.boots);
  }

  /** Adds a line to the trail when it is about something traced. */
  push(e: Entry): void {
    if (this.relevant(e.ns, e.container)) this.entries.push(e);
  }

  /** Something traced is among these namespaces (or is this container). */
  relevant(ns: readonly (Ns | undefined)[], c: Container | null): boolean {
    if (c !== null && c.traced) return true;
    for (const n of ns) if (n !== undefined && tracedNs(n)) return true;
    return false;
  }

  /** A namespace joins the trail: its creation is shown (once), even if it came before it was asked for. */
  showCreated(n: Ns): void {
    if (n.shown || n.created === null) return;
    n.shown = true;
    const c = n.creator;
    this.entries.push({
      at: n.created, boot: n.boot, event: 'created', ns: [n], pid: c?.pid ?? null, auid: c?.auid ?? null,
      container: n.containers[0] ?? null,
      detail: { uid: c?.uid ?? null, comm: c?.comm ?? null, exe: c?.exe ?? null, syscall: c?.syscall ?? null, from: n.old },
    });
  }

  trace(n: Ns): void {
    if (n.initial) return;
    if (!n.traced) { n.traced = true; this.traced.push(n); }
    this.showCreated(n);
  }

  loss(boot: Boot, at: At, kind: LossKind, text: string): void {
    if (boot.losses.length < MAX_LOSSES) boot.losses.push({ at, kind, text: keep(text) });
    else boot.lossesDropped++;
  }

  /** The process `pid` of this boot, made when first named. */
  proc(boot: Boot, pid: number): Proc {
    let p = boot.procs.get(pid);
    if (p === undefined) {
      p = { pid, set: null, auid: -1, uid: -1, comm: null };
      boot.procs.set(pid, p);
    }
    return p;
  }

  /** The namespace `serial` (lowercase hex) of type `typeIdx` alive on this boot, made when first named. */
  ns(boot: Boot, typeIdx: number, serial: string, at: At): Ns {
    return this.nsByKey(boot, typeIdx, serialKey(serial, 0, serial.length) ?? serial, serial, 0, serial.length, at);
  }

  /** The same by its key, the serial's text being `text` from `start` to `end` (cut only for a new one). */
  private nsByKey(boot: Boot, typeIdx: number, key: SerialKey, text: string, start: number, end: number, at: At): Ns {
    const map = boot.ns[typeIdx]!;
    let n = map.get(key);
    if (n === undefined) {
      n = {
        boot, typeIdx, serial: keep(text.slice(start, end)), initial: false, created: null, creator: null, old: null, seen: at,
        freed: null, freedBy: null, inum: null, containers: [], procs: [], procsPruneAt: PRUNE_MIN, traced: false, shown: false,
      };
      map.set(key, n);
      if (selectsNs(this.sel, n)) this.trace(n);
    }
    return n;
  }

  /**
   * The namespaces of an NS_INFO's fields after `pid=P ` (from `from` to the line's `end`). Read
   * in place, in table order, without a memo of whole sets: most sets in a busy log are new (a
   * process in namespaces of its own), and a memo of them cost more than it saved.
   */
  nsSet(boot: Boot, text: string, from: number, end: number, at: At): NsSet | null {
    const ns: (Ns | undefined)[] = [];
    let typeIdx = 0;
    let p = from;
    while (p < end) {
      while (typeIdx < FIELDS.length && !(text.startsWith(FIELDS[typeIdx]!, p) && text.charCodeAt(p + FIELDS[typeIdx]!.length) === 61)) typeIdx++;
      if (typeIdx === FIELDS.length) return this.nsSetAnyOrder(boot, text.slice(from, end), at);
      const start = p + FIELDS[typeIdx]!.length + 1;
      let sp = text.indexOf(' ', start);
      if (sp < 0 || sp > end) sp = end;
      const key = serialKey(text, start, sp);
      if (key === null) return null;
      ns[typeIdx] = this.nsByKey(boot, typeIdx, key, text, start, sp, at);
      typeIdx++;
      p = sp + 1;
    }
    return ns.length > 0 ? { ns } : null;
  }

  /** The same, for fields not in table order (another writer's NS_INFO). */
  private nsSetAnyOrder(boot: Boot, tail: string, at: At): NsSet | null {
    const fields = F.nsFields(tail);
    if (fields === null) return null;
    const ns: (Ns | undefined)[] = [];
    for (const f of fields) ns[f.typeIdx] = this.ns(boot, f.typeIdx, f.serial, at);
    return { ns };
  }

  private newNode(name: string): NodeState {
    const node: NodeState = { name: keep(name), serials: new NodeSerials(), boot: null, boots: [], ev: null };
    this.nodes.set(node.name, node);
    return node;
  }

  private newBoot(node: NodeState, id: string | null, start: Boot['start'], at: At): Boot {
    const b: Boot = {
      node: node.name, id: id === null ? null : keep(id), start, unknownNo: id === null ? node.boots.filter((x) => x.id === null).length + 1 : 0,
      initialKnown: NS_TYPES.map(() => false), ns: NS_TYPES.map(() => new NsTable()), procs: new Map(), losses: [], lossesDropped: 0, first: at, last: at,
    };
    node.boots.push(b);
    node.boot = b;
    if (start !== 'daemon-start') this.loss(b, at, 'no-start', 'no DAEMON_START for this boot in the input: its earlier records are not here');
    return b;
  }

  /**
   * The boot a new event belongs to: DAEMON_START begins one; DAEMON_ROTATE names the one
   * under way; a model boot's first INIT (pid 1, old_<t>ns=0) after the serials went back is
   * a new run of a daemon that wrote no DAEMON_START (a plain log appended to).
   */
  private bootFor(node: NodeState, kind: RecordKind | null, v: SerialVerdict, h: LineHeader, text: string, end: number, at: At): Boot {
    if (kind?.kind === 'daemon') {
      const d = F.daemonFields(text, h.body, end);
      if (d !== null && d.bootId !== null) {
        const known = node.boots.find((b) => b.id === d.bootId);
        if (d.op === 'start') {
          if (known !== undefined) this.counts.nodeClashes++;
          node.serials.restart(h.serial);
          return this.newBoot(node, d.bootId, 'daemon-start', at);
        }
        const cur = node.boot;
        if (cur !== null && cur.id === null && known === undefined) { cur.id = keep(d.bootId); return cur; }
        if (cur !== null && cur.id === d.bootId) return cur;
        if (cur !== null) this.counts.nodeClashes++;
        if (known !== undefined) { node.boot = known; return known; }
        return this.newBoot(node, d.bootId, 'rotate', at);
      }
    }
    if (v.kind === 'back') {
      const f = kind?.kind === 'init' ? F.initFields(text, h.body, FIELDS[kind.typeIdx]!, end) : null;
      const bootInit = f !== null && f.old === '0' && f.pid === 1;
      if (bootInit) return this.newBoot(node, null, 'none', at);
      this.counts.outOfOrder++;
    }
    return node.boot ?? this.newBoot(node, null, 'none', at);
  }

  private record(kind: RecordKind, ev: EventCtx, at: At, h: LineHeader, text: string, start: number, end: number): void {
    const boot = ev.boot;
    switch (kind.kind) {
      case 'init': return this.init(kind.typeIdx, ev, at, h, text, end);
      case 'del': return this.del(kind.typeIdx, boot, at, h, text, end);
      case 'ns-info': return this.nsInfo(ev, at, h, text, end);
      case 'virt': {
        const f = F.virtFields(text, h.body, end);
        if (f === null) { this.counts.malformed++; return; }
        this.proc(boot, f.pid).auid = f.auid;
        return this.containers.virt(boot, at, f);
      }
      case 'container': {
        const f = F.containerFields(text, h.body, end);
        if (f === null) { this.counts.malformed++; return; }
        return this.containers.seen(boot, at, f);
      }
      case 'syscall': {
        const s = parseSyscall(text.slice(start, end));
        if (s === null) { this.counts.malformed++; return; }
        ev.syscall = s;
        const p = boot.procs.get(s.pid);
        if (p !== undefined) { p.auid = s.auid; p.uid = s.uid; p.comm = s.comm === null ? null : keep(s.comm); }
        return;
      }
      case 'kernel-lost': return this.loss(boot, at, 'kernel-lost', `kernel events lost: ${F.lostText(text, h.body, end)}`);
      case 'log-lost': return this.loss(boot, at, 'log-lost', `records the log could not take: ${F.lostText(text, h.body, end)}`);
      case 'ns-unseen': {
        const f = F.unseenFields(text, h.body, end);
        if (f === null) { this.counts.malformed++; return; }
        return this.loss(boot, at, 'unseen', `${f.syscall} by pid ${f.pid} made ${f.types} namespaces nsproc could not read`);
      }
      case 'daemon': return;
    }
  }

  private init(typeIdx: number, ev: EventCtx, at: At, h: LineHeader, text: string, end: number): void {
    const f = F.initFields(text, h.body, FIELDS[typeIdx]!, end);
    if (f === null) { this.counts.malformed++; return; }
    const boot = ev.boot;
    const n = this.ns(boot, typeIdx, f.serial, at);
    if (n.created !== null) this.counts.initTwice++;
    n.created = at;
    n.old = f.old === '0' ? null : keep(f.old);
    // The first namespace of a type made from none (old 0) is the boot's own; host mode's later
    // ones at its start (old 0 too) were alive already, maybe a container's.
    if (f.old === '0' && !boot.initialKnown[typeIdx]) n.initial = boot.initialKnown[typeIdx] = true;
    const s = ev.syscall;
    const bySyscall = s !== null && (s.pid === f.pid || s.exit === f.pid);
    n.creator = {
      pid: f.pid, uid: f.uid, auid: f.auid,
      comm: bySyscall && s.comm !== null ? keep(s.comm) : null, exe: bySyscall && s.exe !== null ? keep(s.exe) : null,
      syscall: bySyscall ? s.name : null,
    };
    this.proc(boot, f.pid).auid = f.auid;
    if (n.traced || tracedNs(n)) this.showCreated(n);
  }

  private del(typeIdx: number, boot: Boot, at: At, h: LineHeader, text: string, end: number): void {
    const f = F.delFields(text, h.body, FIELDS[typeIdx]!, end);
    if (f === null) { this.counts.malformed++; return; }
    const key = serialKey(f.serial, 0, f.serial.length) ?? f.serial;
    const n = boot.ns[typeIdx]!.get(key);
    if (n === undefined) { this.counts.delWithoutInit++; return; }
    n.freed = at;
    n.freedBy = f.pid;
    boot.ns[typeIdx]!.delete(key);
    // Its processes exited or left it; a pid seen after this is another process (or that one elsewhere).
    for (const p of n.procs) if (lastSeenIn(p, n)) boot.procs.delete(p.pid);
    n.procs = [];
    // Tested before the entry is made: most namespaces freed are nothing the trail is about.
    const c = n.containers[0] ?? null;
    if ((c !== null && c.traced) || tracedNs(n)) this.entries.push({ at, boot, event: 'freed', ns: [n], pid: f.pid, auid: f.auid, container: c, detail: {} });
    for (const c of n.containers) this.containers.nsFreed(c, at);
  }

  private nsInfo(ev: EventCtx, at: At, h: LineHeader, text: string, end: number): void {
    const head = F.nsInfoHead(text, h.body, end);
    const boot = ev.boot;
    const set = head === null ? null : this.nsSet(boot, text, head.tail, end, at);
    if (head === null || set === null) { this.counts.malformed++; return; }
    const p = this.proc(boot, head.pid);
    if (head.pid === 1) for (const n of set.ns) if (n !== undefined && n.created === null) n.initial = true;
    const s = ev.syscall;
    if (s !== null && s.pid === head.pid) p.auid = s.auid;
    if (this.sel.kind === 'pid' && this.sel.pid === head.pid && this.sel.node === boot.node) {
      this.pidLast = set;
      for (const n of set.ns) if (n !== undefined) this.trace(n);
    }
    const prev = p.set;
    if (prev !== set) {
      p.set = set;
      const joined: Ns[] = [];
      for (let i = 0; i < set.ns.length; i++) {
        const n = set.ns[i];
        if (n !== undefined && !n.initial && prev?.ns[i] !== n) joined.push(n);
      }
      for (const n of joined) enteredBy(n, p);
      if (joined.length > 0) this.joined(p, prev, joined, ev, at);
    }
    this.containers.pidSeen(boot, p, at);
  }

  /** A process shows namespaces it was not in before: it entered them (setns, clone, unshare). */
  private joined(p: Proc, prev: NsSet | null, joined: readonly Ns[], ev: EventCtx, at: At): void {
    for (const n of joined) {
      for (const c of n.containers) {
        const before = prev?.ns.some((m) => m !== undefined && m.containers.includes(c)) ?? false;
        if (!before && !joined.slice(0, joined.indexOf(n)).some((m) => m.containers.includes(c))) this.containers.entered(c, at);
      }
    }
    if (!this.relevant(joined, null)) return;
    const s = ev.syscall !== null && ev.syscall.pid === p.pid ? ev.syscall : null;
    this.entries.push({
      at, boot: ev.boot, event: 'entered', ns: joined, pid: p.pid, auid: p.auid === -1 ? null : p.auid,
      container: joined.find((n) => n.containers.length > 0)?.containers[0] ?? null,
      detail: { syscall: s?.name ?? null, comm: s?.comm ?? p.comm, exe: s?.exe ?? null, firstSeen: prev === null && s === null ? 1 : null },
    });
  }

  /** An event is complete: a kernel event is counted in the trail of the namespaces its process is in. */
  private finishEvent(ev: EventCtx): void {
    const s = ev.syscall;
    if (s === null) return;
    const set = ev.boot.procs.get(s.pid)?.set;
    if (set === undefined || set === null || !this.relevant(set.ns, null)) return;
    let byName = this.kernel.get(ev.boot);
    if (byName === undefined) this.kernel.set(ev.boot, (byName = new Map()));
    const name = s.name ?? `syscall ${s.syscall}`;
    const t = byName.get(name);
    if (t === undefined) byName.set(name, { count: 1, first: ev.at, last: ev.at });
    else { t.count++; t.last = ev.at; }
  }
}

/** The trail is about this namespace: it, or a container it belongs to, was asked for (never a boot's initial one). */
function tracedNs(n: Ns): boolean {
  if (n.initial) return false;
  if (n.traced) return true;
  for (const x of n.containers) if (x.traced) return true;
  return false;
}

/** `p` is its boot's process of that pid and was last seen in `n`. */
function lastSeenIn(p: Proc, n: Ns): boolean {
  return p.set !== null && p.set.ns[n.typeIdx] === n && n.boot.procs.get(p.pid) === p;
}

/** `p` entered `n`; the processes since gone elsewhere are pruned when the list has doubled. */
function enteredBy(n: Ns, p: Proc): void {
  n.procs.push(p);
  if (n.procs.length < n.procsPruneAt) return;
  n.procs = [...new Set(n.procs)].filter((q) => lastSeenIn(q, n));
  n.procsPruneAt = Math.max(PRUNE_MIN, 2 * n.procs.length);
}
