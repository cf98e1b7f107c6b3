import { describe, expect, it } from 'vitest';
import type { ActorInfo, ModelEvent } from '../model/events.js';
import { profileTypes } from '../model/nstypes.js';
import { CLAIM_MS, HeldEvents, MAX_HOLD_MS } from './held_events.js';

const net = profileTypes('modern').byName.get('net')!;
const actor = (pid: number): ActorInfo => ({ pid, uid: 0, auid: 4294967295, ses: 4294967295, subj: 'unconfined' });
const init = (pid: number, snum: bigint): ModelEvent => ({ kind: 'ns-created', type: net, snum, oldSnum: 3n, actor: actor(pid) });
const del = (pid: number, snum: bigint): ModelEvent => ({ kind: 'ns-freed', type: net, snum, actor: actor(pid) });
const info = (pid: number): ModelEvent => ({ kind: 'ns-info', pid, namespaces: [] });

describe('HeldEvents', () => {
  it('claim takes what the syscall explains, in order, and leaves the rest', () => {
    const h = new HeldEvents();
    h.hold([init(10, 9n), info(10), init(11, 8n), info(11)], 0);
    const of10 = (e: ModelEvent) => (e.kind === 'ns-info' ? e.pid : e.kind === 'ns-created' || e.kind === 'ns-freed' ? e.actor.pid : -1) === 10;
    expect(h.claim(of10)).toEqual([init(10, 9n), info(10)]);
    expect(h.drain()).toEqual([init(11, 8n), info(11)]);
  });

  it('never claims a DEL whose INIT stays held', () => {
    const h = new HeldEvents();
    h.hold([init(11, 9n), del(10, 9n)], 0);
    expect(h.claim((e) => e.kind === 'ns-freed')).toEqual([]);
  });

  it('due: events leave once the reader passed on what it got until CLAIM_MS after them, with everything held before', () => {
    const h = new HeldEvents();
    h.hold([info(1)], 0);
    h.hold([info(2)], 30);
    expect(h.due(500, CLAIM_MS - 1)).toEqual([]); // the reader is behind
    expect(h.due(500, CLAIM_MS)).toEqual([info(1)]);
    expect(h.due(500, 30 + CLAIM_MS)).toEqual([info(2)]);
  });

  it('due: never held longer than MAX_HOLD_MS, even when the reader does not catch up', () => {
    const h = new HeldEvents();
    h.hold([info(1)], 0);
    h.hold([info(2)], 10);
    expect(h.due(MAX_HOLD_MS, 0)).toEqual([info(1)]);
  });

  it('an INIT claimed leaves before the DEL of the same namespace held after it', () => {
    const h = new HeldEvents();
    h.hold([init(10, 9n), info(10)], 0);
    h.hold([del(10, 9n)], 1); // the process exited: its namespace went with it
    expect(h.claim((e) => e.kind !== 'ns-freed')).toEqual([init(10, 9n), info(10)]);
    expect(h.due(100, 100)).toEqual([del(10, 9n)]);
  });

  it('through: what is held up to the last INIT of the serials a record names, in order; the rest stays', () => {
    const h = new HeldEvents();
    h.hold([info(11), init(10, 9n), init(12, 8n), info(12)], 0);
    expect(h.through(new Set([9n, 7n]))).toEqual([info(11), init(10, 9n)]);
    expect(h.through(new Set([7n]))).toEqual([]);
    expect(h.drain()).toEqual([init(12, 8n), info(12)]);
  });
});
