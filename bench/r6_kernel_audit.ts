/**
 * R6, --kernel-audit: the rate of kernel audit events nsproc keeps up with without losing
 * one, and its CPU per event, beside the same burst with the rules loaded and no reader (the
 * kernel's cost alone). The load is bench/c/unshare_loop.c: unshare(CLONE_NEWUTS) in a loop
 * at a set rate, one audited syscall each. The measurement (r6_child.ts) changes the
 * machine's audit settings, so it runs under flock(1) on the lock the tests take, and puts
 * them back. Needs root and kernel audit; otherwise the rows say why they are empty.
 */
import * as path from 'node:path';
import type { BenchConfig } from './_config.js';
import { REPO, run } from './_proc.js';
import { row, type Row } from './_table.js';

const LOCK = '/run/lock/nsproc-kernel-audit-tests.lock';

interface Result {
  alone: { rate: number; sysUsPerCall: number };
  steps: { rate: number; achieved: number; events: number; lost: number; cpuUsPerEvent: number }[];
  unseen: { runs: number; seen: number; unseen: number; neither: number; noEvent: number; ms: number[] };
  idle: { polling: number | null; following: number | null; floor: number | null; kauditdFollowing: number | null; wakeups: { polling: number | null; following: number | null } };
}

const percentile = (xs: readonly number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

export async function benchKernelAudit(cfg: BenchConfig, dir: string, log: (s: string) => void): Promise<Row[]> {
  if (cfg.smoke) {
    // npm test runs the smoke beside other tests: audit on with clone rules would audit (and,
    // with a reader, throttle) every fork on the machine while they run. kernel_audit.bats runs
    // the same code paths on its own.
    return [row({ id: 'R6.rate', metric: 'R6 --kernel-audit events/s kept up with, no loss', nsproc: null, baseline: null, note: 'not run in --smoke: it turns kernel audit on for the whole machine' })];
  }
  const child = path.join(REPO, 'dist/bench/r6_child.js');
  const r = await run('flock', ['-w', '600', '-E', '75', LOCK, process.execPath, child, dir, String(cfg.r6.seconds), cfg.r6.rates.join(','), String(cfg.r6.unseenRuns), String(cfg.r6.idleSeconds)], { timeoutMs: 900_000 });
  if (r.code !== 0) {
    const why = r.code === 75 ? `another run holds ${LOCK}` : r.stderr.trim().split('\n').at(-1) ?? `exit ${r.code}`;
    log(`R6 skipped: ${why}`);
    return [row({ id: 'R6.rate', metric: 'R6 --kernel-audit events/s kept up with, no loss', nsproc: null, baseline: null, note: `not measured: ${why}` })];
  }
  const res = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Result;
  for (const s of res.steps) log(`R6 rate ${s.rate}/s: achieved ${Math.round(s.achieved)}/s, ${s.events} events, ${s.lost} lost, ${s.cpuUsPerEvent.toFixed(1)} µs CPU/event`);
  const clean = res.steps.filter((s) => s.lost === 0);
  const best = clean.reduce<Result['steps'][number] | null>((b, s) => (b === null || s.achieved > b.achieved ? s : b), null);
  const rates = res.steps.map((s) => `${s.rate}/s: ${s.lost} lost`).join(', ');
  const u = res.unseen;
  const p50 = percentile(u.ms, 50);
  const p99 = percentile(u.ms, 99);
  log(`R6 unshare -n true × ${u.runs}: INIT_NET ${u.seen}, NSPROC_NS_UNSEEN ${u.unseen}, neither ${u.neither}, no event ${u.noEvent}; event → log p50 ${p50} ms, p99 ${p99} ms`);
  const i = res.idle;
  log(`R6 idle, 1000 extra processes: polling ${i.polling?.toFixed(2)}%, following the audit events ${i.following?.toFixed(2)}% (kauditd ${i.kauditdFollowing?.toFixed(2)}%), the rules with no reader: kauditd ${i.floor?.toFixed(2)}% of a core; the daemon's threads woke ${i.wakeups.polling?.toFixed(0)}/s polling, ${i.wakeups.following?.toFixed(0)}/s following`);
  return [
    row({ id: 'R5.idle.polling', metric: `R5 idle host-mode daemon, 1000 extra processes, polling (full rescan every 1 s), ${cfg.r6.idleSeconds} s [% of one core]`, nsproc: i.polling, baseline: null, goal: '< 2%', pass: i.polling === null ? null : i.polling < 2 }),
    row({ id: 'R5.idle.kaudit', metric: 'R5 … the same with --kernel-audit over nsproc\'s rules (following the events, 60 s safety net) [% of one core] vs kauditd with the rules and no reader (the floor)',
      nsproc: i.following, baseline: i.floor, ratio: null, goal: '< 1%', pass: i.following === null ? null : i.following < 1,
      note: `kauditd meanwhile: ${i.kauditdFollowing?.toFixed(2)}%; wake-ups of the daemon's threads: ${i.wakeups.polling?.toFixed(0)}/s polling, ${i.wakeups.following?.toFixed(0)}/s following` }),
    row({
      id: 'R6.rate', metric: 'R6 --kernel-audit unshare events/s kept up with, no loss [vs the burst with no reader]',
      nsproc: best?.achieved ?? 0, baseline: res.alone.rate, note: `per rate asked: ${rates}`,
    }),
    row({
      id: 'R6.cpu', metric: 'R6 --kernel-audit daemon CPU per kernel event [µs] vs the kernel\'s own per audited unshare',
      nsproc: best?.cpuUsPerEvent ?? null, baseline: res.alone.sysUsPerCall,
    }),
    row({
      id: 'R6.unseen', metric: `R6 \`unshare -n true\` × ${u.runs}: events with neither INIT_NET nor NSPROC_NS_UNSEEN`,
      nsproc: u.neither + u.noEvent, baseline: null, goal: '0', pass: u.neither + u.noEvent === 0,
      note: `INIT_NET seen ${u.seen}, unseen recorded ${u.unseen}, neither ${u.neither}, no event in the log ${u.noEvent}`,
    }),
    row({ id: 'R6.unseen.p50', metric: 'R6 … its event (with INIT_NET or NSPROC_NS_UNSEEN) in the log after the event\'s audit stamp, p50 [ms]', nsproc: p50, baseline: null }),
    row({ id: 'R6.unseen.p99', metric: 'R6 … p99 [ms]', nsproc: p99, baseline: null }),
  ];
}
