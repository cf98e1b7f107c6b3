/**
 * The kernel audit netlink protocol (include/uapi/linux/audit.h, kernel/audit.c,
 * kernel/auditfilter.c), pure: message framing, `struct audit_status` and
 * `struct audit_rule_data`, byte for byte as audit-userspace's libaudit sends them
 * (lib/libaudit.c:audit_send(), audit_rule_syscall_data(), audit_add_rule_data()).
 * No I/O: src/kaudit/socket.ts sends and receives these bytes. Host byte order
 * (little endian: nsproc runs on x86_64).
 */
import { NLMSG_DONE, encodeMessage, type NlMessage } from '../sys/netlink.js';

export { decodeMessages, type NlMessage } from '../sys/netlink.js';

/** socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT). */
export const NETLINK_AUDIT = 9;
/** The read-only multicast group of every record the kernel emits (needs CAP_AUDIT_READ). */
export const AUDIT_NLGRP_READLOG = 1;

/** Netlink message types nsproc sends or reads (uapi/linux/netlink.h, uapi/linux/audit.h). */
export const NLMSG = { error: 2, done: NLMSG_DONE } as const;
export const AUDIT_MSG = { get: 1000, set: 1001, addRule: 1011, delRule: 1012, listRules: 1013 } as const;

const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;

/**
 * A request to the kernel, with NLM_F_ACK so that every request is answered
 * (an NLMSG_ERROR whose error is 0 or −errno), as audit_send() does.
 * @example
 * encodeRequest(AUDIT_MSG.get, 1, Buffer.alloc(0)); // 16 bytes: len 16, type 1000, flags 5, seq 1
 */
export function encodeRequest(type: number, seq: number, payload: Buffer): Buffer {
  return encodeMessage(type, NLM_F_REQUEST | NLM_F_ACK, seq, payload);
}

/** NLMSG_ERROR's `error`: 0 for an acknowledgement, else the negative errno. */
export function ackError(m: NlMessage): number {
  return m.payload.length >= 4 ? m.payload.readInt32LE(0) : 0;
}

/** `struct audit_status`, as AUDIT_GET returns it (fields an old kernel does not send read 0). */
export interface AuditStatus {
  /** 0 off, 1 on, 2 locked (changes refused until reboot: auditctl -e 2). */
  readonly enabled: number;
  /** The pid of the registered audit daemon (auditd), 0 when none. */
  readonly pid: number;
  readonly backlogLimit: number;
  /** Records the kernel dropped since boot (kernel/audit.c:audit_log_lost()): backlog or rate limit, no memory, hold queue full. */
  readonly lost: number;
  readonly backlog: number;
}

const STATUS_LEN = 44; // 11 × __u32 (Linux 5.x+: with backlog_wait_time_actual)
const AUDIT_STATUS_ENABLED = 0x1;

/** Reads `struct audit_status`: mask enabled failure pid rate_limit backlog_limit lost backlog … */
export function decodeStatus(p: Buffer): AuditStatus {
  const u32 = (i: number): number => (p.length >= (i + 1) * 4 ? p.readUInt32LE(i * 4) : 0);
  return { enabled: u32(1), pid: u32(3), backlogLimit: u32(5), lost: u32(6), backlog: u32(7) };
}

/** AUDIT_SET's payload that changes only `enabled` (auditctl -e N: mask AUDIT_STATUS_ENABLED). */
export function encodeSetEnabled(enabled: 0 | 1): Buffer {
  const b = Buffer.alloc(STATUS_LEN);
  b.writeUInt32LE(AUDIT_STATUS_ENABLED, 0);
  b.writeUInt32LE(enabled, 4);
  return b;
}

/** The syscall rule fields nsproc uses (uapi/linux/audit.h). */
const AUDIT_ARCH_FIELD = 11;
const AUDIT_ARG0 = 200;
const AUDIT_FILTERKEY = 210;
const AUDIT_EQUAL = 0x40000000;
/** `&`: the field's value has one of the bits (kernel/auditfilter.c: audit_comparator, Audit_bitmask). */
const AUDIT_BIT_MASK = 0x08000000;
const AUDIT_FILTER_EXIT = 0x04;
const AUDIT_ALWAYS = 2;
const AUDIT_BITMASK_SIZE = 64;
const AUDIT_MAX_FIELDS = 64;
/** flags action field_count mask[64] fields[64] values[64] fieldflags[64] buflen, then buf. */
const RULE_FIXED_LEN = 12 + 4 * (AUDIT_BITMASK_SIZE + 3 * AUDIT_MAX_FIELDS) + 4;
const MASK_OFF = 12;
const FIELDS_OFF = MASK_OFF + 4 * AUDIT_BITMASK_SIZE;
const VALUES_OFF = FIELDS_OFF + 4 * AUDIT_MAX_FIELDS;
const FLAGS_OFF = VALUES_OFF + 4 * AUDIT_MAX_FIELDS;
const BUFLEN_OFF = FLAGS_OFF + 4 * AUDIT_MAX_FIELDS;

/** `-a always,exit -F arch=ARCH -S … [-F a0&MASK] -k KEY`: the only shape of rule nsproc adds. */
export interface ExitRule {
  /** AUDIT_ARCH_X86_64 0xc000003e (`b64`) or AUDIT_ARCH_I386 0x40000003 (`b32`). */
  readonly arch: number;
  /** Syscall numbers of that arch. */
  readonly syscalls: readonly number[];
  /** `-F a0&MASK`: only calls whose first argument has one of these bits; absent: every call. */
  readonly a0Mask?: number;
  readonly key: string;
}

/**
 * `struct audit_rule_data` of an exit rule, as auditctl builds it: the arch field
 * (AUDIT_EQUAL), the a0 mask if any (AUDIT_ARG0, AUDIT_BIT_MASK), then the key
 * (AUDIT_FILTERKEY, value = its length, the text in buf, AUDIT_EQUAL); one mask bit per
 * syscall (AUDIT_WORD/AUDIT_BIT).
 * @example auditctl -a always,exit -F arch=b64 -S unshare -k nsproc
 * encodeExitRule({ arch: 0xc000003e, syscalls: [272], key: 'nsproc' }); // 1046 bytes
 */
export function encodeExitRule(r: ExitRule): Buffer {
  const key = Buffer.from(r.key, 'utf8');
  const b = Buffer.alloc(RULE_FIXED_LEN + key.length);
  b.writeUInt32LE(AUDIT_FILTER_EXIT, 0);
  b.writeUInt32LE(AUDIT_ALWAYS, 4);
  for (const nr of r.syscalls) {
    const at = MASK_OFF + 4 * (nr >>> 5);
    b.writeUInt32LE((b.readUInt32LE(at) | (1 << (nr & 31))) >>> 0, at);
  }
  const fields: Array<[number, number, number]> = [
    [AUDIT_ARCH_FIELD, r.arch, AUDIT_EQUAL],
    ...(r.a0Mask === undefined ? [] : [[AUDIT_ARG0, r.a0Mask, AUDIT_BIT_MASK] as [number, number, number]]),
    [AUDIT_FILTERKEY, key.length, AUDIT_EQUAL],
  ];
  b.writeUInt32LE(fields.length, 8);
  fields.forEach(([field, value, op], i) => {
    b.writeUInt32LE(field, FIELDS_OFF + 4 * i);
    b.writeUInt32LE(value >>> 0, VALUES_OFF + 4 * i);
    b.writeUInt32LE(op, FLAGS_OFF + 4 * i);
  });
  b.writeUInt32LE(key.length, BUFLEN_OFF);
  key.copy(b, RULE_FIXED_LEN);
  return b;
}

/** A rule as AUDIT_LIST_RULES returns it: its bytes (what AUDIT_DEL_RULE needs back) and its key. */
export interface ListedRule {
  readonly data: Buffer;
  /** The AUDIT_FILTERKEY text, or null when the rule has no key. */
  readonly key: string | null;
  /** An `always,exit` rule: one that makes syscall events (syscall rules and file watches are). */
  readonly alwaysExit: boolean;
  /** `-F arch=` with `=`: the AUDIT_ARCH it is for; null: no arch field. */
  readonly arch: number | null;
  /** `-F a0&MASK` (AUDIT_ARG0 with `&`): the rule keeps only calls with one of these bits in a0; null: no such field. */
  readonly a0Mask: number | null;
  /** Fields besides arch=, a0& and the key (-F auid>=1000, a watch…): the rule matches only some calls. */
  readonly narrowed: boolean;
  /** Whether syscall `nr` is in the rule's mask (-S). */
  hasSyscall(nr: number): boolean;
}

const AUDIT_FILTER_PREPEND = 0x10;

/**
 * Whether two listed rules make the same events: both always,exit, same arch, a0 mask, key
 * and syscalls, and neither narrowed by another field. The kernel's copy need not be the
 * bytes that were sent, so the meaning is compared.
 */
export function sameRule(a: ListedRule, b: ListedRule): boolean {
  const mask = (r: ListedRule) => r.data.subarray(MASK_OFF, MASK_OFF + 4 * AUDIT_BITMASK_SIZE);
  return a.alwaysExit && b.alwaysExit && !a.narrowed && !b.narrowed && a.arch === b.arch &&
    a.a0Mask === b.a0Mask && a.key === b.key && mask(a).equals(mask(b));
}

/**
 * Reads the key of a listed rule (kernel/auditfilter.c:audit_krule_to_data() puts every
 * string field's text in buf, in field order).
 */
export function decodeListedRule(p: Buffer): ListedRule {
  const data = Buffer.from(p);
  if (p.length < RULE_FIXED_LEN) return { data, key: null, alwaysExit: false, arch: null, a0Mask: null, narrowed: true, hasSyscall: () => false };
  const alwaysExit = (p.readUInt32LE(0) & ~AUDIT_FILTER_PREPEND) === AUDIT_FILTER_EXIT && p.readUInt32LE(4) === AUDIT_ALWAYS;
  let arch: number | null = null;
  let a0Mask: number | null = null;
  let narrowed = false;
  for (let i = 0; i < Math.min(data.readUInt32LE(8), AUDIT_MAX_FIELDS); i++) {
    const field = data.readUInt32LE(FIELDS_OFF + 4 * i);
    const op = data.readUInt32LE(FLAGS_OFF + 4 * i);
    const value = data.readUInt32LE(VALUES_OFF + 4 * i);
    if (field === AUDIT_ARCH_FIELD && op === AUDIT_EQUAL) arch = value;
    else if (field === AUDIT_ARG0 && op === AUDIT_BIT_MASK && a0Mask === null) a0Mask = value;
    else if (field !== AUDIT_FILTERKEY) narrowed = true;
  }
  const hasSyscall = (nr: number) => nr >= 0 && nr < 32 * AUDIT_BITMASK_SIZE && (data.readUInt32LE(MASK_OFF + 4 * (nr >>> 5)) & (1 << (nr & 31))) !== 0;
  return { data, key: keyOf(p), alwaysExit, arch, a0Mask, narrowed, hasSyscall };
}

function keyOf(p: Buffer): string | null {
  const count = Math.min(p.readUInt32LE(8), AUDIT_MAX_FIELDS);
  let at = RULE_FIXED_LEN;
  for (let i = 0; i < count; i++) {
    const field = p.readUInt32LE(FIELDS_OFF + 4 * i);
    if (!STRING_FIELDS.has(field)) continue;
    const len = p.readUInt32LE(VALUES_OFF + 4 * i);
    if (field === AUDIT_FILTERKEY) return p.toString('utf8', at, Math.min(at + len, p.length));
    at += len;
  }
  return null;
}

/**
 * Fields whose value is the length of a text in buf, as auditctl's listing walks them
 * (src/auditctl-listing.c): AUDIT_SUBJ_USER…AUDIT_OBJ_LEV_HIGH but AUDIT_PPID (18),
 * AUDIT_WATCH, AUDIT_DIR, AUDIT_EXE, AUDIT_FILTERKEY.
 */
const STRING_FIELDS = new Set([13, 14, 15, 16, 17, 19, 20, 21, 22, 23, 105, 107, 112, AUDIT_FILTERKEY]);
