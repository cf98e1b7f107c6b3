/**
 * Daemon command line → a typed {@link DaemonOptions}. The parser never exits
 * or prints: it returns a {@link ParseOutcome} and the entry point decides.
 * mount.sh passes its own arguments through, so this is the one place that
 * knows the option list (mount.sh asks it via `--dry-run`).
 */
import { DEFAULT_MOUNTPOINT } from '../procfs/mountpoint.js';
import * as path from 'node:path';
import { SERIAL_MAX } from '../model/namespaces.js';
import { DEFAULT_PID_MAX, RESERVED_PIDS } from '../model/pids.js';
import { firstFreeSerial } from '../model/boot.js';
import { DEFAULT_NUM_LOGS, validNodeName } from '../audit/log_writer.js';
import { parseClock, realClock } from '../audit/clock.js';
import { DEFAULT_CACHE_TIMEOUT } from '../procfs/tree_invalidation.js';
import { parseRemote } from '../fleet/remote_address.js';
import { DEFAULT_STATE_DIR } from '../wiring/run_dir.js';
import { auditMaxSizeBytes, DEFAULT_HOST_RESCAN_MS, type DaemonOptions, type NameFormat } from '../wiring/daemon_options.js';

/** auditd.conf(5) `name_format`: what `node=` each log line begins with. */
const NAME_FORMATS: readonly NameFormat[] = ['none', 'hostname', 'fqd', 'numeric', 'user'];

/** What the parser decided: run, show help, or a usage error (exit status 2). */
export type ParseOutcome =
  | { readonly kind: 'ok'; readonly options: DaemonOptions }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'error'; readonly message: string; readonly exitCode: 2 };

export { DEFAULT_MOUNTPOINT };

export const USAGE = `Usage: ./mount.sh [MOUNTPOINT] [options]     start the daemon and wait for the mount
       ./mount.sh -u [MOUNTPOINT]               stop the daemon and unmount
       node dist/src/cli/daemon.js [MOUNTPOINT] [options]   the daemon itself

MOUNTPOINT defaults to ${DEFAULT_MOUNTPOINT}. mount.sh prints the daemon's pid, the audit log and the
daemon's own log (stdout+stderr), kept in \${NSPROC_STATE_DIR:-${DEFAULT_STATE_DIR}}/ (root's own, 0700).
Options (--opt VALUE or --opt=VALUE):
  --profile v5|modern      kernel to model (default v5)
  --audit-log PATH         audit log file, outside MOUNTPOINT (default ./audit.log)
  --audit-flush write|sync acknowledge after write(2), or after fsync too (default write)
  --serial-start N         serial of the first namespace made after boot, decimal or 0x
                           hex, up to 2^64-1 (default and lowest: right after boot's, 8 in v5,
                           10 in modern)
  --clock real|fixed:EPOCH timestamps of audit records (EPOCH in seconds, e.g. 1418222800.123)
  --pid-max N              like kernel.pid_max (default ${DEFAULT_PID_MAX})
  --self PID               the task /proc/self names: FUSE does not say who reads, so
                           one task stands for every reader (default 1; nsctl self PID
                           changes it); model mode only
  --audit-max-size MB      rotate the audit log at MB MiB, 0 = never (default 0); fractions
                           are allowed (0.01 = 10486 bytes), auditd takes whole MB only
  --audit-num-logs N       audit logs kept when rotating (default 5)
  --attr-timeout S         kernel attribute cache seconds (default ${DEFAULT_CACHE_TIMEOUT})
  --entry-timeout S        kernel name cache seconds (default ${DEFAULT_CACHE_TIMEOUT}); every change
                           invalidates what it makes stale before it is acknowledged
  --host                   serve the running kernel's processes and namespaces instead of
                           a model (docs/host.md); --profile, --serial-start and --pid-max
                           do not apply
  --host-rescan-ms MS      host mode: full rescan interval, 10..3600000 (default ${DEFAULT_HOST_RESCAN_MS};
                           60000, a safety net, while --kernel-audit's events name every
                           clone, clone3, unshare and setns)
  --kernel-audit           host mode: also log the kernel's own audit events that hold a
                           SYSCALL record, each with NS_INFO (docs/audit.md); changes
                           no audit setting
  --kernel-audit-rules     --kernel-audit, and add nsproc's rules (clone, clone3, unshare,
                           setns; key nsproc), enabling audit if off; undone at stop
  --kernel-audit-keys all|KEY[,KEY…]
                           which kernel events to log: all (default) or those of these keys
  --name-format none|hostname|fqd|numeric|user
                           begin every log line with node=NAME, NAME as auditd.conf's
                           name_format takes it (default none; user with --name)
  --name NAME              the node name of --name-format user (no blank, '=', quote,
                           backslash or control character; at most 255 bytes)
  --boot-id UUID           model mode: the boot id that DAEMON_START names (default: a
                           random one per start); with --clock fixed: the log is reproducible
  --remote HOST[:PORT]     also send every log line to an aggregating auditd (its
                           tcp_listen_port, default 60) through auditd's audisp-remote,
                           queued on disk; makes --name-format hostname the default
  --audisp-remote PROGRAM|DIR
                           the audisp-remote to run: the program, or a directory the
                           audispd-plugins package was unpacked into (default: PATH's)
  --foreground             mount.sh: run the daemon in the foreground
  --pid-file PATH          write the daemon pid there once mounted
  --dry-run                check options, print mountpoint= and audit_log=, exit
  --help                   this text`;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Setter = (o: Mutable<DaemonOptions>, value: string, cwd: string) => string | undefined;

/** Options that take a value; each setter returns an error message or undefined. */
const VALUE_OPTIONS: Readonly<Record<string, Setter>> = {
  '--profile': (o, v) => (v === 'v5' || v === 'modern' ? void (o.profile = v) : `--profile must be v5 or modern, not '${v}'`),
  '--audit-log': (o, v, cwd) => (v === '' ? '--audit-log needs a path' : void (o.auditLog = path.resolve(cwd, v))),
  '--audit-flush': (o, v) => (v === 'write' || v === 'sync' ? void (o.auditFlush = v) : `--audit-flush must be write or sync, not '${v}'`),
  '--serial-start': (o, v) => {
    const n = parseSerial(v);
    return n === undefined ? `--serial-start must be 1..2^64-1 in decimal or 0x hex, not '${v}'` : void (o.serialStart = n);
  },
  '--clock': (o, v) => {
    const c = parseClock(v);
    return c.ok ? void (o.clock = c.value) : `--clock must be real or fixed:EPOCH (seconds), not '${v}'`;
  },
  '--pid-max': (o, v) => intSetter(v, RESERVED_PIDS + 1, DEFAULT_PID_MAX, '--pid-max', (n) => (o.pidMax = n)),
  '--self': (o, v) => intSetter(v, 1, DEFAULT_PID_MAX - 1, '--self', (n) => (o.selfPid = n)),
  '--audit-max-size': (o, v) => {
    const bytes = /^[0-9]+(\.[0-9]+)?$/.test(v) ? auditMaxSizeBytes(Number(v)) : -1;
    if (bytes < 0 || (bytes === 0 && Number(v) !== 0) || Number(v) > 1_000_000) {
      return `--audit-max-size must be 0 or a number of MiB from 1 byte (0.000001) to 1000000, not '${v}'`;
    }
    o.auditMaxSizeMb = Number(v);
    return undefined;
  },
  // auditd.conf(5): num_logs is at most 999.
  '--audit-num-logs': (o, v) => intSetter(v, 1, 999, '--audit-num-logs', (n) => (o.auditNumLogs = n)),
  '--attr-timeout': (o, v) => secondsSetter(v, '--attr-timeout', (n) => (o.attrTimeout = n)),
  '--entry-timeout': (o, v) => secondsSetter(v, '--entry-timeout', (n) => (o.entryTimeout = n)),
  '--host-rescan-ms': (o, v) => intSetter(v, 10, 3_600_000, '--host-rescan-ms', (n) => (o.hostRescanMs = n)),
  '--kernel-audit-keys': (o, v) => {
    if (v === 'all') return void (o.kernelAuditKeys = null);
    const keys = v.split(',');
    // auditctl(8) -k: at most AUDIT_MAX_KEY_LEN (256) bytes.
    if (keys.some((k) => k === '' || Buffer.byteLength(k) > 256)) return `--kernel-audit-keys must be all or KEY[,KEY…] (keys of 1 to 256 bytes), not '${v}'`;
    o.kernelAuditKeys = keys;
    return undefined;
  },
  '--name-format': (o, v) => (NAME_FORMATS.includes(v as NameFormat) ? void (o.nameFormat = v as NameFormat)
    : `--name-format must be one of ${NAME_FORMATS.join(', ')}, not '${v}'`),
  '--name': (o, v) => (validNodeName(v) ? void (o.name = v)
    : `--name must be 1 to 255 bytes with no blank, '=', quote, backslash or control character, not ${JSON.stringify(v)}`),
  '--boot-id': (o, v) => (UUID.test(v) ? void (o.bootId = v.toLowerCase())
    : `--boot-id must be a UUID like 0d4c2a6e-3b1f-4e8a-9c57-2f6b1d8e4a90, not ${JSON.stringify(v)}`),
  '--remote': (o, v) => {
    const r = parseRemote(v);
    return typeof r === 'string' ? `--remote must be HOST, HOST:PORT or [IPV6]:PORT: ${r}` : void (o.remote = r);
  },
  '--audisp-remote': (o, v, cwd) => (v === '' ? '--audisp-remote needs a path' : void (o.audispRemote = path.resolve(cwd, v))),
  '--pid-file': (o, v, cwd) => (v === '' ? '--pid-file needs a path' : void (o.pidFile = path.resolve(cwd, v))),
};

const FLAG_OPTIONS: Readonly<Record<string, (o: Mutable<DaemonOptions>) => void>> = {
  '--foreground': (o) => void (o.foreground = true),
  '--dry-run': (o) => void (o.dryRun = true),
  '--host': (o) => void (o.host = true),
  '--kernel-audit': (o) => void (o.kernelAudit = true),
  '--kernel-audit-rules': (o) => void (o.kernelAudit = o.kernelAuditRules = true),
};

/** Every option the daemon takes but `--help` (README's table lists each: test/readme.test.ts). */
export const OPTION_NAMES: readonly string[] = [...Object.keys(FLAG_OPTIONS), ...Object.keys(VALUE_OPTIONS)];

function defaults(cwd: string): Mutable<DaemonOptions> {
  return {
    mountpoint: DEFAULT_MOUNTPOINT, profile: 'v5', auditLog: path.resolve(cwd, 'audit.log'), auditFlush: 'write',
    serialStart: undefined, clock: realClock, pidMax: DEFAULT_PID_MAX, selfPid: 1, auditMaxSizeMb: 0, auditNumLogs: DEFAULT_NUM_LOGS,
    attrTimeout: DEFAULT_CACHE_TIMEOUT, entryTimeout: DEFAULT_CACHE_TIMEOUT, foreground: false, pidFile: undefined, dryRun: false,
    host: false, hostRescanMs: null, kernelAudit: false, kernelAuditRules: false, kernelAuditKeys: null,
    nameFormat: 'none', name: undefined, node: null, bootId: undefined, remote: null, audispRemote: undefined,
  };
}

/**
 * Parses the daemon's arguments (without `node` and the script).
 * @param argv the arguments, e.g. `process.argv.slice(2)`
 * @param cwd directory that relative paths are resolved against
 * @returns the options, a help request, or a usage error to print with exit status 2
 * @example Parsing a mountpoint and a profile
 * const r = parseDaemonArgs(['/mnt/ns', '--profile', 'modern'], '/home/me');
 * // r.kind === 'ok', r.options.profile === 'modern', r.options.auditLog === '/home/me/audit.log'
 */
export function parseDaemonArgs(argv: readonly string[], cwd: string): ParseOutcome {
  const o = defaults(cwd);
  const seen = new Set<string>();
  let positional: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { kind: 'help', text: USAGE };
    if (arg === '--') {
      const rest = argv.slice(i + 1);
      if (rest.length + (positional === undefined ? 0 : 1) > 1) return usageError('only one MOUNTPOINT may be given');
      positional = rest[0] ?? positional;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (positional !== undefined) return usageError(`only one MOUNTPOINT may be given ('${positional}', '${arg}')`);
      positional = arg;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const flag = FLAG_OPTIONS[name];
    if (flag !== undefined) {
      if (eq > 0) return usageError(`${name} takes no value`);
      seen.add(name);
      flag(o);
      continue;
    }
    const setter = VALUE_OPTIONS[name];
    if (setter === undefined) return usageError(unknownOption(arg, name));
    seen.add(name);
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length) value = argv[++i]!;
    else return usageError(`${name} needs a value`);
    const err = setter(o, value, cwd);
    if (err !== undefined) return usageError(err);
  }
  if (positional === '') return usageError('MOUNTPOINT must not be empty');
  const kaudit = ['--kernel-audit', '--kernel-audit-rules', '--kernel-audit-keys'].find((k) => seen.has(k));
  if (kaudit !== undefined && !o.host) return usageError(`${kaudit} reads the running kernel's events: it needs --host`);
  // The kernel's events carry the kernel's time; nsproc's own must be on the same clock.
  if (o.kernelAudit && o.clock.spec !== 'real') return usageError('--kernel-audit logs the kernel\'s events with the kernel\'s time: --clock must be real');
  if (o.host && seen.has('--self')) return usageError('--host has no self: the daemon\'s own /proc/self is not the reader\'s (docs/proc-ns.md)');
  if (o.host && (seen.has('--profile') || seen.has('--serial-start') || seen.has('--pid-max'))) {
    return usageError('--host serves the running kernel: its profile, serials and pid_max are the kernel\'s (drop --profile, --serial-start and --pid-max)');
  }
  if (o.host && o.bootId !== undefined) return usageError('--host names the running kernel\'s boot (/proc/sys/kernel/random/boot_id): drop --boot-id');
  if (o.audispRemote !== undefined && o.remote === null) return usageError('--audisp-remote is the program that --remote runs: it needs --remote');
  const named = nodeNaming(o, seen.has('--name-format'));
  if (named !== undefined) return usageError(named);
  if (positional !== undefined) o.mountpoint = path.resolve(cwd, positional);
  const err = checkTogether(o);
  return err === undefined ? { kind: 'ok', options: o } : usageError(err);
}

/**
 * auditd's `name_format` and `name` together: `--name` alone means `user`; `user` needs a
 * name, and a name with another format would be ignored (auditd ignores it silently: here it
 * is an error, so nobody believes their lines are named when they are not).
 */
function nodeNaming(o: Mutable<DaemonOptions>, formatGiven: boolean): string | undefined {
  if (!formatGiven && o.name !== undefined) o.nameFormat = 'user';
  // An aggregator adds no node= of its own: the lines it gets must say where they come from.
  else if (!formatGiven && o.remote !== null) o.nameFormat = 'hostname';
  if (o.nameFormat === 'user' && o.name === undefined) return '--name-format user needs --name NAME';
  if (o.nameFormat !== 'user' && o.name !== undefined) return `--name is the name of --name-format user, not of ${o.nameFormat}`;
  if (o.nameFormat === 'user') o.node = o.name!;
  return undefined;
}

/** RFC 4122 text form, any version: what /proc/sys/kernel/random/boot_id prints. */
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** What no single option can check: the rules that tie options together. */
function checkTogether(o: DaemonOptions): string | undefined {
  // Boot's serials are fixed (SPEC §2); the first new one comes after them.
  const first = firstFreeSerial(o.profile);
  if (o.serialStart !== undefined && o.serialStart < first) {
    return `--serial-start must be at least ${first} in ${o.profile} (boot uses 1..${first - 1n}), not ${o.serialStart}`;
  }
  if (o.selfPid >= o.pidMax) return `--self must be below --pid-max ${o.pidMax}, not ${o.selfPid}`;
  // mount.sh prints each path on one line, and a control character in a mount point is
  // mangled by the tools that read mount tables.
  for (const [what, p] of [['MOUNTPOINT', o.mountpoint], ['--audit-log', o.auditLog]] as const) {
    if (/[\x00-\x1f\x7f]/.test(p)) return `${what} must not hold a newline or another control character: ${JSON.stringify(p)}`;
  }
  return auditLogInside(o.mountpoint, o.auditLog);
}

/**
 * A log inside the mountpoint would be created there before the mount (and make the
 * directory non-empty for every later mount), or be written through the mount itself.
 * @param mountpoint absolute
 * @param auditLog absolute
 * @returns the usage error, or undefined when the log is outside
 */
export function auditLogInside(mountpoint: string, auditLog: string): string | undefined {
  const rel = path.relative(mountpoint, auditLog);
  const inside = rel !== '..' && !rel.startsWith('../') && !path.isAbsolute(rel);
  return inside ? `--audit-log ${auditLog} is inside the mountpoint ${mountpoint}; put it outside` : undefined;
}

function usageError(message: string): ParseOutcome {
  return { kind: 'error', message: `nsproc: ${message}\nTry './mount.sh --help' for the options.`, exitCode: 2 };
}

/** `unknown option '--hots' (did you mean --host?)`: the nearest option within two edits, as git suggests. */
function unknownOption(arg: string, name: string): string {
  const known = [...OPTION_NAMES, '--help'];
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return `unknown option '${arg}'${best === undefined ? '' : ` (did you mean ${best}?)`}`;
}

/** Levenshtein distance (insertions, deletions, substitutions; a swap of neighbours counts as one). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

function intSetter(v: string, min: number, max: number, name: string, set: (n: number) => void): string | undefined {
  if (!/^[0-9]+$/.test(v)) return `${name} must be an integer ${min}..${max}, not '${v}'`;
  const n = Number(v);
  if (n < min || n > max) return `${name} must be an integer ${min}..${max}, not '${v}'`;
  set(n);
  return undefined;
}

function secondsSetter(v: string, name: string, set: (n: number) => void): string | undefined {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(v)) return `${name} must be a number of seconds ≥ 0, not '${v}'`;
  set(Number(v));
  return undefined;
}



/** Decimal or 0x hex, 1..2^64-1: serial 0 means "none" in the patch series. */
export function parseSerial(v: string): bigint | undefined {
  if (!/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(v)) return undefined;
  const n = BigInt(v);
  return n >= 1n && n <= SERIAL_MAX ? n : undefined;
}

