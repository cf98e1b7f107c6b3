/**
 * Scale sanity (not a benchmark, no timing assertion): each case runs
 * 50,000 operations of one kind against 50,000 live tasks. If an operation
 * scanned every task or namespace, a case would do ~2.5·10^9 steps and blow
 * its timeout; done in O(1) or O(log n) per operation, it takes well under a second.
 */
import { describe, expect, it } from 'vitest';
import { booted, bootNamespaces, flagsOf, must, task } from './_test_util.js';
import { pidMapsConsistent } from './dump.js';
import { clone } from './ops/clone.js';
import { exit } from './ops/exit.js';
import { pin, unpin } from './ops/pin.js';
import { setcred } from './ops/setcred.js';
import { setns } from './ops/setns.js';
import { unshare } from './ops/unshare.js';
import { allTasks, type ModelState } from './state.js';

const N = 50_000;
const TIMEOUT = 10_000;

/** N children of `parent`; returns their pids. */
function crowd(s: ModelState, parent = 1, flags = 0): number[] {
  const pids: number[] = [];
  for (let i = 0; i < N; i++) pids.push(must(clone(s, parent, flags)).pid);
  return pids;
}

describe('the model at 50,000 tasks', () => {
  it('clone() 50,000 times from pid 1 gives 50,000 distinct pids', () => {
    const s = booted();
    expect(new Set(crowd(s)).size).toBe(N);
  }, TIMEOUT);

  it('exit() of 50,000 tasks leaves the boot tasks and namespaces', () => {
    const s = booted();
    for (const pid of crowd(s, 1, flagsOf(s, 'uts'))) must(exit(s, pid));
    expect([allTasks(s).size, s.namespaces.size]).toEqual([3, bootNamespaces(s).size]);
  }, TIMEOUT);

  it('unshare(), setns() and setcred() on each of 50,000 tasks keep the pid maps consistent', () => {
    const s = booted();
    const pids = crowd(s);
    for (const pid of pids) must(unshare(s, pid, flagsOf(s, 'net')));
    for (const pid of pids) must(setns(s, pid, { kind: 'task', pid: 1, entry: 'net' }, null));
    for (const pid of pids) must(setcred(s, pid, { uid: 1000, gid: 1000 }));
    expect(pidMapsConsistent(s)).toBe(true);
  }, TIMEOUT);

  it('pin() and unpin() 50,000 times leave no pin', () => {
    const s = booted();
    const ids: number[] = [];
    for (let i = 0; i < N; i++) ids.push(must(pin(s, 1, 'net')));
    for (const id of ids) must(unpin(s, id));
    expect(s.pins.size).toBe(0);
  }, TIMEOUT);

  it('50,000 tasks in a nested pid namespace die with its init in one exit()', () => {
    const s = booted();
    const init = must(clone(s, 1, flagsOf(s, 'pid'))).pid;
    crowd(s, init);
    const pidNs = task(s, init).pidNs;
    must(exit(s, init));
    expect([allTasks(s).size, pidNs.life]).toEqual([3, 'freed']);
  }, TIMEOUT);

  it('orphaning 50,000 children one exit() at a time reparents each to pid 1', () => {
    const s = booted();
    const parents = crowd(s);
    const children = parents.map((p) => must(clone(s, p, 0)).pid);
    for (const p of parents) must(exit(s, p));
    expect(children.every((c) => task(s, c).parent === task(s, 1))).toBe(true);
  }, TIMEOUT);
});
