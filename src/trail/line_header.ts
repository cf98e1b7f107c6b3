/**
 * The head of one log line, read before anything else (the lazy part of the parse): the
 * `node=`, `type=` and stamp of src/audit/record_line.ts's grammar, the names kept once
 * (name_cache.ts). The fields after it are read only for the record types the trail uses
 * (record_fields.ts).
 */
import { newLineSpans, scanLine, type BadLine } from '../audit/record_line.js';
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
  const s = scanLine(text, start, end, SPANS);
  if (typeof s === 'string') return s;
  HEADER.node = NAMES.name(text, s.nodeStart, s.nodeEnd);
  HEADER.type = NAMES.name(text, s.typeStart, s.typeEnd);
  HEADER.sec = s.stamp.sec;
  HEADER.msec = s.stamp.msec;
  HEADER.serial = s.stamp.serial;
  HEADER.body = s.stamp.end;
  return HEADER;
}

const SPANS = newLineSpans();
const HEADER: { -readonly [K in keyof LineHeader]: LineHeader[K] } = { node: '', type: '', sec: 0, msec: 0, serial: 0, body: 0 };
const NAMES = new NameCache();
