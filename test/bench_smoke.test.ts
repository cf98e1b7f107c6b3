/**
 * The benchmarks cannot rot: `node dist/bench/run.js --smoke` runs R1–R5 at
 * tiny sizes (mounts included) and must report a number for every row it
 * promises. Never asserts a timing. Needs the build (npm test builds first).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir, REPO, run } from './helpers/mounted.js';

interface Report {
  rows: { id: string; nsproc: number | null; baseline: number | null }[];
  failures: { bench: string; error: string }[];
  machine: { nproc: number; cpu: string; kernel: string };
}

const RUNNER = path.join(REPO, 'dist/bench/run.js');

describe('bench run.js --smoke', () => {
  let dir: string;
  let report: Report;
  let output: string;
  /** Round-trip rows count writev(2) with strace; without strace they report no number. */
  let hasStrace = false;

  beforeAll(async () => {
    await fs.access(RUNNER).catch(() => { throw new Error(`${RUNNER} is missing: build first (npx tsc -p tsconfig.json)`); });
    hasStrace = (await run('strace', ['-V'])).code === 0;
    dir = await makeTempDir();
    const r = await run(process.execPath, [RUNNER, '--smoke', '--out', path.join(dir, 'results')], {
      timeoutMs: 85_000, env: { ...process.env, NSPROC_BENCH_TMP: dir },
    });
    output = `${r.stdout}\n${r.stderr}`;
    expect(r.code, output).toBe(0);
    report = JSON.parse(await fs.readFile(path.join(dir, 'results/latest.json'), 'utf8')) as Report;
  }, 90_000);

  afterAll(async () => {
    if (dir) await removeTempDir(dir);
  });

  it('runs every benchmark without a failure', () => {
    expect(report.failures, output).toEqual([]);
  });

  it.each([
    ['R1.snum.p1', 'both'], ['R1.link.p1', 'both'], ['R1.status.p1', 'both'], ['R1.link.p1.kernel', 'both'],
    ['R1.snum.p2', 'both'], ['R1.snum.rtt', 'nsproc'], ['R1.snum.mix', 'baseline'], ['R1.stale', 'both'],
    ['R1.snum.p1.c-cached', 'both'], ['R1.link.rtt', 'both'], ['R1.snum.mix.t0', 'baseline'], ['R2.batched.cpu', 'both'],
    ['R2.batched', 'both'], ['R2.single', 'both'], ['R2.single.cmd', 'both'], ['R2.single.floor', 'both'], ['R2.batched.cmd', 'both'], ['R2.looked', 'both'], ['R2.single.rtt', 'both'], ['R2.looked.rtt', 'both'],
    ['R3.build.300', 'both'], ['R3.rss.1000', 'nsproc'], ['R3.bytes.ns.1000', 'nsproc'], ['R3.flat.1000', 'both'], ['R3.list', 'both'],
    ['R4.write.1', 'both'], ['R4.write.1000', 'both'], ['R4.sync.1', 'both'], ['R4.sync.1000', 'both'],
    ['R5.scan.first.20', 'nsproc'], ['R5.scan.rescan.20', 'nsproc'], ['R5.idle', 'nsproc'], ['R5.latency.missed', 'both'],
    ['R5.read.link', 'both'], ['R5.read.snum', 'nsproc'],
    ['R7.throughput', 'both'], ['R7.control', 'both'], ['R7.latency.p50', 'nsproc'], ['R7.latency.p99', 'nsproc'],
    ['R8.trail.20000', 'both'], ['R8.summary.20000', 'both'], ['R8.node.20000', 'nsproc'], ['R8.rss', 'both'],
  ] as const)('reports row %s with a number in %s', (id, cols) => {
    const r = report.rows.find((x) => x.id === id);
    expect(r, `row ${id} missing; ids: ${report.rows.map((x) => x.id).join(' ')}`).toBeDefined();
    if (id.endsWith('.rtt') && !hasStrace) return;
    if (cols !== 'baseline') expect(Number.isFinite(r!.nsproc), `${id} nsproc`).toBe(true);
    if (cols !== 'nsproc') expect(Number.isFinite(r!.baseline), `${id} baseline`).toBe(true);
  });

  it('leaves no mount behind', async () => {
    const mounts = await fs.readFile('/proc/self/mounts', 'utf8');
    expect(mounts.includes(dir)).toBe(false);
  });

  it('names the machine in the table and the JSON', () => {
    expect(report.machine.nproc).toBeGreaterThan(0);
    expect(output).toContain('machine: ');
  });
});
