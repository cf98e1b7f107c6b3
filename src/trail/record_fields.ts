/**
 * The fields of the records the trail reads, as src/audit/format.ts and the host and kernel
 * audit parts write them (SPEC §6, §8, §9). Each decoder takes the line (or the chunk holding
 * it: `end` is where the line ends, line_reader.ts) and the index of its first field, reads
 * only what the trail needs, and returns null for a record whose fields are not all there (a
 * line cut short, or mangled).
 */
import { fieldValue, nextField, untrustedString, type FieldSpan } from '../audit/record_text.js';
import { NS_FIELD } from './record_kinds.js';

/** One `<t>ns=HEX` field: the type's index in the table and the serial as printed (lowercase hex). */
export interface NsField {
  readonly typeIdx: number;
  readonly serial: string;
}

/** Who a record names as its subject: `pid= uid= auid=` (ses and subj are not needed). */
export interface Actor {
  readonly pid: number;
  readonly uid: number;
  readonly auid: number;
}

const HEX = /^[0-9a-f]{1,16}$/;
const DEC = /^\d{1,10}$/;

/** The line alone, for the readers that look a field up anywhere in it (fieldValue). */
const lineOf = (text: string, end: number): string => (end === text.length ? text : text.slice(0, end));

const num = (line: string, name: string, from: number): number | null => {
  const v = fieldValue(line, name, from - 1);
  return v !== null && DEC.test(v) ? Number(v) : null;
};

/** `name=` begins at `p`, inside the line ending at `end` (the next line's text is never read). */
const fieldAt = (text: string, p: number, name: string, end: number): boolean =>
  p + name.length < end && text.startsWith(name, p) && text.charCodeAt(p + name.length) === 61 /* = */;

/** The first blank from `from` in the line ending at `end`, or `end`. */
function wordEnd(text: string, from: number, end: number): number {
  const sp = text.indexOf(' ', from);
  return sp < 0 || sp > end ? end : sp;
}

/**
 * The decimal value of `name=` exactly at `p`, read by hand (the fields nsproc writes come in a
 * fixed order: reading them in place is several times faster than looking each one up).
 * Sets `next` to the index after it; returns -1 when the text there is not that field.
 */
let next = 0;
function decAt(text: string, p: number, name: string, end: number): number {
  if (!fieldAt(text, p, name, end)) return -1;
  let i = p + name.length + 1;
  const start = i;
  let v = 0;
  for (let c = text.charCodeAt(i) - 48; c >= 0 && c <= 9; c = text.charCodeAt(++i) - 48) v = v * 10 + c;
  if (i === start || i - start > 10 || (i < end && text.charCodeAt(i) !== 32)) return -1;
  next = i;
  return v;
}

/**
 * `pid= uid= auid= ses= subj=` in nsproc's order, into ACTOR (one object, not one per record:
 * the decoders copy it out); sets `next` past subj's value. @returns whether they were there
 */
const ACTOR = { pid: 0, uid: 0, auid: 0 };
function actorAt(text: string, body: number, end: number): boolean {
  const pid = decAt(text, body, 'pid', end);
  const uid = pid < 0 ? -1 : decAt(text, next + 1, 'uid', end);
  const auid = uid < 0 ? -1 : decAt(text, next + 1, 'auid', end);
  const ses = auid < 0 ? -1 : decAt(text, next + 1, 'ses', end);
  if (ses < 0 || !fieldAt(text, next + 1, 'subj', end)) return false;
  next = wordEnd(text, next + 6, end);
  ACTOR.pid = pid;
  ACTOR.uid = uid;
  ACTOR.auid = auid;
  return true;
}

/** The same fields anywhere in the record (a writer that put them in another order). */
function actor(line: string, body: number): Actor | null {
  const pid = num(line, 'pid', body);
  const uid = num(line, 'uid', body);
  const auid = num(line, 'auid', body);
  return pid === null || uid === null || auid === null ? null : { pid, uid, auid };
}

/** A `name=HEX` value exactly at `p` (sets `next`), or null. */
function hexAt(text: string, p: number, name: string, end: number): string | null {
  if (!fieldAt(text, p, name, end)) return null;
  const start = p + name.length + 1;
  const sp = wordEnd(text, start, end);
  const v = text.slice(start, sp);
  if (!HEX.test(v)) return null;
  next = sp;
  return v;
}

/** INIT and DEL records end so (the line's end, not the fields': `res=1` is the record's last field). */
function endsRes1(text: string, body: number, end: number): boolean {
  return end - 6 >= body - 1 && text.startsWith(' res=1', end - 6);
}

/** `old_<t>ns` per `<t>ns`, made once (not for every INIT). */
const OLD: Readonly<Record<string, string>> = Object.fromEntries([...NS_FIELD.keys()].map((f) => [f, `old_${f}`]));

/** AUDIT_NS_INIT_<T>: `pid uid auid ses subj old_<t>ns=HEX <t>ns=HEX res=1`. */
export interface InitFields extends Actor {
  readonly serial: string;
  readonly old: string;
}

export function initFields(text: string, body: number, field: string, end = text.length): InitFields | null {
  if (!endsRes1(text, body, end)) return null;
  const old = actorAt(text, body, end) ? hexAt(text, next + 1, OLD[field] ?? `old_${field}`, end) : null;
  const serial = old === null ? null : hexAt(text, next + 1, field, end);
  if (old !== null && serial !== null) return { pid: ACTOR.pid, uid: ACTOR.uid, auid: ACTOR.auid, serial, old };
  const line = lineOf(text, end);
  const b = actor(line, body);
  const o = fieldValue(line, `old_${field}`, body - 1);
  const v = fieldValue(line, field, body - 1);
  if (b === null || o === null || v === null || !HEX.test(o) || !HEX.test(v)) return null;
  return { pid: b.pid, uid: b.uid, auid: b.auid, serial: v, old: o };
}

/** AUDIT_NS_DEL_<T>: `pid uid auid ses subj <t>ns=HEX res=1`. */
export interface DelFields extends Actor {
  readonly serial: string;
}

export function delFields(text: string, body: number, field: string, end = text.length): DelFields | null {
  if (!endsRes1(text, body, end)) return null;
  const serial = actorAt(text, body, end) ? hexAt(text, next + 1, field, end) : null;
  if (serial !== null) return { pid: ACTOR.pid, uid: ACTOR.uid, auid: ACTOR.auid, serial };
  const line = lineOf(text, end);
  const b = actor(line, body);
  const v = fieldValue(line, field, body - 1);
  if (b === null || v === null || !HEX.test(v)) return null;
  return { pid: b.pid, uid: b.uid, auid: b.auid, serial: v };
}

/** NS_INFO: `pid=P` then `<t>ns=HEX` per type; `tail` is the index of the first namespace field. */
export interface NsInfoHead {
  readonly pid: number;
  readonly tail: number;
}

export function nsInfoHead(text: string, body: number, end = text.length): NsInfoHead | null {
  const pid = decAt(text, body, 'pid', end);
  return pid < 0 || next >= end ? null : { pid, tail: next + 1 };
}

/**
 * `<t>ns=HEX` fields (NS_INFO's tail, NSPROC_CONTAINER's end), each type at most once.
 * @returns them in the order given, or null when a field is not one (a cut or mangled line)
 */
export function nsFields(text: string, start = 0, stopAtOther = false): NsField[] | null {
  const out: NsField[] = [];
  let p = start;
  while (p < text.length) {
    let sp = text.indexOf(' ', p);
    if (sp < 0) sp = text.length;
    const eq = text.indexOf('=', p);
    const typeIdx = eq > p && eq < sp ? NS_FIELD.get(text.slice(p, eq)) : undefined;
    const serial = typeIdx === undefined ? '' : text.slice(eq + 1, sp);
    if (typeIdx === undefined || !HEX.test(serial) || out.some((f) => f.typeIdx === typeIdx)) {
      if (stopAtOther) { p = sp + 1; continue; }
      return null;
    }
    out.push({ typeIdx, serial });
    p = sp + 1;
  }
  return out.length > 0 ? out : null;
}

/**
 * VIRT_CONTROL: `pid uid auid ses subj msg='TEXT'`, TEXT libvirt's (src/conf/domain_audit.c):
 * `virt=lxc op=start reason=booted vm="NAME" uuid=UUID vm-pid=PID` and so on.
 */
export interface VirtFields extends Actor {
  readonly text: string;
  /** TEXT's `key=value` pairs, `vm="NAME"` without its quotes. */
  readonly f: ReadonlyMap<string, string>;
}

export function virtFields(text: string, body: number, end = text.length): VirtFields | null {
  const a = actorAt(text, body, end) ? ACTOR : actor(lineOf(text, end), body);
  const at = text.indexOf(" msg='", body - 1);
  if (a === null || at < 0 || at + 6 > end || text.charCodeAt(end - 1) !== 39 /* ' */) return null;
  const msg = text.slice(at + 6, Math.max(at + 6, end - 1));
  // Not `...a`: a spread copies generically, and this runs for every VIRT_CONTROL.
  return { pid: a.pid, uid: a.uid, auid: a.auid, text: msg, f: keyValues(msg) };
}

/**
 * `a=1 b="x y" c=2` → {a: 1, b: x y, c: 2}, the fields as record_text.ts's nextField() reads
 * them, a quoted value without its quotes. By hand, not a regular expression: its match arrays
 * were most of what a VIRT_CONTROL cost.
 * @example
 * keyValues('virt=lxc vm="my web" uuid=U'); // Map { virt → lxc, vm → my web, uuid → U }
 */
function keyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (let p = nextField(text, 0, text.length, F); p >= 0; p = nextField(text, p, text.length, F)) {
    const q = text.charCodeAt(F.valueStart);
    const quoted = q === 34 /* " */ || q === 39; /* ' */
    out.set(text.slice(F.keyStart, F.keyEnd), text.slice(quoted ? F.valueStart + 1 : F.valueStart, quoted ? F.valueEnd - 1 : F.valueEnd));
  }
  return out;
}

const F: FieldSpan = { keyStart: 0, keyEnd: 0, valueStart: 0, valueEnd: 0 };

/** DAEMON_START / DAEMON_ROTATE: `op=start|rotate-logs … boot_id=UUID …`. */
export interface DaemonFields {
  readonly op: string;
  readonly bootId: string | null;
}

export function daemonFields(text: string, body: number, end = text.length): DaemonFields | null {
  const line = lineOf(text, end);
  const op = fieldValue(line, 'op', body - 1);
  if (op === null) return null;
  return { op, bootId: fieldValue(line, 'boot_id', body - 1) };
}

/**
 * NSPROC_CONTAINER: `pid=P runtime=R container=ID [pod=UID] cgroup=PATH <t>ns=HEX …`, PATH quoted,
 * or in hex when it holds a blank, a quote or a byte that is not printable ASCII (as the kernel
 * writes untrusted strings, src/audit/format.ts).
 */
export interface ContainerFields {
  readonly pid: number;
  readonly runtime: string;
  readonly id: string;
  readonly cgroup: string;
  readonly ns: readonly NsField[];
}

export function containerFields(text: string, body: number, end = text.length): ContainerFields | null {
  const line = lineOf(text, end);
  const pid = num(line, 'pid', body);
  const runtime = fieldValue(line, 'runtime', body - 1);
  const id = fieldValue(line, 'container', body - 1);
  const at = line.indexOf(' cgroup=', body - 1);
  if (pid === null || runtime === null || id === null || at < 0) return null;
  let sp = line.indexOf(' ', at + 8);
  if (sp < 0) sp = line.length;
  const cgroup = untrustedString(line.slice(at + 8, sp));
  const ns = nsFields(line, sp + 1, true);
  return ns === null || cgroup === null ? null : { pid, runtime, id, cgroup, ns };
}

/** NSPROC_KERNEL_LOST (src/kaudit/kernel_audit.ts), NSPROC_LOG_LOST: what was lost, as the record says it. */
export function lostText(text: string, body: number, end = text.length): string {
  return text.slice(body, end);
}

/** NSPROC_NS_UNSEEN: `pid=P syscall=NAME types=net,mnt comm= exe=`. */
export interface UnseenFields {
  readonly pid: number;
  readonly syscall: string;
  readonly types: string;
}

export function unseenFields(text: string, body: number, end = text.length): UnseenFields | null {
  const line = lineOf(text, end);
  const pid = num(line, 'pid', body);
  const syscall = fieldValue(line, 'syscall', body - 1);
  const types = fieldValue(line, 'types', body - 1);
  return pid === null || syscall === null || types === null ? null : { pid, syscall, types };
}
