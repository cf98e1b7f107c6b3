import { describe, expect, it } from 'vitest';
import type { ObservedNs, ObservedProc } from '../model/host_observation.js';
import { BatchQueue } from './batch_queue.js';

const ns = (key: string): ObservedNs => ({ key, type: 'uts', inum: 4026532300, id: null, ownerKey: null, parentKey: null, ownerUid: null, via: 1 });
const proc = (pid: number, comm = 'sleep') => ({ pid, comm }) as ObservedProc;
const shape = (q: BatchQueue) => q.take().map((b) => ({ namespaces: b.namespaces.map((n) => n.key), procs: b.procs.map((p) => `${p.pid} ${p.comm}`), gone: b.gone, freed: b.freed }));

describe('BatchQueue', () => {
  it('take() gives what was queued as one batch, then nothing (the @example)', () => {
    const q = new BatchQueue();
    q.freed('uts:4026532300');
    expect(q.take()).toEqual([{ namespaces: [], procs: [], gone: [], freed: ['uts:4026532300'] }]);
    expect([q.take(), q.hasPending()]).toEqual([[], false]);
  });

  it('keeps one batch for a namespace, a process and another process\'s exit', () => {
    const q = new BatchQueue();
    q.namespace(ns('id:2'));
    q.proc(proc(10));
    q.gone(11);
    expect(q.hasPending()).toBe(true);
    expect(shape(q)).toEqual([{ namespaces: ['id:2'], procs: ['10 sleep'], gone: [11], freed: [] }]);
  });

  it('a process read twice in a batch is reported once, as last read', () => {
    const q = new BatchQueue();
    q.proc(proc(10, 'sh'));
    q.proc(proc(10, 'sleep'));
    expect(shape(q)).toEqual([{ namespaces: [], procs: ['10 sleep'], gone: [], freed: [] }]);
  });

  it('a process read and then exited: its reading and its exit in two batches (exits apply first)', () => {
    const q = new BatchQueue();
    q.proc(proc(10));
    q.gone(10);
    expect(shape(q)).toEqual([
      { namespaces: [], procs: ['10 sleep'], gone: [], freed: [] },
      { namespaces: [], procs: [], gone: [10], freed: [] },
    ]);
  });

  it('a key freed in this batch and registered again starts a new batch (frees apply after new namespaces)', () => {
    const q = new BatchQueue();
    q.freed('uts:4026532300');
    q.registering('uts:4026532300');
    q.namespace(ns('uts:4026532300'));
    expect(shape(q)).toEqual([
      { namespaces: [], procs: [], gone: [], freed: ['uts:4026532300'] },
      { namespaces: ['uts:4026532300'], procs: [], gone: [], freed: [] },
    ]);
  });

  it('registering a key the batch did not free keeps the batch', () => {
    const q = new BatchQueue();
    q.freed('uts:4026532300');
    q.registering('uts:4026532301');
    q.namespace(ns('uts:4026532301'));
    expect(shape(q)).toHaveLength(1);
  });
});
