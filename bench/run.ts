/**
 * `npm run bench`: runs R1 (read path), R2 (control path), R3 (scale),
 * R4 (audit log) and R5 (host mode), prints one table (metric, nsproc, baseline, ratio, goal)
 * with the machine it ran on, and writes the same as JSON to
 * bench/results/<time>.json and bench/results/latest.json.
 *
 *   node dist/bench/run.js [--smoke] [--only R1,R3] [--out DIR]
 *
 * Sizes: see _config.ts (environment variables). Exit status 1 when a
 * benchmark failed to run; a goal that is not met is reported, not an error.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchConfig, type BenchConfig } from './_config.js';
import { machine, machineLine } from './_machine.js';
import { clearMountsUnder, REPO, scratchDir } from './_proc.js';
import { renderTable, type Row } from './_table.js';
import { benchRead } from './r1_read.js';
import { benchControl } from './r2_control.js';
import { benchScale } from './r3_scale.js';
import { benchAudit } from './r4_audit.js';
import { benchHost } from './r5_host.js';
import { benchKernelAudit } from './r6_kernel_audit.js';
import { benchRemote } from './r7_remote.js';
import { benchTrail } from './r8_trail.js';

type Bench = (cfg: BenchConfig, dir: string, log: (s: string) => void) => Promise<Row[]> | Row[];
const BENCHES: Readonly<Record<string, Bench>> = { R1: benchRead, R2: benchControl, R3: benchScale, R4: benchAudit, R5: benchHost, R6: benchKernelAudit, R7: benchRemote, R8: benchTrail };

interface Args { smoke: boolean; only: string[]; out: string }

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { smoke: false, only: Object.keys(BENCHES), out: path.join(REPO, 'bench/results') };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i]!;
    if (v === '--smoke') a.smoke = true;
    else if (v === '--only') a.only = (argv[++i] ?? '').split(',').map((s) => s.trim().toUpperCase());
    else if (v === '--out') a.out = path.resolve(argv[++i] ?? '');
    else throw new Error(`unknown argument ${v} (usage: run.js [--smoke] [--only R1,R2,R3,R4,R5] [--out DIR])`);
  }
  for (const o of a.only) if (!BENCHES[o]) throw new Error(`unknown benchmark ${o}`);
  return a;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const cfg = benchConfig(args.smoke);
  const m = machine();
  const dir = await scratchDir(cfg.tmp);
  const log = (s: string) => void process.stderr.write(`${s}\n`);
  const stopOnSignal = () => void clearMountsUnder(dir).finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  const started = Date.now();
  const rows: Row[] = [];
  const failures: { bench: string; error: string }[] = [];
  try {
    for (const name of args.only) {
      const t0 = Date.now();
      try {
        rows.push(...await BENCHES[name]!(cfg, dir, log));
      } catch (e) {
        const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
        failures.push({ bench: name, error });
        log(`${name} FAILED: ${error}`);
      }
      log(`${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    await clearMountsUnder(dir);
    await fs.rm(dir, { recursive: true, force: true });
  }
  m.loadEnd = os.loadavg()[0]!;
  const seconds = (Date.now() - started) / 1000;
  const report = { machine: m, config: cfg, startedAt: new Date(started).toISOString(), seconds, rows, failures };
  await fs.mkdir(args.out, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const stamp = new Date(started).toISOString().replace(/[:.]/g, '-');
  await fs.writeFile(path.join(args.out, `${stamp}.json`), json);
  await fs.writeFile(path.join(args.out, 'latest.json'), json);
  process.stdout.write(`${machineLine(m)}\n${args.smoke ? 'SMOKE RUN (tiny sizes: the numbers mean nothing)\n' : ''}\n${renderTable(rows)}\n\n`);
  for (const r of rows.filter((x) => x.note)) process.stdout.write(`${r.id}: ${r.note}\n`);
  process.stdout.write(`\n${seconds.toFixed(0)} s; JSON in ${path.join(args.out, 'latest.json')}\n`);
  if (failures.length) process.stdout.write(`FAILED: ${failures.map((f) => f.bench).join(', ')}\n`);
  return failures.length ? 1 : 0;
}

process.exitCode = await main();
