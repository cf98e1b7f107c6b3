/**
 * R5, host mode (SPEC §7): with N extra sleeping processes on the host,
 *  - the scanner's full-scan cost per process (in this process: a first scan
 *    reading everything, the periodic rescan that re-reads the ns links of the
 *    processes that ran, and the holder scan of every tenth rescan),
 *    at 1k and 5k processes;
 *  - the CPU an idle host-mode daemon uses per second with 1k processes, at
 *    the default rescan interval (goal < 2% of one core);
 *  - event-to-record latency: from spawning `unshare -n true` to its
 *    AUDIT_NS_INIT_NET in the log (p50/p99; goal p99 < 100 ms), with how many
 *    were never seen (the process exited before it could be read);
 *  - the R1 reads (`ns/*_snum` stat+read, `ns/*` readlink, status) on a
 *    host-mode mount vs the kernel's /proc for the same pids.
 * The machine is shared: other processes' forks reach the daemon too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { BenchConfig } from './_config.js';
import { buildC } from './_cbuild.js';
import { startNsproc } from './_proc.js';
import { best, cpuSeconds, median, runReader } from './_reader.js';
import { row, type Row } from './_table.js';
import { Scanner } from '../src/host/scanner.js';

/** N `sleep` processes in one process group; kill() ends them all. */
async function sleepers(n: number): Promise<{ pids: number[]; kill: () => void }> {
  const child: ChildProcess = spawn('bash', ['-c', `for i in $(seq ${n}); do sleep 3600 & echo $!; done; wait`], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  while (out.split('\n').length <= n) await new Promise((r) => setTimeout(r, 20));
  return {
    pids: out.trim().split('\n').map(Number),
    kill: () => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } },
  };
}

/** µs per process: the first scan, a periodic rescan (idle processes skipped) and a holder scan (every process looked into, with fds and mounts), interleaved. */
function scanCost(procs: number): { first: number; rescan: number; holders: number } {
  const t0 = process.hrtime.bigint();
  const s = new Scanner({ profile: 'modern', useIds: true, selfPid: process.pid });
  s.fullScan(true);
  s.take();
  const t1 = process.hrtime.bigint();
  const rounds = 5;
  let rescan = 0n;
  let holders = 0n;
  for (let i = 0; i < rounds; i++) {
    const a = process.hrtime.bigint();
    s.fullScan(false);
    s.take();
    const b = process.hrtime.bigint();
    s.fullScan(true);
    s.take();
    rescan += b - a;
    holders += process.hrtime.bigint() - b;
  }
  const per = (ns: bigint) => Number(ns) / 1000 / rounds / procs;
  return { first: Number(t1 - t0) / 1000 / procs, rescan: per(rescan), holders: per(holders) };
}

const percentile = (xs: readonly number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

async function latency(auditLog: string, samples: number): Promise<{ ms: number[]; missed: number }> {
  const ms: number[] = [];
  let missed = 0;
  for (let i = 0; i < samples; i++) {
    const size = (await fs.stat(auditLog)).size;
    const t0 = performance.now();
    const child = spawn('unshare', ['-n', 'true'], { stdio: 'ignore' });
    const pid = child.pid!;
    const needle = `AUDIT_NS_INIT_NET msg=`;
    let seen: number | null = null;
    while (performance.now() - t0 < 1000) {
      const fh = await fs.open(auditLog, 'r');
      const { size: now } = await fh.stat();
      const buf = Buffer.alloc(now - size);
      await fh.read(buf, 0, buf.length, size);
      await fh.close();
      const text = buf.toString();
      if (text.split('\n').some((l) => l.includes(needle) && l.includes(` pid=${pid} `))) {
        seen = performance.now() - t0;
        break;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    if (seen === null) missed++;
    else ms.push(seen);
    await new Promise((r) => child.exitCode !== null ? r(null) : child.once('exit', r));
  }
  return { ms, missed };
}

export async function benchHost(cfg: BenchConfig, dir: string, log: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const sizes = cfg.smoke ? [20] : [1000, 5000];
  for (const n of sizes) {
    const sl = await sleepers(n);
    try {
      const total = (await fs.readdir('/proc')).filter((x) => /^\d+$/.test(x)).length;
      const c = scanCost(total);
      log(`R5 scan with ${total} processes: first ${c.first.toFixed(1)} µs/process, rescan ${c.rescan.toFixed(1)} µs/process, holder scan ${c.holders.toFixed(1)} µs/process`);
      rows.push(row({ id: `R5.scan.first.${n}`, metric: `R5 host first scan (all reads), ${total} processes [µs per process]`, nsproc: c.first, baseline: null }));
      rows.push(row({ id: `R5.scan.rescan.${n}`, metric: `R5 host periodic rescan (ns links of the processes that ran), ${total} processes [µs per process] vs the holder scan every tenth time (every process's links, fds, mounts)`, nsproc: c.rescan, baseline: c.holders }));
    } finally {
      sl.kill();
    }
  }
  const sl = await sleepers(cfg.smoke ? 20 : 1000);
  await fs.mkdir(path.join(dir, 'r5'), { recursive: true });
  const ns = await startNsproc(path.join(dir, 'r5'), ['--host']);
  try {
    const idleS = cfg.smoke ? 1 : 20;
    await new Promise((r) => setTimeout(r, cfg.smoke ? 200 : 1500));
    const c0 = await cpuSeconds(ns.pid);
    await new Promise((r) => setTimeout(r, idleS * 1000));
    const c1 = await cpuSeconds(ns.pid);
    const pct = ((c1 - c0) / idleS) * 100;
    log(`R5 idle: ${pct.toFixed(2)}% of a core`);
    rows.push(row({ id: 'R5.idle', metric: `R5 idle host-mode daemon, ${sl.pids.length} extra processes, rescan 1000 ms [% of one core]`, nsproc: pct, baseline: null, goal: '< 2%', pass: pct < 2 }));

    const lat = await latency(ns.auditLog, cfg.smoke ? 3 : 100);
    const p50 = percentile(lat.ms, 50);
    const p99 = percentile(lat.ms, 99);
    log(`R5 latency: p50 ${p50?.toFixed(1)} ms, p99 ${p99?.toFixed(1)} ms, ${lat.missed} not seen`);
    rows.push(row({ id: 'R5.latency.p50', metric: 'R5 `unshare -n true` spawn → its AUDIT_NS_INIT_NET in the log, p50 [ms]', nsproc: p50, baseline: null }));
    rows.push(row({ id: 'R5.latency.p99', metric: 'R5 … p99 [ms]', nsproc: p99, baseline: null, goal: '< 100', pass: p99 === null ? null : p99 < 100 }));
    rows.push(row({ id: 'R5.latency.missed', metric: 'R5 … runs whose namespace was never seen (gone before it was read) / runs', nsproc: lat.missed, baseline: lat.ms.length + lat.missed, ratio: null }));

    const c = await buildC();
    const pids = sl.pids.slice(0, cfg.smoke ? 5 : 200);
    const write = async (name: string, paths: string[]) => {
      const f = path.join(dir, 'r5', `${name}.paths`);
      await fs.writeFile(f, `${paths.join('\n')}\n`);
      return f;
    };
    const ms = cfg.smoke ? 100 : 1000;
    const entries = ['net', 'uts', 'ipc', 'pid', 'user', 'mnt', 'cgroup', 'time'];
    const targets = [
      { key: 'snum', mode: 'statread' as const, host: pids.flatMap((p) => entries.map((e) => `${ns.mountpoint}/${p}/ns/${e}_snum`)), kernel: null },
      { key: 'link', mode: 'readlink' as const, host: pids.flatMap((p) => entries.map((e) => `${ns.mountpoint}/${p}/ns/${e}`)), kernel: pids.flatMap((p) => entries.map((e) => `/proc/${p}/ns/${e}`)) },
      { key: 'status', mode: 'statread' as const, host: pids.map((p) => `${ns.mountpoint}/${p}/status`), kernel: pids.map((p) => `/proc/${p}/status`) },
    ];
    for (const t of targets) {
      const hostFile = await write(`host-${t.key}`, t.host);
      const kernelFile = t.kernel ? await write(`kernel-${t.key}`, t.kernel) : null;
      const h = [];
      const k = [];
      for (let r = 0; r < cfg.rounds; r++) {
        h.push(await runReader(c.reader, t.mode, 1, `${ms}ms`, hostFile, ns.pid));
        if (kernelFile) k.push(await runReader(c.reader, t.mode, 1, `${ms}ms`, kernelFile));
      }
      if (h.some((x) => x.errors > 0)) throw new Error(`R5 reads of ${t.key}: ${h.reduce((a, x) => a + x.errors, 0)} failed operations`);
      rows.push(row({ id: `R5.read.${t.key}`, metric: `R5 host-mode ${t.key} ${t.mode}, 1 reader [ops/s]${kernelFile ? ' vs kernel /proc' : ''}`, nsproc: best(h), baseline: kernelFile ? best(k) : null }));
      const cpu = h.map((x) => x.serverCpuUs).filter((x): x is number => x !== null);
      if (cpu.length) rows.push(row({ id: `R5.read.${t.key}.cpu`, metric: `R5 host-mode ${t.key}: server CPU µs per op`, nsproc: median(cpu), baseline: null }));
    }
  } finally {
    await ns.stop();
    sl.kill();
  }
  return rows;
}
