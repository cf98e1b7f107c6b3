/**
 * Host mode's composition (SPEC §7), beside src/system.ts: the host scanner
 * (src/host/, in its worker thread) feeds the pure host operations
 * (model/ops/observe.ts), whose events go to the same audit log, and whose
 * state the same tree, control file, lsns and ps serve.
 *
 * Every change reaches the state through {@link HostSystem.applyBatches}, the
 * one place that applies observations (all or nothing: observe.ts): it drops
 * the kernel's cached entries of the pids whose names or owners changed
 * (procfs/tree_invalidation.ts) and returns the events and those pids.
 * {@link HostSystem.rescanNow} is the hook for a kernel-audit reader: "read
 * these pids now and give me the events that produced", to log them inside
 * its own audit event instead of on their own.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { appendOrTell } from './audit/lossy_append.js';
import { hostPrimaryGid } from './control/query_context.js';
import { formatError } from './model/errno.js';
import type { ModelEvent } from './model/events.js';
import type { HostBatch } from './model/host_observation.js';
import { PROFILES, profileTypes, type Profile } from './model/nstypes.js';
import type { AccessPolicy } from './model/proc_access.js';
import { hostSnapshot, observeBatches } from './model/ops/observe.js';
import { actorInfo, allTasks, type ModelState } from './model/state.js';
import { HostSource } from './host/host_source.js';
import { NsCensus } from './host/ns_census.js';
import { procMountOptions } from './host/proc_mount.js';
import { KernelAudit } from './kaudit/kernel_audit.js';
import { KERNEL_AUDIT_STATE } from './wiring/run_dir.js';
import type { StatusField } from './control/status.js';
import { NSPROC_VERSION } from './version.js';
import { openAuditLog } from './wiring/audit_log.js';
import { startWithCleanup } from './wiring/cleanup_stack.js';
import { DEFAULT_HOST_RESCAN_MS, type DaemonOptions } from './wiring/daemon_options.js';
import type { NsprocSystem } from './wiring/nsproc_system.js';
import { runningSince, serveState } from './wiring/served_state.js';

/** The kernel's id of this boot (random(4)): with the node, what makes a serial unique across a fleet. */
function kernelBootId(): string {
  return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}

export interface HostSystem extends NsprocSystem {
  readonly state: ModelState;
  /** Applies observations in order; returns their events (not yet logged) and the pids whose cached view changed. */
  applyBatches(batches: readonly HostBatch[]): { events: ModelEvent[]; changedPids: number[] };
  /** Reads these pids now and applies what changed; the events come back unlogged, for the caller's own audit event. */
  rescanNow(pids: readonly number[]): Promise<ModelEvent[]>;
}

/**
 * The profile whose `ns/` entries are exactly what the running kernel shows in
 * /proc/self/ns (Linux 5.6+ shows modern's eight types and both *_for_children).
 */
export function hostProfile(entries: readonly string[]): Profile | null {
  const shown = [...entries].sort().join(' ');
  return PROFILES.find((p) => profileTypes(p).linkEntries.map((e) => e.entry).sort().join(' ') === shown) ?? null;
}

/** Full rescans when the kernel's audit events name every namespace syscall: only a safety net. */
export const SAFETY_NET_RESCAN_MS = 60_000;

/** A gate that opens at most once a second: true when the caller may tell again. */
function onceASecond(): () => boolean {
  let at = -Infinity;
  return () => {
    const now = Date.now();
    if (now - at < 1000) return false;
    at = now;
    return true;
  };
}

/** How host mode follows the host, for the start-up line. */
function followLine(missing: string | null, ms: number): string {
  const every = ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
  return missing === null
    ? `follows the kernel's audit events (they name every clone, clone3, unshare, setns), full rescan every ${every} as a safety net`
    : `polls: full rescan every ${every} (${missing})`;
}

/** Starts the scanner, writes the start marker and the snapshot, and serves; throws when any of it cannot start, holding nothing. */
export async function createHostSystem(opts: DaemonOptions): Promise<HostSystem> {
  const profile = hostProfile(fs.readdirSync('/proc/self/ns'));
  if (profile === null) throw new Error(`host mode needs a kernel whose /proc/self/ns shows the ${profileTypes('modern').linkEntries.length} entries of Linux 5.6+ (${profileTypes('modern').linkEntries.map((e) => e.entry).join(' ')})`);
  const say = (line: string) => void process.stderr.write(`${line}\n`);
  return startWithCleanup(say, async (cleanup) => {
    const since = runningSince(opts);
    const opened = openAuditLog(opts, cleanup);
    const log = opened.log;
    // Test hook: pretend the kernel has no NS_GET_ID (the older kernels' path, SPEC §7).
    const useIds = process.env['NSPROC_TEST_NO_NS_GET_ID'] !== '1';
    // SPEC §8: listening to the kernel's events from before the first scan, so none falls between.
    const ka = opts.kernelAudit ? await KernelAudit.start({ rules: opts.kernelAuditRules, keys: opts.kernelAuditKeys, stateFile: KERNEL_AUDIT_STATE }, log, say) : null;
    if (ka) cleanup.push('kernel audit', () => ka.stop());
    // Polling only where the kernel's events do not name every unshare and setns (SPEC §7).
    const rescanMs = (missing: string | null) => opts.hostRescanMs ?? (missing === null ? SAFETY_NET_RESCAN_MS : DEFAULT_HOST_RESCAN_MS);
    const missing = ka === null ? 'no --kernel-audit' : ka.missing;
    const { source, snapshot } = await HostSource.start({ profile, useIds, rescanMs: rescanMs(missing), selfPid: process.pid },
      (m) => process.stderr.write(`nsproc: host scanner stopped: ${m}; the tree no longer follows the host\n`));
    cleanup.push('the host scanner', () => source.stop());
    const serialSource = snapshot.batch.namespaces.some((n) => n.id !== null) ? 'ns_get_id' : 'counter';
    const { state, events } = hostSnapshot({ profile, serialSource, snapshot: snapshot.batch, selfPid: process.pid });
    const start: ModelEvent = {
      kind: 'daemon-start', version: NSPROC_VERSION, kernel: os.release(), serialSource, bootId: kernelBootId(), actor: actorInfo(allTasks(state).get(process.pid)!),
    };
    const logged = log.appendEvents([start, ...events]);
    if (!logged.ok) throw new Error(`audit log ${opts.auditLog}: ${formatError(logged.error)}`);
    process.stdout.write(`nsproc: host mode: ${allTasks(state).size} processes, ${state.namespaces.size} namespaces; serials from ${serialSource === 'ns_get_id' ? 'the kernel (NS_GET_ID)' : "nsproc's own counter (no NS_GET_ID)"}; frees by ${snapshot.handles ? 'nsfs file handles' : 'no holder left'}; ${followLine(missing, rescanMs(missing))}; Linux ${os.release()}\n`);

    const census = new NsCensus(snapshot.batch);
    const hostLog = { logFailures: 0 };
    // What `nsctl status` says, read from the counters the parts keep (the debug socket's too).
    const status = (): StatusField[] => [
      ...since([['mode', 'host'], ['profile', profile], ['serials', serialSource]]),
      ...opened.logStatus(),
      ['processes', allTasks(state).size], ['namespaces', state.namespaces.size],
      ['rescans', source.stats?.fullScans ?? 0], ['proc_connector_overruns', source.stats?.overruns ?? 0],
      ['namespaces_missed', census.stats.inferredMissed],
      ...(ka ? [
        ['kernel_events', ka.stats.events], ['kernel_lost', ka.stats.lost.kernelLost], ['kernel_gaps', ka.stats.lost.gaps],
        ['kernel_rules_owned', ka.rulesOwned], ['kernel_namespaces_unseen', ka.stats.unseen.namespaces],
        ['kernel_loss_rescans', ka.stats.lossRescans], ['kernel_rules_readded', ka.stats.rulesReadded],
      ] as const : []),
      ...opened.remoteStatus(),
    ];
    // The /proc the scanner reads (the worker shares the daemon's mount namespace); read once, at start.
    const access: AccessPolicy = { proc: procMountOptions(fs.readFileSync('/proc/self/mountinfo', 'utf8')), primaryGid: hostPrimaryGid };
    const served = serveState(opts, state, log, status, access);
    const applyBatches = (batches: readonly HostBatch[]) => {
      census.note(batches);
      const observed = observeBatches(state, batches);
      // The kernel's cached names and owners of these pids go (tree_invalidation.ts); nobody waits for it:
      // the host changed without asking us, and the timeouts bound what a reader sees meanwhile.
      void served.invalidation.invalidate({ pids: observed.changedPids });
      return observed;
    };
    // ENOBUFS overruns and the kernel stream's losses, each told on stderr at most once a second (a storm makes many).
    let overrunsTold = 0;
    const lossTold = onceASecond();
    const overrunTold = onceASecond();
    const rescanNow = async (pids: readonly number[]) => applyBatches((await source.rescan(pids)).batches).events;
    ka?.attach({
      state,
      rescanNow: async (pids) => {
        const r = await source.rescan(pids);
        return { events: applyBatches(r.batches).events, ...r };
      },
      fullRescan: () => {
        source.fullRescan();
        if (lossTold()) {
          say(`nsproc: the kernel's audit stream lost events (see NSPROC_KERNEL_LOST in the log); rescanning every process`);
        }
      },
      coverage: (now) => {
        source.setRescanMs(rescanMs(now));
        // Whatever the stream did not name since coverage went is found now.
        if (now !== null) source.fullRescan();
        say(`nsproc: host mode now ${followLine(now, rescanMs(now))}`);
      },
    });
    // Stopped again, now before the scanner: its last events may still ask the scanner for a rescan (stop() runs once).
    if (ka) cleanup.push('kernel audit', () => ka.stop());
    source.listen((batches) => {
      const overruns = source.stats?.overruns ?? 0;
      if (overruns > overrunsTold && overrunTold()) {
        overrunsTold = overruns;
        process.stderr.write(`nsproc: the proc connector dropped events (ENOBUFS); rescanned every process (${overruns} times so far)\n`);
      }
      const { events } = applyBatches(batches);
      // With the kernel's events, host events wait a moment for the syscall event that explains them
      // (which processes were read counts too, even when it made no event: ns_unseen.ts).
      if (ka) return ka.hostEvents(events, batches);
      // The host changed whatever the log says: the state follows it, the loss is told and written down once the log works.
      appendOrTell(log, events, hostLog, say);
    });
    return {
      ...served,
      state,
      applyBatches,
      rescanNow,
      inspect: () => {
        const base = served.inspect();
        return {
          ...base,
          audit: { ...base.audit, lostRecords: log.lostRecords },
          host: { serialSource, handles: snapshot.handles, scanner: source.stats, logFailures: hostLog.logFailures },
          kernelAudit: ka?.stats ?? null,
        };
      },
      counters: () => ({
        namespaces: { ...census.stats, createdUnseen: ka ? ka.stats.unseen.namespaces : null },
        ...(ka ? { kernelAudit: ka.stats } : {}),
        ...(opened.remote ? { remote: opened.remote } : {}),
      }),
    };
  });
}
