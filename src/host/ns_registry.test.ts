import { describe, expect, it } from 'vitest';
import type { NsName } from '../model/nstypes.js';
import { BatchQueue } from './batch_queue.js';
import { NsRegistry, type NsKernel } from './ns_registry.js';
import { RecheckSchedule } from './recheck.js';

interface FakeNs {
  readonly type: NsName;
  readonly inum: number;
  readonly id: bigint;
  readonly owner?: FakeNs;
  readonly parent?: FakeNs;
  freed?: boolean;
}

/** A kernel as a table: path → namespace; counts opens and checks every descriptor is closed. */
class FakeKernel implements NsKernel {
  readonly files = new Map<string, FakeNs>();
  readonly opens: string[] = [];
  private readonly fds = new Map<number, FakeNs>();
  private nextFd = 100;
  private readonly all: FakeNs[] = [];

  ns(type: NsName, inum: number, id: bigint, rel: { owner?: FakeNs; parent?: FakeNs } = {}): FakeNs {
    const n: FakeNs = { type, inum, id, ...rel };
    this.all.push(n);
    return n;
  }
  get openFds(): number {
    return this.fds.size;
  }
  open(path: string): number | null {
    this.opens.push(path);
    const n = this.files.get(path);
    return n ? this.fdFor(n) : null;
  }
  close(fd: number): void {
    if (!this.fds.delete(fd)) throw new Error(`close of ${fd}, not open`);
  }
  inum(fd: number): number {
    return this.fds.get(fd)!.inum;
  }
  id(fd: number): bigint | null {
    return this.fds.get(fd)!.id;
  }
  relative(fd: number, which: 'owner' | 'parent'): number | null {
    const r = which === 'owner' ? this.fds.get(fd)!.owner : this.fds.get(fd)!.parent;
    return r ? this.fdFor(r) : null;
  }
  ownerUid(fd: number): number | null {
    return this.fds.get(fd)!.type === 'user' ? 1000 : null;
  }
  alive(id: bigint): 'alive' | 'freed' | 'unknown' {
    return this.all.find((n) => n.id === id)?.freed ? 'freed' : 'alive';
  }
  private fdFor(n: FakeNs): number {
    this.fds.set(this.nextFd, n);
    return this.nextFd++;
  }
}

/** Takes the candidates as a check would. */
const checked = (recheck: RecheckSchedule) => [...recheck.due(0)];

function setup(opts: { useIds?: boolean; handles?: boolean } = {}) {
  const kernel = new FakeKernel();
  const batches = new BatchQueue();
  const recheck = new RecheckSchedule();
  const reg = new NsRegistry({ profile: 'modern', useIds: opts.useIds ?? true, handles: opts.handles ?? true }, batches, recheck, kernel);
  const user = kernel.ns('user', 4026531837, 1n);
  const uts = kernel.ns('uts', 4026532300, 2n, { owner: user });
  kernel.files.set('/proc/10/ns/uts', uts);
  kernel.files.set('/proc/10/ns/user', user);
  const newKeys = () => batches.take().map((b) => b.namespaces.map((n) => `${n.key} ${n.type} owner=${n.ownerKey}`));
  return { kernel, batches, recheck, reg, user, uts, newKeys };
}

describe('NsRegistry', () => {
  it('keyOf() registers a namespace found through a link, its owner first, keyed by NS_GET_ID; every descriptor closed', () => {
    const { kernel, reg, newKeys, batches } = setup();
    expect(reg.keyOf('/proc/10/ns/uts', 'uts', 4026532300, 10)).toBe('id:2');
    expect(newKeys()).toEqual([['id:1 user owner=null', 'id:2 uts owner=id:1']]);
    expect(kernel.openFds).toBe(0);
    expect(batches.take()).toEqual([]);
  });

  it('a new namespace carries its inode, id, owner uid (user namespaces) and the process it was found through', () => {
    const { reg, batches } = setup();
    reg.keyOf('/proc/10/ns/uts', 'uts', 4026532300, 10);
    expect(batches.take()[0]!.namespaces).toEqual([
      { key: 'id:1', type: 'user', inum: 4026531837, id: 1n, ownerKey: null, parentKey: null, ownerUid: 1000, via: 10 },
      { key: 'id:2', type: 'uts', inum: 4026532300, id: 2n, ownerKey: 'id:1', parentKey: null, ownerUid: null, via: 10 },
    ]);
  });

  it('without NS_GET_ID, a key is <type>:<inum>', () => {
    const { reg, newKeys } = setup({ useIds: false, handles: false });
    expect(reg.keyOf('/proc/10/ns/uts', 'uts', 4026532300, 10)).toBe('uts:4026532300');
    expect(newKeys()).toEqual([['user:4026531837 user owner=null', 'uts:4026532300 uts owner=user:4026531837']]);
  });

  it('keyOf() of a file that is gone is null', () => {
    const { reg } = setup();
    expect(reg.keyOf('/proc/11/ns/uts', 'uts', 4026532300, 11)).toBe(null);
  });

  it('a link to an inode whose namespace has members is taken by its inode, not opened', () => {
    const { kernel, reg } = setup();
    reg.join([reg.keyOf('/proc/10/ns/uts', 'uts', 4026532300, 10)!]);
    const opens = kernel.opens.length;
    expect(reg.keyOf('/proc/12/ns/uts', 'uts', 4026532300, 12)).toBe('id:2');
    expect(kernel.opens.length).toBe(opens);
  });

  it('the inode of a namespace without members is not trusted: the link is opened, and a reused inode is a new namespace', () => {
    const { kernel, reg, newKeys, user } = setup();
    reg.keyOf('/proc/10/ns/uts', 'uts', 4026532300, 10);
    newKeys();
    kernel.files.set('/proc/12/ns/uts', kernel.ns('uts', 4026532300, 7n, { owner: user }));
    expect(reg.keyOf('/proc/12/ns/uts', 'uts', 4026532300, 12)).toBe('id:7');
    expect(newKeys()).toEqual([['id:7 uts owner=id:1']]);
  });

  it('an inode taken on trust whose handle fails: untrustFreed() names it, a candidate, and its inode is opened next time', () => {
    const { kernel, reg, recheck, uts, user } = setup();
    reg.join([reg.keyOf('/proc/10/ns/uts', 'uts', 4026532300, 10)!]);
    checked(recheck);
    reg.keyOf('/proc/10/ns/uts', 'uts', 4026532300, 10);
    uts.freed = true;
    kernel.files.set('/proc/10/ns/uts', kernel.ns('uts', 4026532300, 8n, { owner: user }));
    expect([...reg.untrustFreed()]).toEqual(['id:2']);
    expect([...recheck.due(0)]).toEqual(['id:2']);
    expect(reg.keyOf('/proc/10/ns/uts', 'uts', 4026532300, 10)).toBe('id:8');
    expect(reg.untrustFreed().size).toBe(0);
  });

  it('trustMembers(): at a full scan every namespace with members is vouched for', () => {
    const { reg, uts } = setup();
    reg.join([reg.keyOf('/proc/10/ns/uts', 'uts', 4026532300, 10)!]);
    reg.untrustFreed();
    uts.freed = true;
    expect(reg.untrustFreed().size).toBe(0);
    reg.trustMembers();
    expect([...reg.untrustFreed()]).toEqual(['id:2']);
  });

  it('without handles nothing is vouched for, and alive() is unknown', () => {
    const { reg, uts } = setup({ handles: false });
    reg.join([reg.keyOf('/proc/10/ns/uts', 'uts', 4026532300, 10)!]);
    uts.freed = true;
    reg.trustMembers();
    expect([reg.untrustFreed().size, reg.alive(reg.get('id:2')!)]).toEqual([0, 'unknown']);
  });

  it('alive() asks the handle', () => {
    const { reg, uts } = setup();
    reg.keyOf('/proc/10/ns/uts', 'uts', 4026532300, 10);
    const before = reg.alive(reg.get('id:2')!);
    uts.freed = true;
    expect([before, reg.alive(reg.get('id:2')!)]).toEqual(['alive', 'freed']);
  });

  it('counts members: a namespace left by its last member is a candidate, not before', () => {
    const { reg, recheck } = setup();
    const key = reg.keyOf('/proc/10/ns/uts', 'uts', 4026532300, 10)!;
    checked(recheck);
    reg.join([key]);
    reg.join([key]);
    reg.leave([key]);
    expect([reg.get(key)!.members, [...recheck.due(0)]]).toEqual([1, []]);
    reg.leave([key]);
    expect([reg.get(key)!.members, [...recheck.due(0)]]).toEqual([0, [key]]);
  });

  it('free(): reported and forgotten; its owner, with nothing else related to it, becomes a candidate', () => {
    const { reg, recheck, batches } = setup();
    reg.keyOf('/proc/10/ns/uts', 'uts', 4026532300, 10);
    batches.take();
    checked(recheck);
    expect(reg.get('id:1')!.related).toBe(1);
    reg.free(reg.get('id:2')!);
    expect([reg.get('id:2'), reg.get('id:1')!.related, [...recheck.due(0)]]).toEqual([undefined, 0, ['id:1']]);
    expect(batches.take().map((b) => b.freed)).toEqual([['id:2']]);
  });

  it('without ids, a key freed in this batch and registered again (its inode reused) starts a new batch', () => {
    const { kernel, reg, batches, user } = setup({ useIds: false, handles: false });
    reg.keyOf('/proc/10/ns/uts', 'uts', 4026532300, 10);
    batches.take();
    reg.free(reg.get('uts:4026532300')!);
    kernel.files.set('/proc/12/ns/uts', kernel.ns('uts', 4026532300, 9n, { owner: user }));
    expect(reg.keyOf('/proc/12/ns/uts', 'uts', 4026532300, 12)).toBe('uts:4026532300');
    expect(batches.take().map((b) => [b.freed, b.namespaces.map((n) => n.key)])).toEqual([[['uts:4026532300'], []], [[], ['uts:4026532300']]]);
  });

  it('a pid namespace\'s parent is registered before it, and relates to it', () => {
    const { kernel, reg, newKeys, user } = setup();
    const top = kernel.ns('pid', 4026531836, 3n, { owner: user });
    kernel.files.set('/proc/20/ns/pid', kernel.ns('pid', 4026532400, 4n, { owner: user, parent: top }));
    expect(reg.keyOf('/proc/20/ns/pid', 'pid', 4026532400, 20)).toBe('id:4');
    expect(newKeys()).toEqual([['id:1 user owner=null', 'id:3 pid owner=id:1', 'id:4 pid owner=id:1']]);
    expect([reg.get('id:3')!.related, reg.get('id:1')!.related, reg.get('id:4')!.parentKey]).toEqual([1, 2, 'id:3']);
    expect(kernel.openFds).toBe(0);
  });
});
