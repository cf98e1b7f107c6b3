/**
 * `--kernel-audit` (SPEC §8), the main thread's side: kernel events from the reader thread
 * (reader_worker.ts) go to the log as the kernel sent them, with nsproc's records for them
 * between the SYSCALL record and the rest — the namespaces a clone, clone3, unshare or setns
 * created, joined or left (INIT/DEL), and NS_INFO for the event's pid — all with the
 * event's own `audit(TIME:SERIAL)`; and NSPROC_NS_UNSEEN when the namespaces such a syscall
 * made were gone before nsproc could read them (ns_unseen.ts). Lost kernel events become
 * NSPROC_KERNEL_LOST records, and a full rescan of the host.
 *
 * Every CONFIG_CHANGE is looked at: host mode polls only while the events miss a namespace syscall (SPEC §8, coverage.ts).
 *
 * Lifecycle: {@link KernelAudit.start} (rules, reader thread) before the host scanner →
 * {@link KernelAudit.attach} once host mode has its state → {@link KernelAudit.hostEvents}
 * for every event the host scanner makes → {@link KernelAudit.stop} (reader, rules).
 * Nothing here blocks: the reader thread waits on the socket, and a rescan is a message to
 * the scanner thread.
 */
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { formatStamp } from '../audit/format.js';
import { Wakeup } from '../sys/wakeup.js';
import type { AuditLog, LogItem } from '../audit/log_writer.js';
import { appendOrTell } from '../audit/lossy_append.js';
import type { ModelEvent } from '../model/events.js';
import type { HostBatch } from '../model/host_observation.js';
import { profileTypes, type NsName } from '../model/nstypes.js';
import { allTasks, type ModelState } from '../model/state.js';
import { nsInfo } from '../model/task_ns.js';
import type { KernelEvent } from './assembler.js';
import { CLAIM_MS, HeldEvents } from './held_events.js';
import { targetPid, unseenLine, unseenTypes } from './ns_unseen.js';
import { formatKernelRecord } from './record.js';
import { AUDIT_CONFIG_CHANGE, AUDIT_SYSCALL } from './record_types.js';
import { uncovered } from './coverage.js';
import type { ReaderConfig, ReaderMessage, ReaderRequest } from './reader_worker.js';
import { AUDITCTL_UNDO, installRules, NSPROC_KEY, readdRules, removeRules, rulesIntact, startWarnings, type Installed } from './rules.js';
import { Sightings } from './sightings.js';
import { AuditControl } from './socket.js';
import type { Lost } from './stream.js';
import { parseSyscall, type SyscallInfo } from './syscall_record.js';
import type { AuditStatus, ListedRule } from './protocol.js';

/** What kernel-audit needs of host mode (src/host_system.ts). */
export interface KernelAuditHost {
  readonly state: ModelState;
  /**
   * Reads these pids now and applies what changed; the events come back unlogged, with the
   * batches read and which of the pids are threads (not processes, not read).
   */
  rescanNow(pids: readonly number[]): Promise<{ events: ModelEvent[]; batches: readonly HostBatch[]; threads: readonly number[] }>;
  /** Every process again, soon (the stream lost events: what they would have named is unknown). */
  fullRescan(): void;
  /** The kernel's events started (null) or stopped (what is missing) naming every namespace syscall. */
  coverage(missing: string | null): void;
}

export interface KernelAuditOptions {
  /** `--kernel-audit-rules`: add nsproc's rules (and enable audit) for the run. */
  readonly rules: boolean;
  /** `--kernel-audit-keys`: null logs every SYSCALL event; else only events with one of these keys. */
  readonly keys: readonly string[] | null;
  /** Where --kernel-audit-rules keeps what it changed (rules.ts). */
  readonly stateFile: string;
}

/** Counters since start (the debug socket's `stats`, see src/cli/_debug.ts). */
export interface KernelAuditStats {
  /** Kernel events received whole. */
  events: number;
  /** Written to the log (events with a SYSCALL record that pass the key filter). */
  logged: number;
  /** Without a SYSCALL record (not logged), or filtered out by --kernel-audit-keys. */
  noSyscall: number;
  filtered: number;
  /** Logged without NS_INFO: the process had gone before nsproc saw it. */
  withoutNsInfo: number;
  /** Host events logged inside a kernel event instead of on their own. */
  claimed: number;
  /**
   * NSPROC_NS_UNSEEN records written, the namespaces they name (created unseen; setns: entered
   * unseen), and those of them that say types=unknown (clone3, setns with nstype 0).
   */
  unseen: { records: number; namespaces: number; unknown: number };
  lost: { gaps: number; gapSerials: number; kernelLost: number; overruns: number };
  /** Full rescans asked for after a loss in the stream. */
  lossRescans: number;
  /** CONFIG_CHANGE events looked at; times nsproc's removed rules were added again. */
  configChanges: number;
  rulesReadded: number;
  logFailures: number;
}

/** nsproc's record of a change in what the kernel's events cover. */
const RULES_RECORD = 'NSPROC_KERNEL_RULES';

/**
 * A syscall's audit stamp is the coarse clock at its entry, never later than nsproc's reads of
 * what it did; this much earlier still counts as after it (clock adjustments).
 */
const CLOCK_SLACK_MS = 10;

/**
 * A rule change is looked at once changes have stopped this long: `auditctl -D` or an auditd
 * reload is a burst of them, and nsproc neither races it nor adds its rules in pieces.
 */
const RULES_SETTLE_MS = 100;

/** The record of nsproc's own that tells which kernel events it did not get. */
const LOST_RECORD = 'NSPROC_KERNEL_LOST';

/** NSPROC_KERNEL_LOST's fields. */
function lostFields(l: Lost): string {
  switch (l.reason) {
    case 'gap': return `reason=gap first=${l.first} last=${l.last} count=${l.count}`;
    case 'kernel_lost': return `reason=kernel_lost count=${l.count} total=${l.total}`;
    case 'overrun': return 'reason=overrun';
  }
}

type EventsMessage = Extract<ReaderMessage, { kind: 'events' | 'stopped' }>;

/** The reader thread as the main thread sees it (a node:worker_threads Worker; tests pass a fake). */
export type ReaderPort = Pick<Worker, 'on' | 'once' | 'postMessage' | 'terminate'>;

export class KernelAudit {
  readonly stats: KernelAuditStats = {
    events: 0, logged: 0, noSyscall: 0, filtered: 0, withoutNsInfo: 0, claimed: 0, unseen: { records: 0, namespaces: 0, unknown: 0 },
    lost: { gaps: 0, gapSerials: 0, kernelLost: 0, overruns: 0 }, lossRescans: 0, configChanges: 0, rulesReadded: 0, logFailures: 0,
  };
  /** What keeps the kernel's events from naming every namespace syscall; null: nothing. */
  missing: string | null;
  private host: KernelAuditHost | null = null;
  private readonly held = new HeldEvents();
  private readonly seen = new Sightings();
  /** Messages not handled yet: all of them are handled together, with one rescan (which is awaited). */
  private queued: EventsMessage[] = [];
  private chain: Promise<void> = Promise.resolve();
  /** The reader had passed on every record it received until then (reader_worker.ts). */
  private through = 0;
  /** Set while host events are held: then the reader is asked how far it has got (its answer lets them go). */
  private claimTimer: NodeJS.Timeout | null = null;
  /** Set after a CONFIG_CHANGE until the burst is over: then {@link recheck}. */
  private settleTimer: NodeJS.Timeout | null = null;
  private stopped: Promise<void> | null = null;
  private readonly finished: Promise<void>;

  private constructor(
    private readonly opts: KernelAuditOptions,
    private readonly log: AuditLog,
    private readonly worker: ReaderPort,
    private installed: Installed | null,
    private readonly say: (line: string) => void,
    private readonly wake: () => void,
  ) {
    const now = lookAtCoverage();
    this.missing = typeof now === 'string' ? now : now.missing;
    this.finished = new Promise((resolve) => {
      worker.on('message', (m: ReaderMessage) => {
        if (m.kind === 'events' || m.kind === 'stopped') this.receive(m);
        if (m.kind === 'stopped') resolve();
        if (m.kind === 'fatal') say(`nsproc: kernel audit reader stopped: ${m.message}; kernel events are no longer logged`);
      });
      worker.on('exit', () => resolve());
    });
  }

  /**
   * Adds the rules if asked (else says what keeps events from coming), then starts the
   * reader thread; resolves once it listens. Rejects with a sentence when the kernel has no
   * audit, refuses the group (CAP_AUDIT_READ) or a rule change.
   * @param say where start-up notes and later warnings go (stderr)
   */
  static async start(opts: KernelAuditOptions, log: AuditLog, say: (line: string) => void): Promise<KernelAudit> {
    const installed = opts.rules ? addRules(opts.stateFile, say) : (warnAboutRules(say), null);
    const wake = Wakeup.create();
    const worker = new Worker(new URL('./reader_worker.js', import.meta.url), { workerData: { wakeFd: wake.fd } satisfies ReaderConfig });
    // The reader may sleep in poll(2) on it until it exits.
    worker.once('exit', () => wake.close());
    return KernelAudit.withReader(opts, log, worker, installed, say, () => wake.signal());
  }

  /**
   * {@link start} past the rules: waits for the reader to listen (tests give a fake reader).
   * @param wake signals the reader after each message (it sleeps in poll(2)); a fake needs none
   */
  static async withReader(opts: KernelAuditOptions, log: AuditLog, worker: ReaderPort, installed: Installed | null, say: (line: string) => void, wake: () => void = () => {}): Promise<KernelAudit> {
    try {
      const first = await new Promise<ReaderMessage>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      if (first.kind === 'fatal') throw new Error(`kernel audit: ${first.message}`);
      if (first.kind === 'ready' && first.warning) say(`nsproc: kernel audit: ${first.warning}`);
    } catch (e) {
      await worker.terminate();
      if (installed) undoRules(installed, opts.stateFile, say);
      throw e;
    }
    return new KernelAudit(opts, log, worker, installed, say, wake);
  }

  /** Audit rules this run added and removes at its stop (--kernel-audit-rules); 0 without. */
  get rulesOwned(): number {
    return this.installed?.added.length ?? 0;
  }

  /** Host mode is up: kernel events are matched against its processes from now on. */
  attach(host: KernelAuditHost): void {
    this.host = host;
    this.kick();
  }

  /**
   * The host scanner's events: held a moment for a kernel event to claim, then logged.
   * @param batches what they came from (which processes were read: ns_unseen.ts)
   */
  hostEvents(events: readonly ModelEvent[], batches: readonly HostBatch[]): void {
    this.hold(events, batches);
  }

  /** Stops the reader (its open events are logged), logs what is held, removes the rules. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      if (this.claimTimer !== null) clearTimeout(this.claimTimer);
      if (this.settleTimer !== null) clearTimeout(this.settleTimer);
      this.post({ kind: 'stop' });
      const timeout = setTimeout(() => void this.worker.terminate(), 2000);
      await this.finished;
      clearTimeout(timeout);
      this.kick();
      await this.chain;
      this.write(this.held.drain());
      if (this.installed) undoRules(this.installed, this.opts.stateFile, this.say);
    })();
    return this.stopped;
  }

  private post(m: ReaderRequest): void {
    this.worker.postMessage(m);
    this.wake();
  }

  /**
   * While host events are held, every {@link CLAIM_MS}: let go of those too old to wait, and
   * ask the reader how far it has got; its answer lets go of those no kernel event can claim.
   */
  private awaitClaims(): void {
    if (this.claimTimer !== null || this.held.size === 0 || this.stopped !== null) return;
    this.claimTimer = setTimeout(() => {
      this.claimTimer = null;
      this.write(this.held.due(Date.now(), this.through));
      if (this.held.size > 0) this.post({ kind: 'sync' });
      this.awaitClaims();
    }, CLAIM_MS);
  }

  private receive(m: EventsMessage): void {
    this.queued.push(m);
    if (this.queued.length === 1) this.kick();
  }

  /** Handles what is queued (once host mode is attached), after what is being handled now. */
  private kick(): void {
    this.chain = this.chain.then(async () => {
      while (this.host !== null && this.queued.length > 0) await this.handle(this.host, this.queued.splice(0));
    }).catch((e: unknown) => this.say(`nsproc: kernel audit: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));
  }

  private async handle(host: KernelAuditHost, ms: readonly EventsMessage[]): Promise<void> {
    for (const m of ms) if (m.high !== null) this.log.noteKernelSerial(m.high);
    const items: LogItem[] = ms.flatMap((m) => m.lost.map((l) => this.lostRecord(l)));
    // What the lost events would have named is unknown: every process again.
    if (items.length > 0) {
      this.stats.lossRescans++;
      host.fullRescan();
    }
    const configChanges = ms.reduce((n, m) => n + m.events.filter((e) => e.records.some((r) => r.type === AUDIT_CONFIG_CHANGE)).length, 0);
    this.stats.configChanges += configChanges;
    const picked: { e: KernelEvent; sys: SyscallInfo; at: number; target: number | null }[] = [];
    const before = allTasks(host.state);
    for (const e of ms.flatMap((m) => m.events)) {
      this.stats.events++;
      const at = e.records.findIndex((r) => r.type === AUDIT_SYSCALL);
      const sys = at < 0 ? null : parseSyscall(e.records[at]!.message);
      if (sys === null) this.stats.noSyscall++;
      else if (this.opts.keys !== null && !sys.keys.some((k) => this.opts.keys!.includes(k))) this.stats.filtered++;
      else picked.push({ e, sys, at, target: sys.nsOp ? targetPid(sys, before) : null });
    }
    // One rescan for every clone/unshare/setns of the batch: its processes (and new children) now.
    const rescan = new Set(picked.flatMap(({ sys, target }) => nsPids(sys, target)));
    if (rescan.size > 0) {
      const r = await host.rescanNow([...rescan]);
      this.hold(r.events, r.batches, r.threads);
    }
    const tasks = allTasks(host.state);
    for (const p of picked) {
      const { e, sys, at } = p;
      // A child under a caller in a child pid namespace may have been read only now (the scanner's read of its fork came with the rescan).
      const target = p.target ?? (sys.nsOp ? targetPid(sys, tasks) : null);
      const events = sys.nsOp ? this.held.claim((x) => explains(sys, x, (pid) => tasks.has(pid), target)) : [];
      this.stats.claimed += events.length;
      const t = tasks.get(sys.pid);
      if (!events.some((x) => x.kind === 'ns-info' && x.pid === sys.pid)) {
        if (t) events.push(nsInfo(host.state, t));
        else this.stats.withoutNsInfo++;
      }
      const lines = e.records.map(formatKernelRecord);
      const after = lines.slice(at + 1);
      if (sys.nsOp) {
        const t = target === null ? undefined : tasks.get(target);
        const unseen = unseenTypes(sys, target, t !== undefined && !t.host?.nsDenied, this.seen, e.sec * 1000 + e.msec - CLOCK_SLACK_MS);
        if (unseen !== null) after.unshift(this.unseenRecord(e, sys, unseen, e.records[at]!.message));
      }
      // What the event's records name must have its INIT in the log first.
      items.push(...this.held.through(named(events)));
      items.push({ kind: 'kernel-event', stamp: e, before: lines.slice(0, at + 1), events, after });
      this.stats.logged++;
    }
    // Held host events the reader has passed by are no longer anyone's to claim.
    this.through = Math.max(this.through, ...ms.map((m) => m.through));
    items.push(...this.held.due(Date.now(), this.through));
    this.write(items);
    this.awaitClaims();
    if (configChanges > 0) this.recheckSoon(host);
  }

  /** {@link recheck} once rule changes have settled, in turn with the event handling. */
  private recheckSoon(host: KernelAuditHost): void {
    if (this.stopped !== null) return;
    if (this.settleTimer !== null) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      this.chain = this.chain.then(() => this.recheck(host));
    }, RULES_SETTLE_MS);
  }

  /** After a CONFIG_CHANGE: nsproc's rules back if they went, and host mode told when coverage changed. */
  private recheck(host: KernelAuditHost): void {
    let now = lookAtCoverage();
    if (typeof now !== 'string' && this.installed !== null && !rulesIntact(now.rules)) {
      const c = AuditControl.open();
      const r = c.ok ? readdRules(c.value, this.installed) : c;
      if (c.ok) c.value.close();
      if (r.ok) {
        this.installed = r.value;
        this.stats.rulesReadded++;
        this.say(`nsproc: kernel audit rules with the key ${NSPROC_KEY} were removed (auditctl -D, as an auditd reload does); added them again`);
        this.write([{ kind: 'own-record', typeName: RULES_RECORD, fields: `op=readd rules=${r.value.readded} key=${NSPROC_KEY} res=1` }]);
        // What happened while they were gone made no events.
        host.fullRescan();
        now = lookAtCoverage();
      } else {
        this.say(`nsproc: kernel audit rules with the key ${NSPROC_KEY} were removed, and adding them again failed: ${r.error.detail}`);
        this.write([{ kind: 'own-record', typeName: RULES_RECORD, fields: `op=readd rules=0 key=${NSPROC_KEY} res=0` }]);
      }
    }
    const missing = typeof now === 'string' ? now : now.missing;
    if ((missing === null) === (this.missing === null)) {
      this.missing = missing;
      return;
    }
    this.missing = missing;
    this.say(missing === null
      ? 'nsproc: kernel audit events name every clone, clone3, unshare and setns again: host mode follows them, with a slow safety-net rescan'
      : `nsproc: kernel audit events no longer name every namespace syscall (${missing}): host mode polls again`);
    this.write([{ kind: 'own-record', typeName: RULES_RECORD, fields: missing === null ? 'op=covered' : 'op=uncovered' }]);
    host.coverage(missing);
  }

  /** @param threads tids a rescan found to be threads: host mode follows processes, so nothing of them is unseen (a clone3 that made one) */
  private hold(events: readonly ModelEvent[], batches: readonly HostBatch[], threads: readonly number[] = []): void {
    const now = Date.now();
    this.seen.note(events, [...batches.flatMap((b) => b.procs.filter((p) => p.ns !== null).map((p) => p.pid)), ...threads], now);
    this.held.hold(events, now);
    this.awaitClaims();
  }

  /** NSPROC_NS_UNSEEN after nsproc's other records of the event (before PROCTITLE, EOE: parsers end an event there), counted. */
  private unseenRecord(e: KernelEvent, sys: SyscallInfo, types: NsName[] | 'unknown', text: string): string {
    const u = this.stats.unseen;
    u.records++;
    if (types === 'unknown') u.unknown++;
    else u.namespaces += types.length;
    return unseenLine(formatStamp(e), sys, types, text);
  }

  private lostRecord(l: Lost): LogItem {
    const s = this.stats.lost;
    if (l.reason === 'gap') {
      s.gaps++;
      s.gapSerials += l.count;
    } else if (l.reason === 'kernel_lost') s.kernelLost += l.count;
    else s.overruns++;
    return { kind: 'own-record', typeName: LOST_RECORD, fields: lostFields(l) };
  }

  /** The host and its kernel went on whatever the log says: a failure is told, counted, and written down once the log works. */
  private write(items: readonly LogItem[]): void {
    appendOrTell(this.log, items, this.stats, this.say);
  }
}

/**
 * Whether a host event is what this clone, unshare or setns did (SPEC §8: the namespaces it
 * created, joined or left): its caller's NS_INFO after an unshare or setns, the INITs of the
 * types it asked for (made by the caller, or for a clone by the child, the first process in
 * them), a clone's child NS_INFO when it asked for new namespaces, and the DELs of
 * namespaces an unshare or setns left (its caller still lives: not an exit's).
 * @param alive whether a pid is a live process now
 * @param child a clone's child as the host numbers it (ns_unseen.ts: targetPid), null when unknown
 */
export function explains(sys: SyscallInfo, e: ModelEvent, alive: (pid: number) => boolean, child: number | null = sys.exit): boolean {
  const asked = (flag: number) => sys.nsFlags === null || (sys.nsFlags & flag) !== 0;
  if (sys.nsOp === 'clone') {
    if (e.kind === 'ns-created') return e.actor.pid === child && asked(e.type.flag);
    return e.kind === 'ns-info' && e.pid === child && (sys.nsFlags === null || (sys.nsFlags & CLONE_NEW_ANY) !== 0);
  }
  if (e.kind === 'ns-info') return e.pid === sys.pid;
  if (e.kind === 'ns-created') return sys.nsOp === 'unshare' && e.actor.pid === sys.pid && asked(e.type.flag);
  return e.kind === 'ns-freed' && e.actor.pid === sys.pid && alive(sys.pid);
}

/** Every CLONE_NEW* flag of Linux 6.x (modern's table: CLONE_NEW_MASK). */
const CLONE_NEW_ANY = profileTypes('modern').cloneNewMask;

/** The serials these records name that are not INITed among them. */
function named(events: readonly ModelEvent[]): Set<bigint> {
  const out = new Set<bigint>();
  for (const e of events) {
    if (e.kind === 'ns-info') for (const r of e.namespaces) out.add(r.snum);
    else if (e.kind === 'ns-created') out.add(e.oldSnum);
    else if (e.kind === 'ns-freed') out.add(e.snum);
  }
  for (const e of events) if (e.kind === 'ns-created') out.delete(e.snum);
  return out;
}

/** The processes a clone/unshare/setns changed: the caller, and a clone's child (as the host numbers it). */
function nsPids(sys: SyscallInfo, child: number | null): number[] {
  if (sys.nsOp === null) return [];
  return sys.nsOp === 'clone' && child !== null && child > 0 ? [sys.pid, child] : [sys.pid];
}

function addRules(stateFile: string, say: (line: string) => void): Installed {
  const c = AuditControl.open();
  if (!c.ok) throw new Error(`--kernel-audit-rules: ${c.error.detail}`);
  try {
    const r = installRules(c.value, stateFile, (pid) => isNsproc(pid));
    if (!r.ok) throw new Error(`--kernel-audit-rules: ${r.error.detail}`);
    if (r.value.leftovers > 0) say(`nsproc: removed ${r.value.leftovers} audit rules with the key nsproc that a killed nsproc had left`);
    say(`nsproc: kernel audit rules added (clone, clone3, unshare, setns; b64 and b32; key nsproc)${r.value.restoreEnabled === 0 ? '; audit enabled for this run' : ''}; removed at stop`);
    return r.value;
  } finally {
    c.value.close();
  }
}

function undoRules(installed: Installed, stateFile: string, say: (line: string) => void): void {
  const c = AuditControl.open();
  const r = c.ok ? removeRules(c.value, installed, stateFile) : c;
  if (c.ok) c.value.close();
  if (!r.ok) say(`nsproc: could not undo the kernel audit rules: ${r.error.detail}; undo by hand: ${AUDITCTL_UNDO}`);
  // mount.sh -u shows this line: the operator learns the machine is as it was.
  else say(`nsproc: kernel audit rules removed (the ${installed.added.length} with the key ${NSPROC_KEY} this run added)${installed.restoreEnabled === 0 ? '; audit disabled again, as it was' : ''}`);
}

function warnAboutRules(say: (line: string) => void): void {
  const now = readSettings();
  if (typeof now === 'string') return say(`nsproc: kernel audit: ${now}`);
  for (const w of startWarnings(now.status, now.rules)) say(`nsproc: kernel audit: ${w}`);
}

/** AUDIT_GET and AUDIT_LIST_RULES now, or the sentence saying why they cannot be read. */
function readSettings(): { status: AuditStatus; rules: ListedRule[] } | string {
  const c = AuditControl.open();
  if (!c.ok) return `cannot check the audit settings: ${c.error.detail}`;
  try {
    const st = c.value.status();
    if (!st.ok) return `cannot check the audit settings: ${st.error.detail}`;
    const rules = c.value.listRules();
    return rules.ok ? { status: st.value, rules: rules.value } : `cannot check the audit rules: ${rules.error.detail}`;
  } finally {
    c.value.close();
  }
}

/** The rules now, and what keeps the events from naming every namespace syscall (null: nothing); or why they cannot be read. */
function lookAtCoverage(): { rules: ListedRule[]; missing: string | null } | string {
  const now = readSettings();
  return typeof now === 'string' ? now : { rules: now.rules, missing: uncovered(now.status, now.rules) };
}

/** Whether `pid` is a running nsproc daemon (its command line names daemon.js). */
function isNsproc(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('daemon.js');
  } catch {
    return false;
  }
}
