/**
 * Mangled inputs (fast-check): lines cut anywhere, bytes that are not text, lines doubled,
 * dropped, swapped or with a character changed. The trail never throws, and every line is
 * counted exactly once: a record, or truncated, garbage, other text, or cut at the end.
 */
import * as fs from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOST_LOG } from './_test_host_log.js';
import { run, text } from './_test_trail.js';
import type { Selector } from './selector.js';

const FLEET = fs.readFileSync(new URL('../../test/fixtures/trail/fleet.log', import.meta.url), 'utf8').trimEnd().split('\n');
const BASE = [...FLEET, ...HOST_LOG];

type Op = { kind: 'cut' | 'insert' | 'double' | 'drop' | 'swap' | 'char'; at: number; pos: number; bytes: string };
const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('cut', 'insert', 'double', 'drop', 'swap', 'char'),
  at: fc.nat(),
  pos: fc.nat(),
  bytes: fc.string({ unit: fc.constantFrom('\0', '\x01', '\x1b', '\ufffd', ' ', '=', ':', ')', '(', '\'', '"', 'a', '9', 'é') , maxLength: 8 }),
});

function mangle(lines: readonly string[], ops: readonly Op[]): string[] {
  const out = [...lines];
  for (const o of ops) {
    if (out.length === 0) break;
    const i = o.at % out.length;
    const l = out[i]!;
    const p = l.length === 0 ? 0 : o.pos % l.length;
    switch (o.kind) {
      case 'cut': out[i] = l.slice(0, p); break;
      case 'insert': out[i] = l.slice(0, p) + o.bytes + l.slice(p); break;
      case 'double': out.splice(i, 0, l); break;
      case 'drop': out.splice(i, 1); break;
      case 'swap': if (i + 1 < out.length) [out[i], out[i + 1]] = [out[i + 1]!, l]; break;
      case 'char': out[i] = l.slice(0, p) + (o.bytes[0] ?? 'x') + l.slice(p + 1); break;
    }
  }
  return out;
}

const SELECTORS: Selector[] = [
  { kind: 'summary' }, { kind: 'uuid', uuid: '5c2a3d1e-8f4b-4c6d-9e7f-0a1b2c3d4e5f' }, { kind: 'container', prefix: '3f4e' },
  { kind: 'ns', node: 'hostA', boot: '', typeIdx: 0, serial: 'c' }, { kind: 'pid', node: 'hostA', pid: 5 },
];

describe('nstrail on mangled input', () => {
  it('never throws, and counts every line once', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 40 }), fc.constantFrom(...SELECTORS), fc.boolean(), (ops, sel, cutLast) => {
      const lines = mangle(BASE, ops);
      const r = run(lines, sel, { cutLast });
      if (!('reason' in r.model)) text(r);
      const c = r.ix.counts;
      expect(c.records + c.truncated + c.garbage + c.notRecords + c.cut).toBe(lines.filter((l) => l !== '').length);
    }), { numRuns: 300 });
  });

  it('gives the same trail with any lines doubled', () => {
    fc.assert(fc.property(fc.array(fc.nat(), { maxLength: 30 }), (at) => {
      const ops = at.map((a): Op => ({ kind: 'double', at: a, pos: 0, bytes: '' }));
      const sel = SELECTORS[1]!;
      expect(text(run(mangle(FLEET, ops), sel))).toEqual(text(run(FLEET, sel)));
    }), { numRuns: 100 });
  });
});
