/**
 * Runs bench/c/reader against one file system and measures, besides the
 * reader's rate, the CPU time the serving process spent (utime + stime of
 * all its threads, /proc/PID/stat): on a shared 2-core machine the CPU cost
 * per operation is steadier than the wall-clock rate.
 */
import * as fs from 'node:fs/promises';
import { runOk } from './_proc.js';

export type ReadMode = 'statread' | 'read' | 'readlink';

export interface ReadRun {
  readonly ops: number;
  readonly secs: number;
  readonly errors: number;
  readonly opsPerSec: number;
  /** Server CPU µs per operation, or null when no server pid was given (the kernel's /proc). */
  readonly serverCpuUs: number | null;
}

/** USER_HZ: the unit of utime/stime in /proc/PID/stat (100 on every Linux ABI nsproc runs on). */
const CLK_TCK = 100;

export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name "(…)": state is field 3, utime 14, stime 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

export async function runReader(reader: string, mode: ReadMode, procs: number, amount: string, pathFile: string, serverPid?: number): Promise<ReadRun> {
  const cpu0 = serverPid !== undefined ? await cpuSeconds(serverPid) : 0;
  const out = await runOk(reader, [mode, String(procs), amount, pathFile]);
  const cpu1 = serverPid !== undefined ? await cpuSeconds(serverPid) : 0;
  const m = /ops (\d+) secs ([\d.]+) errors (\d+)/.exec(out);
  if (!m) throw new Error(`reader printed: ${out}`);
  const ops = Number(m[1]);
  const secs = Number(m[2]);
  return {
    ops, secs, errors: Number(m[3]), opsPerSec: ops / secs,
    serverCpuUs: serverPid !== undefined && ops > 0 ? ((cpu1 - cpu0) * 1e6) / ops : null,
  };
}

export function best(runs: readonly ReadRun[]): number {
  return Math.max(...runs.map((r) => r.opsPerSec));
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
