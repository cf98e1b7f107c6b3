/**
 * 8 readers and 4 writers, each its own process, for a fixed number of
 * operations against one daemon: no torn read (a status read one byte at a
 * time still shows one state), no error but ENOENT or ESRCH for a task a writer exited,
 * no writer error, and no handler blocking the event loop (handler times and
 * event-loop delay measured inside the daemon, request latency outside). A
 * fault injected in one handler (NSPROC_TEST_FAULT) answers EIO for that path
 * only, is logged on stderr, and the daemon goes on.
 * Long runs: scripts/soak.sh (NSPROC_SOAK_SCALE multiplies the operations).
 */
import * as fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLog, serialProblem, startInspectable, type HandlerStats, type Inspectable } from './_inspect.js';
import { LOAD_WORKER, pick, startWorker, type WorkerEvent } from './_load.js';

const SCALE = Number(process.env['NSPROC_SOAK_SCALE'] ?? 1);
const READER_OPS = 250 * SCALE;
const WRITER_OPS = 120 * SCALE;
/**
 * Bounds (ms), about 20x what was measured on a 2-core box (handlers ≤ 3 ms, event-loop delay
 * p99 ≈ 10 ms, max ≈ 60 ms): a handler is synchronous and touches a few objects, so 100 ms
 * would be a stall, not noise. The event-loop delay also counts GC pauses and time the
 * scheduler gave to the 12 load processes, hence its looser max.
 */
const MAX_HANDLER_MS = 100;
const MAX_LOOP_P99_MS = 100;
const MAX_LOOP_DELAY_MS = 1000;
/** One request seen from outside, on a box shared with 12 busy processes. */
const MAX_REQUEST_MS = 2000;

let m: Inspectable;
let events: WorkerEvent[] = [];
let stats: HandlerStats;

beforeAll(async () => {
  await fs.access(LOAD_WORKER).catch(() => { throw new Error(`${LOAD_WORKER} is missing: npx tsc -p test/tsconfig.json`); });
  m = await startInspectable({ env: { NSPROC_TEST_FAULT: 'read /2/status' } });
  await m.stats(); // start measuring from here
  const readers = Array.from({ length: 8 }, (_, i) => startWorker('reader', m.mountpoint, READER_OPS, 100 + i));
  const writers = Array.from({ length: 4 }, (_, i) => startWorker('writer', m.mountpoint, WRITER_OPS, 200 + i));
  events = (await Promise.all([...readers, ...writers].map((w) => w.done))).flat();
  stats = await m.stats();
}, 60_000 + 60_000 * SCALE);
afterAll(async () => { await m?.stop(); });

describe('8 readers and 4 writers on one mount', () => {
  it('every worker finished all its operations', () => {
    const done = pick(events, 'done');
    expect([done.length, pick(events, 'crashed')]).toEqual([12, []]);
    expect(done.map((d) => d['ops']).sort()).toEqual([...Array(4).fill(WRITER_OPS), ...Array(8).fill(READER_OPS)].sort());
  });

  it('no writer got an error', () => {
    expect(pick(events, 'err')).toEqual([]);
    expect(pick(events, 'ack').length).toBe(4 * WRITER_OPS);
  });

  it('no torn or malformed read, and no error but ENOENT, ESRCH and the injected EIO', () => {
    expect(pick(events, 'bad')).toEqual([]);
  });

  it('ENOENT and ESRCH only for tasks a writer exited', () => {
    const exited = new Set(pick(events, 'exiting').map((e) => e['exiting']));
    const unexpected = pick(events, 'enoent').filter((e) => !exited.has(e['enoent']));
    expect(unexpected).toEqual([]);
  });

  it('the injected fault answered EIO for its path only, was logged, and the daemon went on', async () => {
    const eio = pick(events, 'eio').map((e) => e['eio']);
    expect(eio.length).toBeGreaterThanOrEqual(8 * Math.floor(READER_OPS / 25));
    expect(new Set(eio)).toEqual(new Set(['/2/status']));
    expect(m.output()).toMatch(/^nsproc: read \/2\/status: internal error, answered EIO: Error: NSPROC_TEST_FAULT: injected fault in read \/2\/status$/m);
    expect(await fs.readFile(`${m.mountpoint}/1/status`, 'utf8')).toMatch(/^Name:\tinit\n/);
  });

  it(`no handler took ${MAX_HANDLER_MS} ms; event-loop delay p99 < ${MAX_LOOP_P99_MS} ms, max < ${MAX_LOOP_DELAY_MS} ms`, () => {
    const slowest = Object.entries(stats.handlers).map(([op, s]) => [op, Math.round(s.maxMs * 100) / 100] as const);
    expect(slowest.filter(([, ms]) => ms >= MAX_HANDLER_MS)).toEqual([]);
    expect(stats.eventLoop.p99Ms).toBeLessThan(MAX_LOOP_P99_MS);
    expect(stats.eventLoop.maxMs).toBeLessThan(MAX_LOOP_DELAY_MS);
    expect(stats.handlers['write']?.count).toBeGreaterThanOrEqual(4 * WRITER_OPS);
  });

  it(`every request answered within ${MAX_REQUEST_MS} ms seen from outside`, () => {
    const worst = Math.max(...pick(events, 'done').map((d) => d['maxLatencyMs'] as number));
    expect(worst).toBeLessThan(MAX_REQUEST_MS);
  });

  it('afterwards the tree lists exactly the model\'s tasks, and the log is whole, consecutive records', async () => {
    const d = await m.dump();
    const modelPids = (d.model as { tasks: { nrs: number[]; state: string }[] }).tasks.map((t) => String(t.nrs[0])).sort();
    const treePids = (await fs.readdir(m.mountpoint)).filter((n) => /^[0-9]+$/.test(n)).sort();
    expect(treePids).toEqual(modelPids);
    const recs = parseLog(await fs.readFile(m.auditLog, 'utf8'));
    expect([serialProblem(recs, 5), recs.at(-1)!.serial]).toEqual([null, d.audit.lastSerial]);
  });
});

describe('one control-file write of 128 KiB (FUSE max_write), the most work one handler can get', () => {
  /**
   * A batch runs in one synchronous handler, so its length bounds how long reads wait:
   * ~12 µs per `clone 1 net`, 120-500 ms for the 10922 of one 128 KiB piece on a 2-core box.
   * A regression guard, not a goal: see the README's "Guarantees" for the limit.
   */
  const MAX_BATCH_MS = 3000;
  it(`10922 × clone 1 net holds the event loop under ${MAX_BATCH_MS} ms, then reads go on`, async () => {
    await m.stats();
    const fh = await fs.open(`${m.mountpoint}/nsctl`, 'r+');
    try {
      const r = await fh.write(Buffer.from('clone 1 net\n'.repeat(10_922)));
      expect(r.bytesWritten).toBe(131_064);
    } finally {
      await fh.close();
    }
    const s = await m.stats();
    expect([s.handlers['write']!.maxMs < MAX_BATCH_MS, s.eventLoop.maxMs < MAX_BATCH_MS + 500]).toEqual([true, true]);
    expect(await fs.readFile(`${m.mountpoint}/1/status`, 'utf8')).toMatch(/^Name:\tinit\n/);
  });
});
