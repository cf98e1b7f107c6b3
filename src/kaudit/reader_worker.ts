/**
 * The kernel audit reader thread (node:worker_threads): the blocking recv(2) on the audit
 * multicast group and the AUDIT_GET polls run here, never on the main thread that serves
 * FUSE. It posts {@link ReaderMessage}s: whole kernel events and what was lost. It loads no
 * fuse-native (the addon aborts in worker threads): only src/kaudit/ and the libc module.
 *
 * Loop: recv for up to 50 ms (without waiting while whole events are pending: a lone event
 * goes out at once, not after the next recv's timeout); every round end quiet events and
 * report old gaps; every {@link LOST_POLL_MS} read the kernel's lost counter; post once the
 * socket is empty, at most {@link BATCH_MS} after the first thing pending (or at once past
 * {@link BATCH_MAX} events), and an empty message when recv found nothing (the main thread
 * learns how far the reader has got).
 */
import { parentPort } from 'node:worker_threads';
import type { KernelEvent } from './assembler.js';
import { AuditControl, AuditMulticast } from './socket.js';
import { KernelStream, type Lost } from './stream.js';

export type ReaderRequest = { readonly kind: 'stop' };

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

const port = parentPort!;
/** Test hook: the first records to come are reported after an overrun, a loss host mode answers with a full rescan. */
let fakeOverrun = process.env['NSPROC_TEST_KAUDIT_OVERRUN'] === '1';
let stopping = false;
port.on('message', (m: ReaderRequest) => {
  if (m.kind === 'stop') stopping = true;
});

async function main(): Promise<void> {
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
  let nextPoll = Date.now() + LOST_POLL_MS;
  let firstPending = 0;
  let lastYield = Date.now();
  try {
    while (!stopping) {
      const r = mc.value.receive(stream.pending === 0);
      const now = Date.now();
      if (!r.ok) throw new Error(r.error.detail);
      if (r.value.kind === 'records') {
        if (fakeOverrun) {
          stream.overrun();
          fakeOverrun = false;
        }
        stream.records(r.value.records, now);
      }
      else if (r.value.kind === 'overrun') stream.overrun();
      stream.tick(now);
      if (warning === null && now >= nextPoll) {
        pollLost();
        nextPoll = now + LOST_POLL_MS;
      }
      if (stream.pending > 0) {
        if (firstPending === 0) firstPending = now;
        if (r.value.kind !== 'records' || now - firstPending >= BATCH_MS || stream.pending >= BATCH_MAX) {
          port.postMessage({ kind: 'events', ...stream.take(), high: stream.high, through: now } satisfies ReaderMessage);
          firstPending = 0;
        }
      } else if (r.value.kind === 'timeout') {
        // Nothing came for a while: caught up with the kernel (the main thread lets held host events go).
        port.postMessage({ kind: 'events', events: [], lost: [], high: stream.high, through: now } satisfies ReaderMessage);
      }
      if (r.value.kind !== 'records' || now - lastYield >= 10) {
        // Let the main thread's messages in (stop).
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = Date.now();
      }
    }
    stream.drain();
    port.postMessage({ kind: 'stopped', ...stream.take(), high: stream.high, through: Date.now() } satisfies ReaderMessage);
  } finally {
    mc.value.close();
    if (ctl.ok) ctl.value.close();
    port.close();
  }
}

void main().catch((e: unknown) => port.postMessage({ kind: 'fatal', message: e instanceof Error ? e.message : String(e) } satisfies ReaderMessage));
