/**
 * R2, the control path: clone+exit pairs per second through MNT/nsctl from
 * a separate process (bench/c/ctl_client.c), one command per write and
 * 1000 per write, against the same commands run in-process with runBatch()
 * on a booted model and a no-op EventSink (the ceiling). In-process with
 * the real audit log is shown too, to split the cost between the model, the
 * log and FUSE, and the same client against the fuse-native floor
 * (ctl_floor_fs.ts: a control file answered by raw handlers, no model, no
 * log), which is what the two round trips of a command cost by themselves.
 * Daemon CPU per command (utime+stime of all its threads ÷ commands; a pair
 * is two commands) is shown next to the ceiling's and the floor's, and for a
 * second daemon pinned to one CPU (`taskset -a -p`: its main thread and the
 * libfuse threads that hand each request to it share that CPU). Also: 1
 * per write with every new pid looked up by the client before its exit (so
 * each exit write waits for the kernel to drop the cached entry: the
 * invalidation's cost), and what the daemon writes to /dev/fuse per nsctl
 * write (replies, notifies), strace-counted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AuditLog } from '../src/audit/log_writer.js';
import { fixedClock } from '../src/audit/clock.js';
import type { EventSink } from '../src/control/run_batch.js';
import type { BenchConfig } from './_config.js';
import { buildC } from './_cbuild.js';
import { bootedState, NOOP_SINK, runWrites } from './_model.js';
import { REPO, run, runOk, startNodeServer, startNsproc, type Served } from './_proc.js';
import { cpuSeconds, median } from './_reader.js';
import { fuseWritesPerOp } from './_rtt.js';
import { row, type Row } from './_table.js';

interface Rate { readonly pairsPerSec: number; readonly cpuUsPerPair: number }

/** SPEC §5: a clone+exit pair is two commands, each one write and one read. */
const COMMANDS_PER_PAIR = 2;
/** The goal for one command per write: daemon CPU per command (both round trips, every thread). */
const GOAL_CPU_US_PER_COMMAND = 100;

/** Clone+exit pairs in-process, `perWrite` commands per runBatch() call: rate and CPU µs per pair. */
function inProcess(pairs: number, perWrite: number, flags: string, sink: EventSink): Rate {
  const s = bootedState();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let done = 0; done < pairs; done += perWrite) {
    const n = Math.min(perWrite, pairs - done);
    const pids = runWrites(s, [`clone 1 ${flags}\n`.repeat(n)], sink);
    runWrites(s, [pids.map((p) => `exit ${p}\n`).join('')], sink);
  }
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { pairsPerSec: (pairs * 1000) / ms, cpuUsPerPair: (c.user + c.system) / pairs };
}

function withLog(dir: string, run: (sink: EventSink) => Rate): Rate {
  const file = path.join(dir, 'r2-inprocess-audit.log');
  const log = AuditLog.open({ path: file, clock: fixedClock({ sec: 1408577534, msec: 868 }) });
  if (!log.ok) throw new Error(log.error.detail);
  try {
    return run(log.value);
  } finally {
    log.value.close();
    fs.rmSync(file, { force: true });
  }
}

export async function benchControl(cfg: BenchConfig, dir: string, log: (s: string) => void): Promise<Row[]> {
  const c = await buildC();
  const { singlePairs, batchPairs, perWrite, flags } = cfg.r2;
  const ns = await startNsproc(path.join(dir, 'r2'));
  let floor: Served | null = null;
  let pinned: Served | null = null;
  const runs: Record<string, Rate[]> = {
    ceilSingle: [], ceilBatch: [], logSingle: [], logBatch: [], single: [], batched: [], looked: [], floorSingle: [], floorBatch: [], pinned: [],
  };
  let perWriteSingle: { replies: number; notifies: number } | null = null;
  let perWriteLooked: { replies: number; notifies: number } | null = null;
  try {
    floor = await startNodeServer(path.join(REPO, 'dist/bench/ctl_floor_fs.js'), [path.join(dir, 'r2-floor')], path.join(dir, 'r2-floor'));
    /** ctl_client against `server`'s control file: rate, and the server's CPU (all threads) per pair. */
    const via = async (server: Served, pairs: number, k: number, look = false): Promise<Rate> => {
      const cpu0 = await cpuSeconds(server.pid);
      const out = await runOk(c.ctlClient, [path.join(server.mountpoint, 'nsctl'), String(pairs), String(k), flags, ...(look ? ['look'] : [])]);
      const cpu1 = await cpuSeconds(server.pid);
      const m = /pairs (\d+) secs ([\d.]+)/.exec(out);
      if (!m) throw new Error(`ctl_client printed: ${out}`);
      return { pairsPerSec: Number(m[1]) / Number(m[2]), cpuUsPerPair: ((cpu1 - cpu0) * 1e6) / pairs };
    };
    const viaNsctl = (pairs: number, k: number, look = false) => via(ns, pairs, k, look);
    pinned = await pinnedNsproc(path.join(dir, 'r2-pinned'));
    if (pinned) await via(pinned, Math.min(singlePairs, 2000), 1);
    // Warm-up (JIT): a fresh daemon's first thousands of requests run about half as fast.
    await viaNsctl(Math.min(singlePairs, 2000), 1);
    await viaNsctl(Math.min(batchPairs, 2 * perWrite), perWrite);
    await via(floor, Math.min(singlePairs, 2000), 1);
    inProcess(Math.min(singlePairs, 2000), 1, flags, NOOP_SINK);
    // Interleaved, so that other load on the machine hits every variant alike; best of the rounds.
    for (let r = 0; r < cfg.rounds; r++) {
      runs['ceilSingle']!.push(inProcess(singlePairs, 1, flags, NOOP_SINK));
      runs['single']!.push(await viaNsctl(singlePairs, 1));
      runs['floorSingle']!.push(await via(floor, singlePairs, 1));
      if (pinned) runs['pinned']!.push(await via(pinned, singlePairs, 1));
      runs['logSingle']!.push(withLog(dir, (sink) => inProcess(singlePairs, 1, flags, sink)));
      runs['ceilBatch']!.push(inProcess(batchPairs, perWrite, flags, NOOP_SINK));
      runs['batched']!.push(await viaNsctl(batchPairs, perWrite));
      runs['floorBatch']!.push(await via(floor, batchPairs, perWrite));
      runs['logBatch']!.push(withLog(dir, (sink) => inProcess(batchPairs, perWrite, flags, sink)));
      runs['looked']!.push(await viaNsctl(singlePairs, 1, true));
    }
    // Two commands per pair (the clone, then the exit), each one write and one read.
    const counted = Math.min(singlePairs, 300);
    perWriteSingle = await fuseWritesPerOp(ns.pid, () => viaNsctl(counted, 1), 2 * counted, dir);
    perWriteLooked = await fuseWritesPerOp(ns.pid, () => viaNsctl(counted, 1, true), 2 * counted, dir);
  } finally {
    await ns.stop();
    await floor?.stop();
    await pinned?.stop();
  }
  const rate = (k: string) => Math.max(...runs[k]!.map((x) => x.pairsPerSec));
  const cpu = (k: string) => median(runs[k]!.map((x) => x.cpuUsPerPair));
  const perCmd = (k: string) => cpu(k) / COMMANDS_PER_PAIR;
  const ifPinned = (f: () => number) => (runs['pinned']!.length > 0 ? f() : null);
  const [single, batched, ceilSingle, ceilBatch] = [rate('single'), rate('batched'), rate('ceilSingle'), rate('ceilBatch')];
  log(`R2: nsctl ${single.toFixed(0)} pairs/s single (${perCmd('single').toFixed(0)} µs daemon CPU per command), `
    + `${batched.toFixed(0)} batched (${perCmd('batched').toFixed(1)} µs); ceiling ${ceilSingle.toFixed(0)} / ${ceilBatch.toFixed(0)}; `
    + `fuse-native floor ${rate('floorSingle').toFixed(0)} / ${rate('floorBatch').toFixed(0)} (${perCmd('floorSingle').toFixed(0)} µs per command single)`
    + (runs['pinned']!.length > 0 ? `; pinned to one CPU ${rate('pinned').toFixed(0)} single (${perCmd('pinned').toFixed(0)} µs)` : ''));
  const what = `clone 1 ${flags} + exit`;
  return [
    row({ id: 'R2.batched', metric: `R2 ${what} via nsctl, ${perWrite} per write [pairs/s] vs in-process ceiling (${perWrite} per runBatch)`, nsproc: batched, baseline: ceilBatch, goal: '≥ 0.5×', pass: batched / ceilBatch >= 0.5 }),
    row({ id: 'R2.single', metric: `R2 ${what} via nsctl, 1 per write [pairs/s] vs in-process ceiling (1 per runBatch)`, nsproc: single, baseline: ceilSingle, goal: '≥ 3,000/s', pass: single >= 3000 }),
    row({ id: 'R2.single.cmd', metric: 'R2 1 per write: daemon CPU µs per command (all threads, write + read round trip) vs in-process ceiling per command', nsproc: perCmd('single'), baseline: perCmd('ceilSingle'), goal: `≤ ${GOAL_CPU_US_PER_COMMAND} µs`, pass: perCmd('single') <= GOAL_CPU_US_PER_COMMAND }),
    row({ id: 'R2.batched.cmd', metric: `R2 ${perWrite} per write: daemon CPU µs per command vs in-process ceiling per command`, nsproc: perCmd('batched'), baseline: perCmd('ceilBatch') }),
    row({ id: 'R2.single.floor', metric: 'R2 1 per write [pairs/s] vs the fuse-native floor (ctl_floor_fs: raw handlers, no model, no log)', nsproc: single, baseline: rate('floorSingle') }),
    row({ id: 'R2.single.cmd.floor', metric: 'R2 1 per write: daemon CPU µs per command vs the fuse-native floor\'s', nsproc: perCmd('single'), baseline: perCmd('floorSingle') }),
    row({ id: 'R2.single.pinned', metric: 'R2 1 per write [pairs/s], the daemon pinned to one CPU (taskset) vs not pinned', nsproc: ifPinned(() => rate('pinned')), baseline: single }),
    row({ id: 'R2.single.cmd.pinned', metric: 'R2 1 per write: daemon CPU µs per command, pinned to one CPU vs not pinned', nsproc: ifPinned(() => perCmd('pinned')), baseline: perCmd('single') }),
    row({ id: 'R2.batched.floor', metric: `R2 ${perWrite} per write [pairs/s] vs the fuse-native floor`, nsproc: batched, baseline: rate('floorBatch') }),
    row({ id: 'R2.batched.log', metric: `R2 … ${perWrite} per write vs in-process with the audit log (flush write)`, nsproc: batched, baseline: rate('logBatch') }),
    row({ id: 'R2.single.log', metric: `R2 … 1 per write vs in-process with the audit log (flush write)`, nsproc: single, baseline: rate('logSingle') }),
    row({ id: 'R2.batched.cpu', metric: `R2 CPU µs per pair, ${perWrite} per write: daemon vs in-process ceiling`, nsproc: cpu('batched'), baseline: cpu('ceilBatch') }),
    row({ id: 'R2.batched.cpu.log', metric: `R2 CPU µs per pair, ${perWrite} per write: daemon vs in-process with the audit log`, nsproc: cpu('batched'), baseline: cpu('logBatch') }),
    row({ id: 'R2.single.cpu', metric: 'R2 CPU µs per pair, 1 per write: daemon vs in-process with the audit log', nsproc: cpu('single'), baseline: cpu('logSingle') }),
    row({ id: 'R2.looked', metric: `R2 ${what}, 1 per write, each pid looked up before its exit (the exit invalidates) [pairs/s] vs the same unlooked`, nsproc: rate('looked'), baseline: single }),
    row({ id: 'R2.single.rtt', metric: 'R2 1 per write: FUSE replies (writev) per command (its write and the read of its answer); notifies per command in the baseline column', nsproc: perWriteSingle?.replies ?? null, baseline: perWriteSingle?.notifies ?? null, ratio: null }),
    row({ id: 'R2.looked.rtt', metric: 'R2 1 per write, pids looked up: FUSE replies per command (the lookups included); notifies per command in the baseline column', nsproc: perWriteLooked?.replies ?? null, baseline: perWriteLooked?.notifies ?? null, ratio: null }),
  ];
}

/**
 * Another daemon like the first, with every thread pinned to the machine's last CPU (the
 * threads libfuse starts later inherit it); null, after a line on stderr, without taskset.
 */
async function pinnedNsproc(dir: string): Promise<Served | null> {
  const served = await startNsproc(dir);
  const r = await run('taskset', ['-a', '-c', '-p', String(os.cpus().length - 1), String(served.pid)]);
  if (r.code === 0) return served;
  process.stderr.write(`R2: cannot pin a daemon (taskset: ${r.stderr.trim() || r.code}); the pinned rows stay empty\n`);
  await served.stop();
  return null;
}
