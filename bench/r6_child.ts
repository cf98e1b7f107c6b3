/**
 * R6's measurement, run by r6_kernel_audit.ts under flock(1) on the kernel-audit lock (the
 * tests take it too: the kernel's audit settings are the machine's). Prints one JSON line.
 *
 *   node dist/bench/r6_child.js DIR SECONDS RATE,RATE,…
 *
 * 1. nsproc's rules are added (rules.ts, a state file in DIR), audit enabled if off.
 * 2. The kernel's cost alone: the burst (bench/c/unshare_loop.c, as fast as it can) with the
 *    rules loaded and no reader: calls/s and the kernel's CPU per call (the loop's sys time).
 * 3. nsproc --host --kernel-audit (the rules are already there) with its debug socket: the
 *    burst at each RATE for SECONDS; after each, the daemon's CPU (utime+stime, all threads)
 *    and its kernel-audit counters: events received, lost (gaps, kernel lost, overruns).
 * 4. Unmount, remove the rules, restore the enabled flag — also on failure.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { installRules, removeRules } from '../src/kaudit/rules.js';
import { AuditControl } from '../src/kaudit/socket.js';
import { buildC } from './_cbuild.js';
import { runOk, startNsprocHost } from './_proc.js';

interface Step { rate: number; achieved: number; events: number; lost: number; cpuUsPerEvent: number }

function cpuSeconds(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100; // utime stime, in clock ticks (USER_HZ 100)
}

function counters(socket: string): Promise<{ events: number; lost: { gapSerials: number; kernelLost: number; overruns: number } }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const c = net.connect(socket, () => c.write('stats\n'));
    c.on('data', (d) => (text += d.toString()));
    c.on('end', () => resolve((JSON.parse(text) as { counters: { kernelAudit: never } }).counters.kernelAudit));
    c.on('error', reject);
  });
}

async function burst(loop: string, n: number, rate: number): Promise<{ secs: number; sys: number }> {
  const [, secs, , sys] = (await runOk(loop, [String(n), String(rate)], { timeoutMs: 600_000 })).trim().split(' ').map(Number);
  return { secs: secs!, sys: sys! };
}

async function main(): Promise<void> {
  const [dir, secondsArg, ratesArg] = process.argv.slice(2);
  const seconds = Number(secondsArg);
  const rates = ratesArg!.split(',').map(Number);
  const loop = (await buildC()).unshareLoop;
  const c = AuditControl.open();
  if (!c.ok) throw new Error(c.error.detail);
  const installed = installRules(c.value, path.join(dir!, 'kernel-audit-rules'), () => false);
  if (!installed.ok) throw new Error(installed.error.detail);
  let served: Awaited<ReturnType<typeof startNsprocHost>> | null = null;
  try {
    const n0 = Math.max(1000, Math.round(20_000 * seconds));
    const alone = await burst(loop, n0, 0);
    const socket = path.join(dir!, 'debug.sock');
    served = await startNsprocHost(dir!, ['--kernel-audit'], { ...process.env, NSPROC_DEBUG_SOCKET: socket });
    const steps: Step[] = [];
    for (const rate of rates) {
      const n = Math.max(200, Math.round(rate * seconds));
      const before = await counters(socket);
      const cpu0 = cpuSeconds(served.pid);
      const b = await burst(loop, n, rate);
      await new Promise((r) => setTimeout(r, 1500)); // the gap grace time (1 s), the last batches
      const after = await counters(socket);
      const lost = (after.lost.gapSerials - before.lost.gapSerials) + (after.lost.kernelLost - before.lost.kernelLost) + (after.lost.overruns - before.lost.overruns);
      const events = after.events - before.events;
      steps.push({ rate, achieved: n / b.secs, events, lost, cpuUsPerEvent: ((cpuSeconds(served.pid) - cpu0) * 1e6) / Math.max(events, 1) });
    }
    process.stdout.write(`${JSON.stringify({ alone: { rate: n0 / alone.secs, sysUsPerCall: (alone.sys * 1e6) / n0 }, steps })}\n`);
  } finally {
    await served?.stop();
    const r = removeRules(c.value, installed.value, path.join(dir!, 'kernel-audit-rules'));
    c.value.close();
    if (!r.ok) process.stderr.write(`R6: could not remove the rules: ${r.error.detail}; auditctl -D -k nsproc\n`);
  }
}

void main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
