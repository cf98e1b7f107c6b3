import { describe, expect, it } from 'vitest';
import { formatRecords } from '../../audit/format.js';
import type { HostBatch, ObservedContainer, ObservedNs, ObservedProc } from '../host_observation.js';
import type { ModelEvent } from '../events.js';
import { allTasks, type ModelState } from '../state.js';
import { lookup } from '../../procfs/tree.js';
import { dispatch } from '../../control/dispatch.js';
import { dumpModel } from '../dump.js';
import { hostSnapshot, observeBatches } from './observe.js';

const ENTRIES = ['net', 'uts', 'ipc', 'pid', 'pid_for_children', 'user', 'mnt', 'cgroup', 'time', 'time_for_children'] as const;
const TYPE_OF = (e: string) => e.replace('_for_children', '') as ObservedNs['type'];
const INIT_IDS: Record<string, bigint> = { uts: 1n, time: 2n, net: 3n, mnt: 4n, cgroup: 5n, ipc: 4098n, user: 4099n, pid: 4100n };

function ns(type: ObservedNs['type'], id: bigint | null, inum: number, via = 100, ownerKey: string | null = null): ObservedNs {
  return { key: id === null ? `${type}:${inum}` : `id:${id.toString(16)}`, type, inum, id, ownerKey, parentKey: null, ownerUid: null, via };
}

const initial = Object.entries(INIT_IDS).map(([t, id], i) => ns(t as ObservedNs['type'], id, 4026531832 + i));
const keyOf = (t: string) => initial.find((n) => n.type === t)!.key;
const initialSlots = Object.fromEntries(ENTRIES.map((e) => [e, keyOf(TYPE_OF(e))]));

function proc(pid: number, ppid: number, slots: Record<string, string> | null = initialSlots, uid = 0, container: ObservedContainer | null = null): ObservedProc {
  return {
    pid, ppid, comm: `p${pid}`, nspid: [pid], uid, gid: uid, capEff: 0x1ffffffffffn, auid: 4294967295, ses: 4294967295, subj: '?',
    kthread: false, status: `Name:\tp${pid}\nPid:\t${pid}\n`, stat: `${pid} (p${pid}) S ${ppid}\n`, cmdline: `p${pid}\0`, ns: slots, container,
    creds: { uids: [uid, uid, uid, uid], gids: [uid, uid, uid, uid], capPrm: 0x1ffffffffffn, dumpable: true },
  };
}

/** One batch applied, as the daemon applies the scanner's batches. */
const observe = (s: ModelState, b: HostBatch) => observeBatches(s, [b]);

const batch = (b: Partial<HostBatch>): HostBatch => ({ namespaces: [], procs: [], gone: [], freed: [], ...b });

/** The initial slots of a state started by {@link start} (its keys differ without NS_GET_ID). */
const startSlots = (s: ModelState) => Object.fromEntries(ENTRIES.map((e) => [e, [...s.host!.byKey].find(([, n]) => n === s.initial[TYPE_OF(e)])![0]]));

function start(useIds = true): ModelState {
  const nss = useIds ? initial : initial.map((n) => ns(n.type, null, n.inum));
  const slots = useIds ? initialSlots : Object.fromEntries(ENTRIES.map((e) => [e, nss.find((n) => n.type === TYPE_OF(e))!.key]));
  return hostSnapshot({
    profile: 'modern', serialSource: useIds ? 'ns_get_id' : 'counter', selfPid: 100,
    snapshot: batch({ namespaces: nss, procs: [proc(100, 1, slots), proc(101, 100, slots), proc(1, 0, null)] }),
  }).state;
}

const lines = (events: readonly ModelEvent[]) => events.flatMap((e) => formatRecords(e, { sec: 1, msec: 0, serial: 9 }).map((l) => l.replace(/^type=(\S+) msg=audit\(1\.000:9\): /, '$1 ')));

describe('hostSnapshot()', () => {
  it('hostSnapshot() writes one INIT per namespace (old_<t>ns=0) then one NS_INFO per readable process, with the kernel ids', () => {
    const { events } = hostSnapshot({
      profile: 'modern', serialSource: 'ns_get_id', selfPid: 100,
      snapshot: batch({ namespaces: initial, procs: [proc(100, 1), proc(1, 0, null)] }),
    });
    expect(lines(events)).toEqual([
      'AUDIT_NS_INIT_UTS pid=100 uid=0 auid=4294967295 ses=4294967295 subj=? old_utsns=0 utsns=1 res=1',
      'AUDIT_NS_INIT_TIME pid=100 uid=0 auid=4294967295 ses=4294967295 subj=? old_timens=0 timens=2 res=1',
      'AUDIT_NS_INIT_NET pid=100 uid=0 auid=4294967295 ses=4294967295 subj=? old_netns=0 netns=3 res=1',
      'AUDIT_NS_INIT_MNT pid=100 uid=0 auid=4294967295 ses=4294967295 subj=? old_mntns=0 mntns=4 res=1',
      'AUDIT_NS_INIT_CGROUP pid=100 uid=0 auid=4294967295 ses=4294967295 subj=? old_cgroupns=0 cgroupns=5 res=1',
      'AUDIT_NS_INIT_IPC pid=100 uid=0 auid=4294967295 ses=4294967295 subj=? old_ipcns=0 ipcns=1002 res=1',
      'AUDIT_NS_INIT_USER pid=100 uid=0 auid=4294967295 ses=4294967295 subj=? old_userns=0 userns=1003 res=1',
      'AUDIT_NS_INIT_PID pid=100 uid=0 auid=4294967295 ses=4294967295 subj=? old_pidns=0 pidns=1004 res=1',
      'NS_INFO pid=100 netns=3 utsns=1 ipcns=1002 pidns=1004 userns=1003 mntns=4 cgroupns=5 timens=2',
    ]);
  });

  it('hostSnapshot() serves the host\'s status lines, and EACCES under ns/ of a process it could not read', () => {
    const s = start();
    const st = allTasks(s).get(1)!;
    expect(st.host).toMatchObject({ status: 'Name:\tp1\nPid:\t1\n', nsDenied: true, container: null });
    expect(lookup(s, '/1/ns/net')).toMatchObject({ errno: 'EACCES' });
    expect(lookup(s, '/100/ns/net_snum')).toMatchObject({ kind: 'snum', ns: { snum: 3n } });
  });

  it('hostSnapshot(): a namespace freed while the first scan ran (its process read, then gone) is INIT, NS_INFO, then DEL, and does not stop the start', () => {
    const uts = ns('uts', 0x14758n, 4026532400, 402);
    const { state, events } = hostSnapshot({
      profile: 'modern', serialSource: 'ns_get_id', selfPid: 100,
      snapshot: batch({ namespaces: [...initial, uts], procs: [proc(100, 1), proc(402, 100, { ...initialSlots, uts: uts.key }), proc(1, 0, null)], freed: [uts.key] }),
    });
    expect(lines(events).filter((l) => l.includes('utsns=14758') || l.startsWith('NS_INFO pid=402'))).toEqual([
      'AUDIT_NS_INIT_UTS pid=402 uid=0 auid=4294967295 ses=4294967295 subj=? old_utsns=0 utsns=14758 res=1',
      'NS_INFO pid=402 netns=3 utsns=14758 ipcns=1002 pidns=1004 userns=1003 mntns=4 cgroupns=5 timens=2',
      'AUDIT_NS_DEL_UTS pid=402 uid=0 auid=4294967295 ses=4294967295 subj=? utsns=14758 res=1',
    ]);
    expect([...state.namespaces].some((n) => n.snum === 0x14758n)).toBe(false);
  });

  it('hostSnapshot() without NS_GET_ID numbers namespaces from 1 in the order first seen', () => {
    const s = start(false);
    expect([...s.namespaces].map((n) => [n.type.name, n.snum])).toEqual(initial.map((n, i) => [n.type, BigInt(i + 1)]));
  });
});

describe('observe()', () => {
  it('observe(): a new process in a new net namespace gets INIT_NET (old = its parent\'s) and NS_INFO; its exit and the free give DEL_NET naming it', () => {
    const s = start();
    const net = ns('net', 0x2a0n, 4026532300, 200);
    const r = observe(s, batch({ namespaces: [net], procs: [proc(200, 101, { ...initialSlots, net: net.key })] }));
    expect(lines(r.events)).toEqual([
      'AUDIT_NS_INIT_NET pid=200 uid=0 auid=4294967295 ses=4294967295 subj=? old_netns=3 netns=2a0 res=1',
      'NS_INFO pid=200 netns=2a0 utsns=1 ipcns=1002 pidns=1004 userns=1003 mntns=4 cgroupns=5 timens=2',
    ]);
    expect(r.changedPids).toEqual([200]);
    const gone = observe(s, batch({ gone: [200] }));
    expect([gone.events, gone.changedPids]).toEqual([[], [200]]);
    expect(lines(observe(s, batch({ freed: [net.key] })).events)).toEqual([
      'AUDIT_NS_DEL_NET pid=200 uid=0 auid=4294967295 ses=4294967295 subj=? netns=2a0 res=1',
    ]);
    expect(s.namespaces.has(s.host!.byKey.get(net.key)!)).toBe(false);
  });

  it('observe(): without NS_GET_ID, one batch that frees uts:X and meets a new namespace on the same inode gives DEL then INIT, never "already known" (issue 21 item 4)', () => {
    const s = start(false);
    const uts = ns('uts', null, 4026532174);
    observe(s, batch({ namespaces: [uts], procs: [proc(200, 101, { ...startSlots(s), uts: uts.key })] }));
    const r = observe(s, batch({ gone: [200], freed: [uts.key], namespaces: [uts], procs: [proc(201, 101, { ...startSlots(s), uts: uts.key })] }));
    expect(lines(r.events).map((l) => l.split(' ')[0] + ' ' + (l.match(/ (utsns=\S+)/)?.[1] ?? ''))).toEqual([
      'AUDIT_NS_DEL_UTS utsns=9', 'AUDIT_NS_INIT_UTS utsns=a', 'NS_INFO utsns=a',
    ]);
    expect([...allTasks(s).keys()].sort()).toEqual([1, 100, 101, 201]);
  });

  it('observe(): a new process in its parent\'s namespaces makes no record', () => {
    const s = start();
    expect(observe(s, batch({ procs: [proc(300, 100)] })).events).toEqual([]);
  });

  it('observe(): an unshare in a running process gives INIT (old = its own previous) and NS_INFO; the same slots again give nothing', () => {
    const s = start();
    const uts = ns('uts', 0x777n, 4026532400, 101);
    const changed = proc(101, 100, { ...initialSlots, uts: uts.key });
    expect(lines(observe(s, batch({ namespaces: [uts], procs: [changed] })).events)).toEqual([
      'AUDIT_NS_INIT_UTS pid=101 uid=0 auid=4294967295 ses=4294967295 subj=? old_utsns=1 utsns=777 res=1',
      'NS_INFO pid=101 netns=3 utsns=777 ipcns=1002 pidns=1004 userns=1003 mntns=4 cgroupns=5 timens=2',
    ]);
    expect(observe(s, batch({ procs: [changed] })).events).toEqual([]);
  });

  it('observe(): a user and a net namespace made together are INIT in creation order, user first', () => {
    const s = start();
    const user = ns('user', 0x900n, 4026532500, 400);
    const net = ns('net', 0x901n, 4026532501, 400, user.key);
    const r = observe(s, batch({ namespaces: [user, net], procs: [proc(400, 100, { ...initialSlots, user: user.key, net: net.key })] }));
    expect(lines(r.events).map((l) => l.split(' ')[0])).toEqual(['AUDIT_NS_INIT_USER', 'AUDIT_NS_INIT_NET', 'NS_INFO']);
    expect(s.host!.byKey.get(net.key)!.owner).toBe(s.host!.byKey.get(user.key));
  });

  it('observe(): a namespace found only through an open file gets its INIT from the process holding it', () => {
    const s = start();
    const ipc = ns('ipc', 0x5n << 40n, 4026532600, 101);
    expect(lines(observe(s, batch({ namespaces: [ipc] })).events)).toEqual([
      'AUDIT_NS_INIT_IPC pid=101 uid=0 auid=4294967295 ses=4294967295 subj=? old_ipcns=0 ipcns=50000000000 res=1',
    ]);
  });

  it('observe(): a uid change is a changed pid (owner of <pid>/), without records', () => {
    const s = start();
    const r = observe(s, batch({ procs: [proc(101, 100, initialSlots, 1000)] }));
    expect([r.events, r.changedPids, allTasks(s).get(101)!.cred.uid]).toEqual([[], [101], 1000]);
  });

  it('observe() never frees the daemon\'s own namespaces', () => {
    const s = start();
    expect(observe(s, batch({ freed: [keyOf('net')] })).events).toEqual([]);
  });
});

/** Everything observe() writes: the model's dump, host mode's maps and each process's host facts. */
function hostDump(s: ModelState): unknown {
  const h = s.host!;
  const snum = (n: { snum: bigint }) => n.snum.toString(16);
  return {
    model: dumpModel(s),
    byKey: [...h.byKey].map(([k, n]) => [k, snum(n)]),
    lastSeen: [...h.lastSeen].map(([n, a]) => [snum(n), a.pid]),
    foundVia: [...h.foundVia].map(([n, pid]) => [snum(n), pid]),
    containers: [...h.containers],
    host: [...allTasks(s)].map(([pid, t]) => [pid, t.host?.status, t.host?.creds]),
  };
}

describe('observe(): all or nothing', () => {
  const uts = ns('uts', 0x7000n, 4026532300);
  const bad = proc(301, 100, { ...initialSlots, net: 'id:dead' });

  it('observe(): a batch that throws halfway (a process naming a namespace nobody saw) leaves the state as it was', () => {
    const s = start();
    const before = hostDump(s);
    const half = batch({ gone: [101], namespaces: [uts], procs: [proc(300, 100, { ...initialSlots, uts: uts.key }, 0, { runtime: 'docker', id: 'ab', pod: null, cgroup: '/docker/ab' }), bad] });
    expect(() => observe(s, half)).toThrow('pid 301\'s net names unknown namespace id:dead');
    expect([hostDump(s), s.journal]).toEqual([before, null]);
    // What the batch had registered is unknown again: without its bad process it applies whole.
    const r = observe(s, { ...half, procs: half.procs.slice(0, 1) });
    expect(lines(r.events).map((l) => l.split(' ')[0])).toEqual(['AUDIT_NS_INIT_UTS', 'NS_INFO', 'NSPROC_CONTAINER']);
    expect(r.changedPids.sort((a, b) => a - b)).toEqual([101, 300]);
  });

  it('observeBatches(): a throw in a later batch undoes the earlier ones too', () => {
    const s = start();
    const before = hostDump(s);
    expect(() => observeBatches(s, [batch({ namespaces: [uts], procs: [proc(300, 100, { ...initialSlots, uts: uts.key })] }), batch({ procs: [bad] })])).toThrow('unknown namespace');
    expect(hostDump(s)).toEqual(before);
  });

  it('observeBatches(): the changed pids are those whose view differs from before the first batch: a pid exited and reused counts, one made and gone within them does not', () => {
    const s = start();
    const r = observeBatches(s, [batch({ gone: [101], procs: [proc(300, 100)] }), batch({ gone: [300], procs: [proc(101, 100)] })]);
    expect(r.changedPids).toEqual([101]);
  });

  it('observe(): a process that stopped being dumpable is a changed pid (who may read its ns/), without records', () => {
    const s = start();
    const p = proc(101, 100);
    const r = observe(s, batch({ procs: [{ ...p, creds: { ...p.creds, dumpable: false } }] }));
    expect([r.events, r.changedPids]).toEqual([[], [101]]);
    expect(observe(s, batch({ procs: [{ ...p, creds: { ...p.creds, dumpable: false } }] })).changedPids).toEqual([]);
  });
});

describe('observe(): containers', () => {
  const ID = 'ab'.repeat(32);
  const docker: ObservedContainer = { runtime: 'docker', id: ID, pod: null, cgroup: `/system.slice/docker-${ID}.scope` };
  const pod: ObservedContainer = { runtime: 'kubernetes', id: ID, pod: '7d0a6c3e-51b2-4f8a-9c1d-2e3f4a5b6c7d', cgroup: '/kubepods/pod7d0a6c3e-51b2-4f8a-9c1d-2e3f4a5b6c7d/' + ID };

  it('observe(): the first process of a container gets NSPROC_CONTAINER after its INIT and NS_INFO, with its serials in table order', () => {
    const s = start();
    const net = ns('net', 0x2a0n, 4026532300, 200);
    const r = observe(s, batch({ namespaces: [net], procs: [proc(200, 101, { ...initialSlots, net: net.key }, 0, docker)] }));
    expect(lines(r.events)).toEqual([
      'AUDIT_NS_INIT_NET pid=200 uid=0 auid=4294967295 ses=4294967295 subj=? old_netns=3 netns=2a0 res=1',
      'NS_INFO pid=200 netns=2a0 utsns=1 ipcns=1002 pidns=1004 userns=1003 mntns=4 cgroupns=5 timens=2',
      `NSPROC_CONTAINER pid=200 runtime=docker container=${ID} cgroup="/system.slice/docker-${ID}.scope" netns=2a0 utsns=1 ipcns=1002 pidns=1004 userns=1003 mntns=4 cgroupns=5 timens=2`,
    ]);
    expect(allTasks(s).get(200)!.host!.container).toEqual(docker);
  });

  it('observe(): a second process of the container in the same namespaces gets none; one in other namespaces gets one again', () => {
    const s = start();
    observe(s, batch({ procs: [proc(200, 101, initialSlots, 0, docker)] }));
    expect(observe(s, batch({ procs: [proc(201, 200, initialSlots, 0, docker)] })).events).toEqual([]);
    const uts = ns('uts', 0x777n, 4026532400, 202);
    const r = observe(s, batch({ namespaces: [uts], procs: [proc(202, 200, { ...initialSlots, uts: uts.key }, 0, docker)] }));
    expect(lines(r.events).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['AUDIT_NS_INIT_UTS pid=202', 'NS_INFO pid=202', 'NSPROC_CONTAINER pid=202']);
  });

  it('observe(): a running process moved into a container\'s cgroup gets the record (no NS_INFO: its namespaces did not change)', () => {
    const s = start();
    expect(lines(observe(s, batch({ procs: [proc(101, 100, initialSlots, 0, pod)] })).events)).toEqual([
      `NSPROC_CONTAINER pid=101 runtime=kubernetes container=${ID} pod=${pod.pod} cgroup="${pod.cgroup}" netns=3 utsns=1 ipcns=1002 pidns=1004 userns=1003 mntns=4 cgroupns=5 timens=2`,
    ]);
  });

  it('observe(): a cgroup path with a blank is written in hex, as the kernel writes untrusted strings', () => {
    const s = start();
    const odd = { ...docker, cgroup: '/a b/docker-x.scope' };
    expect(lines(observe(s, batch({ procs: [proc(101, 100, initialSlots, 0, odd)] })).events)[0]).toContain(`cgroup=${Buffer.from(odd.cgroup).toString('hex').toUpperCase()} netns=3`);
  });

  it('observe(): a process of a container whose ns/ the daemon may not read gets no record (nothing to name); its container shows', () => {
    const s = start();
    expect(observe(s, batch({ procs: [proc(300, 100, null, 1000, docker)] })).events).toEqual([]);
    expect(allTasks(s).get(300)!.host!.container).toEqual(docker);
  });

  it('hostSnapshot(): a process already in a container at start gets its record after its NS_INFO', () => {
    const { events } = hostSnapshot({
      profile: 'modern', serialSource: 'ns_get_id', selfPid: 100,
      snapshot: batch({ namespaces: initial, procs: [proc(100, 1), proc(150, 1, initialSlots, 0, docker)] }),
    });
    expect(lines(events).slice(-3).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['NS_INFO pid=100', 'NS_INFO pid=150', 'NSPROC_CONTAINER pid=150']);
  });
});

describe('dispatch() in host mode', () => {
  it.each(['clone', 'unshare', 'setns', 'exit', 'pin', 'unpin', 'setcred'] as const)('%s fails with EOPNOTSUPP and points to unshare(1) and nsenter(1)', (op) => {
    const s = start();
    const cmd = { op, actor: 100, flags: 0, pin: 1, entry: 'net', target: { kind: 'pid', pid: 1 }, type: null, change: {} } as never;
    const r = dispatch(s, cmd);
    expect(r.ok ? 'ok' : [r.error.errno, /unshare\(1\).*nsenter\(1\)/.test(r.error.detail)]).toEqual(['EOPNOTSUPP', true]);
  });

  it('ns_info on a host pid gives its NS_INFO; on a process the daemon may not read, EACCES', () => {
    const s = start();
    const r = dispatch(s, { op: 'ns_info', actor: 100, pid: 101 });
    expect(r.ok && lines(r.value.events)).toEqual(['NS_INFO pid=101 netns=3 utsns=1 ipcns=1002 pidns=1004 userns=1003 mntns=4 cgroupns=5 timens=2']);
    const denied = dispatch(s, { op: 'ns_info', actor: 100, pid: 1 });
    expect(denied.ok || denied.error.errno).toBe('EACCES');
  });

  it.each([
    ['ns_info', { op: 'ns_info', actor: 1, pid: 100 }],
    ['virt_control', { op: 'virt_control', actor: 1, text: 'op=start' }],
  ] as const)('%s with an actor whose ns/ the daemon may not read: EACCES says what is not known (not ECONNREFUSED)', (_op, cmd) => {
    const r = dispatch(start(), cmd as never);
    expect(r.ok ? 'ok' : [r.error.errno, r.error.detail]).toEqual(['EACCES', 'the daemon may not read /proc/1/ns, so it cannot tell pid 1\'s namespaces (audit listens only in the initial user namespace)']);
  });
});
