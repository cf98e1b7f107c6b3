/**
 * R2, the control path: clone+exit pairs per second through MNT/nsctl from
 * a separate process (bench/c/ctl_client.c), one command per write and
 * 1000 per write, against the same commands run in-process with runBatch()
 * on a booted model and a no-op EventSink (the ceiling). In-process with
 * the real audit log is shown too, to split the cost between the model, the
 * log and FUSE.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AuditLog } from '../src/audit/log_writer.js';
import { fixedClock } from '../src/audit/clock.js';
import type { EventSink } from '../src/control/run_batch.js';
import type { BenchConfig } from './_config.js';
import { buildC } from './_cbuild.js';
import { bootedState, NOOP_SINK, runWrites } from './_model.js';
import { runOk, startNsproc } from './_proc.js';
import { row, type Row } from './_table.js';

/** Pairs per second of clone+exit in-process, `perWrite` commands per runBatch() call. */
function inProcess(pairs: number, perWrite: number, flags: string, sink: EventSink): number {
  const s = bootedState();
  const t0 = performance.now();
  for (let done = 0; done < pairs; done += perWrite) {
    const n = Math.min(perWrite, pairs - done);
    const pids = runWrites(s, [`clone 1 ${flags}\n`.repeat(n)], sink);
    runWrites(s, [pids.map((p) => `exit ${p}\n`).join('')], sink);
  }
  return (pairs * 1000) / (performance.now() - t0);
}

function withLog(dir: string, run: (sink: EventSink) => number): number {
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
  const bestOf = (f: () => number) => Math.max(...Array.from({ length: cfg.rounds }, f));
  const ceilSingle = bestOf(() => inProcess(singlePairs, 1, flags, NOOP_SINK));
  const ceilBatch = bestOf(() => inProcess(batchPairs, perWrite, flags, NOOP_SINK));
  const logSingle = bestOf(() => withLog(dir, (sink) => inProcess(singlePairs, 1, flags, sink)));
  const logBatch = bestOf(() => withLog(dir, (sink) => inProcess(batchPairs, perWrite, flags, sink)));
  const ns = await startNsproc(path.join(dir, 'r2'));
  let single = 0;
  let batched = 0;
  try {
    const ctl = path.join(ns.mountpoint, 'nsctl');
    const pairsPerSec = async (pairs: number, k: number) => {
      const out = await runOk(c.ctlClient, [ctl, String(pairs), String(k), flags]);
      const m = /pairs (\d+) secs ([\d.]+)/.exec(out);
      if (!m) throw new Error(`ctl_client printed: ${out}`);
      return Number(m[1]) / Number(m[2]);
    };
    for (let r = 0; r < cfg.rounds; r++) {
      single = Math.max(single, await pairsPerSec(singlePairs, 1));
      batched = Math.max(batched, await pairsPerSec(batchPairs, perWrite));
    }
  } finally {
    await ns.stop();
  }
  log(`R2: nsctl ${single.toFixed(0)} pairs/s single, ${batched.toFixed(0)} batched; ceiling ${ceilSingle.toFixed(0)} / ${ceilBatch.toFixed(0)}`);
  const what = `clone 1 ${flags} + exit`;
  return [
    row({ id: 'R2.batched', metric: `R2 ${what} via nsctl, ${perWrite} per write [pairs/s] vs in-process ceiling (${perWrite} per runBatch)`, nsproc: batched, baseline: ceilBatch, goal: '≥ 0.5×', pass: batched / ceilBatch >= 0.5 }),
    row({ id: 'R2.single', metric: `R2 ${what} via nsctl, 1 per write [pairs/s] vs in-process ceiling (1 per runBatch)`, nsproc: single, baseline: ceilSingle, goal: '≥ 3,000/s', pass: single >= 3000 }),
    row({ id: 'R2.batched.log', metric: `R2 … ${perWrite} per write vs in-process with the audit log (write)`, nsproc: batched, baseline: logBatch }),
    row({ id: 'R2.single.log', metric: `R2 … 1 per write vs in-process with the audit log (write)`, nsproc: single, baseline: logSingle }),
  ];
}
