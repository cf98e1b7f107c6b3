/**
 * The audisp-remote.conf nsproc gives audisp-remote (audisp-remote.conf(5), audit 3.0.9).
 * Every setting is written out, so nothing depends on the package's defaults.
 */
import type { RemoteAddress } from './remote_address.js';

/**
 * Entries of audisp-remote's queue file. Each takes 12 KiB on disk (QUEUE_ENTRY_SIZE in
 * audisp-remote.c; the file is preallocated: 4096 entries are 48 MiB), so the queue is kept
 * short: the local log is the backlog, and the forwarder hands over no more than
 * {@link QUEUE_HIGH_WATER} entries beyond what was sent (./forwarder.ts).
 */
export const QUEUE_DEPTH = 4096;
/**
 * The forwarder waits while the queue holds this many entries: what it already wrote and
 * audisp-remote has not read yet (a 64 KiB pipe and audit_fgets()'s 16 KiB buffer, about
 * 1,000 of the shortest records) still fits below {@link QUEUE_DEPTH}, so audisp-remote
 * never meets a full queue (its overflow_action would drop the record).
 */
export const QUEUE_HIGH_WATER = QUEUE_DEPTH / 2;

/**
 * @param to the aggregator
 * @param queueFile absolute path of the queue file (in nsproc's state directory)
 * @returns the file's text
 * @example
 * renderAudispConf({ host: '127.0.0.1', port: 6060 }, '/tmp/nsproc-state-0/remote/x.queue');
 * // "remote_server = 127.0.0.1\nport = 6060\n…mode = forward\nqueue_file = /tmp/…/x.queue\n…"
 */
export function renderAudispConf(to: RemoteAddress, queueFile: string): string {
  const settings: ReadonlyArray<readonly [string, string | number]> = [
    ['remote_server', to.host],
    ['port', to.port],
    ['transport', 'tcp'],
    // forward: every record goes to the queue file first and leaves it only once the
    // aggregator acknowledged it, so an outage (or a restart of audisp-remote) loses nothing.
    ['mode', 'forward'],
    ['queue_file', queueFile],
    ['queue_depth', QUEUE_DEPTH],
    // managed: the aggregator acknowledges each record (auditd's own protocol).
    ['format', 'managed'],
    ['network_retry_time', 1],
    ['max_tries_per_record', 3],
    ['max_time_per_record', 5],
    ['heartbeat_timeout', 0],
    // The default, stop, ends audisp-remote at the first outage; the records stay queued
    // and it reconnects at the next input line (the forwarder nudges it: ./forwarder.ts).
    ['network_failure_action', 'syslog'],
    ['disk_low_action', 'ignore'],
    ['disk_full_action', 'warn_once'],
    ['disk_error_action', 'warn_once'],
    ['remote_ending_action', 'reconnect'],
    ['generic_error_action', 'syslog'],
    ['generic_warning_action', 'syslog'],
    // A broken queue file ends audisp-remote; the forwarder restarts it and resends.
    ['queue_error_action', 'stop'],
    ['overflow_action', 'syslog'],
    ['startup_failure_action', 'warn_once_continue'],
  ];
  return `# Written by nsproc for this daemon's audisp-remote; regenerated at every start.\n${settings.map(([k, v]) => `${k} = ${v}\n`).join('')}`;
}
