/**
 * One record of the kernel's audit stream, as a netlink message of the multicast group
 * carries it: the message type is the record type, the payload the text the kernel built
 * in kernel/audit.c:audit_log_start() — `audit(SEC.MSEC:SERIAL): ` then the fields —
 * without a terminating NUL (measured on 6.18; older kernels counted one, so trailing NULs
 * are dropped). Every record of one audit event shares its `audit(…)` stamp.
 */
import { rawLine } from '../audit/format.js';
import { parseStamp } from '../audit/record_text.js';
import { recordTypeName } from './record_types.js';

export interface KernelRecord {
  readonly type: number;
  readonly sec: number;
  readonly msec: number;
  /** The kernel's audit_serial(): unsigned 32-bit, 0 never used. */
  readonly serial: number;
  /** The whole text, `audit(…): fields`. */
  readonly message: string;
}

/**
 * @param type the netlink message type
 * @param payload the message's payload
 * @returns the record, or null when the text does not start with an `audit(SEC.MSEC:SERIAL): ` stamp
 * @example
 * parseRecord(1320, Buffer.from('audit(1796153311.651:9): ')); // { type: 1320, sec: 1796153311, msec: 651, serial: 9, … }
 */
export function parseRecord(type: number, payload: Buffer): KernelRecord | null {
  let end = payload.length;
  while (end > 0 && payload[end - 1] === 0) end--;
  const message = payload.toString('utf8', 0, end);
  const s = parseStamp(message);
  if (!s) return null;
  return { type, sec: s.sec, msec: s.msec, serial: s.serial, message };
}

/**
 * The record's log line as auditd writes it (`type=NAME msg=…`, src/auditd-event.c:format_raw()).
 * @example
 * formatKernelRecord({ type: 1327, message: 'audit(1.002:3): proctitle=74727565', … });
 * // 'type=PROCTITLE msg=audit(1.002:3): proctitle=74727565'
 */
export function formatKernelRecord(r: KernelRecord): string {
  return rawLine(recordTypeName(r.type), r.message);
}
