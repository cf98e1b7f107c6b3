/**
 * The audit log both systems write: locked, opened, forwarded with `--remote`, its status
 * lines, and SIGUSR1's rotation line.
 */
import { lockAuditLog } from '../audit/log_lock.js';
import { checkLogOwner } from '../audit/log_owner.js';
import { AuditLog, FIRST_EVENT_SERIAL } from '../audit/log_writer.js';
import type { StatusField } from '../control/status.js';
import { Forwarder, type ForwarderStats } from '../fleet/forwarder.js';
import { formatError } from '../model/errno.js';
import type { CleanupStack } from './cleanup_stack.js';
import { auditMaxSizeBytes, type DaemonOptions } from './daemon_options.js';

/** An open audit log, the lock that makes this daemon its one writer, and its forwarding. */
export interface OpenedLog {
  readonly log: AuditLog;
  /** `--remote`'s counters (src/fleet/forwarder.ts); null without --remote. */
  readonly remote: ForwarderStats | null;
  /** The `nsctl status` lines of the log, and of its forwarding (src/control/status.ts). */
  logStatus(): StatusField[];
  remoteStatus(): StatusField[];
}

/**
 * Locks and opens the audit log the options name (model and host mode alike), and with
 * `--remote` starts forwarding it from this start on; throws with the reason.
 * @param cleanup gets each release: the lock, the log, the forwarding (at close, the forwarder
 *   hands what is written over to audisp-remote first)
 */
export function openAuditLog(opts: DaemonOptions, cleanup: CleanupStack): OpenedLog {
  // Only this daemon may write the log (src/audit/log_owner.ts), and only one (src/audit/log_lock.ts).
  const owner = checkLogOwner(opts.auditLog, opts.auditNumLogs, process.geteuid?.() ?? 0);
  if (!owner.ok) throw new Error(formatError(owner.error));
  const lock = lockAuditLog(opts.auditLog);
  if (!lock.ok) throw new Error(formatError(lock.error));
  cleanup.push('the audit log lock', () => lock.value.release());
  const forwarder = opts.remote === null ? null : prepareForwarder(opts, opts.remote);
  const log = AuditLog.open({
    path: opts.auditLog, clock: opts.clock, flush: opts.auditFlush,
    maxSizeBytes: auditMaxSizeBytes(opts.auditMaxSizeMb), numLogs: opts.auditNumLogs,
    // SPEC §8: beside the kernel's events, nsproc's own are numbered clear of the kernel's serials.
    serialSpace: opts.kernelAudit ? 'beside-kernel' : 'model',
    node: opts.node,
    // A model's DAEMON_START takes the serial before boot's 5..10, which stay as in the seed.
    ...(modelFleetIdentity(opts) ? { firstSerial: FIRST_EVENT_SERIAL - 1 } : {}),
    ...(forwarder ? { sink: forwarder.sink } : {}),
  });
  if (!log.ok) throw new Error(`audit log ${opts.auditLog}: ${formatError(log.error)}`);
  cleanup.push('the audit log', () => void log.value.close());
  if (log.value.cutAtOpen > 0) {
    process.stderr.write(`nsproc: the audit log ${opts.auditLog} ended inside a record (a crash during a write); cut off ${log.value.cutAtOpen} bytes\n`);
  }
  if (forwarder) {
    forwarder.start();
    cleanup.push('the forwarding to audisp-remote', () => forwarder.stop());
  }
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
  };
}

/** `--remote`: finds audisp-remote and writes its configuration before the log opens (it holds nothing until started). */
function prepareForwarder(opts: DaemonOptions, remote: NonNullable<DaemonOptions['remote']>): Forwarder {
  try {
    return Forwarder.prepare({
      logPath: opts.auditLog, numLogs: opts.auditNumLogs, remote, audispRemote: opts.audispRemote,
      say: (line) => void process.stderr.write(`${line}\n`),
    });
  } catch (e) {
    throw new Error(`--remote: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * A model writes DAEMON_START only when asked for a fleet identity (a node name or a boot id):
 * plain model logs stay as they were, the seed's boot records first.
 */
export function modelFleetIdentity(opts: DaemonOptions): boolean {
  return !opts.host && (opts.node !== null || opts.bootId !== undefined);
}

/** SIGUSR1 (src/cli/signals.ts): rotate now, and say what happened in one line. */
export function rotateLine(log: AuditLog): string {
  const r = log.rotateNow();
  if (!r.ok) return `cannot rotate the audit log: ${formatError(r.error)}; still writing ${log.path}`;
  if (r.value === 'disabled') return `audit log rotation is disabled (--audit-num-logs ${log.numLogs}, below 2, as auditd)`;
  return `rotated the audit log: ${log.path} is new, the old one is ${log.path}.1 (keeping ${log.numLogs} files)`;
}
