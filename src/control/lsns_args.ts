/**
 * `lsns ARGS…` on the control file: util-linux lsns(8)'s options, columns and
 * defaults (sys-utils/lsns.c:main(), util-linux 2.38–2.41), plus a SNUM column.
 *
 * Columns (`--output-all` order): NS TYPE PATH NPROCS PID PPID COMMAND UID USER
 * NETNSID NSFS PNS ONS SNUM. Defaults: NS TYPE NPROCS PID USER COMMAND, with
 * NETNSID NSFS before COMMAND when `-t net` is given; `lsns NS` (one namespace's
 * processes) defaults to PID PPID USER COMMAND. `-o LIST` replaces the columns,
 * `-o +LIST` appends to them; the last -o wins. Without `-l`, `-T` or
 * `--output-all`, the output is a process tree (lsns's LSNS_TREE_PROCESS).
 */
import { fail, ok, type Result } from '../model/errno.js';
import { NS_TYPES, type NsName } from '../model/nstypes.js';
import { pidFromText } from '../model/pids.js';
import { getopt, splitWords, type OptSpec } from './_argv.js';
import type { JsonType } from './_scols.js';

/** The column names, as headers and `-o` names. */
export type LsnsColumnId =
  | 'NS' | 'TYPE' | 'PATH' | 'NPROCS' | 'PID' | 'PPID' | 'COMMAND' | 'UID' | 'USER' | 'NETNSID' | 'NSFS' | 'PNS' | 'ONS' | 'SNUM'
  | 'CONTAINER';

/** One row of the column table. */
export interface LsnsColumnInfo {
  readonly id: LsnsColumnId;
  readonly whint: number;
  readonly right: boolean;
  readonly json: JsonType;
  readonly help: string;
}

/** sys-utils/lsns.c infos[]: name, width hint, SCOLS_FL_RIGHT, JSON type; SNUM and CONTAINER are nsproc's. */
export const LSNS_COLUMNS: readonly LsnsColumnInfo[] = [
  { id: 'NS', whint: 10, right: true, json: 'number', help: 'namespace identifier (inode number)' },
  { id: 'TYPE', whint: 5, right: false, json: 'string', help: 'kind of namespace' },
  { id: 'PATH', whint: 0, right: false, json: 'string', help: 'path to the namespace' },
  { id: 'NPROCS', whint: 5, right: true, json: 'number', help: 'number of processes in the namespace' },
  { id: 'PID', whint: 5, right: true, json: 'number', help: 'lowest PID in the namespace' },
  { id: 'PPID', whint: 5, right: true, json: 'number', help: 'PPID of the PID' },
  { id: 'COMMAND', whint: 0, right: false, json: 'string', help: 'command line of the PID' },
  { id: 'UID', whint: 0, right: true, json: 'number', help: 'UID of the PID' },
  { id: 'USER', whint: 0, right: false, json: 'string', help: 'username of the PID' },
  { id: 'NETNSID', whint: 0, right: true, json: 'string', help: 'namespace ID as used by network subsystem' },
  { id: 'NSFS', whint: 0, right: false, json: 'string', help: 'nsfs mountpoint (usually used network subsystem)' },
  { id: 'PNS', whint: 10, right: true, json: 'number', help: 'parent namespace identifier (inode number)' },
  { id: 'ONS', whint: 10, right: true, json: 'number', help: 'owner namespace identifier (inode number)' },
  { id: 'SNUM', whint: 0, right: true, json: 'string', help: 'namespace serial number (hex, as *_snum and audit records)' },
  { id: 'CONTAINER', whint: 0, right: false, json: 'string', help: 'container of the PID, from its cgroup (host mode)' },
];

/** lsns.c's LSNS_TREE_*: none (`-l`), process (the default), owner (`-T`), parent (`-T parent`). */
export type LsnsTree = 'none' | 'process' | 'owner' | 'parent';

/** A parsed `lsns` command line: what to list and how to print it. */
export interface LsnsQuery {
  readonly columns: readonly LsnsColumnId[];
  /** `-t`: types to list; empty = every type. */
  readonly types: readonly NsName[];
  /** `-p`: only namespaces this task (pid in the initial pid namespace) is in. */
  readonly pid: number | null;
  /** The `<namespace>` operand: list that namespace's processes instead (an inode number). */
  readonly nsid: number | null;
  readonly tree: LsnsTree;
  readonly raw: boolean;
  readonly json: boolean;
  readonly noHeadings: boolean;
  /** `-P`: only namespaces no task is in. */
  readonly persistent: boolean;
}

const SPECS: readonly OptSpec[] = [
  { short: 'J', long: 'json', arg: 'none', key: 'J' },
  { short: 'l', long: 'list', arg: 'none', key: 'l' },
  { short: 'n', long: 'noheadings', arg: 'none', key: 'n' },
  { short: 'o', long: 'output', arg: 'required', key: 'o' },
  { long: 'output-all', arg: 'none', key: 'output-all' },
  { short: 'P', long: 'persistent', arg: 'none', key: 'P' },
  { short: 'p', long: 'task', arg: 'required', key: 'p' },
  { short: 'r', long: 'raw', arg: 'none', key: 'r' },
  { short: 't', long: 'type', arg: 'required', key: 't' },
  { short: 'T', long: 'tree', arg: 'optional', key: 'T' },
  // Accepted and without effect: nothing is truncated (not a terminal), NSFS never wraps (always empty).
  { short: 'u', long: 'notruncate', arg: 'none', key: 'u' },
  { short: 'W', long: 'nowrap', arg: 'none', key: 'W' },
];

/** err_exclusive_options() rows of lsns.c. */
const EXCLUSIVE: readonly (readonly [string, string])[] = [['J', 'r'], ['P', 'p'], ['l', 'T']];

/** Column names, case-insensitive (string_add_to_idarray() with column_name_to_id()); `+LIST` appends. */
function applyOutput(list: string, current: readonly LsnsColumnId[]): Result<LsnsColumnId[]> {
  const append = list.startsWith('+');
  const names = (append ? list.slice(1) : list).split(',');
  const out = append ? [...current] : [];
  for (const name of names) {
    const col = LSNS_COLUMNS.find((c) => c.id === name.toUpperCase());
    if (!col || name === '') return fail('EINVAL', `unknown column: ${name}`);
    out.push(col.id);
  }
  if (out.length > LSNS_COLUMNS.length * 2) return fail('EINVAL', `too many columns specified, the limit is ${LSNS_COLUMNS.length * 2 - 1} columns`);
  return ok(out);
}

function parseTree(value: string | undefined): Result<LsnsTree> {
  const v = value?.startsWith('=') ? value.slice(1) : value;
  if (v === undefined || v === 'owner') return ok('owner');
  if (v === 'parent' || v === 'process') return ok(v);
  return fail('EINVAL', `unknown tree type: ${v}`);
}

/**
 * @example
 * parseLsnsArgs('-t net -o +PNS,SNUM') // ok({ columns: [NS TYPE NPROCS PID USER NETNSID NSFS COMMAND PNS SNUM], tree: 'process', … })
 */
export function parseLsnsArgs(text: string): Result<LsnsQuery> {
  const words = splitWords(text);
  if (!words.ok) return words;
  const parsed = getopt(words.value, SPECS);
  if (!parsed.ok) return parsed;
  const seen = new Map<string, string>();
  let columns: LsnsColumnId[] = [];
  let outarg: string | undefined;
  const types: NsName[] = [];
  let pid: number | null = null;
  let tree: LsnsTree = 'none';
  for (const o of parsed.value.opts) {
    for (const [a, b] of EXCLUSIVE) {
      const other = o.key === a ? b : o.key === b ? a : null;
      if (other !== null && seen.has(other)) return fail('EINVAL', `mutually exclusive arguments: ${seen.get(other)} ${o.as}`);
    }
    seen.set(o.key, o.as);
    const v = o.value!;
    if (o.key === 'o') outarg = v;
    else if (o.key === 'output-all') columns = LSNS_COLUMNS.map((c) => c.id);
    else if (o.key === 'p') {
      // util-linux lsns reads -p with strtos32_or_err(): leading zeros pass, and 0 means no filter.
      const digits = v.length <= 10 ? v.replace(/^0+(?=[0-9])/, '') : v;
      if (digits === '0') pid = null;
      else if ((pid = pidFromText(digits)) === null) return fail('EINVAL', `invalid PID argument: '${v}'`);
    } else if (o.key === 't') {
      const type = NS_TYPES.find((t) => t.name === v);
      if (!type) return fail('EINVAL', `unknown namespace type: ${v}`);
      if (!types.includes(type.name)) types.push(type.name);
    } else if (o.key === 'T') {
      const t = parseTree(o.value);
      if (!t.ok) return t;
      tree = t.value;
    }
  }
  const list = seen.has('l');
  const operands = parsed.value.operands;
  if (operands.length > 1) return fail('EINVAL', `only one <namespace> may be given, not '${operands.join(' ')}'`);
  let nsid: number | null = null;
  if (operands.length === 1) {
    if (pid !== null) return fail('EINVAL', '--task is mutually exclusive with <namespace>');
    if (!/^[0-9]{1,20}$/.test(operands[0]!)) return fail('EINVAL', `invalid namespace argument: '${operands[0]}'`);
    nsid = Number(operands[0]);
    if (tree === 'none' && !list) tree = 'process';
    if (columns.length === 0) columns = ['PID', 'PPID', 'USER', 'COMMAND'];
  }
  if (columns.length === 0) {
    columns = ['NS', 'TYPE', 'NPROCS', 'PID', 'USER', ...(types.includes('net') ? ['NETNSID', 'NSFS'] as const : []), 'COMMAND'];
    if (tree === 'none' && !list) tree = 'process';
  }
  if (outarg !== undefined) {
    const c = applyOutput(outarg, columns);
    if (!c.ok) return c;
    columns = c.value;
  }
  return ok({
    columns, types, pid, nsid, tree, raw: seen.has('r'), json: seen.has('J'), noHeadings: seen.has('n'), persistent: seen.has('P'),
  });
}
