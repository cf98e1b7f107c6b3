/**
 * Composition: boots the model, opens the audit log and writes the boot
 * records, and serves both through the control file and the tree. The only
 * place that knows all the parts; the daemon mounts what this returns.
 */
import { lockAuditLog } from './audit/log_lock.js';
import { checkLogOwner } from './audit/log_owner.js';
import { randomUUID } from 'node:crypto';
import { AuditLog, FIRST_EVENT_SERIAL } from './audit/log_writer.js';
import { auditMaxSizeBytes, type DaemonOptions } from './cli/options.js';
import type { NsprocSystem } from './cli/run_daemon.js';
import { hostUserName, type QueryContext } from './control/query_context.js';
import { runBatch } from './control/run_batch.js';
import type { StatusField } from './control/status.js';
import { boot } from './model/boot.js';
import { dumpModel } from './model/dump.js';
import { formatError } from './model/errno.js';
import type { ActorInfo, DaemonStartEvent } from './model/events.js';
import { Forwarder, type ForwarderStats } from './fleet/forwarder.js';
import { actorInfo, allTasks } from './model/state.js';
import { NSPROC_VERSION } from './version.js';
import { ProcVfs } from './procfs/proc_vfs.js';
import { TreeInvalidation } from './procfs/tree_invalidation.js';

/** An open audit log, the lock that makes this daemon its one writer, and its forwarding. */
export interface OpenedLog {
  readonly log: AuditLog;
  /** `--remote`'s counters (./fleet/forwarder.ts); null without --remote. */
  readonly remote: ForwarderStats | null;
  /** The `nsctl status` lines of the log, and of its forwarding (./control/status.ts). */
  logStatus(): StatusField[];
  remoteStatus(): StatusField[];
  /** Hands what is written over to audisp-remote and stops it (--remote), closes the log, drops the lock. */
  close(): Promise<void>;
}

/**
 * Locks and opens the audit log the options name (model and host mode alike), and with
 * `--remote` starts forwarding it from this start on; throws with the reason, holding nothing.
 */
export function openAuditLog(opts: DaemonOptions): OpenedLog {
  // Only this daemon may write the log (./audit/log_owner.ts), and only one (./audit/log_lock.ts).
  const owner = checkLogOwner(opts.auditLog, opts.auditNumLogs, process.geteuid?.() ?? 0);
  if (!owner.ok) throw new Error(formatError(owner.error));
  const lock = lockAuditLog(opts.auditLog);
  if (!lock.ok) throw new Error(formatError(lock.error));
  let forwarder: Forwarder | null = null;
  try {
    if (opts.remote !== null) {
      forwarder = Forwarder.prepare({
        logPath: opts.auditLog, numLogs: opts.auditNumLogs, remote: opts.remote, audispRemote: opts.audispRemote,
        say: (line) => void process.stderr.write(`${line}\n`),
      });
    }
  } catch (e) {
    lock.value.release();
    throw new Error(`--remote: ${e instanceof Error ? e.message : String(e)}`);
  }
  const log = AuditLog.open({
    path: opts.auditLog, clock: opts.clock, flush: opts.auditFlush,
    maxSizeBytes: auditMaxSizeBytes(opts.auditMaxSizeMb), numLogs: opts.auditNumLogs,
    // SPEC §8: beside the kernel's events, nsproc's own are numbered clear of the kernel's serials.
    serialSpace: opts.kernelAudit ? 'beside-kernel' : 'model',
    node: opts.node,
    // A model's DAEMON_START takes the serial before boot's 5..10, which stay as in the seed.
    ...(fleetIdentity(opts) ? { firstSerial: FIRST_EVENT_SERIAL - 1 } : {}),
    ...(forwarder ? { sink: forwarder.sink } : {}),
  });
  if (!log.ok) {
    lock.value.release();
    throw new Error(`audit log ${opts.auditLog}: ${formatError(log.error)}`);
  }
  if (log.value.cutAtOpen > 0) {
    process.stderr.write(`nsproc: the audit log ${opts.auditLog} ended inside a record (a crash during a write); cut off ${log.value.cutAtOpen} bytes\n`);
  }
  forwarder?.start();
  return {
    log: log.value,
    remote: forwarder?.stats ?? null,
    logStatus: () => [
      ['audit_log', log.value.path], ['audit_log_size', log.value.currentSize],
      ['records_written', log.value.recordsWritten], ['records_lost', log.value.recordsLost],
    ],
    remoteStatus: () => (forwarder
      ? [['remote_state', forwarder.state], ['remote_backlog', forwarder.stats.queued], ['remote_restarts', forwarder.stats.restarts]]
      : []),
    close: async () => {
      await forwarder?.stop();
      log.value.close();
      lock.value.release();
    },
  };
}

/** Starts a model and its log; throws (the daemon reports it) when either cannot start. */
export function createSystem(opts: DaemonOptions): NsprocSystem {
  const booted = boot({ profile: opts.profile, pidMax: opts.pidMax, serialStart: opts.serialStart });
  if (!booted.ok) throw new Error(formatError(booted.error));
  const opened = openAuditLog(opts);
  const log = opened.log;
  const start = fleetIdentity(opts) ? [modelStart(opts, actorInfo(allTasks(booted.value.state).get(1)!))] : [];
  const logged = log.appendEvents([...start, ...booted.value.events]);
  if (!logged.ok) {
    void opened.close();
    throw new Error(`audit log ${opts.auditLog}: ${formatError(logged.error)}`);
  }
  const state = booted.value.state;
  // lsns's PATH column names files under this mount; USER names come from the host's passwd.
  const since = runningSince(opts);
  const status = (): StatusField[] => [
    ...since([['mode', 'model'], ['profile', opts.profile], ['serials', 'model']]),
    ...opened.logStatus(),
    ...opened.remoteStatus(),
  ];
  const queries: QueryContext = { mountpoint: opts.mountpoint, userName: hostUserName, status };
  const invalidation = new TreeInvalidation();
  return {
    vfs: new ProcVfs(state, (text) => runBatch(state, log, text, queries), invalidation),
    invalidation,
    close: () => opened.close(),
    rotateLog: () => rotateLine(log),
    inspect: () => ({
      model: dumpModel(state),
      audit: { path: log.path, lastSerial: log.lastSerial, size: log.currentSize },
    }),
    ...(opened.remote ? { counters: () => ({ remote: opened.remote }) } : {}),
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

/**
 * A model writes DAEMON_START only when asked for a fleet identity (a node name or a boot id):
 * plain model logs stay as they were, the seed's boot records first.
 */
function fleetIdentity(opts: DaemonOptions): boolean {
  return !opts.host && (opts.node !== null || opts.bootId !== undefined);
}

/**
 * The model's DAEMON_START. Its subject is the model's init, as for boot's records: nothing of
 * the machine running the daemon enters a model's log, so `--clock fixed:` and `--boot-id`
 * make it reproducible byte for byte.
 */
function modelStart(opts: DaemonOptions, init: ActorInfo): DaemonStartEvent {
  return {
    kind: 'daemon-start', version: NSPROC_VERSION, kernel: `model-${opts.profile}`, serialSource: 'model',
    bootId: opts.bootId ?? randomUUID(), actor: init,
  };
}

/** SIGUSR1 (./cli/signals.ts): rotate now, and say what happened in one line. */
export function rotateLine(log: AuditLog): string {
  const r = log.rotateNow();
  if (!r.ok) return `cannot rotate the audit log: ${formatError(r.error)}; still writing ${log.path}`;
  if (r.value === 'disabled') return `audit log rotation is disabled (--audit-num-logs ${log.numLogs}, below 2, as auditd)`;
  return `rotated the audit log: ${log.path} is new, the old one is ${log.path}.1 (keeping ${log.numLogs} files)`;
}
