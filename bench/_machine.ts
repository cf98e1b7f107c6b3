/** What the numbers were measured on: printed above the table and stored in the JSON. */
import * as fs from 'node:fs';
import * as os from 'node:os';

export interface Machine {
  readonly nproc: number;
  readonly cpu: string;
  readonly kernel: string;
  readonly node: string;
  readonly memGiB: number;
  /** 1-minute load average when the bench started and ended: other work on the machine shows here. */
  readonly loadStart: number;
  loadEnd: number;
}

export function machine(): Machine {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const cpu = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return {
    nproc: os.availableParallelism(), cpu, kernel: os.release(), node: process.version,
    memGiB: Math.round(os.totalmem() / 2 ** 30), loadStart: os.loadavg()[0]!, loadEnd: NaN,
  };
}

export function machineLine(m: Machine): string {
  return `machine: ${m.nproc} × ${m.cpu}, ${m.memGiB} GiB, Linux ${m.kernel}, Node ${m.node}; load average ${m.loadStart.toFixed(2)} at start, ${m.loadEnd.toFixed(2)} at end`;
}
