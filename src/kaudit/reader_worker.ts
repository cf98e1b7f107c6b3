/**
 * The kernel audit reader thread (node:worker_threads): the blocking recv(2) on the audit
 * multicast group and the AUDIT_GET polls run here, never on the main thread that serves
 * FUSE. It posts {@link ReaderMessage}s: whole kernel events and what was lost. It loads no
 * fuse-native (the addon aborts in worker threads): only src/kaudit/ and the libc module.
 *
 * Loop: sleep in poll(2) until the socket has records, the main thread signals a message
 * (kernel_audit.ts: stop, or "sync": say how far you have got), or a deadline of its own
 * (the kernel's lost counter every {@link LOST_POLL_MS}, an open event or gap every
 * {@link OPEN_TICK_MS}); read what is queued; end quiet events and report old gaps; post
 * once the socket is empty, at most {@link BATCH_MS} after the first thing pending (or at once
 * past {@link BATCH_MAX} events). Every message says how far the reader has got (`through`);
 * an empty one goes only when the main thread asks (it holds host events for a kernel event
 * to claim), so an idle reader wakes about once a second.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { Wakeup } from '../sys/wakeup.js';
import type { KernelEvent } from './assembler.js';
import { AuditControl, AuditMulticast } from './socket.js';
import { KernelStream, type Lost } from './stream.js';

/** `sync`: post how far the reader has got, also with nothing to say (an empty 'events'). */
export type ReaderRequest = { readonly kind: 'stop' } | { readonly kind: 'sync' };

/** workerData: the eventfd the main thread signals after each message (sys/wakeup.ts). */
export interface ReaderConfig {
  readonly wakeFd: number;
}

export type ReaderMessage =
  /** Listening: every record from now on arrives. `warning`: why the kernel's lost counter cannot be read, or null. */
  | { readonly kind: 'ready'; readonly warning: string | null }
  /** `through`: every record received until then is in this message or an earlier one. */
  | { readonly kind: 'events'; readonly events: readonly KernelEvent[]; readonly lost: readonly Lost[]; readonly high: number | null; readonly through: number }
  /** The last message before the thread ends (after a stop): events still open are in it. */
  | { readonly kind: 'stopped'; readonly events: readonly KernelEvent[]; readonly lost: readonly Lost[]; readonly high: number | null; readonly through: number }
  | { readonly kind: 'fatal'; readonly message: string };

const LOST_POLL_MS = 1000;
const BATCH_MS = 5;
const BATCH_MAX = 512;
/** How often open events and gaps are looked at (their ends come after seconds: stream.ts). */
const OPEN_TICK_MS = 100;
/** Datagrams read in one go, at most (the main thread's stop must not wait for a storm). */
const DRAIN_MAX = 256;

const port = parentPort!;
/** Test hook: the first records to come are reported after an overrun, a loss host mode answers with a full rescan. */
let fakeOverrun = process.env['NSPROC_TEST_KAUDIT_OVERRUN'] === '1';
let stopping = false;
let syncAsked = false;

/** Takes the main thread's messages queued now (each is queued before its signal). */
function takeMessages(): void {
  for (let got = receiveMessageOnPort(port); got !== undefined; got = receiveMessageOnPort(port)) {
    const m = got.message as ReaderRequest;
    if (m.kind === 'stop') stopping = true;
    else syncAsked = true;
  }
}

function main(): void {
  const wake = Wakeup.of((workerData as ReaderConfig).wakeFd);
  const mc = AuditMulticast.open();
  if (!mc.ok) {
    port.postMessage({ kind: 'fatal', message: mc.error.detail } satisfies ReaderMessage);
    return;
  }
  const ctl = AuditControl.open();
  const stream = new KernelStream();
  const pollLost = (): string | null => {
    if (!ctl.ok) return ctl.error.detail;
    const st = ctl.value.status();
    if (!st.ok) return st.error.detail;
    stream.kernelLost(st.value.lost);
    return null;
  };
  const warning = pollLost();
  port.postMessage({ kind: 'ready', warning: warning === null ? null : `cannot read the kernel's lost counter (${warning}); gaps in serials are still found` } satisfies ReaderMessage);
  // Without a readable counter there is nothing to poll.
  let nextPoll = warning === null ? Date.now() + LOST_POLL_MS : Infinity;
  let firstPending = 0;
  try {
    while (!stopping) {
      const now = Date.now();
      const due = Math.min(nextPoll - now, stream.open ? OPEN_TICK_MS : Infinity, firstPending === 0 ? Infinity : firstPending + BATCH_MS - now);
      const w = wake.wait(mc.value.fd, Math.min(due, LOST_POLL_MS));
      if (!w.ok) throw new Error(`poll(2) on the audit multicast group failed with ${w.error.errno}`);
      if (w.woken) takeMessages();
      let drained = true;
      let through = Date.now();
      if (w.socket || syncAsked) {
        drained = false;
        for (let i = 0; i < DRAIN_MAX && stream.pending < BATCH_MAX; i++) {
          // Taken before the read that finds the socket empty: every record queued by then is read.
          through = Date.now();
          const r = mc.value.receive();
          if (!r.ok) throw new Error(r.error.detail);
          if (r.value.kind === 'empty') {
            drained = true;
            break;
          }
          if (r.value.kind === 'overrun') stream.overrun();
          else {
            if (fakeOverrun) {
              stream.overrun();
              fakeOverrun = false;
            }
            stream.records(r.value.records, through);
          }
        }
      }
      const t = Date.now();
      stream.tick(t);
      if (warning === null && t >= nextPoll) {
        pollLost();
        nextPoll = t + LOST_POLL_MS;
      }
      if (stream.pending > 0) {
        if (firstPending === 0) firstPending = t;
        if (drained || t - firstPending >= BATCH_MS || stream.pending >= BATCH_MAX) {
          port.postMessage({ kind: 'events', ...stream.take(), high: stream.high, through: drained ? through : firstPending } satisfies ReaderMessage);
          firstPending = 0;
          syncAsked = false;
        }
      } else if (syncAsked && drained) {
        port.postMessage({ kind: 'events', events: [], lost: [], high: stream.high, through } satisfies ReaderMessage);
        syncAsked = false;
      }
      // In a storm the stop comes between reads.
      if (!drained) takeMessages();
    }
    stream.drain();
    port.postMessage({ kind: 'stopped', ...stream.take(), high: stream.high, through: Date.now() } satisfies ReaderMessage);
  } finally {
    mc.value.close();
    if (ctl.ok) ctl.value.close();
    port.close();
  }
}

try {
  main();
} catch (e) {
  port.postMessage({ kind: 'fatal', message: e instanceof Error ? e.message : String(e) } satisfies ReaderMessage);
}
