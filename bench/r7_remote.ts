/**
 * R7, forwarding (--remote): records per second from nsproc through audisp-remote to an
 * aggregating auditd (./_aggregator.ts), end to end, against the same lines written straight
 * into an audisp-remote with the same configuration (the pipeline alone), in the same run and
 * to the same aggregator; every record checked to have arrived. Then what --remote costs the
 * local log (R2's one command per write, pairs/s, with and without --remote) and the time from
 * a command's acknowledgement to its record in the aggregator's log (p50/p99).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderAudispConf } from '../src/fleet/audisp_conf.js';
import { locateAudispRemote, spawnAudisp } from '../src/fleet/audisp_process.js';
import { startAggregator, type Aggregator } from './_aggregator.js';
import { auditTools, type AuditTools } from './_audit_tools.js';
import { buildC } from './_cbuild.js';
import type { BenchConfig } from './_config.js';
import { nsctlWrites } from './_nsctl.js';
import { runOk, startNsproc } from './_proc.js';
import { row, type Row } from './_table.js';

const PACKAGES = ['auditd', 'libauparse0', 'libaudit1', 'audispd-plugins', 'libwrap0'];

/** Follows the aggregator's log: each node's lines in order of arrival, read as the file grows. */
class AggregatorTail {
  private offset = 0;
  private rest = '';
  private readonly lines = new Map<string, string[]>();
  constructor(private readonly file: string) {}

  /** Reads what was added since the last call. */
  poll(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return;
    }
    try {
      const buf = Buffer.alloc(1 << 20);
      for (let n; (n = fs.readSync(fd, buf, 0, buf.length, this.offset)) > 0;) {
        this.offset += n;
        const parts = (this.rest + buf.subarray(0, n).toString('utf8')).split('\n');
        this.rest = parts.pop()!;
        for (const l of parts) {
          const node = /^node=(\S+) /.exec(l)?.[1];
          if (node === undefined) continue;
          let list = this.lines.get(node);
          if (list === undefined) this.lines.set(node, (list = []));
          list.push(l);
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Lines of `node` so far, a line resent around a failure counted each time. */
  count(node: string): number {
    return this.lines.get(node)?.length ?? 0;
  }

  /** Lines of `node` from the `from`th on. */
  since(node: string, from: number): readonly string[] {
    return this.lines.get(node)?.slice(from) ?? [];
  }

  /** Distinct lines of `node`; forgets them. */
  distinct(node: string): number {
    const n = new Set(this.lines.get(node)).size;
    this.lines.delete(node);
    return n;
  }

  /** Polls every millisecond until `done()` or `ms` passed; the time it took (ms), or null. */
  async until(done: () => boolean, ms: number): Promise<number | null> {
    const t0 = performance.now();
    for (;;) {
      this.poll();
      if (done()) return performance.now() - t0;
      if (performance.now() - t0 > ms) return null;
      await new Promise((r) => setTimeout(r, 1));
    }
  }
}

const logLines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');

/** The same lines, named as another node, straight into an audisp-remote of nsproc's configuration. */
async function pipelineAlone(tools: AuditTools, agg: Aggregator, tail: AggregatorTail, lines: readonly string[], node: string, dir: string): Promise<number> {
  const cmd = locateAudispRemote(tools.root, process.env['PATH'] ?? '');
  if (typeof cmd === 'string') throw new Error(cmd);
  fs.mkdirSync(path.join(dir, 'etc'), { recursive: true });
  const conf = path.join(dir, 'audisp-remote.conf');
  fs.writeFileSync(conf, renderAudispConf({ host: '127.0.0.1', port: agg.port }, path.join(dir, 'queue')), { mode: 0o640 });
  const text = lines.map((l) => `${l.replace(/^node=\S+ /, `node=${node} `)}\n`).join('');
  const child = spawnAudisp(cmd, path.join(dir, 'etc'), conf, () => undefined);
  try {
    const t0 = performance.now();
    child.stdin!.write(text);
    const ms = await tail.until(() => tail.count(node) >= lines.length, 120_000);
    if (ms === null) throw new Error(`R7: the pipeline alone delivered ${tail.count(node)} of ${lines.length} records`);
    tail.distinct(node);
    return (lines.length * 1000) / (performance.now() - t0);
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin!.end();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    child.kill('SIGKILL');
  }
}

const quantile = (xs: readonly number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

export async function benchRemote(cfg: BenchConfig, dir: string, log: (s: string) => void): Promise<Row[]> {
  const tools = await auditTools(PACKAGES, path.join(dir, 'audit-tools'));
  if (typeof tools === 'string') throw new Error(`R7 needs Debian's auditd and audisp-remote: ${tools}`);
  const agg = await startAggregator(tools, path.join(dir, 'r7-aggregator'));
  const tail = new AggregatorTail(agg.log);
  const c = await buildC();
  const { records, samples } = cfg.r7;
  const { singlePairs } = cfg.r2;
  const remote = ['--remote', `127.0.0.1:${agg.port}`, '--audisp-remote', tools.root];
  const rates: { e2e: number; pipe: number }[] = [];
  let lost = 0;
  try {
    for (let r = 0; r < Math.min(cfg.rounds, 3); r++) {
      // End to end: clone commands (two records each) in writes of 1000, until the last record is in.
      const node = `r7e2e${r}`;
      const ns = await startNsproc(path.join(dir, `r7-e2e-${r}`), [...remote, '--name', node]);
      let local: string[];
      let e2e: number;
      try {
        const t0 = performance.now();
        const writes: string[] = [];
        for (let done = 0; done < records / 2; done += 1000) writes.push('clone 1 uts\n'.repeat(Math.min(1000, records / 2 - done)));
        nsctlWrites(ns.mountpoint, writes);
        local = logLines(ns.auditLog);
        await tail.until(() => tail.count(node) >= local.length, 120_000);
        e2e = (local.length * 1000) / (performance.now() - t0);
        lost += local.length - tail.distinct(node);
      } finally {
        await ns.stop();
      }
      const pipe = await pipelineAlone(tools, agg, tail, local, `r7pipe${r}`, path.join(dir, `r7-pipe-${r}`));
      rates.push({ e2e, pipe });
      log(`R7: round ${r}: ${local.length} records end to end ${Math.round(e2e)}/s, the pipeline alone ${Math.round(pipe)}/s`);
    }

    // What --remote costs the local log, and how soon a record reaches the aggregator.
    const withRemote = await startNsproc(path.join(dir, 'r7-ctl-remote'), [...remote, '--name', 'r7ctl']);
    const plain = await startNsproc(path.join(dir, 'r7-ctl-plain'));
    const latencies: number[] = [];
    const pairs: { remote: number[]; plain: number[] } = { remote: [], plain: [] };
    try {
      const pairsPerSec = async (mnt: string) => {
        const m = /pairs (\d+) secs ([\d.]+)/.exec(await runOk(c.ctlClient, [path.join(mnt, 'nsctl'), String(singlePairs), '1', 'net,mnt']));
        if (!m) throw new Error('ctl_client printed no rate');
        return Number(m[1]) / Number(m[2]);
      };
      await pairsPerSec(withRemote.mountpoint);
      await pairsPerSec(plain.mountpoint);
      for (let r = 0; r < cfg.rounds; r++) {
        pairs.plain.push(await pairsPerSec(plain.mountpoint));
        pairs.remote.push(await pairsPerSec(withRemote.mountpoint));
      }
      for (let i = 0; i < samples; i++) {
        tail.poll();
        const from = tail.count('r7ctl');
        const [pid] = nsctlWrites(withRemote.mountpoint, ['clone 1 ipc\n']);
        const acked = performance.now();
        const want = ` pid=${pid} `;
        const ms = await tail.until(() => tail.since('r7ctl', from).some((l) => l.includes('type=NS_INFO') && l.includes(want)), 10_000);
        if (ms === null) throw new Error(`R7: the NS_INFO of pid ${pid} did not reach the aggregator`);
        latencies.push(performance.now() - acked);
      }
    } finally {
      await withRemote.stop();
      await plain.stop();
    }
    const bestE2e = Math.max(...rates.map((x) => x.e2e));
    const bestPipe = Math.max(...rates.map((x) => x.pipe));
    const ctlRemote = Math.max(...pairs.remote);
    const ctlPlain = Math.max(...pairs.plain);
    return [
      row({ id: 'R7.throughput', metric: `--remote end to end, ${records} records, nsproc → audisp-remote → auditd [records/s] vs the same lines into audisp-remote alone`,
        nsproc: bestE2e, baseline: bestPipe, goal: '≥ 0.8×, none lost', pass: bestE2e >= 0.8 * bestPipe && lost === 0, note: `${lost} records lost` }),
      row({ id: 'R7.control', metric: 'one command per write with --remote [pairs/s] vs without', nsproc: ctlRemote, baseline: ctlPlain, goal: '≥ 0.9×', pass: ctlRemote >= 0.9 * ctlPlain }),
      row({ id: 'R7.latency.p50', metric: `acknowledged → in the aggregator's log, p50 of ${samples} [ms]`, nsproc: quantile(latencies, 0.5), baseline: null }),
      row({ id: 'R7.latency.p99', metric: `acknowledged → in the aggregator's log, p99 of ${samples} [ms]`, nsproc: quantile(latencies, 0.99), baseline: null }),
    ];
  } finally {
    await agg.stop();
  }
}
