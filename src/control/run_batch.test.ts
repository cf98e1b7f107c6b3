import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boot } from '../model/boot.js';
import { dumpModel } from '../model/dump.js';
import { fail, ok, type ErrnoName, type Result } from '../model/errno.js';
import type { ModelEvent } from '../model/events.js';
import { allTasks, type ModelState } from '../model/state.js';
import { runBatch, type EventSink } from './run_batch.js';

/** A sink that keeps what it was given, or refuses everything with `errno`. */
class FakeSink implements EventSink {
  readonly batches: ModelEvent[][] = [];
  constructor(private readonly errno: ErrnoName | null = null) {}
  appendEvents(events: readonly ModelEvent[]): Result<void> {
    if (this.errno) return fail(this.errno, 'refused by the test');
    this.batches.push([...events]);
    return ok(undefined);
  }
  get events(): ModelEvent[] {
    return this.batches.flat();
  }
}

function fresh(): ModelState {
  const b = boot({ profile: 'v5' });
  if (!b.ok) throw new Error(b.error.detail);
  return b.value.state;
}

/** The output's lines, without the error line's text after `error: ERRNO:`. */
function shape(output: string): string[] {
  return output.split('\n').slice(0, -1).map((l) => (l.startsWith('error: ') ? l.split(':').slice(0, 2).join(':') : l));
}

describe('runBatch() results', () => {
  it('runBatch() example: clone then exit', () => {
    const s = fresh();
    const r = runBatch(s, new FakeSink(), 'clone 1 net\nexit 4\n');
    // Pid 4 came and went within the write: nothing a reader could have cached changed.
    expect(r).toEqual({ output: '4\nok\n', error: null, changedPids: [] });
  });

  it('runBatch() answers one line per command: the pid for clone, pin:N for pin, ok otherwise', () => {
    const s = fresh();
    const batch = [
      'clone 1 net', // 4
      'clone 1 0', // 5
      'unshare 4 uts',
      'setns 5 4 net',
      'pin 4 net',
      'pin 5 uts',
      'setcred 5 uid=1000 gid=1000',
      'ns_info 1 4',
      'virt_control 1 op=start vm=guest1',
      'unpin pin:2',
      'exit 5',
      'clone 4 mnt', // 6
    ].join('\n');
    const r = runBatch(s, new FakeSink(), batch);
    expect(r.error).toBeNull();
    expect(r.output).toBe(['4', '5', 'ok', 'ok', 'pin:1', 'pin:2', 'ok', 'ok', 'ok', 'ok', 'ok', '6', ''].join('\n'));
  });

  it('runBatch() ignores blank lines, blanks-only lines and # comments', () => {
    const s = fresh();
    const r = runBatch(s, new FakeSink(), '\n\n# a comment\n   \n\t\n  # indented comment\nclone 1 0\n\n# clone 1 0\n');
    expect(r).toEqual({ output: '4\n', error: null, changedPids: [4] });
  });

  it('runBatch() runs a last line without a newline', () => {
    expect(runBatch(fresh(), new FakeSink(), 'clone 1 0\nclone 1 0').output).toBe('4\n5\n');
  });

  it('runBatch() answers nothing and calls no sink for an empty write', () => {
    const sink = new FakeSink();
    expect(runBatch(fresh(), sink, '')).toEqual({ output: '', error: null, changedPids: [] });
    expect(runBatch(fresh(), sink, '\n# only a comment\n')).toEqual({ output: '', error: null, changedPids: [] });
    expect(sink.batches).toEqual([]);
  });

  it('runBatch() hands the sink every event of the batch once, in order', () => {
    const sink = new FakeSink();
    runBatch(fresh(), sink, 'clone 1 net,mnt\nexit 4\n');
    expect(sink.batches).toHaveLength(1);
    expect(sink.events.map((e) => `${e.kind}:${'type' in e ? e.type.name : ''}`)).toEqual([
      'ns-created:mnt', 'ns-created:net', 'ns-info:', 'ns-freed:mnt', 'ns-freed:net',
    ]);
  });

  it('runBatch() leaves no journal behind', () => {
    const s = fresh();
    runBatch(s, new FakeSink(), 'clone 1 net\n');
    expect(s.journal).toBeNull();
    runBatch(s, new FakeSink('ENOSPC'), 'clone 1 net\n');
    expect(s.journal).toBeNull();
    runBatch(s, new FakeSink(), 'exit 99\n');
    expect(s.journal).toBeNull();
  });
});

describe('runBatch() failures', () => {
  it('runBatch() stops at the first failing command; earlier commands stay applied', () => {
    const s = fresh();
    const sink = new FakeSink();
    const r = runBatch(s, sink, 'clone 1 net\nexit 99999\nclone 1 0\n');
    expect(r.error?.errno).toBe('ESRCH');
    expect(shape(r.output)).toEqual(['4', 'error: ESRCH']);
    expect(r.output.split('\n')[1]).toMatch(/^error: ESRCH: \S/);
    const after = runBatch(s, sink, 'clone 1 0\n');
    // pid 4 is still there and the failed batch's third line never ran: the next clone gets 5.
    expect(after.output).toBe('5\n');
    // The earlier command's records were still handed to the log.
    expect(sink.batches[0]!.map((e) => e.kind)).toEqual(['ns-created', 'ns-info']);
  });

  it.each([
    ['EPERM', 'setcred 4 uid=1000\nclone 4 net'],
    ['EINVAL', 'clone 1 net\nbogus'],
    ['ESRCH', 'exit 4\nexit 4'],
    ['EBADF', 'unpin pin:9'],
    ['ECONNREFUSED', 'clone 1 user\nns_info 5 1'],
    ['EINVAL', 'setns 4 1 user'],
    ['EPERM', 'exit 1'],
  ])('runBatch() fails with %s: %j', (errno, batch) => {
    const r = runBatch(fresh(), new FakeSink(), `clone 1 0\n${batch}\nclone 1 0\n`);
    expect(r.error?.errno).toBe(errno);
    const lines = shape(r.output);
    expect(lines.at(-1)).toBe(`error: ${errno}`);
    expect(lines.filter((l) => l.startsWith('error'))).toHaveLength(1);
  });

  it('runBatch() changes nothing for a malformed first line', () => {
    const s = fresh();
    const before = dumpModel(s);
    const sink = new FakeSink();
    const r = runBatch(s, sink, 'clone 1 net,bogus\nclone 1 net\n');
    expect(r.error?.errno).toBe('EINVAL');
    expect(shape(r.output)).toEqual(['error: EINVAL']);
    expect(dumpModel(s)).toEqual(before);
    expect(sink.batches).toEqual([]);
  });

  it.each([
    ['a form feed', '\f'],
    ['a vertical tab', '\v'],
    ['a NUL', '\0'],
    ['a carriage return', '\r'],
    ['a no-break space', '\u00a0'],
    ['a byte-order mark', '\ufeff'],
  ])('runBatch() fails with EINVAL for a line holding only %s', (_name, line) => {
    const s = fresh();
    const before = dumpModel(s);
    const r = runBatch(s, new FakeSink(), `${line}\nclone 1 net\n`);
    expect(r.error?.errno).toBe('EINVAL');
    expect(dumpModel(s)).toEqual(before);
  });

  it('runBatch() rolls back every change of the batch when the sink fails with ENOSPC, and answers only the error', () => {
    const s = fresh();
    runBatch(s, new FakeSink(), 'clone 1 net\npin 4 net\n');
    const before = dumpModel(s);
    const r = runBatch(s, new FakeSink('ENOSPC'), [
      'clone 1 net,mnt,uts,ipc,pid,user', 'unshare 4 mnt', 'setns 1 4 net', 'setns 1 1 0x0' /* EINVAL: pid target */,
    ].join('\n'));
    expect(r.error?.errno).toBe('ENOSPC');
    expect(shape(r.output)).toEqual(['error: ENOSPC']);
    expect(dumpModel(s)).toEqual(before);
  });

  it.each([
    ['clone with every flag', 'clone 1 net,mnt,uts,ipc,pid,user'],
    ['unshare', 'unshare 4 net,mnt,uts,ipc,pid,user'],
    ['setns', 'clone 1 net\nsetns 1 5 net'],
    ['exit of a pid namespace init', 'clone 4 pid\nclone 5 0\nexit 5'],
    ['unpin of a last reference', 'exit 4\nunpin pin:1'],
    ['setcred', 'setcred 4 uid=5 gid=5 caps=none auid=1 ses=2 subj=x comm=y\nns_info 1 4'],
    ['virt_control', 'virt_control 1 hello'],
  ])('runBatch() with a failing sink leaves the model as it was: %s', (_name, batch) => {
    const s = fresh();
    runBatch(s, new FakeSink(), 'clone 1 net,mnt\npin 4 net\n');
    const before = dumpModel(s);
    const r = runBatch(s, new FakeSink('EIO'), batch);
    expect(r.error?.errno).toBe('EIO');
    expect(dumpModel(s)).toEqual(before);
    // …and the model still works exactly as before the refused batch.
    const again = fresh();
    runBatch(again, new FakeSink(), 'clone 1 net,mnt\npin 4 net\n');
    expect(runBatch(s, new FakeSink(), batch)).toEqual(runBatch(again, new FakeSink(), batch));
    expect(dumpModel(s)).toEqual(dumpModel(again));
  });

  it('runBatch() rolls back the batch and clears the journal when the sink throws', () => {
    const s = fresh();
    const before = dumpModel(s);
    const throwing: EventSink = { appendEvents: () => { throw new Error('broken sink'); } };
    expect(() => runBatch(s, throwing, 'clone 1 net\n')).toThrow('broken sink');
    expect(s.journal).toBeNull();
    expect(dumpModel(s)).toEqual(before);
  });
});

/** Command lines over a small world (pids 1..9, pins 1..3), valid and not. */
const lineArb: fc.Arbitrary<string> = (() => {
  const pid = fc.integer({ min: 1, max: 9 });
  const flags = fc.subarray(['net', 'mnt', 'uts', 'ipc', 'pid', 'user']).map((f) => (f.length === 0 ? '0' : f.join(',')));
  const type = fc.constantFrom('net', 'mnt', 'uts', 'ipc', 'pid', 'user', 'pid_for_children', '0');
  return fc.oneof(
    fc.tuple(pid, flags).map(([a, f]) => `clone ${a} ${f}`),
    fc.tuple(pid, flags).map(([a, f]) => `unshare ${a} ${f}`),
    fc.tuple(pid, pid, type).map(([a, t, y]) => `setns ${a} ${t} ${y}`),
    fc.tuple(pid, fc.integer({ min: 1, max: 3 }), type).map(([a, p, y]) => `setns ${a} pin:${p} ${y}`),
    pid.map((a) => `exit ${a}`),
    fc.tuple(pid, type).map(([a, y]) => `pin ${a} ${y}`),
    fc.integer({ min: 1, max: 3 }).map((p) => `unpin pin:${p}`),
    fc.tuple(pid, fc.constantFrom('uid=1000', 'uid=0', 'caps=none', 'caps=all', 'gid=5', 'subj=x')).map(([a, c]) => `setcred ${a} ${c}`),
    fc.tuple(pid, pid).map(([a, p]) => `ns_info ${a} ${p}`),
    pid.map((a) => `virt_control ${a} hello`),
    fc.constantFrom('bogus 1', 'clone 1 cgroup', '# comment', ''),
  );
})();

describe('runBatch() properties', () => {
  it('runBatch() with a failing sink never changes the model once it had records to log, whatever the batch', () => {
    fc.assert(fc.property(fc.array(lineArb, { maxLength: 12 }), fc.array(lineArb, { maxLength: 12 }), (setup, batch) => {
      const s = fresh();
      runBatch(s, new FakeSink(), setup.join('\n'));
      const before = dumpModel(s);
      let asked = false;
      const full: EventSink = { appendEvents: () => ((asked = true), fail('ENOSPC', 'full')) };
      const r = runBatch(s, full, batch.join('\n'));
      expect(s.journal).toBeNull();
      // A batch with no records to write (setcred, pin, failures before any record) never meets the full log.
      if (!asked) return;
      expect(dumpModel(s)).toEqual(before);
      expect(r.error?.errno).toBe('ENOSPC');
      expect(shape(r.output)).toEqual(['error: ENOSPC']);
    }), { numRuns: 300 });
  });

  it('runBatch() of a batch gives what running its lines one by one gives, up to the first error', () => {
    fc.assert(fc.property(fc.array(lineArb, { maxLength: 16 }), (batch) => {
      const whole = fresh();
      const wholeSink = new FakeSink();
      const r = runBatch(whole, wholeSink, batch.join('\n'));
      const single = fresh();
      const singleSink = new FakeSink();
      let out = '';
      for (const line of batch) {
        const one = runBatch(single, singleSink, line);
        out += one.output;
        if (one.error) break;
      }
      expect(r.output).toBe(out);
      expect(dumpModel(whole)).toEqual(dumpModel(single));
      expect(wholeSink.events).toEqual(singleSink.events);
    }), { numRuns: 300 });
  });
});

/** What the kernel may cache per pid (names and attributes): owner, and the namespaces its links name. */
function cachedViews(s: ModelState): Map<number, string> {
  const snums = (slots: object) => Object.entries(slots).map(([k, v]) => `${k}=${(v as { snum: bigint }).snum}`).join(',');
  return new Map([...allTasks(s)].map(([pid, t]) => [pid, `${t.cred.uid}:${t.cred.gid} ${snums(t.ns)} ${snums(t.forChildren)}`]));
}

describe('runBatch() changedPids: what the tree must invalidate', () => {
  it.each([
    ['clone', 'clone 1 net', [4]],
    ['exit', 'clone 1 0', [4], 'exit 4'],
    ['unshare and setns', 'clone 1 0\nclone 1 0', [4, 5], 'unshare 4 uts\nsetns 5 4 uts'],
    ['setcred of the uid', 'clone 1 0', [4], 'setcred 4 uid=7'],
    ['an init\'s exit: every task of its pid namespace', 'clone 1 pid\nclone 4 0\nclone 5 0', [4, 5, 6], 'exit 4'],
    ['setcred of comm and caps only (status contents, never cached)', 'clone 1 0', [], 'setcred 4 comm=x caps=none'],
    ['setcred there and back in one write', 'clone 1 0', [], 'setcred 4 uid=7\nsetcred 4 uid=0'],
    ['pin and unpin', 'clone 1 net', [], 'pin 4 net\nunpin pin:1'],
    ['queries', 'clone 1 0', [], 'ns_info 1 4\nlsns'],
    ['a failed command', '', [], 'exit 99'],
  ])('%s', (_what, setup, expected, batch?: string) => {
    const s = fresh();
    const first = runBatch(s, new FakeSink(), setup);
    const r = batch === undefined ? first : runBatch(s, new FakeSink(), batch);
    expect([...r.changedPids].sort((a, b) => a - b)).toEqual(expected);
  });

  it('a rolled-back batch names the pids it touched (the tree invalidates them too)', () => {
    const s = fresh();
    runBatch(s, new FakeSink(), 'clone 1 net');
    const r = runBatch(s, new FakeSink('ENOSPC'), 'setcred 4 uid=9\nexit 4');
    expect([r.error?.errno, r.changedPids]).toEqual(['ENOSPC', [4]]);
  });

  it('names exactly the pids whose existence, owner or namespaces differ after the batch, whatever the batch', () => {
    fc.assert(fc.property(fc.array(lineArb, { maxLength: 12 }), fc.array(lineArb, { maxLength: 12 }), (setup, batch) => {
      const s = fresh();
      runBatch(s, new FakeSink(), setup.join('\n'));
      const before = cachedViews(s);
      const r = runBatch(s, new FakeSink(), batch.join('\n'));
      const after = cachedViews(s);
      const differ = [...new Set([...before.keys(), ...after.keys()])].filter((p) => before.get(p) !== after.get(p));
      expect([...r.changedPids].sort((a, b) => a - b)).toEqual(differ.sort((a, b) => a - b));
    }), { numRuns: 300 });
  });
});
