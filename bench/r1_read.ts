/**
 * R1, the read path: a reader process (bench/c/reader.c) doing stat+open+
 * read+close of `ns/*_snum` and `<pid>/status`, and readlink of `ns/*`, over
 * a model of N tasks, on nsproc and in the same run on
 *  (a) bench/c/baseline_fs.c, C libfuse2 serving the same tree with the
 *      same FUSE options (the goal: nsproc ≥ 0.8× of it),
 *  (b) the kernel's /proc (readlink /proc/self/ns/*, /proc/<pid>/status),
 *  and the fuse-native floor (floor_fs.ts: a Map lookup per request),
 * then round trips per operation, CPU per round trip, nsproc's own share,
 * and the no-stale-view probe. Each rate is the best of the rounds, the
 * systems interleaved within a round.
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

interface Target { readonly key: string; readonly label: string; readonly mode: ReadMode; readonly paths: (d: Dump) => string[]; readonly goal: boolean }

const TARGETS: readonly Target[] = [
  { key: 'snum', label: 'ns/*_snum stat+open+read+close', mode: 'statread', paths: (d) => d.snumPaths, goal: true },
  { key: 'link', label: 'ns/* readlink', mode: 'readlink', paths: (d) => d.linkPaths, goal: true },
  { key: 'status', label: '<pid>/status stat+open+read+close', mode: 'statread', paths: (d) => d.statusPaths, goal: false },
];
const NS_NAMES = ['net', 'uts', 'ipc', 'pid', 'user', 'mnt'];
const GOAL = 0.8;

/** One R1 pass: all mounts with one entry_timeout. A light pass measures less (1 reader, no floor, no /proc). */
interface Pass { readonly entryTimeout: number; readonly light: boolean }

export async function benchRead(cfg: BenchConfig, dir: string, log: (s: string) => void): Promise<Row[]> {
  const rows = await readPass(cfg, path.join(dir, 'r1'), log, { entryTimeout: cfg.r1.entryTimeout, light: false });
  // The same with the kernel's name cache on: fewer round trips, and the stale probe says whether views stay fresh.
  if (cfg.r1.entryVariant > 0 && cfg.r1.entryVariant !== cfg.r1.entryTimeout) {
    rows.push(...await readPass(cfg, path.join(dir, 'r1-et'), log, { entryTimeout: cfg.r1.entryVariant, light: true }));
  }
  return rows;
}

async function readPass(cfg: BenchConfig, dir: string, log: (s: string) => void, pass: Pass): Promise<Row[]> {
  await fs.mkdir(dir, { recursive: true });
  const c = await buildC();
  const { tasks, ms } = cfg.r1;
  const { entryTimeout, light } = pass;
  const readers = light ? [1] : cfg.r1.readers;
  const targets = light ? TARGETS.filter((t) => t.goal) : TARGETS;
  // Row ids and labels of a variant pass say which entry_timeout they ran with.
  const tag = light ? `et${entryTimeout}.` : '';
  const R1 = light ? `R1 [entry_timeout=${entryTimeout}]` : 'R1';
  // The model the daemon will hold, built in-process to dump it for the C baseline.
  const state = bootedState();
  const writes = cloneScript(tasks, 'net,mnt', 1000);
  runWrites(state, writes);
  const dump = dumpVfs(new ProcVfs(state, () => { throw new Error('read-only'); }));
  const dumpFile = path.join(dir, 'r1-dump.tsv');
  await fs.writeFile(dumpFile, dumpText(dump));
  const servers: Served[] = [];
  try {
    const ns = await startNsproc(dir, ['--entry-timeout', String(entryTimeout)]);
    servers.push(ns);
    nsctlWrites(ns.mountpoint, writes);
    const base = await startBaseline(c.baselineFs, dumpFile, path.join(dir, 'base'), baselineOptionString({ entryTimeout }));
    servers.push(base);
    const systems: Record<string, Served> = { nsproc: ns, c: base };
    if (!light) {
      systems['floor'] = await startNodeServer(path.join(REPO, 'dist/bench/floor_fs.js'), [dumpFile, path.join(dir, 'floor'), String(entryTimeout)], path.join(dir, 'floor'));
      servers.push(systems['floor']);
    }
    await checkSame(dump, Object.values(systems).map((s) => s.mountpoint));
    log(`${R1}: ${tasks} tasks on ${Object.keys(systems).join(', ')}; ${ms} ms per cell, best of ${cfg.rounds}`);

    const rows: Row[] = [];
    const pathFile = async (name: string, root: string, paths: readonly string[]) => {
      const f = path.join(dir, `r1-${name}.paths`);
      await fs.writeFile(f, paths.map((p) => root + p).join('\n') + '\n');
      return f;
    };
    const kernelLinks = await pathFile('kernel-link', '', NS_NAMES.map((n) => `/proc/self/ns/${n}`));
    const procPids = (await fs.readdir('/proc')).filter((n) => /^\d+$/.test(n)).slice(0, Math.max(tasks, 1));
    const kernelStatus = await pathFile('kernel-status', '', procPids.map((p) => `/proc/${p}/status`));
    for (const t of targets) {
      const files: Record<string, string> = {};
      for (const [name, sv] of Object.entries(systems)) files[name] = await pathFile(`${name}-${t.key}`, sv.mountpoint, t.paths(dump));
      const kernelFile = light ? null : t.key === 'link' ? kernelLinks : t.key === 'status' ? kernelStatus : null;
      const cpuAt1: Record<string, number[]> = { nsproc: [], c: [], floor: [] };
      for (const p of readers) {
        const runs: Record<string, ReadRun[]> = { nsproc: [], c: [], floor: [], kernel: [] };
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
        const [n, cc] = [best(runs['nsproc']!), best(runs['c']!)];
        rows.push(row({ id: `R1.${tag}${t.key}.p${p}`, metric: `${R1} ${t.label}, ${readersText} [ops/s] vs C libfuse2`, nsproc: n, baseline: cc,
          ...(t.goal && !light ? { goal: `≥ ${GOAL}×`, pass: n / cc >= GOAL } : {}) }));
        if (!light) {
          const fl = best(runs['floor']!);
          rows.push(row({ id: `R1.${t.key}.p${p}.floor`, metric: `R1 ${t.label}, ${readersText} [ops/s] vs fuse-native floor`, nsproc: n, baseline: fl }));
          rows.push(row({ id: `R1.${t.key}.p${p}.floor-vs-c`, metric: `R1 … same, fuse-native floor (in nsproc column) vs C libfuse2`, nsproc: fl, baseline: cc }));
        }
        if (kernelFile) rows.push(row({ id: `R1.${t.key}.p${p}.kernel`, metric: `R1 ${t.label}, ${readersText} [ops/s] vs kernel /proc`, nsproc: n, baseline: best(runs['kernel']!) }));
        log(`${R1} ${t.key} ×${p}: ${Object.keys(systems).map((k) => `${k} ${best(runs[k]!).toFixed(0)}/s`).join(', ')}`);
      }
      rows.push(...await roundTripRows(t, c.reader, systems, files, cpuAt1, state, dump, cfg, R1, tag));
    }
    rows.push(...await opcodeRows(c.baselineFs, dumpFile, dir, c.reader, dump, entryTimeout, targets, R1, tag));
    const stale = staleProbe(ns.mountpoint, cfg.r1.staleChecks);
    rows.push(row({ id: `R1.${tag}stale`, metric: `${R1} stale views after commands (nsproc) out of checks (baseline column)`, nsproc: stale.stale, baseline: stale.checks,
      ratio: null, goal: '= 0', pass: stale.stale === 0, ...(stale.examples.length ? { note: stale.examples.join('; ') } : {}) }));
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
  cpuAt1: Record<string, number[]>, state: ReturnType<typeof bootedState>, dump: Dump, cfg: BenchConfig, R1: string, tag: string): Promise<Row[]> {
  const ops = cfg.smoke ? 20 : 300;
  const rtt: Record<string, number | null> = {};
  for (const name of Object.keys(systems)) rtt[name] = await roundTripsPerOp(systems[name]!.pid, reader, t.mode, files[name]!, ops);
  const cpu = (name: string) => (cpuAt1[name]?.length ? median(cpuAt1[name]!) : null);
  const perRt = (name: string) => { const c = cpu(name); const r = rtt[name]; return c !== null && r ? c / r : null; };
  const rows = [
    row({ id: `R1.${tag}${t.key}.rtt`, metric: `${R1} ${t.label}: FUSE round trips per op (strace writev) vs C libfuse2`, nsproc: rtt['nsproc'] ?? null, baseline: rtt['c'] ?? null }),
    row({ id: `R1.${tag}${t.key}.cpu`, metric: `${R1} ${t.label}: server CPU µs per op, 1 reader, vs C libfuse2`, nsproc: cpu('nsproc'), baseline: cpu('c') }),
    row({ id: `R1.${tag}${t.key}.cpu-rt`, metric: `${R1} ${t.label}: server CPU µs per round trip vs C libfuse2`, nsproc: perRt('nsproc'), baseline: perRt('c') }),
  ];
  if (systems['floor']) {
    const own = vfsCostUs(new ProcVfs(state, () => { throw new Error('read-only'); }), t.mode === 'readlink' ? 'readlink' : 'statread', t.paths(dump), cfg.smoke ? 50 : 500);
    rows.push(
      row({ id: `R1.${t.key}.cpu-rt-floor`, metric: `R1 ${t.label}: server CPU µs per round trip, fuse-native floor (in nsproc column) vs C`, nsproc: perRt('floor'), baseline: perRt('c') }),
      row({ id: `R1.${t.key}.own`, metric: `R1 ${t.label}: nsproc's own Vfs µs per op (in-process) vs nsproc server CPU µs per op`, nsproc: own, baseline: cpu('nsproc') }),
    );
  }
  return rows;
}

/** The request mix of one operation, by opcode, from a C baseline mounted with libfuse's `debug`. */
async function opcodeRows(exe: string, dumpFile: string, dir: string, reader: string, dump: Dump, entryTimeout: number,
  targets: readonly Target[], R1: string, tag: string): Promise<Row[]> {
  const mnt = path.join(dir, 'debug');
  const s = await startBaseline(exe, dumpFile, mnt, `${baselineOptionString({ entryTimeout })},debug`);
  const rows: Row[] = [];
  try {
    for (const t of targets) {
      const f = path.join(dir, `r1-debug-${t.key}.paths`);
      await fs.writeFile(f, t.paths(dump).map((p) => mnt + p).join('\n') + '\n');
      const ops = Math.min(20, t.paths(dump).length);
      const before = s.output().length;
      await runReader(reader, t.mode, 1, String(ops), f);
      await new Promise((r) => setTimeout(r, 200));
      const mix = opcodesPerOp(s.output().slice(before), ops);
      const total = Object.entries(mix).filter(([k]) => !k.includes('FORGET')).reduce((a, [, v]) => a + v, 0);
      rows.push(row({ id: `R1.${tag}${t.key}.mix`, metric: `${R1} ${t.label}: requests per op by opcode (C libfuse2, debug)`, nsproc: null, baseline: total, ratio: null, note: opcodeText(mix) }));
    }
  } finally {
    await s.stop();
  }
  return rows;
}
