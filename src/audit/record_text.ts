/**
 * Reading auditd record text: the `audit(SEC.MSEC:SERIAL): ` stamp that
 * kernel/audit.c:audit_log_start() prints (`"audit(%llu.%03lu:%u): "`), `name=value` fields,
 * and the kernel's untrusted strings. One reader for every part that reads records: the
 * kernel audit reader (src/kaudit/) and the trail (src/trail/). The inverse of format.ts.
 */

/** A record's stamp, and where its fields begin. */
export interface ParsedStamp {
  sec: number;
  /** 0..999, always three digits in the text. */
  msec: number;
  /** audit_serial(): unsigned 32-bit. */
  serial: number;
  /** The index just past `): ` (or `):` when nothing follows). */
  end: number;
}

const ZERO = 48;
/** Seconds fit a double exactly up to 2^53; the kernel's are far below 10^15. */
const MAX_SEC_DIGITS = 15;

/**
 * The `audit(SEC.MSEC:SERIAL): ` stamp at `from`, read by hand (it is on every line a reader sees).
 * @param text a record's text, `audit(…): fields`, or a log line with the stamp at `from`
 * @param from where `audit(` is expected
 * @returns the stamp, or null when the text there is not one (two-digit milliseconds, a serial past 32 bits, …)
 * @example
 * parseStamp('audit(1408577535.306:81): pid=1'); // { sec: 1408577535, msec: 306, serial: 81, end: 26 }
 */
export function parseStamp(text: string, from = 0): ParsedStamp | null {
  const out: ParsedStamp = { sec: 0, msec: 0, serial: 0, end: 0 };
  return stampInto(text, from, out) ? out : null;
}

/**
 * {@link parseStamp} into `out` (a reader of millions of lines reuses one object).
 * @returns whether there was a stamp (`out` is unchanged when not)
 */
export function stampInto(text: string, from: number, out: ParsedStamp): boolean {
  if (!text.startsWith('audit(', from)) return false;
  let i = from + 6;
  let sec = 0;
  const secStart = i;
  for (let c = text.charCodeAt(i) - ZERO; c >= 0 && c <= 9; c = text.charCodeAt(++i) - ZERO) sec = sec * 10 + c;
  if (i === secStart || i - secStart > MAX_SEC_DIGITS || text.charCodeAt(i) !== 46 /* . */) return false;
  const m0 = text.charCodeAt(i + 1) - ZERO, m1 = text.charCodeAt(i + 2) - ZERO, m2 = text.charCodeAt(i + 3) - ZERO;
  if (!(m0 >= 0 && m0 <= 9 && m1 >= 0 && m1 <= 9 && m2 >= 0 && m2 <= 9) || text.charCodeAt(i + 4) !== 58 /* : */) return false;
  i += 5;
  let serial = 0;
  const serialStart = i;
  for (let c = text.charCodeAt(i) - ZERO; c >= 0 && c <= 9; c = text.charCodeAt(++i) - ZERO) serial = serial * 10 + c;
  if (i === serialStart || i - serialStart > 10 || serial > 0xffffffff) return false;
  if (text.charCodeAt(i) !== 41 /* ) */ || text.charCodeAt(i + 1) !== 58 /* : */) return false;
  out.sec = sec;
  out.msec = m0 * 100 + m1 * 10 + m2;
  out.serial = serial;
  out.end = text.charCodeAt(i + 2) === 32 ? i + 3 : i + 2;
  return true;
}

/**
 * The value of the first ` name=` field in `text` that has one (up to the next blank), as the
 * kernel and nsproc print fields: `name=value`, blank-separated.
 * @param text a record's text
 * @param name the field's name
 * @param from where to start looking
 * @returns the value as printed (quotes kept), or null when there is no such field
 * @example
 * fieldValue('audit(1.002:3): arch=c000003e syscall=272 ppid=7 pid=8', 'pid'); // '8'
 */
export function fieldValue(text: string, name: string, from = 0): string | null {
  const key = ` ${name}=`;
  for (let at = text.indexOf(key, from); at >= 0; at = text.indexOf(key, at + 1)) {
    const start = at + key.length;
    let end = start;
    while (end < text.length && text.charCodeAt(end) > 32) end++;
    if (end > start) return text.slice(start, end);
  }
  return null;
}

/** Where one `name=value` field is in a text: the name at [keyStart, keyEnd), the value as printed at [valueStart, valueEnd). */
export interface FieldSpan {
  keyStart: number;
  keyEnd: number;
  valueStart: number;
  valueEnd: number;
}

/**
 * The next `name=value` field from `from`, into `out`: a name is a run of [A-Za-z0-9_-] right
 * before `=`; a value that opens with `'` or `"` runs to its closing quote (`msg='op=start vm="a
 * b"'` is one value, as auditd's user records and libvirt's texts quote), any other to the next
 * blank. Words without `=` are passed over. One reader of fields for every part: no allocation,
 * so a reader of millions of records can take only the fields it needs.
 * @param text a record's text, or its fields
 * @param from where to start; @param end where the text ends (a line inside a chunk)
 * @returns the index after the value (where the next field is looked for), or -1 when there is none
 * @example
 * const f = { keyStart: 0, keyEnd: 0, valueStart: 0, valueEnd: 0 };
 * nextField("pid=1 msg='a b'", 5, 15, f); // 15; f: msg at [6, 9), 'a b' at [10, 15)
 */
export function nextField(text: string, from: number, end: number, out: FieldSpan): number {
  let s = from;
  while (s < end) {
    // A name is a run of name characters right before `=`; a run followed by anything else is none.
    let e = s;
    while (e < end && isKeyChar(text.charCodeAt(e))) e++;
    if (e === s || e >= end || text.charCodeAt(e) !== 61 /* = */) { s = e + 1; continue; }
    const v = e + 1;
    const open = text.charCodeAt(v);
    const close = open === 34 /* " */ || open === 39 /* ' */ ? text.indexOf(open === 34 ? '"' : "'", v + 1) : -1;
    let ve = close + 1;
    if (close < 0 || close >= end) for (ve = v; ve < end && !isSpace(text.charCodeAt(ve)); ve++);
    out.keyStart = s;
    out.keyEnd = e;
    out.valueStart = v;
    out.valueEnd = ve;
    return ve;
  }
  return -1;
}

/** [A-Za-z0-9_-] */
function isKeyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}

/** What `\s` matches in a JavaScript regular expression (WhiteSpace and LineTerminator). */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a)
    || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * A string the kernel printed with audit_log_untrustedstring() (kernel/audit.c): `"text"` when
 * it needs no escaping, else the bytes in hex without quotes; `(null)` when there was none.
 * @returns the text, or null for `(null)` or hex that is not hex
 * @example
 * untrustedString('"unshare"'); // 'unshare'
 * untrustedString('2F746D702F612062'); // '/tmp/a b'
 */
export function untrustedString(v: string): string | null {
  if (v === '(null)') return null;
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1);
  if (v.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(v)) return null;
  return Buffer.from(v, 'hex').toString('utf8');
}
