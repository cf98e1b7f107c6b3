/**
 * Test-only introspection and fault injection for a running daemon. Everything
 * here is off unless the daemon's environment asks for it; the product path
 * (no variable set) serves the system's Vfs untouched.
 *
 * - `NSPROC_DEBUG_SOCKET=PATH`: a Unix socket (mode 0600, removed on stop).
 *   Each connection sends one request line and gets one JSON document back:
 *   - `dump`  → `{"inspect": …}`: what {@link NsprocSystem.inspect} returns (the
 *     full canonical model dump and the audit log's serial and size);
 *   - `stats` → `{"handlers": {OP: {count, maxMs, totalMs}}, "eventLoop": {maxMs,
 *     p99Ms, meanMs}}`, measured since the previous `stats` (which resets them), and the
 *     system's own counters since start when it has some (`"counters"`: host mode's
 *     `namespaces`, src/host/ns_census.ts: atStart, seen, createdUnseen, inferredMissed; and
 *     with --kernel-audit `kernelAudit`, src/kaudit/kernel_audit.ts: events, logged, lost,
 *     unseen …).
 *   Read-only for the model. It runs on the same thread as the FUSE handlers,
 *   which are synchronous, so a dump is always one state between two requests.
 *   Not a control-file command on purpose: nsctl is the product's contract
 *   (SPEC §5) and goes through the mount under test; this does neither.
 * - `NSPROC_TEST_FAULT="OP PATH[;OP PATH…]"`: the Vfs call OP (getattr, readdir,
 *   readlink, open, read, write, truncate) on PATH throws before the tree is
 *   asked, so the adapter's "a throw answers EIO, is logged, the daemon goes on"
 *   can be tested on the real daemon. For read and write, PATH is the path opened.
 * - `NSPROC_TEST_FAULT="die-after-answers=N PATH"` (e.g. `die-after-answers=0 /nsctl`):
 *   reads of an open PATH return one answer line each, and the read after the N-th line
 *   kills the daemon (SIGKILL) before it answers, so a write that was acknowledged (its
 *   records logged) has its answers lost from line N+1 on: how nsctl's "answer lost" path
 *   is tested without racing a kill. `stop-after-answers=N PATH` stops the daemon there
 *   instead (SIGSTOP, in the middle of that read; SIGCONT lets the read finish), and
 *   `eof-after-answers=N PATH` answers that read and every later one with end of file.
 */
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { KernelError } from '../model/errno.js';
import { isKernelError, type Vfs } from '../procfs/vfs.js';

/** What a system offers for inspection (see src/system.ts). */
export type Inspect = () => unknown;
/** A system's counters since start (never reset by `stats`). */
export type Counters = () => unknown;

export const DEBUG_SOCKET_ENV = 'NSPROC_DEBUG_SOCKET';
export const FAULT_ENV = 'NSPROC_TEST_FAULT';

interface OpStats { count: number; maxMs: number; totalMs: number }

/** Per-op handler times and the event-loop delay, since the last reset. */
class Stats {
  private ops = new Map<string, OpStats>();
  /** A 10 ms timer: at 1 ms it woke the loop 1,000 times a second, ~1.5% of a core that every CPU figure taken with the socket carried. */
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  constructor() { this.loop.enable(); }

  add(op: string, ms: number): void {
    let s = this.ops.get(op);
    if (!s) this.ops.set(op, (s = { count: 0, maxMs: 0, totalMs: 0 }));
    s.count++;
    s.totalMs += ms;
    if (ms > s.maxMs) s.maxMs = ms;
  }

  /** The numbers so far; starts counting afresh. */
  take(): unknown {
    const ms = (ns: number) => (Number.isFinite(ns) ? ns / 1e6 : 0);
    const out = {
      handlers: Object.fromEntries(this.ops),
      eventLoop: { maxMs: ms(this.loop.max), p99Ms: ms(this.loop.percentile(99)), meanMs: ms(this.loop.mean) },
    };
    this.ops = new Map();
    this.loop.reset();
    return out;
  }

  stop(): void { this.loop.disable(); }
}

/** The faults asked for, as "OP PATH" keys. */
export function parseFaults(spec: string | undefined): ReadonlySet<string> {
  return new Set((spec ?? '').split(';').map((f) => f.trim().replace(/\s+/, ' ')).filter((f) => f !== ''));
}

const AFTER_ANSWERS = /^(die|stop|eof)-after-answers=(\d+) (.+)$/;
const THEN = { die: 'SIGKILL', stop: 'SIGSTOP', eof: 'EOF' } as const;

/** A `die-`, `stop-` or `eof-after-answers=N` fault: answer N lines, then do `then`. */
interface AnswerFault { readonly lines: number; readonly then: (typeof THEN)[keyof typeof THEN] }

/** The `die-`/`stop-`/`eof-after-answers=N PATH` faults, by PATH. */
function answerFaults(faults: ReadonlySet<string>): ReadonlyMap<string, AnswerFault> {
  const m = new Map<string, AnswerFault>();
  for (const f of faults) {
    const d = AFTER_ANSWERS.exec(f);
    if (d) m.set(d[3]!, { lines: Number(d[2]), then: THEN[d[1] as keyof typeof THEN] });
  }
  return m;
}

/** Per open file: answer lines read so far, and whether the fault's signal was sent. */
interface AnswerCount { lines: number; signalled: boolean }

/**
 * Reads at most one line of fh's answers; once `fault.lines` lines were read, does the fault's
 * `then` first (before anything is awaited: the signal comes while the read is under way).
 */
async function readLineOrFault(vfs: Vfs, fh: number, length: number, position: number, count: AnswerCount, fault: AnswerFault): Promise<Buffer | KernelError> {
  if (count.lines >= fault.lines) {
    if (fault.then === 'EOF') return Buffer.alloc(0);
    // Once per open file: after SIGCONT the stopped read goes on.
    if (!count.signalled) process.kill(process.pid, fault.then);
    count.signalled = true;
  }
  const bytes: Buffer[] = [];
  for (let n = 0; n < length; n++) {
    const b = await vfs.read(fh, 1, position + n);
    if (isKernelError(b)) return b;
    if (b.length === 0) break;
    bytes.push(b);
    if (b[0] === 0x0a) {
      count.lines++;
      break;
    }
  }
  return Buffer.concat(bytes);
}

/** Wraps a Vfs: times every call, and throws (or dies) where a fault is asked for. */
export function instrumentVfs(vfs: Vfs, faults: ReadonlySet<string>, stats?: { add(op: string, ms: number): void }): Vfs {
  const opened = new Map<number, string>();
  const afterAnswers = answerFaults(faults);
  const answerCounts = new Map<number, AnswerCount>();
  const call = <T>(op: string, path: string, body: () => T): T => {
    if (faults.has(`${op} ${path}`)) throw new Error(`${FAULT_ENV}: injected fault in ${op} ${path}`);
    if (!stats) return body();
    const t0 = performance.now();
    try {
      return body();
    } finally {
      stats.add(op, performance.now() - t0);
    }
  };
  const pathOf = (fh: number) => opened.get(fh) ?? '?';
  return {
    getattr: (p) => call('getattr', p, () => vfs.getattr(p)),
    readdir: (p) => call('readdir', p, () => vfs.readdir(p)),
    readlink: (p) => call('readlink', p, () => vfs.readlink(p)),
    open: (p, flags) => call('open', p, () => {
      const fh = vfs.open(p, flags);
      if (typeof fh === 'number') opened.set(fh, p);
      return fh;
    }),
    read: (fh, len, pos) => call('read', pathOf(fh), () => {
      const fault = afterAnswers.get(pathOf(fh));
      if (fault === undefined) return vfs.read(fh, len, pos);
      let count = answerCounts.get(fh);
      if (!count) answerCounts.set(fh, (count = { lines: 0, signalled: false }));
      return readLineOrFault(vfs, fh, len, pos, count, fault);
    }),
    write: (fh, data, pos) => call('write', pathOf(fh), () => vfs.write(fh, data, pos)),
    truncate: (p, size) => call('truncate', p, () => vfs.truncate(p, size)),
    release: (fh) => call('release', pathOf(fh), () => {
      opened.delete(fh);
      answerCounts.delete(fh);
      vfs.release(fh);
    }),
  };
}

/** The debug hooks the environment asks for, or null (the product path). */
export interface DebugHooks {
  readonly vfs: Vfs;
  /** Starts the socket, if asked for. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Reads {@link DEBUG_SOCKET_ENV} and {@link FAULT_ENV}.
 * @param env the daemon's environment
 * @param vfs the system's tree
 * @param inspect the system's dump, if it has one
 * @param counters the system's counters, if it has some
 * @returns the hooks, or null when neither variable is set
 */
export function debugHooksFromEnv(env: NodeJS.ProcessEnv, vfs: Vfs, inspect: Inspect | undefined, counters?: Counters): DebugHooks | null {
  const socketPath = env[DEBUG_SOCKET_ENV];
  const faults = parseFaults(env[FAULT_ENV]);
  if (!socketPath && faults.size === 0) return null;
  const stats = socketPath ? new Stats() : undefined;
  let server: net.Server | undefined;
  return {
    vfs: instrumentVfs(vfs, faults, stats),
    start: async () => {
      if (!socketPath || !stats) return;
      await fs.rm(socketPath, { force: true });
      server = net.createServer((c) => serve(c, stats, inspect, counters));
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(socketPath, () => resolve());
      });
      await fs.chmod(socketPath, 0o600);
    },
    stop: async () => {
      stats?.stop();
      if (!server) return;
      await new Promise<void>((resolve) => server!.close(() => resolve()));
      await fs.rm(socketPath!, { force: true });
    },
  };
}

function serve(c: net.Socket, stats: Stats, inspect: Inspect | undefined, counters: Counters | undefined): void {
  let req = '';
  c.setEncoding('utf8');
  c.on('error', () => c.destroy());
  c.on('data', (chunk: string) => {
    req += chunk;
    const nl = req.indexOf('\n');
    if (nl < 0) return;
    const what = req.slice(0, nl).trim();
    let body: unknown;
    if (what === 'dump') body = { inspect: inspect ? inspect() : null };
    else if (what === 'stats') body = counters ? { ...(stats.take() as object), counters: counters() } : stats.take();
    else body = { error: `unknown request '${what.slice(0, 40)}' (dump, stats)` };
    c.end(`${JSON.stringify(body)}\n`);
  });
}
