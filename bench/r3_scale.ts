/**
 * R3, scale: time and peak RSS to build 10k, 100k and 1M tasks, each in its
 * own net and mnt namespace, each size in a fresh child process
 * (r3_child.ts); bytes per task and per namespace (the same sizes without
 * new namespaces give the task's share); and the time to list the root
 * directory with 100k pids through the mount from a separate process
 * (`ls -f MNT | wc -l`), against the C baseline serving the same listing.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ProcVfs } from '../src/procfs/proc_vfs.js';
import { isKernelError } from '../src/procfs/vfs.js';
import type { BenchConfig } from './_config.js';
import { buildC } from './_cbuild.js';
import { dumpText, type DumpNode } from './_dump.js';
import { baselineOptionString } from './_fuse_opts.js';
import { bootedState, cloneScript, runWrites } from './_model.js';
import { nsctlWrites } from './_nsctl.js';
import { REPO, runOk, startBaseline, startNsproc, type Served } from './_proc.js';
import { row, type Row } from './_table.js';

const NET_MNT = 0x40000000 | 0x00020000;
const MIB = 2 ** 20;
const RSS_LIMIT_MIB = 2048;

interface ChildResult { n: number; secs: number; usPerTask: number; slices: number[]; peakRssBytes: number; heapBytesPerTask: number; namespaces: number }

async function child(n: number, flags: number): Promise<ChildResult> {
  const heapMb = Math.max(512, Math.ceil((n * 3000) / MIB));
  const out = await runOk(process.execPath, [`--max-old-space-size=${heapMb}`, '--expose-gc', path.join(REPO, 'dist/bench/r3_child.js'), String(n), String(flags)], { timeoutMs: 600_000 });
  return JSON.parse(out) as ChildResult;
}

const k = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));

export async function benchScale(cfg: BenchConfig, dir: string, log: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const results: ChildResult[] = [];
  for (const n of cfg.r3.sizes) {
    const withNs = await child(n, NET_MNT);
    const bare = await child(n, 0);
    results.push(withNs);
    log(`R3 ${k(n)}: ${withNs.secs.toFixed(2)} s, ${withNs.usPerTask.toFixed(2)} µs/task, peak RSS ${(withNs.peakRssBytes / MIB).toFixed(0)} MiB`);
    const perNs = (withNs.heapBytesPerTask - bare.heapBytesPerTask) / 2;
    rows.push(
      row({ id: `R3.build.${n}`, metric: `R3 build ${k(n)} tasks, each in a new net+mnt namespace [s] (baseline: same without new namespaces)`, nsproc: withNs.secs, baseline: bare.secs }),
      row({ id: `R3.rss.${n}`, metric: `R3 peak RSS with ${k(n)} tasks and ${k(withNs.namespaces)} namespaces [MiB]`, nsproc: withNs.peakRssBytes / MIB, baseline: null,
        goal: `< ${RSS_LIMIT_MIB}`, pass: withNs.peakRssBytes / MIB < RSS_LIMIT_MIB }),
      row({ id: `R3.bytes.task.${n}`, metric: `R3 heap bytes per task at ${k(n)}: with its 2 namespaces (baseline: task alone)`, nsproc: withNs.heapBytesPerTask, baseline: bare.heapBytesPerTask }),
      row({ id: `R3.bytes.ns.${n}`, metric: `R3 heap bytes per namespace at ${k(n)}`, nsproc: perNs, baseline: null }),
    );
  }
  const first = results[0]!;
  for (const r of results.slice(1)) {
    rows.push(row({ id: `R3.flat.${r.n}`, metric: `R3 µs per task at ${k(r.n)} vs at ${k(first.n)}`, nsproc: r.usPerTask, baseline: first.usPerTask,
      goal: '≤ 2×', pass: r.usPerTask / first.usPerTask <= 2, note: `per fifth: ${r.slices.map((s) => s.toFixed(1)).join(', ')} µs` }));
  }
  rows.push(...await listing(cfg, dir, log));
  return rows;
}

/** Seconds for `ls -f MNT | wc -l` in a separate shell, and the count it printed. */
async function timeLs(mnt: string): Promise<{ secs: number; count: number }> {
  const out = await runOk('bash', ['-c', `TIMEFORMAT=%R; { time ls -f ${mnt} | wc -l; } 2>&1`]);
  const [count, secs] = out.trim().split('\n');
  return { secs: Number(secs), count: Number(count) };
}

async function listing(cfg: BenchConfig, dir: string, log: (s: string) => void): Promise<Row[]> {
  const n = cfg.r3.listTasks;
  const c = await buildC();
  const writes = cloneScript(n, 'net,mnt', 1000);
  // The root listing the daemon will serve, dumped for the C baseline (pid directories stay empty there).
  const state = bootedState();
  runWrites(state, writes);
  const vfs = new ProcVfs(state, () => { throw new Error('read-only'); });
  const l = vfs.readdir('/');
  const root = vfs.getattr('/');
  if (isKernelError(l) || isKernelError(root)) throw new Error('R3: cannot list the in-process root');
  const nodes: DumpNode[] = [{ path: '/', kind: 'd', attr: root, listed: true, content: Buffer.alloc(0) }];
  l.names.forEach((name, i) => nodes.push({ path: `/${name}`, kind: (l.attrs[i]!.mode & 0o170000) === 0o040000 ? 'd' : 'f', attr: l.attrs[i]!, listed: true, content: Buffer.alloc(0) }));
  const dumpFile = path.join(dir, 'r3-root.tsv');
  await fs.writeFile(dumpFile, dumpText({ nodes, snumPaths: [], linkPaths: [], statusPaths: [] }));
  const servers: Served[] = [];
  try {
    const ns = await startNsproc(path.join(dir, 'r3'));
    servers.push(ns);
    const t0 = performance.now();
    nsctlWrites(ns.mountpoint, writes);
    const populate = (performance.now() - t0) / 1000;
    const base = await startBaseline(c.baselineFs, dumpFile, path.join(dir, 'r3-base'), baselineOptionString());
    servers.push(base);
    let bestNs = Infinity;
    let bestC = Infinity;
    for (let r = 0; r < cfg.rounds; r++) {
      const a = await timeLs(ns.mountpoint);
      const b = await timeLs(base.mountpoint);
      // ls -f lists ., .., the pids (3 boot tasks + n), nsctl, self and thread-self.
      if (a.count !== n + 8 || b.count !== n + 8) throw new Error(`R3: ls -f counted ${a.count} (nsproc) and ${b.count} (C), expected ${n + 8}`);
      bestNs = Math.min(bestNs, a.secs);
      bestC = Math.min(bestC, b.secs);
    }
    log(`R3 listing ${k(n)} pids: nsproc ${bestNs.toFixed(3)} s, C ${bestC.toFixed(3)} s (populated via nsctl in ${populate.toFixed(1)} s)`);
    return [
      row({ id: 'R3.list', metric: `R3 ls -f MNT with ${k(n)} pids [s] vs C libfuse2`, nsproc: bestNs, baseline: bestC, goal: '< 1 s', pass: bestNs < 1 }),
      row({ id: 'R3.populate', metric: `R3 populate ${k(n)} tasks via nsctl, 1000 clones per write [tasks/s]`, nsproc: n / populate, baseline: null }),
    ];
  } finally {
    for (const s of servers.reverse()) await s.stop();
  }
}
