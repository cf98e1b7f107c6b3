/**
 * Load processes (test/fixtures/load_worker.ts, built to dist/) against a
 * mount: each is its own process, so requests really overlap in the daemon.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { REPO } from '../helpers/mounted.js';

export const LOAD_WORKER = path.join(REPO, 'dist/test/fixtures/load_worker.js');

/** One JSON line a worker printed. */
export type WorkerEvent = Record<string, unknown>;

export interface Worker {
  readonly pid: number;
  /** Everything printed so far, parsed. */
  readonly events: WorkerEvent[];
  /** Resolves with the events once the process is gone. */
  readonly done: Promise<WorkerEvent[]>;
  /** Resolves once `n` acknowledgements were printed (or the worker ended). */
  acks(n: number): Promise<void>;
  kill(): void;
}

export type Role = 'writer' | 'msg' | 'reader';

/** Starts `node load_worker.js ROLE MOUNTPOINT OPS SEED TAG`. */
export function startWorker(role: Role, mountpoint: string, ops: number, seed: number, tag = `${role}${seed}`): Worker {
  const child = spawn(process.execPath, [LOAD_WORKER, role, mountpoint, String(ops), String(seed), tag], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: WorkerEvent[] = [];
  let partial = '';
  let stderr = '';
  let waiters: { n: number; resolve: () => void }[] = [];
  const ackCount = () => events.filter((e) => 'ack' in e).length;
  const wake = (all: boolean) => {
    waiters = waiters.filter((w) => (all || ackCount() >= w.n ? (w.resolve(), false) : true));
  };
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const l of lines) events.push(JSON.parse(l) as WorkerEvent);
    wake(false);
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<WorkerEvent[]>((resolve) => child.once('close', (code, signal) => {
    if (code !== 0 && signal === null) events.push({ crashed: code, stderr });
    wake(true);
    resolve(events);
  }));
  return {
    pid: child.pid ?? -1, events, done,
    acks: (n) => new Promise<void>((resolve) => { waiters.push({ n, resolve }); wake(child.exitCode !== null); }),
    kill: () => { child.kill('SIGKILL'); },
  };
}

/** Events of one kind across workers, e.g. `pick(all, 'bad')`. */
export function pick(events: readonly WorkerEvent[], key: string): WorkerEvent[] {
  return events.filter((e) => key in e);
}
