/**
 * R1, the read path: a reader process (bench/c/reader.c) doing stat+open+
 * read+close of `ns/*_snum` and `<pid>/status`, and readlink of `ns/*`, over
 * a model of N tasks, on nsproc (its default kernel caches, kept exact by
 * invalidation) and in the same run on
 *  (a) bench/c/baseline_fs.c, C libfuse2 serving the same tree with timeouts
 *      0: the fastest C file system that is never stale without invalidation
 *      (the goal: nsproc ≥ 1.5× of it, readlink ≥ 2×);
 *  (a') the same C file system with nsproc's caches (stale without
 *      invalidation: the honest comparison, no goal);
 *  (b) the kernel's /proc (readlink /proc/self/ns/*, /proc/<pid>/status),
 *  and the fuse-native floor (floor_fs.ts: a Map lookup per request, nsproc's
 *  caches), then round trips per operation (goal ≤ 4 and ≤ 1), CPU per round
 *  trip, nsproc's own share, and the no-stale-view probe on a daemon of its
 *  own. Each rate is the best of the rounds, the systems interleaved.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ProcVfs } from '../src/procfs/proc_vfs.js';
import type { BenchConfig } from './_config.js';
import { buildC } from './_cbuild.js';
import { dumpText, dumpVfs, type Dump } from './_dump.js';
import { baselineOptionString } from './_fuse_opts.js';
import { bootedState, cloneScript, runWrites } from './_model.js';
import { nsctlWrites } from './_nsctl.js';
import { REPO, startBaseline, startNodeServer, startNsproc, type Served } from './_proc.js';
import { best, median, runReader, type ReadMode, type ReadRun } from './_reader.js';
import { opcodeText, opcodesPerOp, roundTripsPerOp } from './_rtt.js';
import { staleProbe } from './_stale.js';
import { row, type Row } from './_table.js';
import { vfsCostUs } from './_vfs_cost.js';

interface Target {
  readonly key: string; readonly label: string; readonly mode: ReadMode; readonly paths: (d: Dump) => string[];
  /** The 1-reader goal against C with timeouts 0, and the most round trips per operation. */
  readonly goal: { readonly ratio: number; readonly rtt: number } | null;
}

const TARGETS: readonly Target[] = [
  { key: 'snum', label: 'ns/*_snum stat+open+read+close', mode: 'statread', paths: (d) => d.snumPaths, goal: { ratio: 1.5, rtt: 4 } },
  { key: 'link', label: 'ns/* readlink', mode: 'readlink', paths: (d) => d.linkPaths, goal: { ratio: 2, rtt: 1 } },
  { key: 'status', label: '<pid>/status stat+open+read+close', mode: 'statread', paths: (d) => d.statusPaths, goal: null },
];
const NS_NAMES = ['net', 'uts', 'ipc', 'pid', 'user', 'mnt'];
/** The probe's daemon: a pid_max small enough that it can fill the pid space and see a pid reused (smoke: the least allowed). */
const probePidMax = (cfg: BenchConfig) => (cfg.smoke ? 301 : 600);

export async function benchRead(cfg: BenchConfig, dir: string, log: (s: string) => void): Promise<Row[]> {
  const rows = await readPass(cfg, path.join(dir, 'r1'), log);
  const probe = await startNsproc(path.join(dir, 'r1-probe'), ['--pid-max', String(probePidMax(cfg)), '--entry-timeout', String(cfg.r1.timeout), '--attr-timeout', String(cfg.r1.timeout)]);
  try {
    const stale = staleProbe(probe, cfg.r1.staleChecks);
    log(`R1 stale probe: ${stale.stale} stale of ${stale.checks} checks`);
    rows.push(row({ id: 'R1.stale', metric: 'R1 stale views after commands of every kind (nsproc) out of checks (baseline column)', nsproc: stale.stale, baseline: stale.checks,
      ratio: null, goal: '= 0', pass: stale.stale === 0, ...(stale.examples.length ? { note: stale.examples.join('; ') } : {}) }));
  } finally {
    await probe.stop();
  }
  return rows;
}

async function readPass(cfg: BenchConfig, dir: string, log: (s: string) => void): Promise<Row[]> {
  await fs.mkdir(dir, { recursive: true });
  const c = await buildC();
  const { tasks, ms, readers, timeout } = cfg.r1;
  const cached = { entryTimeout: timeout, attrTimeout: timeout };
  const uncached = { entryTimeout: 0, attrTimeout: 0 };
  // The model the daemon will hold, built in-process to dump it for the C baseline.
  const state = bootedState();
  const writes = cloneScript(tasks, 'net,mnt', 1000);
  runWrites(state, writes);
  const dump = dumpVfs(new ProcVfs(state, () => { throw new Error('read-only'); }));
  const dumpFile = path.join(dir, 'r1-dump.tsv');
  await fs.writeFile(dumpFile, dumpText(dump));
  const servers: Served[] = [];
  try {
    const ns = await startNsproc(dir, ['--entry-timeout', String(timeout), '--attr-timeout', String(timeout)]);
    servers.push(ns);
    nsctlWrites(ns.mountpoint, writes);
    const systems: Record<string, Served> = { nsproc: ns };
    systems['c0'] = await startBaseline(c.baselineFs, dumpFile, path.join(dir, 'base0'), baselineOptionString(uncached));
    servers.push(systems['c0']);
    systems['c'] = await startBaseline(c.baselineFs, dumpFile, path.join(dir, 'base'), baselineOptionString(cached));
    servers.push(systems['c']);
    systems['floor'] = await startNodeServer(path.join(REPO, 'dist/bench/floor_fs.js'), [dumpFile, path.join(dir, 'floor'), String(timeout)], path.join(dir, 'floor'));
    servers.push(systems['floor']);
    await checkSame(dump, Object.values(systems).map((s) => s.mountpoint));
    log(`R1: ${tasks} tasks on ${Object.keys(systems).join(', ')} (c0: timeouts 0; others ${timeout} s); ${ms} ms per cell, best of ${cfg.rounds}`);

    const rows: Row[] = [];
    const pathFile = async (name: string, root: string, paths: readonly string[]) => {
      const f = path.join(dir, `r1-${name}.paths`);
      await fs.writeFile(f, paths.map((p) => root + p).join('\n') + '\n');
      return f;
    };
    const kernelLinks = await pathFile('kernel-link', '', NS_NAMES.map((n) => `/proc/self/ns/${n}`));
    const procPids = (await fs.readdir('/proc')).filter((n) => /^\d+$/.test(n)).slice(0, Math.max(tasks, 1));
    const kernelStatus = await pathFile('kernel-status', '', procPids.map((p) => `/proc/${p}/status`));
    for (const t of TARGETS) {
      const files: Record<string, string> = {};
      for (const [name, sv] of Object.entries(systems)) files[name] = await pathFile(`${name}-${t.key}`, sv.mountpoint, t.paths(dump));
      const kernelFile = t.key === 'link' ? kernelLinks : t.key === 'status' ? kernelStatus : null;
      const cpuAt1: Record<string, number[]> = { nsproc: [], c0: [], c: [], floor: [] };
      for (const p of readers) {
        const runs: Record<string, ReadRun[]> = { nsproc: [], c0: [], c: [], floor: [], kernel: [] };
        for (let r = 0; r < cfg.rounds; r++) {
          for (const [name, s] of Object.entries(systems)) {
            const run = await runReader(c.reader, t.mode, p, `${ms}ms`, files[name]!, s.pid);
            if (run.errors > 0) throw new Error(`R1 ${t.key} on ${name}: ${run.errors} failed operations`);
            runs[name]!.push(run);
            if (p === 1 && run.serverCpuUs !== null) cpuAt1[name]!.push(run.serverCpuUs);
          }
          if (kernelFile) runs['kernel']!.push(await runReader(c.reader, t.mode, p, `${ms}ms`, kernelFile));
        }
        const readersText = `${p} reader${p > 1 ? 's' : ''}`;
        const n = best(runs['nsproc']!);
        const goal = t.goal && p === 1 ? { goal: `≥ ${t.goal.ratio}×`, pass: n / best(runs['c0']!) >= t.goal.ratio } : {};
        rows.push(row({ id: `R1.${t.key}.p${p}`, metric: `R1 ${t.label}, ${readersText} [ops/s] vs C libfuse2, timeouts 0`, nsproc: n, baseline: best(runs['c0']!), ...goal }));
        rows.push(row({ id: `R1.${t.key}.p${p}.c-cached`, metric: `R1 ${t.label}, ${readersText} [ops/s] vs C libfuse2, same caches (stale without invalidation)`, nsproc: n, baseline: best(runs['c']!) }));
        rows.push(row({ id: `R1.${t.key}.p${p}.floor`, metric: `R1 ${t.label}, ${readersText} [ops/s] vs fuse-native floor, same caches`, nsproc: n, baseline: best(runs['floor']!) }));
        if (kernelFile) rows.push(row({ id: `R1.${t.key}.p${p}.kernel`, metric: `R1 ${t.label}, ${readersText} [ops/s] vs kernel /proc`, nsproc: n, baseline: best(runs['kernel']!) }));
        log(`R1 ${t.key} ×${p}: ${Object.keys(systems).map((k) => `${k} ${best(runs[k]!).toFixed(0)}/s`).join(', ')}`);
      }
      rows.push(...await roundTripRows(t, c.reader, systems, files, cpuAt1, state, dump, cfg));
    }
    rows.push(...await opcodeRows(c.baselineFs, dumpFile, dir, c.reader, dump, cached, uncached));
    return rows;
  } finally {
    for (const s of servers.reverse()) await s.stop();
  }
}

/** Every system must serve what the dump holds (a sample of files and links). */
async function checkSame(dump: Dump, roots: readonly string[]): Promise<void> {
  const sample = dump.nodes.filter((n, i) => (n.kind === 'f' || n.kind === 'l') && !n.path.endsWith('nsctl') && i % 7 === 0).slice(0, 40);
  for (const root of roots) {
    for (const n of sample) {
      const got = n.kind === 'l' ? Buffer.from(await fs.readlink(root + n.path)) : await fs.readFile(root + n.path);
      if (!got.equals(n.content)) throw new Error(`R1: ${root}${n.path} serves ${JSON.stringify(got.toString())}, the dump has ${JSON.stringify(n.content.toString())}`);
    }
  }
}

async function roundTripRows(t: Target, reader: string, systems: Record<string, Served>, files: Record<string, string>,
  cpuAt1: Record<string, number[]>, state: ReturnType<typeof bootedState>, dump: Dump, cfg: BenchConfig): Promise<Row[]> {
  const ops = cfg.smoke ? 20 : 300;
  const rtt: Record<string, number | null> = {};
  for (const name of Object.keys(systems)) rtt[name] = await roundTripsPerOp(systems[name]!.pid, reader, t.mode, files[name]!, ops);
  const cpu = (name: string) => (cpuAt1[name]?.length ? median(cpuAt1[name]!) : null);
  const perRt = (name: string) => { const c = cpu(name); const r = rtt[name]; return c !== null && r ? c / r : null; };
  const own = vfsCostUs(new ProcVfs(state, () => { throw new Error('read-only'); }), t.mode === 'readlink' ? 'readlink' : 'statread', t.paths(dump), cfg.smoke ? 50 : 500);
  const rttGoal = t.goal && rtt['nsproc'] != null ? { goal: `≤ ${t.goal.rtt}`, pass: rtt['nsproc'] <= t.goal.rtt } : {};
  return [
    row({ id: `R1.${t.key}.rtt`, metric: `R1 ${t.label}: FUSE round trips per op (strace writev), nsproc vs C timeouts 0`, nsproc: rtt['nsproc'] ?? null, baseline: rtt['c0'] ?? null, ratio: null, ...rttGoal }),
    row({ id: `R1.${t.key}.rtt-c-cached`, metric: `R1 ${t.label}: FUSE round trips per op, nsproc vs C same caches`, nsproc: rtt['nsproc'] ?? null, baseline: rtt['c'] ?? null, ratio: null }),
    row({ id: `R1.${t.key}.cpu`, metric: `R1 ${t.label}: server CPU µs per op, 1 reader, vs C timeouts 0`, nsproc: cpu('nsproc'), baseline: cpu('c0') }),
    row({ id: `R1.${t.key}.cpu-rt`, metric: `R1 ${t.label}: server CPU µs per round trip vs C same caches`, nsproc: perRt('nsproc'), baseline: perRt('c') }),
    row({ id: `R1.${t.key}.cpu-rt-floor`, metric: `R1 ${t.label}: server CPU µs per round trip, fuse-native floor (in nsproc column) vs C`, nsproc: perRt('floor'), baseline: perRt('c') }),
    row({ id: `R1.${t.key}.own`, metric: `R1 ${t.label}: nsproc's own Vfs µs per op (in-process) vs nsproc server CPU µs per op`, nsproc: own, baseline: cpu('nsproc') }),
  ];
}

/** The request mix of one operation, by opcode, from C baselines mounted with libfuse's `debug`: nsproc's caches, and timeouts 0. */
async function opcodeRows(exe: string, dumpFile: string, dir: string, reader: string, dump: Dump,
  cached: { entryTimeout: number; attrTimeout: number }, uncached: { entryTimeout: number; attrTimeout: number }): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [tag, opts] of [['', cached], ['.t0', uncached]] as const) {
    const mnt = path.join(dir, `debug${tag}`);
    const s = await startBaseline(exe, dumpFile, mnt, `${baselineOptionString(opts)},debug`);
    try {
      for (const t of TARGETS.filter((x) => x.goal)) {
        const f = path.join(dir, `r1-debug${tag}-${t.key}.paths`);
        await fs.writeFile(f, t.paths(dump).map((p) => mnt + p).join('\n') + '\n');
        const ops = Math.min(20, t.paths(dump).length);
        // Twice over the same paths, counting the second: what a reader pays once the caches hold them.
        await runReader(reader, t.mode, 1, String(ops), f);
        const before = s.output().length;
        await runReader(reader, t.mode, 1, String(ops), f);
        await new Promise((r) => setTimeout(r, 200));
        const mix = opcodesPerOp(s.output().slice(before), ops);
        const total = Object.entries(mix).filter(([k]) => !k.includes('FORGET')).reduce((a, [, v]) => a + v, 0);
        const which = tag ? 'timeouts 0' : "nsproc's caches";
        rows.push(row({ id: `R1.${t.key}.mix${tag}`, metric: `R1 ${t.label}: requests per op by opcode (C libfuse2, ${which}, debug)`, nsproc: null, baseline: total, ratio: null, note: opcodeText(mix) }));
      }
    } finally {
      await s.stop();
    }
  }
  return rows;
}
