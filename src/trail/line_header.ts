/**
 * The head of one log line, read before anything else (the lazy part of the parse): auditd's
 * `node=NAME ` when the sender names itself (auditd.conf name_format), `type=NAME`, and the
 * `msg=audit(SEC.MSEC:SERIAL): ` stamp. The fields after it are read only for the record
 * types the trail uses (record_fields.ts).
 */
import { stampInto, type ParsedStamp } from '../audit/record_text.js';
import { NameCache } from './name_cache.js';

export interface LineHeader {
  /** `node=` value; '' when the line has none (a log written with --name-format none). */
  readonly node: string;
  readonly type: string;
  readonly sec: number;
  readonly msec: number;
  readonly serial: number;
  /** Index of the first field. */
  readonly body: number;
}

/** Why a line is not a record: the start of one cut short, bytes that are not text, or other text. */
export type BadLine = 'truncated' | 'garbage' | 'not-a-record';

/** Control bytes (tab aside), DEL, and what UTF-8 decoding made of bytes that are not UTF-8. */
export const GARBAGE = /[\x00-\x08\x0b-\x1f\x7f\ufffd]/;

/**
 * @param text the line, or the chunk holding it from `start` to `end` (line_reader.ts)
 * @returns the header (`body` an index in `text`), or why the line is not a record. The header
 * is one object, overwritten by the next call (a header per line was a tenth of what the trail
 * allocated): read it before the next line.
 * @example
 * parseHeader('node=hostA type=NS_INFO msg=audit(1408577535.306:16): pid=4 netns=c');
 * // { node: 'hostA', type: 'NS_INFO', sec: 1408577535, msec: 306, serial: 16, body: 52 }
 */
export function parseHeader(text: string, start = 0, end = text.length): LineHeader | BadLine {
  let p = start;
  let node = '';
  if (text.startsWith('node=', start)) {
    p = spaceIn(text, start + 5, end);
    if (p < 0) return 'truncated';
    node = NAMES.name(text, start + 5, p);
    p++;
  }
  if (!text.startsWith('type=', p) || p + 5 > end) return p > start ? 'truncated' : GARBAGE.test(text.slice(start, end)) ? 'garbage' : 'not-a-record';
  const sp = spaceIn(text, p + 5, end);
  if (sp < 0 || !text.startsWith('msg=', sp + 1) || sp + 5 > end) return 'truncated';
  if (!stampInto(text, sp + 5, STAMP) || STAMP.end > end) return 'truncated';
  HEADER.node = node;
  HEADER.type = NAMES.name(text, p + 5, sp);
  HEADER.sec = STAMP.sec;
  HEADER.msec = STAMP.msec;
  HEADER.serial = STAMP.serial;
  HEADER.body = STAMP.end;
  return HEADER;
}

/** The first blank in `text` from `from`, before `end`; -1 when there is none. */
function spaceIn(text: string, from: number, end: number): number {
  const sp = text.indexOf(' ', from);
  return sp >= end ? -1 : sp;
}

const STAMP: ParsedStamp = { sec: 0, msec: 0, serial: 0, end: 0 };
const HEADER: { -readonly [K in keyof LineHeader]: LineHeader[K] } = { node: '', type: '', sec: 0, msec: 0, serial: 0, body: 0 };
const NAMES = new NameCache();
