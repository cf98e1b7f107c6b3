/**
 * What both systems serve over their state and its log: the tree with its control file (each
 * write a batch logged before it is answered, src/control/run_batch.ts), lsns's and ps's
 * context, SIGUSR1's rotation and the test dump.
 */
import type { AuditLog } from '../audit/log_writer.js';
import { hostUserName, type QueryContext } from '../control/query_context.js';
import { runBatch } from '../control/run_batch.js';
import type { StatusField } from '../control/status.js';
import { dumpModel } from '../model/dump.js';
import type { AccessPolicy } from '../model/proc_access.js';
import type { ModelState } from '../model/state.js';
import { ProcVfs } from '../procfs/proc_vfs.js';
import { TreeInvalidation } from '../procfs/tree_invalidation.js';
import { rotateLine } from './audit_log.js';
import type { DaemonOptions } from './daemon_options.js';

export interface ServedState {
  readonly vfs: ProcVfs;
  readonly invalidation: TreeInvalidation;
  rotateLog(): string;
  /** The model's dump and where its log stands. */
  inspect(): { model: unknown; audit: { path: string; lastSerial: number; size: number } };
}

/**
 * @param status `nsctl status`'s lines, asked for each status
 * @param access who may see which process (host mode: the host's /proc rules); absent: the model's
 */
export function serveState(opts: DaemonOptions, state: ModelState, log: AuditLog, status: () => StatusField[], access?: AccessPolicy): ServedState {
  // lsns's PATH column names files under this mount; USER names come from the host's passwd.
  const queries: QueryContext = { mountpoint: opts.mountpoint, userName: hostUserName, status };
  const invalidation = new TreeInvalidation();
  return {
    vfs: new ProcVfs(state, (text) => runBatch(state, log, text, queries), invalidation, access),
    invalidation,
    rotateLog: () => rotateLine(log),
    inspect: () => ({
      model: dumpModel(state),
      audit: { path: log.path, lastSerial: log.lastSerial, size: log.currentSize },
    }),
  };
}

/**
 * `nsctl status`'s first lines: what runs (`what`), then since when by the daemon's audit clock
 * (the time its records carry: a run's first records are found at `started`), and its pid.
 * Called at start; the function it returns is called for each status.
 */
export function runningSince(opts: DaemonOptions): (what: readonly StatusField[]) => StatusField[] {
  const t0 = opts.clock.now();
  const started = `${t0.sec}.${String(t0.msec).padStart(3, '0')}`;
  return (what) => {
    const t = opts.clock.now();
    const uptime = Math.max(0, Math.floor((t.sec * 1000 + t.msec - (t0.sec * 1000 + t0.msec)) / 1000));
    return [...what, ['started', started], ['uptime_s', uptime], ['pid', process.pid]];
  };
}
