/**
 * The head of one log line, read before anything else (the lazy part of the parse): auditd's
 * `node=NAME ` when the sender names itself (auditd.conf name_format), `type=NAME`, and the
 * `msg=audit(SEC.MSEC:SERIAL): ` stamp. The fields after it are read only for the record
 * types the trail uses (record_fields.ts).
 */
import { stampInto, type ParsedStamp } from '../audit/record_text.js';

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
 * @param line one line, without its newline
 * @returns the header, or why the line is not a record
 * @example
 * parseHeader('node=hostA type=NS_INFO msg=audit(1408577535.306:16): pid=4 netns=c');
 * // { node: 'hostA', type: 'NS_INFO', sec: 1408577535, msec: 306, serial: 16, body: 52 }
 */
export function parseHeader(line: string): LineHeader | BadLine {
  let p = 0;
  let node = '';
  if (line.startsWith('node=')) {
    p = line.indexOf(' ', 5);
    if (p < 0) return 'truncated';
    node = line.slice(5, p);
    p++;
  }
  if (!line.startsWith('type=', p)) return p > 0 ? 'truncated' : GARBAGE.test(line) ? 'garbage' : 'not-a-record';
  const sp = line.indexOf(' ', p + 5);
  if (sp < 0 || !line.startsWith('msg=', sp + 1)) return 'truncated';
  if (!stampInto(line, sp + 5, STAMP)) return 'truncated';
  return { node, type: line.slice(p + 5, sp), sec: STAMP.sec, msec: STAMP.msec, serial: STAMP.serial, body: STAMP.end };
}

const STAMP: ParsedStamp = { sec: 0, msec: 0, serial: 0, end: 0 };
