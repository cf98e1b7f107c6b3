import { describe, expect, it } from 'vitest';
import { boot } from './boot.js';
import { clone } from './ops/clone.js';
import { exit } from './ops/exit.js';
import { unshare } from './ops/unshare.js';
import { namespaceUsage, ppidOf, taskForest, tasksByPid, type TaskNode } from './query.js';
import { allTasks, globalPid, type ModelState } from './state.js';

function booted(profile: 'v5' | 'modern' = 'modern'): ModelState {
  const b = boot({ profile });
  if (!b.ok) throw new Error(b.error.detail);
  return b.value.state;
}

function spawn(s: ModelState, parent: number, flags: number): number {
  const r = clone(s, parent, flags);
  if (!r.ok) throw new Error(r.error.detail);
  return r.value.pid;
}

const flag = (s: ModelState, ...names: string[]) => names.reduce((f, n) => f | s.types.byName.get(n)!.flag, 0);
const pidsOf = (nodes: readonly TaskNode[]): unknown[] => nodes.map((n) => [globalPid(n.task), pidsOf(n.children)]);

describe('namespaceUsage()', () => {
  it('files every task under its initial namespaces after boot (the @example)', () => {
    const s = booted();
    expect(namespaceUsage(s).find((u) => u.ns === s.initial['net'])!.tasks.map(globalPid)).toEqual([1, 2, 3]);
  });

  it('lists every live namespace once, sorted by inode number', () => {
    const s = booted();
    spawn(s, 1, flag(s, 'net', 'time'));
    const inums = namespaceUsage(s).map((u) => u.ns.inum);
    expect(inums).toEqual([...s.namespaces].map((n) => n.inum).sort((a, b) => a - b));
  });

  it('counts a task under its active namespace, not its *_for_children one', () => {
    const s = booted();
    const must = unshare(s, 1, flag(s, 'time', 'pid'));
    expect(must.ok).toBe(true);
    const usage = namespaceUsage(s);
    const forChildren = allTasks(s).get(1)!.forChildren;
    for (const type of ['pid', 'time'] as const) {
      expect(usage.find((u) => u.ns === forChildren[type])!.tasks, type).toEqual([]);
      expect(usage.find((u) => u.ns === s.initial[type])!.tasks.map(globalPid), type).toEqual([1, 2, 3]);
    }
  });

  it('lists only the types asked for, tasks by ascending pid', () => {
    const s = booted();
    const a = spawn(s, 1, flag(s, 'net'));
    const b = spawn(s, a, 0);
    const usage = namespaceUsage(s, [s.types.byName.get('net')!]);
    expect(usage.map((u) => [u.ns.type.name, u.tasks.map(globalPid)])).toEqual([['net', [1, 2, 3]], ['net', [a, b]]]);
  });
});

describe('taskForest()', () => {
  it('roots are init and kthreadd after boot, kdevtmpfs under kthreadd', () => {
    expect(pidsOf(taskForest(booted()))).toEqual([[1, []], [2, [[3, []]]]]);
  });

  it('puts children in pid order under their live parent, and a reparented task under its reaper', () => {
    const s = booted('v5');
    const a = spawn(s, 1, 0);
    const b = spawn(s, a, 0);
    const c = spawn(s, a, 0);
    expect(pidsOf(taskForest(s))[0]).toEqual([1, [[a, [[b, []], [c, []]]]]]);
    expect(exit(s, a).ok).toBe(true);
    expect(pidsOf(taskForest(s))[0]).toEqual([1, [[b, []], [c, []]]]);
    expect(ppidOf(allTasks(s).get(b)!)).toBe(1);
  });

  it('builds a 5000-deep chain without recursion', () => {
    const s = booted('v5');
    let p = 1;
    for (let i = 0; i < 5000; i++) p = spawn(s, p, 0);
    let depth = 0;
    for (let n: TaskNode | undefined = taskForest(s)[0]; n; n = n.children[0]) depth++;
    expect(depth).toBe(5001);
    expect(tasksByPid(s)).toHaveLength(5003);
  });
});
