/**
 * R6's measurement, run by r6_kernel_audit.ts under flock(1) on the kernel-audit lock (the
 * tests take it too: the kernel's audit settings are the machine's). Prints one JSON line.
 *
 *   node dist/bench/r6_child.js DIR SECONDS RATE,RATE,… UNSEEN_RUNS IDLE_SECONDS
 *
 * 1. nsproc's rules are added (rules.ts, a state file in DIR), audit enabled if off.
 * 1b. Idle, three ways, with 1,000 extra sleeping processes, IDLE_SECONDS each: the CPU of
 *    nsproc --host (polling), of nsproc --host --kernel-audit over these rules (following the
 *    events, a 60 s safety net), and of the kernel's audit thread (kauditd) with the rules and
 *    no nsproc — the floor: what the rules cost the machine without a reader.
 * 2. The kernel's cost alone: the burst (bench/c/unshare_loop.c, as fast as it can) with the
 *    rules loaded and no reader: calls/s and the kernel's CPU per call (the loop's sys time).
 * 3. nsproc --host --kernel-audit (the rules are already there) with its debug socket: the
 *    burst at each RATE for SECONDS; after each, the daemon's CPU (utime+stime, all threads)
 *    and its kernel-audit counters: events received, lost (gaps, kernel lost, overruns).
 *    Then UNSEEN_RUNS × `unshare -n true`, one at a time: whether each one's unshare event has
 *    its INIT_NET, an NSPROC_NS_UNSEEN record, or neither, and how long after the event's
 *    own time (its audit stamp) it was in the log.
 * 4. Unmount, remove the rules, restore the enabled flag — also on failure.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { installRules, removeRules } from '../src/kaudit/rules.js';
import { AuditControl } from '../src/kaudit/socket.js';
import { buildC } from './_cbuild.js';
import { runOk, startNsprocHost } from './_proc.js';

interface Step { rate: number; achieved: number; events: number; lost: number; cpuUsPerEvent: number }
interface Unseen { runs: number; seen: number; unseen: number; neither: number; noEvent: number; ms: number[] }

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

/**
 * `unshare -n true`, one at a time: each one's unshare event (found by its pid), read back
 * from the log (polled every ms) as soon as its SYSCALL line is there (a kernel event is
 * written whole, in one write).
 */
async function unseenRuns(auditLog: string, runs: number): Promise<Unseen> {
  const out: Unseen = { runs, seen: 0, unseen: 0, neither: 0, noEvent: 0, ms: [] };
  for (let i = 0; i < runs; i++) {
    const from = fs.statSync(auditLog).size;
    const t0 = Date.now();
    const child = spawn('unshare', ['-n', 'true'], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    const syscall = new RegExp(`^type=SYSCALL msg=audit\\((\\d+)\\.(\\d{3}):(\\d+)\\): .* syscall=272 .* pid=${child.pid!} `, 'm');
    let found = false;
    while (!found && Date.now() - t0 < 5000) {
      const fd = fs.openSync(auditLog, 'r');
      const buf = Buffer.alloc(fs.fstatSync(fd).size - from);
      fs.readSync(fd, buf, 0, buf.length, from);
      fs.closeSync(fd);
      const text = buf.toString();
      const m = syscall.exec(text);
      if (m) {
        found = true;
        out.ms.push(Date.now() - (Number(m[1]) * 1000 + Number(m[2])));
        const lines = text.split('\n').filter((l) => l.includes(`msg=audit(${m[1]}.${m[2]}:${m[3]}):`));
        if (lines.some((l) => l.startsWith('type=AUDIT_NS_INIT_NET '))) out.seen++;
        else if (lines.some((l) => l.startsWith('type=NSPROC_NS_UNSEEN ') && l.includes(' types=net '))) out.unseen++;
        else out.neither++;
      } else {
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    if (!found) out.noEvent++;
    await exited;
  }
  return out;
}

/** N `sleep 3600` in one process group; kill() ends them all. */
function sleepers(n: number): { kill: () => void } {
  const child = spawn('bash', ['-c', `for i in $(seq ${n}); do sleep 3600 & done; wait`], { detached: true, stdio: 'ignore' });
  return { kill: () => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } } };
}

/** CPU seconds of `pid` (and of kauditd) over `seconds`, as % of one core. */
/** How often the daemon's threads went to sleep and woke: voluntary context switches of all its threads. */
function wakeups(pid: number): number {
  let n = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      n += Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'))?.[1] ?? 0);
    } catch { /* a thread that ended */ }
  }
  return n;
}

async function idlePct(pid: number | null, kauditd: number | null, seconds: number): Promise<{ daemon: number | null; kauditd: number | null; wakeupsPerS: number | null }> {
  await new Promise((r) => setTimeout(r, 1500)); // start-up settles
  const d0 = pid === null ? 0 : cpuSeconds(pid);
  const w0 = pid === null ? 0 : wakeups(pid);
  const k0 = kauditd === null ? 0 : cpuSeconds(kauditd);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const pct = (a: number, b: number) => ((b - a) / seconds) * 100;
  return {
    daemon: pid === null ? null : pct(d0, cpuSeconds(pid)),
    kauditd: kauditd === null ? null : pct(k0, cpuSeconds(kauditd)),
    wakeupsPerS: pid === null ? null : (wakeups(pid) - w0) / seconds,
  };
}

function kauditdPid(): number | null {
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (fs.readFileSync(`/proc/${e}/comm`, 'utf8').trim() === 'kauditd') return Number(e);
    } catch { /* gone */ }
  }
  return null;
}

async function idleThreeWays(dir: string, seconds: number): Promise<{ polling: number | null; following: number | null; floor: number | null; kauditdFollowing: number | null; wakeups: { polling: number | null; following: number | null } }> {
  const sl = sleepers(1000);
  const kauditd = kauditdPid();
  try {
    await new Promise((r) => setTimeout(r, 2000));
    const floor = await idlePct(null, kauditd, seconds);
    const polling = await startNsprocHost(path.join(dir, 'idle-polling'), []);
    let p: Awaited<ReturnType<typeof idlePct>>;
    try {
      p = await idlePct(polling.pid, null, seconds);
    } finally {
      await polling.stop();
    }
    const following = await startNsprocHost(path.join(dir, 'idle-following'), ['--kernel-audit']);
    let f: Awaited<ReturnType<typeof idlePct>>;
    try {
      if (!following.output().includes("follows the kernel's audit events")) throw new Error(`R6 idle: the daemon does not follow the audit events: ${following.output()}`);
      f = await idlePct(following.pid, kauditd, seconds);
    } finally {
      await following.stop();
    }
    return { polling: p.daemon, following: f.daemon, floor: floor.kauditd, kauditdFollowing: f.kauditd, wakeups: { polling: p.wakeupsPerS, following: f.wakeupsPerS } };
  } finally {
    sl.kill();
  }
}

async function main(): Promise<void> {
  const [dir, secondsArg, ratesArg, unseenArg, idleArg] = process.argv.slice(2);
  const seconds = Number(secondsArg);
  const rates = ratesArg!.split(',').map(Number);
  const loop = (await buildC()).unshareLoop;
  const c = AuditControl.open();
  if (!c.ok) throw new Error(c.error.detail);
  const installed = installRules(c.value, path.join(dir!, 'kernel-audit-rules'), () => false);
  if (!installed.ok) throw new Error(installed.error.detail);
  let served: Awaited<ReturnType<typeof startNsprocHost>> | null = null;
  try {
    const idle = await idleThreeWays(dir!, Number(idleArg ?? 20));
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
    const unseen = await unseenRuns(served.auditLog, Number(unseenArg ?? 200));
    process.stdout.write(`${JSON.stringify({ alone: { rate: n0 / alone.secs, sysUsPerCall: (alone.sys * 1e6) / n0 }, steps, unseen, idle })}\n`);
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
