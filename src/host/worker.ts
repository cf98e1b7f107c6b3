/**
 * The host scanning thread (node:worker_threads): everything host mode does
 * that blocks — reading /proc, the nsfs ioctls, waiting on the proc connector —
 * runs here, never on the main thread that serves FUSE. It posts
 * {@link WorkerMessage}s; the main thread applies them (host_source.ts).
 * It must not load fuse-native (the addon aborts in worker threads): it only
 * imports src/host/ and the model's types.
 *
 * Loop: sleep in poll(2) until the proc connector has events, the main thread
 * signals a message (host_source.ts: a rescan to answer now, stop), or the next
 * deadline of its own (a full scan, a free re-check, a batch to post); read the
 * processes the events name (fork: the child; exec, uid, gid, comm: the process;
 * exit: gone); after ENOBUFS, a full scan (counted); every rescan interval a
 * full scan (fds and bind mounts every {@link HOLDER_SCAN_EVERY}th); post what
 * changed {@link BATCH_MS} after the first change. Idle, it wakes only for those deadlines. The main thread may change
 * the interval (the kernel's audit events started or stopped naming every
 * unshare and setns) and ask for a full scan now (a loss in its audit stream).
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { HostBatch } from '../model/host_observation.js';
import type { Profile } from '../model/nstypes.js';
import { PROC_EVENT, ProcConnector, type ProcEvent } from './proc_connector.js';
import { Scanner, type ScanStats } from './scanner.js';
import { Wakeup } from '../sys/wakeup.js';

export interface WorkerConfig {
  readonly profile: Profile;
  readonly useIds: boolean;
  readonly rescanMs: number;
  readonly selfPid: number;
  /** The eventfd the main thread signals after each message (sys/wakeup.ts). */
  readonly wakeFd: number;
}

export type WorkerRequest =
  | { readonly kind: 'stop' }
  | { readonly kind: 'rescan'; readonly id: number; readonly pids: readonly number[] }
  | { readonly kind: 'interval'; readonly ms: number }
  | { readonly kind: 'full' };

export type WorkerMessage =
  | { readonly kind: 'snapshot'; readonly batch: HostBatch; readonly handles: boolean }
  | { readonly kind: 'batches'; readonly batches: readonly HostBatch[]; readonly stats: ScanStats & { events: number } }
  /** `threads`: the pids asked about that are threads, not processes (not read). */
  | { readonly kind: 'rescanned'; readonly id: number; readonly batches: readonly HostBatch[]; readonly threads: readonly number[] }
  | { readonly kind: 'fatal'; readonly message: string };

const BATCH_MS = 5;
/** The longest sleep: a bound on any wait, should a signal ever be missed (1 wake-up a second costs nothing). */
const MAX_SLEEP_MS = 1000;
const HOLDER_SCAN_EVERY = 10;
/** Datagrams read in one go, at most (a fork storm must not starve the main thread's requests). */
const DRAIN_MAX = 64;

// Errors are control flow here (a process gone between two reads): no stack traces to capture.
Error.stackTraceLimit = 0;
const config = workerData as WorkerConfig;
const port = parentPort!;
let stopping = false;
let rescanMs = config.rescanMs;
/** The next full scan: now, when the main thread asks for one. */
let fullNow = false;
const requests: Extract<WorkerRequest, { kind: 'rescan' }>[] = [];
/**
 * Takes the main thread's messages queued now. Pulled, not listened for: this thread never
 * returns to its event loop while it runs, and a message is queued before its signal.
 */
function takeMessages(): void {
  for (let got = receiveMessageOnPort(port); got !== undefined; got = receiveMessageOnPort(port)) {
    const m = got.message as WorkerRequest;
    if (m.kind === 'stop') stopping = true;
    else if (m.kind === 'interval') rescanMs = m.ms;
    else if (m.kind === 'full') fullNow = true;
    else requests.push(m);
  }
}

function post(m: WorkerMessage): void {
  port.postMessage(m);
}

function main(): void {
  let conn: ProcConnector;
  let scanner: Scanner;
  const wake = Wakeup.of(config.wakeFd);
  try {
    // Listen before the first scan, so nothing happens unseen between the two.
    const opened = ProcConnector.open();
    if (!opened.ok) throw new Error(opened.error.detail);
    conn = opened.value;
    scanner = new Scanner({ profile: config.profile, useIds: config.useIds, selfPid: config.selfPid });
    scanner.fullScan(true);
  } catch (e) {
    post({ kind: 'fatal', message: e instanceof Error ? e.message : String(e) });
    return;
  }
  // The first batch is the snapshot; the scan's later ones (a pid read, gone and read again) follow in order.
  const [first, ...rest] = scanner.take();
  post({ kind: 'snapshot', batch: first ?? { namespaces: [], procs: [], gone: [], freed: [] }, handles: scanner.handles });
  if (rest.length > 0) post({ kind: 'batches', batches: rest, stats: { ...scanner.stats, events: 0 } });
  let events = 0;
  let scans = 0;
  let lastFull = Date.now();
  let firstPending = 0;
  try {
    while (!stopping) {
      const now = Date.now();
      const due = Math.min(lastFull + rescanMs - now, scanner.nextDue(), firstPending === 0 ? Infinity : firstPending + BATCH_MS - now);
      const w = wake.wait(conn.fd, fullNow ? 0 : Math.min(due, MAX_SLEEP_MS));
      if (!w.ok) throw new Error(`poll(2) on the proc connector failed with ${w.error.errno}`);
      let drained = true;
      if (w.socket) {
        const n = drain(conn, scanner);
        events += n.events;
        drained = n.drained;
      }
      const t = Date.now();
      if (fullNow || t >= lastFull + rescanMs) {
        scanner.fullScan(++scans % HOLDER_SCAN_EVERY === 0);
        lastFull = t;
        fullNow = false;
      } else {
        scanner.checkCandidates();
      }
      if (scanner.hasPending()) {
        if (firstPending === 0) firstPending = t;
        // Gathered for BATCH_MS: one message for a burst of forks, not one per fork.
        if (t - firstPending >= BATCH_MS) {
          post({ kind: 'batches', batches: scanner.take(), stats: { ...scanner.stats, events } });
          firstPending = 0;
        }
      } else firstPending = 0;
      if (w.woken || !drained) {
        // The main thread's messages (stop, rescan requests): each comes with a signal; in a storm, also between reads.
        takeMessages();
        for (const q of requests.splice(0)) {
          events += drain(conn, scanner).events;
          answer(scanner, q);
        }
      }
    }
  } finally {
    conn.close();
    // Nothing else keeps this thread: it ends, and the main thread sees 'exit'.
    port.close();
  }
}

function handle(scanner: Scanner, ev: ProcEvent): void {
  switch (ev.what) {
    case PROC_EVENT.fork:
      // A new thread (child pid ≠ its tgid) is no new process.
      if (ev.childPid === ev.childTgid) scanner.readProc(ev.childTgid!);
      else scanner.noteThread(ev.childPid!);
      break;
    case PROC_EVENT.exec:
    case PROC_EVENT.uid:
    case PROC_EVENT.gid:
    case PROC_EVENT.comm:
      scanner.readProc(ev.tgid);
      break;
    case PROC_EVENT.exit:
      if (ev.pid === ev.tgid) scanner.markGone(ev.tgid);
      break;
  }
}

/**
 * Handles the connector events queued now, without waiting (at most {@link DRAIN_MAX} datagrams).
 * @returns how many events, and whether the socket was left empty
 */
function drain(conn: ProcConnector, scanner: Scanner): { events: number; drained: boolean } {
  let n = 0;
  for (let i = 0; i < DRAIN_MAX; i++) {
    const got = conn.receive();
    if (!got.ok) throw new Error(got.error.detail);
    const r = got.value;
    if (r.kind === 'empty') return { events: n, drained: true };
    if (r.kind === 'overrun') scanner.overrun();
    else {
      n += r.events.length;
      for (const ev of r.events) handle(scanner, ev);
    }
  }
  return { events: n, drained: false };
}

/**
 * A rescan the main thread asked for (a kernel event's processes): the connector's queued
 * events first (the forks of the syscall it is about came before its audit record), then
 * what was pending, then the answer's own batches, and which of the pids are threads.
 */
function answer(scanner: Scanner, q: Extract<WorkerRequest, { kind: 'rescan' }>): void {
  if (scanner.hasPending()) post({ kind: 'batches', batches: scanner.take(), stats: { ...scanner.stats, events: 0 } });
  for (const pid of q.pids) scanner.readProc(pid);
  scanner.checkCandidates();
  post({ kind: 'rescanned', id: q.id, batches: scanner.take(), threads: q.pids.filter((p) => scanner.isThread(p)) });
}

try {
  main();
} catch (e) {
  post({ kind: 'fatal', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
}
