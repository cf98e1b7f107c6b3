/**
 * Round trips per operation. Two independent counts:
 * - strace on the serving process: libfuse answers every request but FORGET
 *   with one writev(2) on /dev/fuse, so writev calls ÷ reader operations is
 *   the number of kernel→daemon round trips an operation costs;
 * - libfuse's `debug` option on a C baseline mount names each request's
 *   opcode, which splits that number by kind (GETATTR, LOOKUP, OPEN …).
 */
import { spawn } from 'node:child_process';
import { run } from './_proc.js';
import { runReader, type ReadMode } from './_reader.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function haveStrace(): Promise<boolean> {
  return (await run('strace', ['-V'])).code === 0;
}

/** writev(2) calls of `pid` (all threads) per reader operation; null when strace is missing or fails. */
export async function roundTripsPerOp(pid: number, reader: string, mode: ReadMode, pathFile: string, ops: number): Promise<number | null> {
  if (!(await haveStrace())) return null;
  const st = spawn('strace', ['-f', '-c', '-e', 'trace=writev', '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  st.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<void>((r) => st.once('exit', () => r()));
  // Wait until strace attached every thread.
  for (let i = 0; i < 100 && !err.includes('attached'); i++) await sleep(20);
  await sleep(200);
  await runReader(reader, mode, 1, String(ops), pathFile);
  await sleep(100);
  st.kill('SIGINT');
  await exited;
  const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?writev$/m.exec(err);
  return m ? Number(m[1]) / ops : null;
}

/** Requests by opcode per operation, from the output a `debug` mount printed during `ops` operations. */
export function opcodesPerOp(debugOutput: string, ops: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of debugOutput.matchAll(/opcode: (\w+)/g)) counts[m[1]!] = (counts[m[1]!] ?? 0) + 1;
  for (const k of Object.keys(counts)) counts[k] = counts[k]! / ops;
  return counts;
}

export function opcodeText(c: Record<string, number>): string {
  return Object.entries(c).filter(([k]) => k !== 'FORGET' && k !== 'BATCH_FORGET')
    .map(([k, v]) => `${Number.isInteger(v) ? v : v.toFixed(1)} ${k}`).join(' + ');
}
