/**
 * What the daemon's command line (src/cli/options.ts) decides and the systems are built from:
 * the interface between the edge and the wiring.
 */
import type { AuditClock } from '../audit/clock.js';
import type { FlushMode } from '../audit/log_writer.js';
import type { RemoteAddress } from '../fleet/remote_address.js';
import type { Profile } from '../model/nstypes.js';

/** auditd.conf(5) `name_format`: what `node=` each log line begins with. */
export type NameFormat = 'none' | 'hostname' | 'fqd' | 'numeric' | 'user';

/** Everything the daemon and the systems (src/system.ts, src/host_system.ts) need; paths are absolute. */
export interface DaemonOptions {
  /** Absolute path of the directory to mount on. */
  readonly mountpoint: string;
  readonly profile: Profile;
  /** Absolute path of the audit log. */
  readonly auditLog: string;
  /** `write`: write(2) before acknowledging; `sync`: also fsync (SPEC §6). */
  readonly auditFlush: FlushMode;
  /** Start value of the namespace serial counter (SPEC §2); undefined = the model's default. */
  readonly serialStart: bigint | undefined;
  /** Where audit record times come from (src/audit/clock.ts). */
  readonly clock: AuditClock;
  /** Like /proc/sys/kernel/pid_max. */
  readonly pidMax: number;
  /** The pid the tree's `self` link names at start (model mode; the `self` command changes it). */
  readonly selfPid: number;
  /**
   * Rotate the audit log at this many MiB (auditd max_log_file); 0 = never. Unlike auditd
   * (whole MB only) a fraction is accepted, so tests can rotate at a few KiB: 0.01 = 10486 bytes.
   */
  readonly auditMaxSizeMb: number;
  /** Audit log files kept when rotating (auditd num_logs). */
  readonly auditNumLogs: number;
  /** FUSE attr_timeout / entry_timeout in seconds; changes invalidate what they make stale either way. */
  readonly attrTimeout: number;
  readonly entryTimeout: number;
  /** Handled by mount.sh; the daemon itself always runs in the foreground. */
  readonly foreground: boolean;
  /** Where the daemon writes its pid once the mount answers (mount.sh sets it). */
  readonly pidFile: string | undefined;
  /** Validate, print the resolved mountpoint and audit log, and exit (used by mount.sh). */
  readonly dryRun: boolean;
  /** SPEC §7: serve the running kernel's processes and namespaces instead of a booted model. */
  readonly host: boolean;
  /**
   * Host mode: milliseconds between full rescans (an unshare/setns without exec shows up within
   * it unless the kernel's audit events name it); null: 1000, or 60000 as a safety net while
   * the kernel's events name every namespace syscall (src/host_system.ts).
   */
  readonly hostRescanMs: number | null;
  /** SPEC §8: the kernel's own audit events in the log, with NS_INFO (host mode). */
  readonly kernelAudit: boolean;
  /** Add (and at stop remove) nsproc's kernel audit rules; implies kernelAudit. */
  readonly kernelAuditRules: boolean;
  /** Which kernel events are logged: null = every one with a SYSCALL record, else only those with one of these keys. */
  readonly kernelAuditKeys: readonly string[] | null;
  /** SPEC §9: which node name the log's lines carry (src/cli/node_name.ts); default none, or user with --name. */
  readonly nameFormat: NameFormat;
  /** `--name`: the node name of `--name-format user`. */
  readonly name: string | undefined;
  /**
   * The node name itself, resolved from nameFormat by the daemon before the system starts
   * (src/cli/node_name.ts); null for none. The parser sets only what needs no lookup.
   */
  readonly node: string | null;
  /** Model mode's boot id (`--boot-id`, lowercase); undefined: a random one per start. Host mode has the kernel's. */
  readonly bootId: string | undefined;
  /** `--remote`: the aggregating auditd that audisp-remote sends every log line to (src/fleet/); null: none. */
  readonly remote: RemoteAddress | null;
  /** `--audisp-remote`: the audisp-remote program, or a directory its package was unpacked into; undefined: PATH's. */
  readonly audispRemote: string | undefined;
}

export const DEFAULT_HOST_RESCAN_MS = 1000;

/** `--audit-max-size` in bytes, rounded to the nearest byte (what ./audit_log.ts gives the AuditLog). */
export function auditMaxSizeBytes(mb: number): number {
  return Math.round(mb * 1024 * 1024);
}
