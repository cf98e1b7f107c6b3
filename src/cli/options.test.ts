import { describe, expect, it } from 'vitest';
import type { DaemonOptions } from '../wiring/daemon_options.js';
import { parseDaemonArgs, parseSerial } from './options.js';
import { fixedClock, realClock } from '../audit/clock.js';

const CWD = '/home/me';

function ok(argv: string[]): DaemonOptions {
  const r = parseDaemonArgs(argv, CWD);
  if (r.kind !== 'ok') throw new Error(`expected ok for ${JSON.stringify(argv)}, got ${JSON.stringify(r)}`);
  return r.options;
}

describe('parseDaemonArgs', () => {
  it('parseDaemonArgs() parses a mountpoint and a profile (JSDoc example)', () => {
    const r = parseDaemonArgs(['/mnt/ns', '--profile', 'modern'], '/home/me');
    expect(r.kind).toBe('ok');
    if (r.kind === 'ok') {
      expect(r.options.profile).toBe('modern');
      expect(r.options.auditLog).toBe('/home/me/audit.log');
    }
  });

  it('parseDaemonArgs() gives the SPEC §4 defaults with no arguments', () => {
    expect(ok([])).toEqual({
      mountpoint: '/tmp/nsproc', profile: 'v5', auditLog: '/home/me/audit.log', auditFlush: 'write',
      serialStart: undefined, clock: realClock, pidMax: 4194304, selfPid: 1, auditMaxSizeMb: 0, auditNumLogs: 5,
      attrTimeout: 60, entryTimeout: 60, foreground: false, pidFile: undefined, dryRun: false,
      host: false, hostRescanMs: null, kernelAudit: false, kernelAuditRules: false, kernelAuditKeys: null,
      nameFormat: 'none', name: undefined, node: null, bootId: undefined, remote: null, audispRemote: undefined,
    });
  });

  // The clock is compared by what it was parsed from.
  const accepted: [string, string[], Partial<Omit<DaemonOptions, 'clock'>> & { clock?: { spec: string } }][] = [
    ['relative mountpoint', ['mnt'], { mountpoint: '/home/me/mnt' }],
    ['mountpoint after --', ['--', '-odd'], { mountpoint: '/home/me/-odd' }],
    ['--opt=value form', ['--profile=modern'], { profile: 'modern' }],
    ['relative audit log', ['--audit-log', 'logs/a.log'], { auditLog: '/home/me/logs/a.log' }],
    ['absolute audit log', ['--audit-log', '/var/log/a.log'], { auditLog: '/var/log/a.log' }],
    ['audit flush sync', ['--audit-flush', 'sync'], { auditFlush: 'sync' }],
    ['decimal serial', ['--serial-start', '100'], { serialStart: 100n }],
    ['hex serial', ['--serial-start', '0xfffffffffffffff0'], { serialStart: 0xfffffffffffffff0n }],
    ['fixed clock', ['--clock', 'fixed:1418222800.5'], { clock: { spec: fixedClock({ sec: 1418222800, msec: 500 }).spec } }],
    ['pid max', ['--pid-max', '32768'], { pidMax: 32768 }],
    ['self', ['--self', '4'], { selfPid: 4 }],
    ['audit rotation', ['--audit-max-size', '8', '--audit-num-logs', '3'], { auditMaxSizeMb: 8, auditNumLogs: 3 }],
    ['a fractional rotation size (tests)', ['--audit-max-size', '0.004'], { auditMaxSizeMb: 0.004 }],
    ['timeouts', ['--attr-timeout', '1', '--entry-timeout', '0.5'], { attrTimeout: 1, entryTimeout: 0.5 }],
    ['foreground', ['--foreground'], { foreground: true }],
    ['pid file', ['--pid-file', 'p'], { pidFile: '/home/me/p' }],
    ['host mode', ['--host'], { host: true, hostRescanMs: null }],
    ['host mode with a rescan interval', ['--host', '--host-rescan-ms', '250', '--clock', 'fixed:1'], { host: true, hostRescanMs: 250 }],
    ['mountpoint between options', ['--profile', 'v5', '/m', '--dry-run'], { mountpoint: '/m', dryRun: true }],
  ];
  it.each(accepted)('parseDaemonArgs() accepts %s', (_name, argv, want) => {
    expect(ok(argv)).toMatchObject(want);
  });

  const rejected: [string, string[]][] = [
    ['an unknown option', ['--frobnicate']],
    ['a bad profile', ['--profile', 'v6']],
    ['a missing value', ['--profile']],
    ['two mountpoints', ['/a', '/b']],
    ['a value on a flag', ['--foreground=yes']],
    ['serial 0', ['--serial-start', '0']],
    ['serial past 2^64-1', ['--serial-start', '0x10000000000000000']],
    ['a negative pid max', ['--pid-max', '-1']],
    ['a pid max above PID_MAX_LIMIT', ['--pid-max', '4194305']],
    // The model reserves pids below 300 (kernel/pid.c RESERVED_PIDS): refused here, not at boot.
    ['a pid max of 300 or less', ['--pid-max', '300']],
    ['a self of 0', ['--self', '0']],
    ['a self not below pid max', ['--pid-max', '400', '--self', '400']],
    ['a bad clock', ['--clock', 'fixed:yesterday']],
    ['a bad flush mode', ['--audit-flush', 'never']],
    ['a negative timeout', ['--attr-timeout', '-1']],
    ['an empty mountpoint', ['']],
    ['zero audit logs', ['--audit-num-logs', '0']],
    ['a rotation size under one byte', ['--audit-max-size', '0.0000001']],
    ['a rotation size in exponent form', ['--audit-max-size', '1e-3']],
    ['a rescan interval under 10 ms', ['--host', '--host-rescan-ms', '5']],
    ['--host with --profile (the kernel decides)', ['--host', '--profile', 'modern']],
    ['--host with --serial-start', ['--serial-start', '100', '--host']],
    ['--host with --pid-max', ['--host', '--pid-max', '32768']],
    ['--host with --self (host mode has no self)', ['--host', '--self', '1']],
  ];
  it.each(rejected)('parseDaemonArgs() rejects %s with usage status 2', (_name, argv) => {
    const r = parseDaemonArgs(argv, CWD);
    expect(r.kind === 'error' ? r.exitCode : r.kind).toBe(2);
  });

  // Rules between options: one message each, also with --dry-run (mount.sh asks that first).
  it.each([
    ['a serial boot uses (v5: 1..7)', ['--serial-start', '7', '--dry-run'], '--serial-start must be at least 8 in v5 (boot uses 1..7), not 7'],
    ['a serial boot uses (modern: 1..9)', ['--profile', 'modern', '--serial-start', '9'], '--serial-start must be at least 10 in modern (boot uses 1..9), not 9'],
    ['a newline in the mountpoint', ['/tmp/a\nb'], 'MOUNTPOINT must not hold a newline or another control character: "/tmp/a\\nb"'],
    ['a tab in the audit log', ['--audit-log', 'a\tb.log'], '--audit-log must not hold a newline or another control character: "/home/me/a\\tb.log"'],
    ['an audit log inside the mountpoint', ['/m', '--audit-log', '/m/sub/x.log'], '--audit-log /m/sub/x.log is inside the mountpoint /m; put it outside'],
    ['the mountpoint as the audit log', ['/m', '--audit-log', '/m'], '--audit-log /m is inside the mountpoint /m; put it outside'],
    ['a misspelt option, naming the nearest', ['--hots'], "unknown option '--hots' (did you mean --host?)"],
    ['a misspelt option with a value', ['--audit-lgo=x'], "unknown option '--audit-lgo=x' (did you mean --audit-log?)"],
    ['an option nothing is near', ['--frobnicate'], "unknown option '--frobnicate'"],
  ])('parseDaemonArgs() rejects %s', (_name, argv, message) => {
    expect(parseDaemonArgs(argv, CWD)).toEqual({ kind: 'error', exitCode: 2, message: `nsproc: ${message}\nTry './mount.sh --help' for the options.` });
  });

  it.each([
    ['the first free serial', ['--serial-start', '8'], { serialStart: 8n }],
    ['a log beside the mountpoint, named like it', ['/m', '--audit-log', '/m.log'], { auditLog: '/m.log' }],
    ['a log whose name starts with .. beside the mountpoint', ['/m/a', '--audit-log', '/m/..x.log'], { auditLog: '/m/..x.log' }],
  ] as const)('parseDaemonArgs() accepts %s', (_name, argv, want) => {
    expect(ok([...argv])).toMatchObject(want);
  });

  it('parseDaemonArgs() returns the help text for --help, whatever follows', () => {
    const r = parseDaemonArgs(['--help', '--bogus'], CWD);
    expect(r.kind).toBe('help');
  });
});

describe('parseSerial', () => {
  it.each([
    ['1', 1n], ['0x1F', 31n], ['18446744073709551615', 18446744073709551615n], ['x1', undefined], ['', undefined],
  ] as const)('parseSerial(%s) is %s', (v, want) => {
    expect(parseSerial(v)).toBe(want);
  });

});

describe('parseDaemonArgs --kernel-audit', () => {
  const err = (argv: string[]) => {
    const r = parseDaemonArgs(argv, CWD);
    return r.kind === 'error' ? r.message.split('\n')[0] : r.kind;
  };
  it('--kernel-audit logs every SYSCALL event by default; --kernel-audit-rules implies it', () => {
    expect(ok(['--host', '--kernel-audit'])).toMatchObject({ kernelAudit: true, kernelAuditRules: false, kernelAuditKeys: null });
    expect(ok(['--host', '--kernel-audit-rules'])).toMatchObject({ kernelAudit: true, kernelAuditRules: true });
    expect(ok([])).toMatchObject({ kernelAudit: false, kernelAuditRules: false, kernelAuditKeys: null });
  });

  it('--kernel-audit-keys takes all or a list of keys', () => {
    expect(ok(['--host', '--kernel-audit', '--kernel-audit-keys', 'nsproc,exec']).kernelAuditKeys).toEqual(['nsproc', 'exec']);
    expect(ok(['--host', '--kernel-audit', '--kernel-audit-keys=all']).kernelAuditKeys).toBeNull();
  });

  it.each([
    ['without --host', ['--kernel-audit'], 'nsproc: --kernel-audit reads the running kernel\'s events: it needs --host'],
    ['keys without --host', ['--kernel-audit-keys', 'x'], 'nsproc: --kernel-audit-keys reads the running kernel\'s events: it needs --host'],
    ['rules without --host: the option given is named', ['--kernel-audit-rules'], 'nsproc: --kernel-audit-rules reads the running kernel\'s events: it needs --host'],
    ['an empty key', ['--host', '--kernel-audit', '--kernel-audit-keys', 'a,,b'], "nsproc: --kernel-audit-keys must be all or KEY[,KEY…] (keys of 1 to 256 bytes), not 'a,,b'"],
    ['a fixed clock', ['--host', '--kernel-audit', '--clock', 'fixed:1'], "nsproc: --kernel-audit logs the kernel's events with the kernel's time: --clock must be real"],
  ])('refuses %s', (_name, argv, message) => {
    expect(err(argv)).toBe(message);
  });
});

describe('parseDaemonArgs fleet identity (--name-format, --name, --boot-id)', () => {
  const err = (argv: string[]) => {
    const r = parseDaemonArgs(argv, CWD);
    return r.kind === 'error' ? `${r.exitCode} ${r.message.split('\n')[0]}` : r.kind;
  };
  it('names no node by default; --name alone means --name-format user', () => {
    expect(ok([])).toMatchObject({ nameFormat: 'none', name: undefined, node: null, bootId: undefined });
    expect(ok(['--name', 'hostA'])).toMatchObject({ nameFormat: 'user', name: 'hostA', node: 'hostA' });
    expect(ok(['--name-format', 'user', '--name=hostB'])).toMatchObject({ nameFormat: 'user', node: 'hostB' });
  });

  it.each(['none', 'hostname', 'fqd', 'numeric'] as const)('--name-format %s leaves the lookup to the daemon', (f) => {
    expect(ok(['--name-format', f])).toMatchObject({ nameFormat: f, node: null });
  });

  it('--boot-id takes a UUID in either case and keeps it lowercase', () => {
    expect(ok(['--boot-id', '0D4C2A6E-3B1F-4E8A-9C57-2F6B1D8E4A90']).bootId).toBe('0d4c2a6e-3b1f-4e8a-9c57-2f6b1d8e4a90');
  });

  it.each([
    ['an unknown format', ['--name-format', 'short'], "2 nsproc: --name-format must be one of none, hostname, fqd, numeric, user, not 'short'"],
    ['user without a name', ['--name-format', 'user'], '2 nsproc: --name-format user needs --name NAME'],
    ['a name with another format', ['--name-format', 'hostname', '--name', 'x'], '2 nsproc: --name is the name of --name-format user, not of hostname'],
    ['a name with a blank', ['--name', 'host A'], `2 nsproc: --name must be 1 to 255 bytes with no blank, '=', quote, backslash or control character, not "host A"`],
    ['a name with a control character', ['--name', 'a\tb'], `2 nsproc: --name must be 1 to 255 bytes with no blank, '=', quote, backslash or control character, not "a\\tb"`],
    ['an empty name', ['--name='], `2 nsproc: --name must be 1 to 255 bytes with no blank, '=', quote, backslash or control character, not ""`],
    ['a boot id that is not a UUID', ['--boot-id', '0d4c2a6e3b1f4e8a9c572f6b1d8e4a90'], '2 nsproc: --boot-id must be a UUID like 0d4c2a6e-3b1f-4e8a-9c57-2f6b1d8e4a90, not "0d4c2a6e3b1f4e8a9c572f6b1d8e4a90"'],
    ['a boot id in host mode', ['--host', '--boot-id', '0d4c2a6e-3b1f-4e8a-9c57-2f6b1d8e4a90'], "2 nsproc: --host names the running kernel's boot (/proc/sys/kernel/random/boot_id): drop --boot-id"],
  ])('refuses %s (usage error, exit 2)', (_name, argv, message) => {
    expect(err(argv)).toBe(message);
  });
});

describe('parseDaemonArgs --remote, --audisp-remote', () => {
  const err = (argv: string[]) => {
    const r = parseDaemonArgs(argv, CWD);
    return r.kind === 'error' ? `${r.exitCode} ${r.message.split('\n')[0]}` : r.kind;
  };
  it('takes HOST[:PORT] (auditd\'s port 60 by default) and makes --name-format hostname the default', () => {
    expect(ok([])).toMatchObject({ remote: null, audispRemote: undefined });
    expect(ok(['--remote', 'agg.example'])).toMatchObject({ remote: { host: 'agg.example', port: 60 }, nameFormat: 'hostname', node: null });
    expect(ok(['--remote=[::1]:6060', '--audisp-remote', 'pkg'])).toMatchObject({ remote: { host: '::1', port: 6060 }, audispRemote: `${CWD}/pkg` });
  });
  it('keeps a node naming that was asked for', () => {
    expect(ok(['--remote', '10.0.0.1', '--name', 'hostA'])).toMatchObject({ nameFormat: 'user', node: 'hostA' });
    expect(ok(['--remote', '10.0.0.1', '--name-format', 'none'])).toMatchObject({ nameFormat: 'none', node: null });
  });
  it.each([
    ['a host with a blank', ['--remote', 'a b'], "2 nsproc: --remote must be HOST, HOST:PORT or [IPV6]:PORT: 'a b' is not a host name (letters, digits, inner hyphens, dot-separated labels of 1 to 63)"],
    ['port 0', ['--remote', 'agg:0'], "2 nsproc: --remote must be HOST, HOST:PORT or [IPV6]:PORT: the port must be 1..65535, not '0'"],
    ['an IPv6 address without brackets', ['--remote', '::1'], '2 nsproc: --remote must be HOST, HOST:PORT or [IPV6]:PORT: an IPv6 address goes in brackets: [::1] or [::1]:PORT'],
    ['--audisp-remote alone', ['--audisp-remote', '/sbin/audisp-remote'], '2 nsproc: --audisp-remote is the program that --remote runs: it needs --remote'],
  ])('refuses %s (usage error, exit 2)', (_name, argv, message) => {
    expect(err(argv)).toBe(message);
  });
});
