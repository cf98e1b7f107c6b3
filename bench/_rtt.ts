/**
 * Round trips per operation. Two independent counts:
 * - strace on the serving process: libfuse answers every request but FORGET
 *   with one writev(2) on /dev/fuse, so writev calls ÷ reader operations is
 *   the number of kernel→daemon round trips an operation costs;
 * - libfuse's `debug` option on a C baseline mount names each request's
 *   opcode, which splits that number by kind (GETATTR, LOOKUP, OPEN …).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import { cLocale, run } from './_proc.js';
import { runReader, type ReadMode } from './_reader.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function haveStrace(): Promise<boolean> {
  return (await run('strace', ['-V'])).code === 0;
}

/** writev(2) calls of `pid` (all threads) per reader operation; null when strace is missing or fails. */
export async function roundTripsPerOp(pid: number, reader: string, mode: ReadMode, pathFile: string, ops: number): Promise<number | null> {
  if (!(await haveStrace())) return null;
  // Once over the same paths first: what an operation costs once the kernel's caches hold them.
  await runReader(reader, mode, 1, String(ops), pathFile);
  const st = spawn('strace', ['-f', '-c', '-e', 'trace=writev', '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'], env: cLocale() });
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

/** What a daemon wrote to its /dev/fuse while `body` ran: replies (writev) and notifies (write), each per `ops`. */
export async function fuseWritesPerOp(pid: number, body: () => Promise<unknown>, ops: number, dir: string): Promise<{ replies: number; notifies: number } | null> {
  if (!(await haveStrace())) return null;
  let fuseFd: string | undefined;
  for (const fd of await fs.readdir(`/proc/${pid}/fd`)) {
    if (await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => '') === '/dev/fuse') fuseFd = fd;
  }
  if (fuseFd === undefined) return null;
  const out = `${dir}/strace-${pid}.txt`;
  const st = spawn('strace', ['-f', '-e', 'trace=writev,write', '-e', 'signal=none', '-o', out, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  st.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<void>((r) => st.once('exit', () => r()));
  for (let i = 0; i < 100 && !err.includes('attached'); i++) await sleep(20);
  await sleep(200);
  await body();
  await sleep(100);
  st.kill('SIGINT');
  await exited;
  const text = await fs.readFile(out, 'utf8');
  await fs.rm(out, { force: true });
  const count = (re: RegExp) => (text.match(re) ?? []).length;
  return { replies: count(new RegExp(`writev\\(${fuseFd},`, 'g')) / ops, notifies: count(new RegExp(`(?<!v)write\\(${fuseFd},`, 'g')) / ops };
}
