/**
 * The grammar of one audit log line, as auditd writes it (src/auditd-event.c:format_raw(), the
 * `node=NAME ` first when auditd.conf(5) name_format asks for it) and format.ts writes it:
 *
 *   [node=NODE ]type=TYPE msg=audit(SEC.MSEC:SERIAL): FIELDS
 *
 * TYPE is auditd's name for the record type, `[A-Z0-9_]+`, or `UNKNOWN[n]` for a number it has no
 * name for (src/kaudit/record_types.ts). The one reader of log lines: the trail reads the head
 * of every line with {@link scanLine}, the tests whole records with {@link parseRecordLine}.
 */
import { formatStamp, type AuditStamp } from './format.js';
import { nextField, stampInto, type FieldSpan, type ParsedStamp } from './record_text.js';

export const NODE_PREFIX = 'node=';
export const TYPE_PREFIX = 'type=';
const MSG_PREFIX = 'msg=';
/** `UNKNOWN[n]`: format_raw() for a type number audit_msg_type_to_name() has no name for. */
const UNKNOWN_TYPE = 'UNKNOWN[';

/** Why a line is not a record: the start of one cut short, bytes that are not text, or other text. */
export type BadLine = 'truncated' | 'garbage' | 'not-a-record';

/** Control bytes (tab aside), DEL, and what UTF-8 decoding made of bytes that are not UTF-8. */
export const GARBAGE = /[\x00-\x08\x0b-\x1f\x7f\ufffd]/;

/** Where the parts of one line's head are in its text. */
export interface LineSpans {
  /** The `node=` value at [nodeStart, nodeEnd); empty when the line has none. */
  nodeStart: number;
  nodeEnd: number;
  /** The `type=` value at [typeStart, typeEnd). */
  typeStart: number;
  typeEnd: number;
  /** The stamp; its `end` is the index of the first field. */
  readonly stamp: ParsedStamp;
}

/** A {@link LineSpans} to pass to {@link scanLine} again and again. */
export const newLineSpans = (): LineSpans => ({ nodeStart: 0, nodeEnd: 0, typeStart: 0, typeEnd: 0, stamp: { sec: 0, msec: 0, serial: 0, end: 0 } });

/**
 * The head of one line, by hand and without allocating (the trail reads a million lines a
 * second). The type is read to the next blank, not checked ({@link isTypeName}): checking it
 * cost a seventh of this function's time, and a reader that looks types up in a table (the
 * trail) passes over a name that is not one as it passes over any type it does not know.
 * @param text the line, or a chunk holding it from `start` to `end` (nothing past `end` is read)
 * @param out overwritten with where the parts are
 * @returns `out`, or why the line is not a record
 * @example
 * const s = scanLine('node=a type=EOE msg=audit(1.002:3):', 0, 35, newLineSpans());
 * // { nodeStart: 5, nodeEnd: 6, typeStart: 12, typeEnd: 15, stamp: { sec: 1, msec: 2, serial: 3, end: 35 } }
 */
export function scanLine(text: string, start: number, end: number, out: LineSpans): LineSpans | BadLine {
  let p = start;
  out.nodeStart = out.nodeEnd = start;
  if (text.startsWith(NODE_PREFIX, start)) {
    const sp = blankIn(text, start + NODE_PREFIX.length, end);
    if (sp < 0) return 'truncated';
    out.nodeStart = start + NODE_PREFIX.length;
    out.nodeEnd = sp;
    p = sp + 1;
  }
  if (!text.startsWith(TYPE_PREFIX, p) || p + TYPE_PREFIX.length > end) {
    return p > start ? 'truncated' : GARBAGE.test(text.slice(start, end)) ? 'garbage' : 'not-a-record';
  }
  const t = p + TYPE_PREFIX.length;
  const sp = blankIn(text, t, end);
  if (sp < 0 || !text.startsWith(MSG_PREFIX, sp + 1) || sp + 1 + MSG_PREFIX.length > end) return 'truncated';
  if (!stampInto(text, sp + 1 + MSG_PREFIX.length, out.stamp) || out.stamp.end > end) return 'truncated';
  out.typeStart = t;
  out.typeEnd = sp;
  return out;
}

/** The first blank in `text` from `from`, before `end`; -1 when there is none. */
function blankIn(text: string, from: number, end: number): number {
  const sp = text.indexOf(' ', from);
  return sp >= end ? -1 : sp;
}

/**
 * Whether `text` from `start` to `end` is a type name as auditd prints one: `[A-Z0-9_]+`, or
 * `UNKNOWN[n]`.
 * @example
 * isTypeName('UNKNOWN[1329]', 0, 13); // true
 * isTypeName('ns_info', 0, 7); // false
 */
export function isTypeName(text: string, start: number, end: number): boolean {
  let i = start;
  if (text.startsWith(UNKNOWN_TYPE, start)) {
    i += UNKNOWN_TYPE.length;
    const digits = i;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
    return i > digits && i === end - 1 && text.charCodeAt(i) === 93; /* ] */
  }
  for (let c = text.charCodeAt(i); i < end && ((c >= 65 && c <= 90) || isDigit(c) || c === 95); c = text.charCodeAt(++i));
  return i > start && i === end;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** One record of a log, read whole. */
export interface RecordLine {
  /** `node=`'s value; absent when the line has none. */
  readonly node?: string;
  /** `NS_INFO`, `SYSCALL`, `UNKNOWN[1329]` … */
  readonly type: string;
  readonly stamp: AuditStamp;
  /** The index of the first field in the line. */
  readonly body: number;
  /**
   * name → value as printed, in the line's order (the first of a name that comes twice): quotes
   * kept, as auditd's raw format and ausearch --raw show them, since they tell a quoted string
   * from one in hex (untrustedString() reads either); `msg='…'` whole.
   */
  readonly fields: ReadonlyMap<string, string>;
}

/**
 * @param line one line of a log, without its newline
 * @returns the record, or null when the line is not one (other text, or a record cut short)
 * @example
 * parseRecordLine("node=a type=VIRT_CONTROL msg=audit(1.002:3): pid=4 msg='op=start vm=\"x y\"'");
 * // { node: 'a', type: 'VIRT_CONTROL', stamp: { sec: 1, msec: 2, serial: 3 }, body: 45,
 * //   fields: Map { pid → 4, msg → 'op=start vm="x y"' } }
 */
export function parseRecordLine(line: string): RecordLine | null {
  const s = scanLine(line, 0, line.length, SPANS);
  if (typeof s === 'string' || !isTypeName(line, s.typeStart, s.typeEnd)) return null;
  const fields = new Map<string, string>();
  for (let p = nextField(line, s.stamp.end, line.length, F); p >= 0; p = nextField(line, p, line.length, F)) {
    const name = line.slice(F.keyStart, F.keyEnd);
    if (!fields.has(name)) fields.set(name, line.slice(F.valueStart, F.valueEnd));
  }
  const head = { type: line.slice(s.typeStart, s.typeEnd), stamp: { sec: s.stamp.sec, msec: s.stamp.msec, serial: s.stamp.serial }, body: s.stamp.end, fields };
  return line.startsWith(NODE_PREFIX) ? { node: line.slice(s.nodeStart, s.nodeEnd), ...head } : head;
}

const SPANS = newLineSpans();
const F: FieldSpan = { keyStart: 0, keyEnd: 0, valueStart: 0, valueEnd: 0 };

/**
 * Which audit event a record belongs to: records with the same stamp `SEC.MSEC:SERIAL` are one
 * event, since kernel/audit.c:audit_log_start() stamps every record of an audit context with
 * the context's time and serial (and nsproc's VIRT_CONTROL and its NS_INFO share one, SPEC §6).
 * @returns a key equal for the records of one event, different for records of two
 * @example
 * eventKey({ sec: 1408577535, msec: 6, serial: 81 }); // '1408577535.006:81'
 */
export function eventKey(stamp: AuditStamp): string {
  return formatStamp(stamp);
}
