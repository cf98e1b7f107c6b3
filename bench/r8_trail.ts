/**
 * R8, nstrail on an aggregated fleet log: a generated log of 100 hosts with a few migrating
 * containers (_fleet_log.ts) at two sizes (1M and 10M records), read by
 *   - `nstrail --uuid U` (the full trail of a migrated container: every record parsed),
 *   - `nstrail` (the whole input's summary),
 *   - `nstrail --node NODE` (a plain filter),
 * against `ausearch --node NODE -if LOG --raw` and `grep -c 'node=NODE '` on the same file in
 * the same run. Rates are records of the input per second of wall time (best of the rounds,
 * each command alone on the machine's cores; nstrail is one thread); peak RSS is the
 * kernel's maxrss of the process (/usr/bin/time %M), compared between the two sizes.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { auditTools } from './_audit_tools.js';
import type { BenchConfig } from './_config.js';
import { writeFleetLog, type FleetLog } from './_fleet_log.js';
import { cLocale, REPO } from './_proc.js';
import { row, type Row } from './_table.js';

const NSTRAIL = path.join(REPO, 'nstrail');
const TRAIL_GOAL = 1_000_000;

interface Timed { seconds: number; rssKiB: number; code: number | null }

/**
 * Runs a command with its output into a scratch file; wall time, and peak RSS from /usr/bin/time.
 * Not /dev/null: GNU grep with its output there stops at the first match, as with -q.
 */
async function timed(file: string, args: readonly string[], dir: string, env?: NodeJS.ProcessEnv): Promise<Timed> {
  const rssFile = path.join(dir, 'rss');
  const out = await fs.open(path.join(dir, 'out'), 'w');
  const t0 = performance.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const c = spawn('/usr/bin/time', ['-f', '%M', '-o', rssFile, file, ...args], { stdio: ['ignore', out.fd, 'ignore'], env: cLocale(env ?? process.env) });
    c.on('error', reject);
    c.on('exit', (status) => resolve(status));
  });
  const seconds = (performance.now() - t0) / 1000;
  await out.close();
  // /usr/bin/time writes "Command exited with non-zero status N" first when it did.
  const rssKiB = Number((await fs.readFile(rssFile, 'utf8')).trim().split('\n').pop());
  return { seconds, rssKiB, code };
}

/** Best (shortest) of n runs; the RSS is the largest seen. */
async function best(n: number, file: string, args: readonly string[], dir: string, env?: NodeJS.ProcessEnv): Promise<Timed> {
  const runs: Timed[] = [];
  for (let i = 0; i < Math.max(1, n); i++) {
    const t = await timed(file, args, dir, env);
    if (t.code !== 0 && !(file === 'grep' && t.code === 1)) throw new Error(`${path.basename(file)} ${args.join(' ')} exited ${t.code}`);
    runs.push(t);
  }
  return { seconds: Math.min(...runs.map((r) => r.seconds)), rssKiB: Math.max(...runs.map((r) => r.rssKiB)), code: 0 };
}

export async function benchTrail(cfg: BenchConfig, dir: string, log: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  // Fetched into the run's scratch directory, which the runner removes.
  const tools = await auditTools(['auditd', 'libauparse0', 'libaudit1'], path.join(dir, 'audit-tools'));
  const ausearch = typeof tools === 'string' ? null : await tools.bin('ausearch');
  if (ausearch === null) log(`R8: no ausearch (${typeof tools === 'string' ? tools : 'not in the package'}): its row stays empty`);
  const rss: number[] = [];
  for (const [i, size] of cfg.r8.sizes.entries()) {
    const file = path.join(dir, `fleet-${size}.log`);
    const t0 = performance.now();
    const fleet: FleetLog = writeFleetLog(file, { records: size, hosts: cfg.r8.hosts, migrations: cfg.r8.migrations });
    log(`R8: generated ${fleet.records} records (${(fleet.bytes / 2 ** 20).toFixed(0)} MiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const rounds = i === cfg.r8.sizes.length - 1 ? 1 : Math.min(cfg.rounds, 3);
    const rate = (t: Timed) => fleet.records / t.seconds;
    const grep = await best(rounds, 'grep', ['-c', `node=${fleet.node} `, file], dir);
    const trail = await best(rounds, NSTRAIL, ['--uuid', fleet.migratedUuid, file], dir);
    const summary = await best(rounds, NSTRAIL, [file], dir);
    const node = await best(rounds, NSTRAIL, ['--node', fleet.node, file], dir);
    const aus = ausearch === null || typeof tools === 'string' ? null
      : await best(rounds, ausearch, ['--node', fleet.node, '-if', file, '--raw'], dir, { ...process.env, LD_LIBRARY_PATH: tools.libraryPath });
    const last = i === cfg.r8.sizes.length - 1;
    rows.push(
      row({ id: `R8.trail.${size}`, metric: `nstrail --uuid (full trail), ${size} records of ${cfg.r8.hosts} hosts [records/s] vs grep -c`, nsproc: rate(trail), baseline: rate(grep),
        ...(last ? { goal: '≥ 1M/s', pass: rate(trail) >= TRAIL_GOAL } : {}) }),
      row({ id: `R8.summary.${size}`, metric: `nstrail (summary of every container), ${size} records [records/s] vs grep -c`, nsproc: rate(summary), baseline: rate(grep) }),
      row({ id: `R8.node.${size}`, metric: `nstrail --node, ${size} records [records/s] vs ausearch --node --raw`, nsproc: rate(node), baseline: aus && rate(aus),
        goal: '≥ 0.5×', pass: aus && rate(node) / rate(aus) >= 0.5 }),
    );
    rss.push(Math.max(trail.rssKiB, summary.rssKiB, node.rssKiB) / 1024);
    await fs.rm(file, { force: true });
  }
  const [small, large] = [rss[0] ?? null, rss[rss.length - 1] ?? null];
  rows.push(row({
    id: 'R8.rss', metric: `nstrail peak RSS at ${cfg.r8.sizes.at(-1)} records vs at ${cfg.r8.sizes[0]} [MiB]`, nsproc: large, baseline: small,
    goal: '≤ 2×', pass: large !== null && small !== null ? large / small <= 2 : null,
  }));
  return rows;
}
