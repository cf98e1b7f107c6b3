/**
 * The query commands on the control-file path: parse.ts → dispatch.ts →
 * run_batch.ts. A query answers table lines, makes no audit events, sees the
 * changes made earlier in its batch, and a malformed one stops the batch.
 */
import { describe, expect, it } from 'vitest';
import { boot } from '../model/boot.js';
import { dumpModel } from '../model/dump.js';
import { ok, type Result } from '../model/errno.js';
import type { ModelEvent } from '../model/events.js';
import { profileTypes } from '../model/nstypes.js';
import type { ModelState } from '../model/state.js';
import { dispatch } from './dispatch.js';
import { parseLine } from './parse.js';
import type { QueryContext } from './query_context.js';
import { runBatch, type EventSink } from './run_batch.js';

const CTX: QueryContext = { mountpoint: '/m', userName: (uid) => (uid === 0 ? 'root' : String(uid)) };

class Sink implements EventSink {
  readonly events: ModelEvent[] = [];
  appendEvents(events: readonly ModelEvent[]): Result<void> {
    this.events.push(...events);
    return ok(undefined);
  }
}

function fresh(): ModelState {
  const b = boot({ profile: 'v5' });
  if (!b.ok) throw new Error(b.error.detail);
  return b.value.state;
}

describe('parseLine() for queries', () => {
  it.each([
    ['lsns', 'lsns', 'process'],
    ['lsns with options and quoting', "lsns -o '+SNUM' --tree\\=owner", 'owner'],
    ['lsns with blanks around', '  lsns   -l  ', 'none'],
  ])('parses %s', (_name, line, tree) => {
    const r = parseLine(line, profileTypes('v5'));
    expect(r.ok && r.value.op === 'lsns' && r.value.query.tree).toBe(tree);
  });

  it('parses ps with its options', () => {
    const r = parseLine('ps -p 1 -l', profileTypes('v5'));
    expect(r).toMatchObject({ ok: true, value: { op: 'ps', query: { pid: 1, list: true } } });
  });

  it.each([
    ['lsns -o BOGUS', 'lsns: unknown column: BOGUS'],
    ['lsns -x', "lsns: invalid option -- 'x'"],
    ['ps 1', 'ps: ps takes no operands'],
  ])('fails with EINVAL naming the command: %s', (line, detail) => {
    const r = parseLine(line, profileTypes('v5'));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.errno).toBe('EINVAL');
    expect(!r.ok && r.error.detail.startsWith(detail)).toBe(true);
  });
});

describe('dispatch() for queries', () => {
  it('returns the table as lines and no events', () => {
    const s = fresh();
    const cmd = parseLine('lsns -t uts', s.types);
    const r = cmd.ok ? dispatch(s, cmd.value, CTX) : cmd;
    expect(r).toEqual(ok({ lines: ['        NS TYPE NPROCS PID USER COMMAND', '4026531838 uts       3   1 root init'], events: [] }));
  });
});

describe('runBatch() with queries', () => {
  it('answers a query with its lines, after the changes before it in the same write, and logs only the changes', () => {
    const s = fresh();
    const sink = new Sink();
    const r = runBatch(s, sink, 'clone 1 net\nlsns -t net -l -n -o NS,NPROCS,PID,PATH\nps -l -n -p 4\nexit 4\n', CTX);
    expect(r.error).toBeNull();
    expect(r.output).toBe([
      '4',
      '4026531842      3   1 /m/1/ns/net',
      '4026531843      1   4 /m/4/ns/net',
      '  4    1 4       0     8     2     1     4        4      3     5           init',
      'ok',
      '',
    ].join('\n'));
    expect(sink.events.map((e) => e.kind)).toEqual(['ns-created', 'ns-info', 'ns-freed']);
  });

  it('keeps the empty line of an empty JSON table', () => {
    const r = runBatch(fresh(), new Sink(), 'lsns -J -p 999\n', CTX);
    expect(r.output).toBe('{\n   "namespaces": [\n\n   ]\n}\n');
  });

  it('stops the batch at a malformed query with EINVAL, and what ran before it stays', () => {
    const s = fresh();
    const r = runBatch(s, new Sink(), 'clone 1 0\nlsns --tree=sideways\nclone 1 0\n', CTX);
    expect(r.error?.errno).toBe('EINVAL');
    expect(r.output).toMatch(/^4\nerror: EINVAL: lsns: unknown tree type: sideways\n$/);
  });

  it('changes nothing when it only queries', () => {
    const s = fresh();
    const before = JSON.stringify(dumpModel(s));
    runBatch(s, new Sink(), 'lsns\nlsns -J --output-all\nlsns -T\nps\nps -J\n', CTX);
    expect(JSON.stringify(dumpModel(s))).toBe(before);
  });
});
