/**
 * Composition: boots the model, opens the audit log and writes the boot
 * records, and serves both through the control file and the tree. The daemon
 * mounts what this returns; host mode's composition is ./host_system.ts, over
 * the same parts (./wiring/).
 */
import { randomUUID } from 'node:crypto';
import type { StatusField } from './control/status.js';
import { boot } from './model/boot.js';
import { formatError } from './model/errno.js';
import type { ActorInfo, DaemonStartEvent } from './model/events.js';
import { actorInfo, allTasks } from './model/state.js';
import { NSPROC_VERSION } from './version.js';
import { modelFleetIdentity, openAuditLog } from './wiring/audit_log.js';
import { startWithCleanup } from './wiring/cleanup_stack.js';
import type { DaemonOptions } from './wiring/daemon_options.js';
import type { NsprocSystem } from './wiring/nsproc_system.js';
import { runningSince, serveState } from './wiring/served_state.js';

/** Starts a model and its log; throws (the daemon reports it) when either cannot start, holding nothing. */
export async function createSystem(opts: DaemonOptions): Promise<NsprocSystem> {
  const booted = boot({ profile: opts.profile, pidMax: opts.pidMax, serialStart: opts.serialStart, procSelf: opts.selfPid });
  if (!booted.ok) throw new Error(formatError(booted.error));
  const { state } = booted.value;
  return startWithCleanup((line) => void process.stderr.write(`${line}\n`), (cleanup) => {
    const opened = openAuditLog(opts, cleanup);
    const log = opened.log;
    const start = modelFleetIdentity(opts) ? [modelStart(opts, actorInfo(allTasks(state).get(1)!))] : [];
    const logged = log.appendEvents([...start, ...booted.value.events]);
    if (!logged.ok) throw new Error(`audit log ${opts.auditLog}: ${formatError(logged.error)}`);
    const since = runningSince(opts);
    const status = (): StatusField[] => [
      ...since([['mode', 'model'], ['profile', opts.profile], ['serials', 'model']]),
      ...opened.logStatus(),
      ...opened.remoteStatus(),
    ];
    return {
      ...serveState(opts, state, log, status),
      ...(opened.remote ? { counters: () => ({ remote: opened.remote }) } : {}),
    };
  });
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
