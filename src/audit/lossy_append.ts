/**
 * Writes of records that happened whatever the log says (host mode, the kernel's events): a
 * log that refuses them loses them (AuditLog.appendOrLose counts them and writes NSPROC_LOG_LOST
 * once it works again), and says so on stderr at the first failure and every 1000th after it
 * (a fork storm on a full disk fails thousands of times a second).
 */
import { formatError } from '../model/errno.js';
import type { AuditLog, LogItem } from './log_writer.js';

/** Where a writer counts its failed writes (shown in its stats). */
export interface LogFailures {
  logFailures: number;
}

/**
 * @param failures the writer's counter, incremented on each failed write
 * @param say where the failure is told (stderr)
 * @example
 * const counts = { logFailures: 0 };
 * appendOrTell(log, events, counts, say); // on ENOSPC: "nsproc: audit log …: ENOSPC: …; 2 records lost (1 failures so far)"
 */
export function appendOrTell(log: AuditLog, items: readonly LogItem[], failures: LogFailures, say: (line: string) => void): void {
  if (items.length === 0) return;
  const r = log.appendOrLose(items);
  if (!r.ok && failures.logFailures++ % 1000 === 0) {
    say(`nsproc: audit log ${log.path}: ${formatError(r.error)}; ${items.length} records lost (${failures.logFailures} failures so far)`);
  }
}
