/**
 * Capabilities as capabilities(7) numbers them. A set is a bigint bit mask;
 * the full set depends on the profile's CAP_LAST_CAP (37 in 3.17, 40 in 6.x).
 */
import { fail, ok, type Result } from './errno.js';

/** Index = capability number (include/uapi/linux/capability.h). */
export const CAP_NAMES: readonly string[] = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid',
  'setpcap', 'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw',
  'ipc_lock', 'ipc_owner', 'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct',
  'sys_admin', 'sys_boot', 'sys_nice', 'sys_resource', 'sys_time', 'sys_tty_config', 'mknod',
  'lease', 'audit_write', 'audit_control', 'setfcap', 'mac_override', 'mac_admin', 'syslog',
  'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf', 'checkpoint_restore',
];

export const CAP_SYS_CHROOT = 18;
export const CAP_SYS_PTRACE = 19;
export const CAP_SYS_ADMIN = 21;
export const CAP_AUDIT_WRITE = 29;
export const CAP_AUDIT_CONTROL = 30;

/** The full effective set up to CAP_LAST_CAP. */
export function fullCaps(lastCap: number): bigint {
  return (1n << BigInt(lastCap + 1)) - 1n;
}

export function hasCap(set: bigint, cap: number): boolean {
  return ((set >> BigInt(cap)) & 1n) === 1n;
}

/**
 * Parses `all`, `none`, a hex mask (`0x200000`) or a comma list of names
 * (`sys_admin,CAP_NET_ADMIN`, any case).
 * @example
 * parseCaps('CAP_SYS_ADMIN,net_admin', 40) // ok((1n << 21n) | (1n << 12n))
 */
export function parseCaps(text: string, lastCap: number): Result<bigint> {
  const full = fullCaps(lastCap);
  if (text === 'all') return ok(full);
  if (text === 'none' || text === '0') return ok(0n);
  if (/^0x[0-9a-f]{1,16}$/i.test(text)) {
    const v = BigInt(text);
    return (v & ~full) === 0n ? ok(v) : fail('EINVAL', `capability mask ${text} has bits above CAP_LAST_CAP (${lastCap})`);
  }
  let set = 0n;
  for (const raw of text.split(',')) {
    const name = raw.toLowerCase().replace(/^cap_/, '');
    const n = CAP_NAMES.indexOf(name);
    if (n < 0 || n > lastCap) return fail('EINVAL', `unknown capability '${raw}'`);
    set |= 1n << BigInt(n);
  }
  return ok(set);
}
