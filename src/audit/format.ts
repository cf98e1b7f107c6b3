/**
 * Pure formatting of model events into auditd raw log lines (SPEC §6).
 *
 * The kernel builds each record as `audit(SEC.MSEC:SERIAL): ` followed by the
 * record's fields (kernel/audit.c:audit_log_start(), `"audit(%llu.%03lu:%u): "`),
 * and auditd's raw writer prefixes `type=NAME msg=` (src/auditd-event.c:format_raw()).
 * No I/O, no clock: the caller supplies the stamp.
 */
import type { ActorInfo, ContainerSeenEvent, ModelEvent, NsInfoEvent, NsRef } from '../model/events.js';
import type { DaemonStartEvent } from '../model/events.js';
import { auditField, DAEMON_ROTATE_AUDIT, DAEMON_START_AUDIT, NS_INFO_AUDIT, VIRT_CONTROL_AUDIT } from '../model/nstypes.js';

/** The `audit(SEC.MSEC:SERIAL)` of one audit event; every record of the event shares it. */
export interface AuditStamp {
  /** Seconds since the epoch (tv_sec). */
  readonly sec: number;
  /** Milliseconds 0..999 (tv_nsec / 1000000), printed with 3 digits. */
  readonly msec: number;
  /** The kernel's audit_serial(): unsigned 32-bit, printed in decimal. */
  readonly serial: number;
}

/**
 * `SEC.MSEC:SERIAL` as the kernel prints it inside `audit(…)`.
 *
 * @example Formatting a stamp
 * ```ts
 * formatStamp({ sec: 1408577535, msec: 6, serial: 81 }); // '1408577535.006:81'
 * ```
 */
export function formatStamp(stamp: AuditStamp): string {
  // The `SEC.MSEC` part changes at most once a millisecond: reuse the last one.
  if (stamp.sec !== lastSec || stamp.msec !== lastMsec) {
    const m = stamp.msec;
    lastSec = stamp.sec;
    lastMsec = m;
    lastTime = `${stamp.sec}.${m < 10 ? '00' : m < 100 ? '0' : ''}${m}`;
  }
  return `${lastTime}:${stamp.serial}`;
}
let lastSec = -1;
let lastMsec = -1;
let lastTime = '';

/**
 * Namespace serials are printed in lowercase hex without 0x, like the `*_snum` files.
 * The same few serials (the initial namespaces' in every NS_INFO) recur in every batch,
 * so the last text of each small serial is kept.
 */
const smallHex: string[] = [];
function snumHex(snum: bigint): string {
  if (snum >= 0n && snum < 4096n) {
    const i = Number(snum);
    return (smallHex[i] ??= snum.toString(16));
  }
  return snum.toString(16);
}

/**
 * The subject fields every NS_INIT/DEL and VIRT_CONTROL record starts with. Consecutive
 * records usually name the same actor (a clone's INIT records, a batch of clones by one
 * parent), so the last actor's text is reused when every field is the same.
 */
let lastActor: ActorInfo = { pid: -1, uid: -1, auid: -1, ses: -1, subj: '' };
let lastActorText = '';
function actorFields(a: ActorInfo): string {
  const l = lastActor;
  if (a.pid === l.pid && a.uid === l.uid && a.auid === l.auid && a.ses === l.ses && a.subj === l.subj) return lastActorText;
  lastActor = { pid: a.pid, uid: a.uid, auid: a.auid, ses: a.ses, subj: a.subj };
  lastActorText = `pid=${a.pid} uid=${a.uid} auid=${a.auid} ses=${a.ses} subj=${a.subj}`;
  return lastActorText;
}

/** NS_INFO body: `pid=` first (V5 change log: "Log AUDIT_NS_INFO with PID"), then table order. */
function nsInfoFields(e: NsInfoEvent): string {
  return `pid=${e.pid}${nsFields(e.namespaces)}`;
}

/** ` <t>ns=HEX` for each namespace, in the order given (table order). */
function nsFields(namespaces: readonly NsRef[]): string {
  let s = '';
  for (const r of namespaces) s += ` ${auditField(r.type)}=${snumHex(r.snum)}`;
  return s;
}

/** nsproc's own record of a container's process (SPEC §9): not a kernel record type, hence the prefix. */
export const CONTAINER_RECORD = 'NSPROC_CONTAINER';

/**
 * A text from outside, as kernel/audit.c:audit_log_untrustedstring() writes it: in double
 * quotes, or as upper-case hex without quotes when it holds a quote, a blank, a control or
 * non-ASCII byte (audit_string_contains_control()), which ausearch -i decodes.
 */
function untrustedField(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.every((b) => b > 0x20 && b < 0x7f && b !== 0x22)) return `"${text}"`;
  return bytes.toString('hex').toUpperCase();
}

/** NSPROC_CONTAINER body: `pid= runtime= container= [pod=] cgroup= <t>ns=…`. */
function containerFields(e: ContainerSeenEvent): string {
  const c = e.container;
  const pod = c.pod === null ? '' : ` pod=${c.pod}`;
  return `pid=${e.pid} runtime=${c.runtime} container=${c.id}${pod} cgroup=${untrustedField(c.cgroup)}${nsFields(e.namespaces)}`;
}

/**
 * One raw log line, as src/auditd-event.c:format_raw() writes it: `type=NAME msg=MESSAGE`,
 * every newline in the message replaced by a space ("so it looks nicer" — and so a
 * record is always exactly one line), a trailing space trimmed (a kernel EOE record,
 * `audit(…): `, loses it too).
 *
 * @param typeName the record's name (`SYSCALL`, `NS_INFO`, `UNKNOWN[1329]`)
 * @param message `audit(SEC.MSEC:SERIAL): fields`, as the kernel sends a record
 * @returns the line, without its newline
 * @example
 * rawLine('EOE', 'audit(1796153311.651:9): '); // 'type=EOE msg=audit(1796153311.651:9):'
 */
export function rawLine(typeName: string, message: string): string {
  let m = message.includes('\n') ? message.replace(/\n/g, ' ') : message;
  if (m.endsWith(' ')) m = m.slice(0, -1);
  return `type=${typeName} msg=${m}`;
}

/** One record's line from its name, stamp and fields: {@link rawLine} of `audit(STAMP): fields`. */
export function line(typeName: string, stamp: AuditStamp, fields: string): string {
  return rawLine(typeName, `audit(${formatStamp(stamp)}): ${fields}`);
}

/**
 * The log lines (without newline) of one audit event. Every event is one audit
 * event with one stamp; only VIRT_CONTROL has two records (its NS_INFO shares
 * the stamp, as kernel/audit.c appends it to the same audit context).
 *
 * @param event a model event
 * @param stamp the event's time and audit serial
 * @returns one line, or two for VIRT_CONTROL
 *
 * @example The seed's clone record
 * ```ts
 * const net = profileTypes('v5').byName.get('net')!;
 * const actor = { pid: 481, uid: 0, auid: 4294967295, ses: 4294967295, subj: 'system_u:system_r:init_t:s0' };
 * formatRecords({ kind: 'ns-created', type: net, snum: 8n, oldSnum: 7n, actor },
 *   { sec: 1408577535, msec: 306, serial: 81 });
 * // ['type=AUDIT_NS_INIT_NET msg=audit(1408577535.306:81): pid=481 uid=0 auid=4294967295
 * //   ses=4294967295 subj=system_u:system_r:init_t:s0 old_netns=7 netns=8 res=1']
 * ```
 */
export function formatRecords(event: ModelEvent, stamp: AuditStamp): string[] {
  switch (event.kind) {
    case 'ns-created': {
      const f = auditField(event.type);
      const body = `${actorFields(event.actor)} old_${f}=${snumHex(event.oldSnum)} ${f}=${snumHex(event.snum)} res=1`;
      return [line(event.type.auditInit.name, stamp, body)];
    }
    case 'ns-freed': {
      const body = `${actorFields(event.actor)} ${auditField(event.type)}=${snumHex(event.snum)} res=1`;
      return [line(event.type.auditDel.name, stamp, body)];
    }
    case 'ns-info':
      return [line(NS_INFO_AUDIT.name, stamp, nsInfoFields(event))];
    case 'virt-control': {
      // The text's limits (no quote or control byte, ≤ AUDIT_MESSAGE_TEXT_MAX bytes) are virtControl()'s to enforce.
      const body = `${actorFields(event.actor)} msg='${event.text}'`;
      return [line(VIRT_CONTROL_AUDIT.name, stamp, body), line(NS_INFO_AUDIT.name, stamp, nsInfoFields(event.info))];
    }
    case 'daemon-start':
      return [line(DAEMON_START_AUDIT.name, stamp, daemonFields('start', event))];
    case 'daemon-rotate':
      return [line(DAEMON_ROTATE_AUDIT.name, stamp, daemonFields('rotate-logs', event))];
    case 'container-seen':
      return [line(CONTAINER_RECORD, stamp, containerFields(event))];
  }
}

/**
 * auditd's own DAEMON_START/DAEMON_ROTATE fields (`op=… ver=… format=… kernel=… auid=… pid=…
 * uid=… ses=… subj=… res=success`), with where serials come from and the boot they belong to.
 */
function daemonFields(op: 'start' | 'rotate-logs', e: Omit<DaemonStartEvent, 'kind'>): string {
  const a = e.actor;
  return `op=${op} ver=${e.version} format=raw kernel=${e.kernel} ns_serials=${e.serialSource} boot_id=${e.bootId} `
    + `auid=${a.auid} pid=${a.pid} uid=${a.uid} ses=${a.ses} subj=${a.subj} res=success`;
}
