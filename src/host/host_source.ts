/**
 * The main thread's side of the host scanner: starts the worker thread
 * (worker.ts), waits for its snapshot, then hands every later batch to a
 * callback. Nothing here blocks: the worker does the reading.
 */
import { Worker } from 'node:worker_threads';
import type { HostBatch } from '../model/host_observation.js';
import { Wakeup } from '../sys/wakeup.js';
import type { WorkerConfig, WorkerMessage, WorkerRequest } from './worker.js';

export interface HostSnapshot {
  readonly batch: HostBatch;
  /** nsfs file handles work: frees are the kernel's word (ESTALE), not "no holder seen". */
  readonly handles: boolean;
}

export type WorkerStats = Extract<WorkerMessage, { kind: 'batches' }>['stats'];

/** What a {@link HostSource.rescan} read. */
export type Rescanned = Pick<Extract<WorkerMessage, { kind: 'rescanned' }>, 'batches' | 'threads'>;

export class HostSource {
  /** Batches that came before {@link listen}: kept, never dropped. */
  private early: HostBatch[] = [];
  private onBatches: (batches: readonly HostBatch[]) => void = (b) => void this.early.push(...b);
  private readonly waiting = new Map<number, (r: Rescanned) => void>();
  private nextId = 1;
  private stopped = false;
  /** The worker's counters as of its last batch (scans, reads, overruns, events). */
  stats: WorkerStats | null = null;

  private constructor(private readonly worker: Worker, private readonly wake: Wakeup) {
    // The worker may sleep in poll(2) on it until it exits.
    worker.once('exit', () => wake.close());
  }

  /**
   * Starts scanning; resolves with everything alive now.
   * @param onFatal called if the worker dies later (the tree then stops changing)
   */
  static start(config: Omit<WorkerConfig, 'wakeFd'>, onFatal: (message: string) => void): Promise<{ source: HostSource; snapshot: HostSnapshot }> {
    const wake = Wakeup.create();
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { ...config, wakeFd: wake.fd } satisfies WorkerConfig });
    const source = new HostSource(worker, wake);
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on('message', (m: WorkerMessage) => {
        switch (m.kind) {
          case 'snapshot':
            started = true;
            resolve({ source, snapshot: { batch: m.batch, handles: m.handles } });
            break;
          case 'batches':
            source.stats = m.stats;
            source.onBatches(m.batches);
            break;
          case 'rescanned':
            source.waiting.get(m.id)?.({ batches: m.batches, threads: m.threads });
            source.waiting.delete(m.id);
            break;
          case 'fatal':
            if (started) onFatal(m.message);
            else reject(new Error(m.message));
            break;
        }
      });
      worker.on('error', (e) => (started ? onFatal(e.message) : reject(e)));
      worker.on('exit', (code) => {
        if (!started) reject(new Error(`the host scanner exited (status ${code}) before its first scan`));
        else if (!source.stopped) onFatal(`the host scanner exited (status ${code})`);
      });
    });
  }

  /** Where batches after the snapshot go, in order. */
  listen(cb: (batches: readonly HostBatch[]) => void): void {
    this.onBatches = cb;
    const early = this.early;
    this.early = [];
    if (early.length > 0) cb(early);
  }

  /**
   * Reads these processes now. Resolves with the batches that reading produced, and which
   * of the pids are threads (not read: host mode follows processes); batches pending before
   * it went to the listener first.
   */
  rescan(pids: readonly number[]): Promise<Rescanned> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.post({ kind: 'rescan', id, pids });
    });
  }

  /** Full rescans from now on every `ms` (counted from the last one). */
  setRescanMs(ms: number): void {
    this.post({ kind: 'interval', ms });
  }

  /** A full rescan now. */
  fullRescan(): void {
    this.post({ kind: 'full' });
  }

  /** Stops the worker: it leaves its wait at once and closes its socket. */
  stop(): Promise<void> {
    this.stopped = true;
    this.post({ kind: 'stop' });
    return new Promise((resolve) => {
      const timer = setTimeout(() => void this.worker.terminate().finally(resolve), 1000);
      this.worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Every message wakes the worker: it sleeps in poll(2), not in a loop that looks for messages. */
  private post(m: WorkerRequest): void {
    this.worker.postMessage(m);
    this.wake.signal();
  }
}
