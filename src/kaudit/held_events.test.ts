import { describe, expect, it } from 'vitest';
import type { ActorInfo, ModelEvent } from '../model/events.js';
import { profileTypes } from '../model/nstypes.js';
import { CLAIM_MS, HeldEvents } from './held_events.js';

const net = profileTypes('modern').byName.get('net')!;
const actor = (pid: number): ActorInfo => ({ pid, uid: 0, auid: 4294967295, ses: 4294967295, subj: 'unconfined' });
const init = (pid: number, snum: bigint): ModelEvent => ({ kind: 'ns-created', type: net, snum, oldSnum: 3n, actor: actor(pid) });
const del = (pid: number, snum: bigint): ModelEvent => ({ kind: 'ns-freed', type: net, snum, actor: actor(pid) });
const info = (pid: number): ModelEvent => ({ kind: 'ns-info', pid, namespaces: [] });
const alive = () => true;

describe('HeldEvents', () => {
  it('a kernel event of pid 10 claims its INIT and NS_INFO, in order, and leaves pid 11 alone', () => {
    const h = new HeldEvents();
    h.hold([init(10, 9n), info(10), init(11, 8n), info(11)], 0);
    expect(h.claim(new Set([10]), alive)).toEqual([init(10, 9n), info(10)]);
    expect(h.drain()).toEqual([init(11, 8n), info(11)]);
  });

  it('claims a DEL only while its process lives (left by setns or unshare, not freed by exit)', () => {
    const h = new HeldEvents();
    h.hold([del(10, 5n), del(12, 6n)], 0);
    expect(h.claim(new Set([10, 12]), (pid) => pid === 10)).toEqual([del(10, 5n)]);
    expect(h.drain()).toEqual([del(12, 6n)]);
  });

  it('due: events held CLAIM_MS or longer leave, with everything held before them', () => {
    const h = new HeldEvents();
    h.hold([info(1)], 0);
    h.hold([info(2)], 30);
    expect(h.due(CLAIM_MS - 1)).toEqual([]);
    expect(h.due(CLAIM_MS)).toEqual([info(1)]);
    expect(h.due(30 + CLAIM_MS)).toEqual([info(2)]);
  });

  it('never claims a DEL whose INIT stays held (made by another process)', () => {
    const h = new HeldEvents();
    h.hold([init(11, 9n), del(10, 9n)], 0);
    expect(h.claim(new Set([10]), alive)).toEqual([]);
  });

  it('an INIT claimed leaves before the DEL of the same namespace held after it', () => {
    const h = new HeldEvents();
    h.hold([init(10, 9n), info(10)], 0);
    h.hold([del(10, 9n)], 1); // the process exited: its namespace went with it
    expect(h.claim(new Set([10]), () => false)).toEqual([init(10, 9n), info(10)]);
    expect(h.due(100)).toEqual([del(10, 9n)]);
  });
});
