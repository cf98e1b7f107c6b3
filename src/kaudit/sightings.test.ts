import { describe, expect, it } from 'vitest';
import type { ModelEvent } from '../model/events.js';
import { profileTypes } from '../model/nstypes.js';
import { SIGHTING_MS, Sightings } from './sightings.js';

const net = profileTypes('modern').byName.get('net')!;
const init = (pid: number): ModelEvent => ({ kind: 'ns-created', type: net, snum: 9n, oldSnum: 3n, actor: { pid, uid: 0, auid: 0, ses: 0, subj: '?' } });

describe('Sightings', () => {
  it('each INIT and NS_INFO is taken once, oldest first, and only when noted since the time asked', () => {
    const s = new Sightings();
    s.note([init(10), { kind: 'ns-info', pid: 10, namespaces: [] }], [], 100);
    s.note([init(10)], [], 200);
    expect(s.takeInit(10, 'net', 150)).toBe(true);
    expect(s.takeInit(10, 'net', 150)).toBe(false);
    expect(s.takeInit(10, 'uts', 0)).toBe(false);
    expect([s.takeInfo(10, 101), s.takeInfo(11, 0)]).toEqual([false, false]);
  });

  it('remembers the last read of each process', () => {
    const s = new Sightings();
    s.note([], [10], 100);
    expect([s.readSince(10, 100), s.readSince(10, 101), s.readSince(11, 0)]).toEqual([true, false, false]);
  });

  it(`forgets what is older than ${SIGHTING_MS} ms`, () => {
    const s = new Sightings();
    s.note([init(10)], [10], 0);
    s.note([], [], SIGHTING_MS + 1);
    expect([s.takeInit(10, 'net', -Infinity), s.readSince(10, -Infinity)]).toEqual([false, false]);
  });
});
