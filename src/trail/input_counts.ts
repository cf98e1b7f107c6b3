/**
 * What the input held that the trail could not use, or used with a warning: counted, never a
 * crash, and said in one closing line on stderr (nstrail's main.ts).
 */

export interface InputCounts {
  /** Records read (lines with a record header). */
  records: number;
  /** Lines that begin a record but stop before its stamp is whole. */
  truncated: number;
  /** Records (counted in `records`) whose fields are cut short or mangled: not used. */
  malformed: number;
  /** Lines with control bytes or bytes that are not UTF-8. */
  garbage: number;
  /** Text lines that are no audit record at all. */
  notRecords: number;
  /** A last line without its newline: a record cut by the end of the file. */
  cut: number;
  /** The same line (node, time, serial, text) a second time. */
  duplicates: number;
  /** A node's serial passing 2^32 and starting again. */
  wrapped: number;
  /** A node's serial going back without a new boot: records out of order, or two hosts of one name. */
  outOfOrder: number;
  /** Two boot ids for one node at once (DAEMON_ROTATE naming another boot, a boot coming back). */
  nodeClashes: number;
  /** AUDIT_NS_DEL_<T> of a serial the input never showed alive. */
  delWithoutInit: number;
  /** AUDIT_NS_INIT_<T> of a serial already alive. */
  initTwice: number;
}

export function newCounts(): InputCounts {
  return {
    records: 0, truncated: 0, malformed: 0, garbage: 0, notRecords: 0, cut: 0, duplicates: 0, wrapped: 0,
    outOfOrder: 0, nodeClashes: 0, delWithoutInit: 0, initTwice: 0,
  };
}

const WORDS: ReadonlyArray<readonly [keyof InputCounts, string, string]> = [
  ['truncated', 'truncated line', 'truncated lines'],
  ['malformed', 'record with cut or mangled fields', 'records with cut or mangled fields'],
  ['garbage', 'line of binary garbage', 'lines of binary garbage'],
  ['notRecords', 'line that is no record', 'lines that are no records'],
  ['cut', 'record cut at the end of a file', 'records cut at the end of a file'],
  ['duplicates', 'duplicate record (counted once)', 'duplicate records (counted once)'],
  ['wrapped', 'serial wrap', 'serial wraps'],
  ['outOfOrder', 'record out of serial order', 'records out of serial order'],
  ['nodeClashes', 'node name with two boot ids', 'node names with two boot ids'],
  ['delWithoutInit', 'DEL without INIT', 'DELs without INIT'],
  ['initTwice', 'INIT of a namespace already alive', 'INITs of namespaces already alive'],
];

/**
 * The closing line, or null when there is nothing to say.
 * @example
 * closingLine({ ...newCounts(), records: 20, truncated: 1, duplicates: 2 });
 * // 'nstrail: 20 records read; 1 truncated line, 2 duplicate records (counted once)'
 */
export function closingLine(c: InputCounts): string | null {
  const parts = WORDS.filter(([k]) => c[k] > 0).map(([k, one, many]) => `${c[k]} ${c[k] === 1 ? one : many}`);
  if (parts.length === 0) return null;
  return `nstrail: ${c.records} record${c.records === 1 ? '' : 's'} read; ${parts.join(', ')}`;
}
