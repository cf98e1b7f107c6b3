import { describe, expect, it } from 'vitest';
import { escapeRaw, escapeText, Table, type Column } from './_scols.js';

const col = (name: string, whint: number, right: boolean, json: Column['json'] = 'string', tree = false): Column =>
  ({ name, whint, right, json, tree });
const TEXT = { raw: false, json: false, noHeadings: false };

describe('Table', () => {
  it('pads a right-aligned column on the left (the @example)', () => {
    const t = new Table('namespaces', [col('NS', 10, true, 'number')]);
    t.add(null, ['4026531835']);
    expect(t.print(TEXT)).toEqual(['        NS', '4026531835']);
  });

  // Widths as util-linux's lsns printed them on Linux 6.18 (util-linux 2.38.1, `lsns … | cat -A`).
  it.each([
    ['data narrower than the header: the header width (PID "2" → 3)', col('PID', 5, true), ['2'], ['PID', '  2']],
    ['data as wide as the header but under the hint: the hint (TYPE "time" → 5)', col('TYPE', 5, false), ['time'], ['TYPE ', 'time ']],
    ['data narrower than the header, hint ignored (TYPE "uts" → 4)', col('TYPE', 5, false), ['uts'], ['TYPE', 'uts ']],
    ['data wider than the hint: the data (PID 13341 → 5)', col('PID', 5, true), ['13341'], ['  PID', '13341']],
    ['no hint: header or data (UID)', col('UID', 0, true), ['0'], ['UID', '  0']],
  ])('column width: %s', (_name, c, cells, want) => {
    const t = new Table('x', [c, col('E', 0, false)]);
    for (const cell of cells) t.add(null, [cell, 'e']);
    expect(t.print(TEXT).map((l) => l.slice(0, -2))).toEqual(want);
  });

  it('does not pad the last column on the right, but keeps the separator before an empty last cell', () => {
    const t = new Table('x', [col('NS', 10, true), col('NETNSID', 0, true), col('NSFS', 0, false)]);
    t.add(null, ['4026531832', null, null]);
    expect(t.print(TEXT)).toEqual(['        NS NETNSID NSFS', '4026531832         ']);
  });

  it('keeps header widths with --noheadings (util-linux does)', () => {
    const t = new Table('x', [col('PID', 5, true), col('NPROCS', 5, true)]);
    t.add(null, ['2', '86']);
    expect(t.print({ ...TEXT, noHeadings: true })).toEqual(['  2     86']);
  });

  it('draws the tree in the tree column and lists children after their parent', () => {
    const t = new Table('x', [col('NS', 0, false, 'number', true), col('TYPE', 5, false)]);
    const root = t.add(null, ['1', 'user']);
    const a = t.add(root, ['2', 'user']);
    t.add(root, ['3', 'mnt']);
    t.add(a, ['4', 'net']);
    t.add(null, ['5', 'time']);
    expect(t.print(TEXT)).toEqual([
      'NS    TYPE',
      '1     user',
      '├─2   user',
      '│ └─4 net',
      '└─3   mnt',
      '5     time',
    ]);
  });

  it('lists lines in insertion order when no column is the tree', () => {
    const t = new Table('x', [col('A', 0, false)]);
    const r = t.add(null, ['1']);
    t.add(null, ['2']);
    t.add(r, ['3']);
    expect(t.print({ ...TEXT, noHeadings: true })).toEqual(['1', '2', '3']);
  });

  it('prints nothing at all for an empty table, headers included', () => {
    expect(new Table('x', [col('A', 0, false)]).print(TEXT)).toEqual([]);
  });

  it('--raw: single spaces, no padding, escaped cells (tree art too), empty cells empty', () => {
    const t = new Table('x', [col('NS', 10, true), col('NETNSID', 0, true), col('COMMAND', 0, false, 'string', true)]);
    const r = t.add(null, ['1', null, 'init']);
    t.add(r, ['2', null, 'sleep 100']);
    expect(t.print({ ...TEXT, raw: true })).toEqual(['NS NETNSID COMMAND', '1  init', '2  \\xe2\\x94\\x94\\xe2\\x94\\x80sleep\\x20100']);
  });

  it.each([
    ['a blank', 'a b', 'a\\x20b'],
    ['a tab', 'a\tb', 'a\\x09b'],
    ['a backslash', 'a\\b', 'a\\x5cb'],
    ['a non-ASCII character, byte by byte', 'é', '\\xc3\\xa9'],
    ['printable ASCII unchanged', 'init[1]:x', 'init[1]:x'],
  ])('escapeRaw() escapes %s', (_name, text, want) => {
    expect(escapeRaw(text)).toBe(want);
  });

  // Each as util-linux 2.38's lsns printed a command line holding it (C.UTF-8).
  it.each([
    ['ESC and a tab (a name that clears a terminal)', '\x1b[2J\x1b[Hroot\tok', '\\x1b[2J\\x1b[Hroot\\x09ok'],
    ['DEL and a C0 byte', 'a\x7fb\x01', 'a\\x7fb\\x01'],
    ['a C1 control, byte by byte', 'e\u0085f', 'e\\xc2\\x85f'],
    ['a line separator (U+2028)', 'c\u2028d', 'c\\xe2\\x80\\xa8d'],
    ['a backslash before an x, not another one', '\\x \\y', '\\x5cx \\y'],
    ['printable text unchanged (blanks, é, U+202E, U+200B, emoji)', 'a b é\u202e\u200b😀', 'a b é\u202e\u200b😀'],
  ])('escapeText() escapes %s', (_name, text, want) => {
    expect(escapeText(text)).toBe(want);
  });

  it('text output escapes cells, not the tree art', () => {
    const t = new Table('x', [col('NS', 10, true), col('COMMAND', 0, false, 'string', true)]);
    const r = t.add(null, ['1', 'init']);
    t.add(r, ['2', '\x1b[2J']);
    expect(t.print(TEXT)).toEqual(['NS COMMAND', ' 1 init', ' 2 └─\\x1b[2J']);
  });

  it('--json: libsmartcols layout, numbers bare, empty cells null, children nested, },{ between siblings', () => {
    const t = new Table('namespaces', [col('NS', 10, true, 'number'), col('TYPE', 5, false), col('NSFS', 0, false), col('COMMAND', 0, false, 'string', true)]);
    const r = t.add(null, ['4026531832', 'mnt', null, 'kthreadd']);
    t.add(r, ['4026531860', 'mnt', null, 'kdevtmpfs']);
    t.add(null, ['4026532177', 'mnt', null, 'sleep 100']);
    expect(t.print({ ...TEXT, json: true }).join('\n')).toBe(`{
   "namespaces": [
      {
         "ns": 4026531832,
         "type": "mnt",
         "nsfs": null,
         "command": "kthreadd",
         "children": [
            {
               "ns": 4026531860,
               "type": "mnt",
               "nsfs": null,
               "command": "kdevtmpfs"
            }
         ]
      },{
         "ns": 4026532177,
         "type": "mnt",
         "nsfs": null,
         "command": "sleep 100"
      }
   ]
}`);
  });

  it('--json of an empty table has an empty line inside the array (as util-linux prints it)', () => {
    expect(new Table('namespaces', [col('NS', 10, true, 'number')]).print({ ...TEXT, json: true })).toEqual(['{', '   "namespaces": [', '', '   ]', '}']);
  });

  it('--json prints an array-number cell as a JSON array', () => {
    const t = new Table('tasks', [col('NSPID', 0, false, 'array-number')]);
    t.add(null, ['5,1']);
    expect(JSON.parse(t.print({ ...TEXT, json: true }).join('\n'))).toEqual({ tasks: [{ nspid: [5, 1] }] });
  });

  it('prints a deep chain (a task that cloned a task that cloned …) with art growing by two columns a level', () => {
    const t = new Table('x', [col('A', 0, false, 'string', true)]);
    let parent = t.add(null, ['0']);
    for (let i = 1; i < 3000; i++) parent = t.add(parent, [String(i)]);
    const out = t.print({ ...TEXT, noHeadings: true });
    expect(out).toHaveLength(3000);
    expect(out.at(-1)).toBe(`${'  '.repeat(2998)}└─2999`);
    expect(JSON.parse(t.print({ ...TEXT, json: true }).join('\n')).x[0].a).toBe('0');
  });
});
