/**
 * Bench sizes. Defaults fit the ~10-minute budget on a 2-core machine;
 * `--smoke` shrinks everything to a few seconds (the test suite's run).
 * Each size can be set by an environment variable:
 *
 * | variable                       | default              | smoke    |
 * |--------------------------------|----------------------|----------|
 * | NSPROC_BENCH_ROUNDS            | 5 (best of)          | 1        |
 * | NSPROC_BENCH_R1_TASKS          | 1000                 | 5        |
 * | NSPROC_BENCH_R1_MS             | 1000 per cell        | 100      |
 * | NSPROC_BENCH_R1_READERS        | 1,4,8                | 1,2      |
 * | NSPROC_BENCH_R1_STALE_CHECKS   | 200                  | 5        |
 * | NSPROC_BENCH_R1_TIMEOUT        | 60 (s, the default)  | 60       |
 * | NSPROC_BENCH_R2_SINGLE_PAIRS   | 3000                 | 30       |
 * | NSPROC_BENCH_R2_BATCH_PAIRS    | 20000                | 200      |
 * | NSPROC_BENCH_R2_FLAGS          | net,mnt              | net,mnt  |
 * | NSPROC_BENCH_R3_SIZES          | 10000,100000,1000000 | 300,1000 |
 * | NSPROC_BENCH_R3_LIST_TASKS     | 100000               | 300      |
 * | NSPROC_BENCH_R4_RECORDS        | 200000               | 2000     |
 * | NSPROC_BENCH_R6_SECONDS        | 2 (s per rate)       | (not run) |
 * | NSPROC_BENCH_R6_RATES          | 1000,2000,5000,10000,20000,50000 | (not run) |
 * | NSPROC_BENCH_R6_IDLE_SECONDS   | 20 (s per idle way)  | (not run) |
 * | NSPROC_BENCH_R7_RECORDS        | 200000               | 2000     |
 * | NSPROC_BENCH_R7_SAMPLES        | 200                  | 10       |
 * | NSPROC_BENCH_R8_SIZES          | 1000000,10000000     | 2000,20000 |
 * | NSPROC_BENCH_R8_HOSTS          | 100                  | 5        |
 * | NSPROC_BENCH_R8_MIGRATIONS     | 5                    | 2        |
 * | NSPROC_BENCH_TMP               | os.tmpdir()          |          |
 */
import { DEFAULT_CACHE_TIMEOUT } from '../src/procfs/tree_invalidation.js';

export interface BenchConfig {
  readonly smoke: boolean;
  readonly rounds: number;
  /** timeout: nsproc's entry and attribute timeouts (and those of the cached C baseline and the floor). */
  readonly r1: { tasks: number; ms: number; readers: number[]; staleChecks: number; timeout: number };
  readonly r2: { singlePairs: number; batchPairs: number; perWrite: number; flags: string };
  readonly r3: { sizes: number[]; listTasks: number };
  readonly r4: { records: number };
  readonly r6: { seconds: number; rates: number[]; unseenRuns: number; idleSeconds: number };
  /** R7: records forwarded per round, latency samples (one command per write: r2.singlePairs). */
  readonly r7: { records: number; samples: number };
  /** R8: aggregated log sizes (records; the last one is the goal's), hosts, migrating containers. */
  readonly r8: { sizes: number[]; hosts: number; migrations: number };
  readonly tmp: string | undefined;
}

function num(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${v} is not a non-negative number`);
  return n;
}

function list(name: string, dflt: number[]): number[] {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const l = v.split(',').map(Number);
  if (l.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`${name}=${v} is not a list of positive integers`);
  return l;
}

export function benchConfig(smoke: boolean): BenchConfig {
  return {
    smoke,
    rounds: num('NSPROC_BENCH_ROUNDS', smoke ? 1 : 5),
    r1: {
      tasks: num('NSPROC_BENCH_R1_TASKS', smoke ? 5 : 1000),
      ms: num('NSPROC_BENCH_R1_MS', smoke ? 100 : 1000),
      readers: list('NSPROC_BENCH_R1_READERS', smoke ? [1, 2] : [1, 4, 8]),
      staleChecks: num('NSPROC_BENCH_R1_STALE_CHECKS', smoke ? 5 : 200),
      timeout: num('NSPROC_BENCH_R1_TIMEOUT', DEFAULT_CACHE_TIMEOUT),
    },
    r2: {
      singlePairs: num('NSPROC_BENCH_R2_SINGLE_PAIRS', smoke ? 30 : 3000),
      batchPairs: num('NSPROC_BENCH_R2_BATCH_PAIRS', smoke ? 200 : 20000),
      perWrite: 1000,
      flags: process.env['NSPROC_BENCH_R2_FLAGS'] || 'net,mnt',
    },
    r3: {
      sizes: list('NSPROC_BENCH_R3_SIZES', smoke ? [300, 1000] : [10000, 100000, 1000000]),
      listTasks: num('NSPROC_BENCH_R3_LIST_TASKS', smoke ? 300 : 100000),
    },
    r4: { records: num('NSPROC_BENCH_R4_RECORDS', smoke ? 2000 : 200000) },
    r6: {
      seconds: num('NSPROC_BENCH_R6_SECONDS', 2),
      rates: list('NSPROC_BENCH_R6_RATES', [1000, 2000, 5000, 10000, 20000, 50000]),
      unseenRuns: num('NSPROC_BENCH_R6_UNSEEN_RUNS', 200),
      idleSeconds: num('NSPROC_BENCH_R6_IDLE_SECONDS', 20),
    },
    r7: {
      records: num('NSPROC_BENCH_R7_RECORDS', smoke ? 2000 : 200_000),
      samples: num('NSPROC_BENCH_R7_SAMPLES', smoke ? 10 : 200),
    },
    r8: {
      sizes: list('NSPROC_BENCH_R8_SIZES', smoke ? [2000, 20000] : [1_000_000, 10_000_000]),
      hosts: num('NSPROC_BENCH_R8_HOSTS', smoke ? 5 : 100),
      migrations: num('NSPROC_BENCH_R8_MIGRATIONS', smoke ? 2 : 5),
    },
    tmp: process.env['NSPROC_BENCH_TMP'] || undefined,
  };
}
