/**
 * The part of util-linux's libsmartcols that lsns(8) output depends on, for
 * output that is not a terminal (nsctl's answers never are): column widths,
 * alignment, tree art, `--raw` escaping and `--json` layout, each as
 * libsmartcols 2.38–2.41 prints them (checked against the host's `lsns | cat`).
 *
 * - Width of a column: the widest cell (tree art included) or the header,
 *   whichever is wider, even with `--noheadings`; when the widest cell is at
 *   least as wide as the header but narrower than the column's width hint,
 *   the hint (libsmartcols calculate.c:count_column_width()). Nothing is
 *   truncated: libsmartcols only truncates for a terminal.
 * - Cells are separated by one space; right-aligned columns are padded on the
 *   left; the last column is not padded on the right.
 * - Tree art (UTF-8 locale): `├─` / `└─` before a line, `│ ` / two spaces for
 *   each ancestor level. A table is a tree only if one of its columns is the
 *   tree column; otherwise lines come out flat in the order they were added.
 * - Text: control characters of a cell (C0, DEL, C1, U+2028/U+2029: what glibc's
 *   iswprint() refuses in a UTF-8 locale) as `\xHH` of each of their bytes, and a `\`
 *   before an `x` as `\x5c` (lib/mbsalign.c:mbs_safe_encode_to_buffer()): a name never
 *   moves the reader's cursor or clears a terminal.
 * - `--raw`: no padding, and every blank, backslash, control or non-ASCII byte
 *   of a cell as `\xHH` (include/carefulputc.h:fputs_nonblank()), tree art too.
 * - `--json`: three-space indentation, `},{` between siblings, `"children"`
 *   arrays for a tree, keys the lowercase headers, empty cells `null`.
 */

/** How a column's cells appear in --json (libsmartcols SCOLS_JSON_STRING / _NUMBER / _ARRAY_NUMBER). */
export type JsonType = 'string' | 'number' | 'array-number';

/** A column as libsmartcols declares it (scols_table_new_column()). */
export interface Column {
  /** Header text; lowercased, the JSON key. */
  readonly name: string;
  /** libsmartcols width hint: N ≥ 1 is a preferred width (see the module comment). */
  readonly whint: number;
  readonly right: boolean;
  readonly json: JsonType;
  /** The column that carries the tree art (SCOLS_FL_TREE). */
  readonly tree: boolean;
}

/** One output line; `array-number` cells hold comma-separated numbers. Empty cells are null. */
export interface Line {
  readonly cells: readonly (string | null)[];
  readonly children: Line[];
}

/** The output modes: text (default), `--raw` or `--json`; `--noheadings` drops the header line. */
export interface PrintOptions {
  readonly raw: boolean;
  readonly json: boolean;
  readonly noHeadings: boolean;
}

/**
 * Lines in insertion order, each optionally under a parent line.
 * @example
 * const t = new Table('namespaces', [{ name: 'NS', whint: 10, right: true, json: 'number', tree: false }]);
 * t.add(null, ['4026531835']);
 * t.print({ raw: false, json: false, noHeadings: false }) // ['        NS', '4026531835']
 */
export class Table {
  private readonly roots: Line[] = [];
  private readonly all: Line[] = [];

  constructor(private readonly name: string, private readonly columns: readonly Column[]) {}

  /** Adds a line under `parent` (null: a root) and returns it. */
  add(parent: Line | null, cells: readonly (string | null)[]): Line {
    const line: Line = { cells, children: [] };
    (parent ? parent.children : this.roots).push(line);
    this.all.push(line);
    return line;
  }

  /** The printed text, one string per output line. */
  print(o: PrintOptions): string[] {
    const ordered = this.columns.some((c) => c.tree) ? [...walk(this.roots)] : this.all.map((line) => ({ line, art: '' }));
    if (o.json) return this.printJson(ordered.length > 0);
    if (ordered.length === 0) return [];
    const cell = o.raw ? (t: string | null) => t ?? '' : (t: string | null) => escapeText(t ?? '');
    const rows = ordered.map(({ line, art }) => this.columns.map((c, i) => (c.tree ? art : '') + cell(line.cells[i] ?? null)));
    if (o.raw) {
      const out = rows.map((r) => r.map(escapeRaw).join(' '));
      return o.noHeadings ? out : [this.columns.map((c) => escapeRaw(c.name)).join(' '), ...out];
    }
    const widths = this.columns.map((c, i) => columnWidth(c, rows.map((r) => r[i]!)));
    const format = (cells: readonly string[]) => cells.map((text, i) => {
      const c = this.columns[i]!;
      if (c.right) return text.padStart(widths[i]! + text.length - width(text));
      return i === cells.length - 1 ? text : text.padEnd(widths[i]! + text.length - width(text));
    }).join(' ');
    const out = rows.map(format);
    return o.noHeadings ? out : [format(this.columns.map((c) => c.name)), ...out];
  }

  private printJson(hasLines: boolean): string[] {
    const out = ['{', `   ${JSON.stringify(this.name)}: [`];
    if (!hasLines) out.push('');
    const tree = this.columns.some((c) => c.tree);
    const lines = tree ? this.roots : this.all.map((l) => ({ cells: l.cells, children: [] }));
    for (const ev of events(lines)) {
      const ind = ' '.repeat(6 + 6 * ev.depth);
      if (ev.kind === 'open') {
        if (ev.first) out.push(`${ind}{`);
        const fields = this.columns.map((c, i) => `${ind}   ${JSON.stringify(c.name.toLowerCase())}: ${jsonValue(c, ev.line.cells[i] ?? null)}`);
        const hasKids = ev.line.children.length > 0;
        out.push(...fields.map((f, i) => (i < fields.length - 1 || hasKids ? `${f},` : f)));
        if (hasKids) out.push(`${ind}   "children": [`);
      } else {
        if (ev.line.children.length > 0) out.push(`${ind}   ]`);
        out.push(ev.last ? `${ind}}` : `${ind}},{`);
      }
    }
    out.push('   ]', '}');
    return out;
  }
}

/** Display width: every character here is one column wide (ASCII and the box-drawing art). */
function width(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function columnWidth(c: Column, cells: readonly string[]): number {
  const min = width(c.name);
  const data = cells.reduce((m, t) => Math.max(m, width(t)), 0);
  if (data < min) return min;
  return c.whint >= 1 && data < c.whint && min < c.whint ? c.whint : data;
}

/** What iswprint() refuses in glibc's UTF-8 locales (checked against lsns(8) of such names). */
const UNPRINTABLE = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}]|\\(?=x)/gu;

/** mbs_safe_encode_to_buffer() in a UTF-8 locale: unprintable characters and `\x` as `\xHH` bytes. */
export function escapeText(text: string): string {
  return text.replace(UNPRINTABLE, (ch) => [...Buffer.from(ch, 'utf8')].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join(''));
}

/** fputs_nonblank(): blanks, `\`, control and non-ASCII bytes as `\xHH`. */
export function escapeRaw(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) {
    out += b <= 0x20 || b >= 0x7f || b === 0x5c ? `\\x${b.toString(16).padStart(2, '0')}` : String.fromCharCode(b);
  }
  return out;
}

function jsonValue(c: Column, cell: string | null): string {
  if (cell === null || cell === '') return 'null';
  if (c.json === 'number') return cell;
  if (c.json === 'array-number') return `[${cell.split(',').join(', ')}]`;
  return JSON.stringify(cell);
}

/** Pre-order walk with each line's tree art; iterative, so deep trees do not exhaust the stack. */
function* walk(roots: readonly Line[]): Generator<{ line: Line; art: string }> {
  const lastAt: boolean[] = [];
  for (const ev of events(roots)) {
    if (ev.kind === 'close') continue;
    lastAt[ev.depth] = ev.last;
    let art = '';
    for (let d = 1; d < ev.depth; d++) art += lastAt[d] ? '  ' : '│ ';
    if (ev.depth > 0) art += ev.last ? '└─' : '├─';
    yield { line: ev.line, art };
  }
}

type WalkEvent =
  | { readonly kind: 'open'; readonly line: Line; readonly depth: number; readonly first: boolean; readonly last: boolean }
  | { readonly kind: 'close'; readonly line: Line; readonly depth: number; readonly last: boolean };

/** Opens and closes every line depth-first, siblings in order (a line closes after its children). */
function* events(roots: readonly Line[]): Generator<WalkEvent> {
  const stack: { siblings: readonly Line[]; next: number; open: Line | null }[] = [{ siblings: roots, next: 0, open: null }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const depth = stack.length - 1;
    if (top.open) {
      yield { kind: 'close', line: top.open, depth, last: top.next === top.siblings.length };
      top.open = null;
    }
    if (top.next >= top.siblings.length) {
      stack.pop();
      continue;
    }
    const line = top.siblings[top.next++]!;
    yield { kind: 'open', line, depth, first: top.next === 1, last: top.next === top.siblings.length };
    top.open = line;
    if (line.children.length > 0) stack.push({ siblings: line.children, next: 0, open: null });
  }
}
