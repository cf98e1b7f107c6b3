import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/log_writer.js';
import { fixedClock } from '../audit/clock.js';
import { tempDir } from '../audit/_test_io.js';
import type { ModelEvent } from '../model/events.js';
import type { HostBatch } from '../model/host_observation.js';
import { booted } from '../model/_test_util.js';
import { allTasks } from '../model/state.js';
import type { KernelEvent } from './assembler.js';
import { CLAIM_MS } from './held_events.js';
import { explains, KernelAudit, type KernelAuditHost, type KernelAuditOptions, type ReaderPort } from './kernel_audit.js';
import type { KernelRecord } from './record.js';
import type { ReaderMessage } from './reader_worker.js';
import { parseSyscall } from './syscall_record.js';

/** A reader thread that sends what the test gives it. */
class FakeReader extends EventEmitter {
  postMessage(m: { kind: string }): void {
    if (m.kind === 'stop') queueMicrotask(() => this.emit('message', { kind: 'stopped', events: [], lost: [], high: null, through: Date.now() } satisfies ReaderMessage));
  }
  async terminate(): Promise<number> { return 0; }
  send(m: ReaderMessage): void { this.emit('message', m); }
}

const rec = (type: number, serial: number, fields: string): KernelRecord =>
  ({ type, sec: 1796153311, msec: 663, serial, message: `audit(1796153311.663:${serial}): ${fields}` });
/** A syscall event as the kernel sends it: SYSCALL, PROCTITLE, EOE. */
function syscallEvent(serial: number, nr: number, pid: number, key = 'nsproc', exit = 0, a0 = '40000000'): KernelEvent {
  return {
    sec: 1796153311, msec: 663, serial, records: [
      rec(1300, serial, `arch=c000003e syscall=${nr} success=yes exit=${exit} a0=${a0} ppid=1 pid=${pid} comm="unshare" exe="/usr/bin/unshare" key="${key}"`),
      rec(1327, serial, 'proctitle=756E7368617265'), rec(1320, serial, ''),
    ],
  };
}

let cleanups: (() => void)[] = [];
afterEach(() => { cleanups.forEach((c) => c()); cleanups = []; });

async function setup(opts: Partial<KernelAuditOptions> = {}, rescanned: ModelEvent[] = [], read: HostBatch['procs'][number][] = [], threads: number[] = []) {
  const t = tempDir();
  const log = AuditLog.open({ path: t.log, clock: fixedClock({ sec: 1408577535, msec: 306 }), serialSpace: 'beside-kernel' });
  if (!log.ok) throw new Error(log.error.detail);
  cleanups.push(() => { log.value.close(); t.cleanup(); });
  const reader = new FakeReader();
  const said: string[] = [];
  const startedKa = KernelAudit.withReader({ rules: false, keys: null, stateFile: '/nonexistent', ...opts }, log.value, reader as unknown as ReaderPort, null, (l) => said.push(l));
  reader.send({ kind: 'ready', warning: null });
  const ka = await startedKa;
  const state = booted({ profile: 'modern' });
  const rescans: number[][] = [];
  const asked = { full: 0, coverage: [] as (string | null)[] };
  const host: KernelAuditHost = {
    state,
    rescanNow: async (pids) => {
      rescans.push([...pids]);
      return { events: rescanned.splice(0), batches: [{ namespaces: [], procs: read.splice(0), gone: [], freed: [] }], threads: threads.filter((t) => pids.includes(t)) };
    },
    fullRescan: () => void asked.full++,
    coverage: (m) => void asked.coverage.push(m),
  };
  ka.attach(host);
  /** Sends one batch and waits until it is written (the chain runs on promises). */
  const deliver = async (m: Partial<Extract<ReaderMessage, { kind: 'events' }>>) => {
    reader.send({ kind: 'events', events: [], lost: [], high: null, through: Date.now(), ...m });
    await new Promise((r) => setTimeout(r, 5));
  };
  const lines = () => fs.readFileSync(t.log, 'utf8').split('\n').filter((l) => l !== '');
  cleanups.push(() => void ka.stop());
  return { ka, deliver, lines, rescans, said, asked };
}

const initNet = (pid: number): ModelEvent => {
  const net = booted({ profile: 'modern' }).types.byName.get('net')!;
  return { kind: 'ns-created', type: net, snum: 0x1009n, oldSnum: 3n, actor: { pid, uid: 0, auid: 4294967295, ses: 4294967295, subj: 'unconfined' } };
};

describe('KernelAudit', () => {
  it('an unshare event: rescans its pid and writes the INIT and NS_INFO inside it, after SYSCALL, with its stamp', async () => {
    const { ka, deliver, lines, rescans } = await setup({}, [initNet(1), { kind: 'ns-info', pid: 1, namespaces: [] }]);
    await deliver({ events: [syscallEvent(16, 272, 1)], high: 16 });
    expect(rescans).toEqual([[1]]);
    expect(lines().map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      'type=SYSCALL msg=audit(1796153311.663:16):', 'type=AUDIT_NS_INIT_NET msg=audit(1796153311.663:16):',
      'type=NS_INFO msg=audit(1796153311.663:16):', 'type=PROCTITLE msg=audit(1796153311.663:16):', 'type=EOE msg=audit(1796153311.663:16):',
    ]);
    expect(ka.stats).toMatchObject({ events: 1, logged: 1, claimed: 2, withoutNsInfo: 0 });
  });

  it('claims the host events held for the pid (the scanner was first) and leaves the others to be logged as nsproc\'s own', async () => {
    const { ka, deliver, lines } = await setup();
    ka.hostEvents([initNet(1), initNet(2)], []);
    await deliver({ events: [syscallEvent(20, 272, 1)], through: Date.now() - 1000 });
    expect(lines().filter((l) => l.includes(':20):')).map((l) => l.split(' ')[0])).toEqual(['type=SYSCALL', 'type=AUDIT_NS_INIT_NET', 'type=NS_INFO', 'type=PROCTITLE', 'type=EOE']);
    expect(lines().length).toBe(5); // pid 2's INIT waits: the reader has not caught up with it
    await deliver({ through: Date.now() + CLAIM_MS });
    expect(lines().at(-1)).toMatch(/^type=AUDIT_NS_INIT_NET msg=audit\(1408577535\.306:2147483648\): pid=2 /);
  });

  it('any other syscall event gets NS_INFO from the state, without a rescan; an unknown pid gets none (counted)', async () => {
    const { ka, deliver, lines, rescans } = await setup();
    await deliver({ events: [syscallEvent(30, 59, 1, 'exec'), syscallEvent(31, 59, 99999, 'exec')] });
    expect(rescans).toEqual([]);
    expect(lines().map((l) => l.split(' ')[0])).toEqual(['type=SYSCALL', 'type=NS_INFO', 'type=PROCTITLE', 'type=EOE', 'type=SYSCALL', 'type=PROCTITLE', 'type=EOE']);
    expect(ka.stats).toMatchObject({ logged: 2, withoutNsInfo: 1 });
  });

  it("an event's NS_INFO never names a namespace before its INIT: a held INIT it names is logged first, as nsproc's own", async () => {
    const { ka, deliver, lines } = await setup();
    const net = booted({ profile: 'modern' }).types.byName.get('net')!;
    const pid1Net = allTasks(booted({ profile: 'modern' })).get(1)!.ns.net!.snum;
    // pid 1's namespace, first seen through pid 77 (an unshare no event claimed it for), still held.
    ka.hostEvents([{ kind: 'ns-created', type: net, snum: pid1Net, oldSnum: 3n, actor: { pid: 77, uid: 0, auid: 0, ses: 0, subj: '?' } }], []);
    await deliver({ events: [syscallEvent(60, 59, 1, 'exec')] });
    expect(lines().map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      'type=AUDIT_NS_INIT_NET msg=audit(1408577535.306:2147483648):', 'type=SYSCALL msg=audit(1796153311.663:60):',
      'type=NS_INFO msg=audit(1796153311.663:60):', 'type=PROCTITLE msg=audit(1796153311.663:60):', 'type=EOE msg=audit(1796153311.663:60):',
    ]);
  });

  it('--kernel-audit-keys: only events with one of the keys; events without SYSCALL are never logged', async () => {
    const { ka, deliver, lines } = await setup({ keys: ['nsproc'] });
    const lone: KernelEvent = { sec: 1, msec: 2, serial: 41, records: [rec(1335, 41, 'op=connect')] };
    await deliver({ events: [syscallEvent(40, 59, 1, 'exec'), lone, syscallEvent(42, 272, 1)] });
    expect(lines().filter((l) => l.startsWith('type=SYSCALL')).map((l) => l.split(' ')[1])).toEqual(['msg=audit(1796153311.663:42):']);
    expect(ka.stats).toMatchObject({ events: 3, logged: 1, filtered: 1, noSyscall: 1 });
  });

  it('an unshare whose process was gone before it was read: NSPROC_NS_UNSEEN inside its event, after SYSCALL, before PROCTITLE', async () => {
    const { ka, deliver, lines } = await setup();
    await deliver({ events: [syscallEvent(50, 272, 4242, 'nsproc', 0, '40020000')] });
    expect(lines()).toEqual([
      expect.stringMatching(/^type=SYSCALL msg=audit\(1796153311\.663:50\): /),
      'type=NSPROC_NS_UNSEEN msg=audit(1796153311.663:50): pid=4242 syscall=unshare types=net,mnt comm="unshare" exe="/usr/bin/unshare"',
      expect.stringMatching(/^type=PROCTITLE msg=audit\(1796153311\.663:50\): /),
      expect.stringMatching(/^type=EOE msg=audit\(1796153311\.663:50\):$/),
    ]);
    expect(ka.stats).toMatchObject({ withoutNsInfo: 1, unseen: { records: 1, namespaces: 2, unknown: 0 } });
  });

  it('no NSPROC_NS_UNSEEN when the INIT was seen: claimed from the held events, or logged on its own before the kernel event came', async () => {
    const { ka, deliver, lines } = await setup();
    ka.hostEvents([initNet(4243)], []);
    await deliver({ events: [syscallEvent(51, 272, 4243)] });
    ka.hostEvents([initNet(4244)], []);
    await deliver({ through: Date.now() + CLAIM_MS });
    await deliver({ events: [syscallEvent(52, 272, 4244)] });
    expect(lines().filter((l) => l.includes('NSPROC_NS_UNSEEN'))).toEqual([]);
    expect(lines().filter((l) => l.includes(':51):')).map((l) => l.split(' ')[0])).toEqual(['type=SYSCALL', 'type=AUDIT_NS_INIT_NET', 'type=PROCTITLE', 'type=EOE']);
    expect(ka.stats.unseen.records).toBe(0);
  });

  it('clone3 whose child nsproc never read: types=unknown; one it read (no records of its own) is seen; a fork never gets one', async () => {
    const child: HostBatch['procs'][number] = { pid: 4246, ppid: 1, comm: 'x', nspid: [4246], uid: 0, gid: 0, capEff: 0n, auid: 0, ses: 0, subj: '?', kthread: false, status: '', stat: '', cmdline: '', ns: {}, container: null, creds: { uids: [0, 0, 0, 0], gids: [0, 0, 0, 0], capPrm: 0n, dumpable: true } };
    const { ka, deliver, lines } = await setup({}, [], [child]);
    await deliver({ events: [syscallEvent(53, 435, 1, 'nsproc', 4246, '7ffd75dca1f0')] });
    await deliver({ events: [syscallEvent(54, 435, 1, 'nsproc', 4247, '7ffd75dca1f0'), syscallEvent(55, 56, 1, 'nsproc', 4248, '1200011')] });
    expect(lines().filter((l) => l.includes('NSPROC_NS_UNSEEN'))).toEqual([
      'type=NSPROC_NS_UNSEEN msg=audit(1796153311.663:54): pid=1 syscall=clone3 types=unknown comm="unshare" exe="/usr/bin/unshare"',
    ]);
    expect(ka.stats.unseen).toEqual({ records: 1, namespaces: 0, unknown: 1 });
  });

  it('clone3 that made a thread (the rescan says so): no NSPROC_NS_UNSEEN, host mode follows processes', async () => {
    const { ka, deliver, lines } = await setup({}, [], [], [4250]);
    await deliver({ events: [syscallEvent(56, 435, 1, 'nsproc', 4250, '7ffd75dca1f0')] });
    expect(lines().filter((l) => l.includes('NSPROC_NS_UNSEEN'))).toEqual([]);
    expect(ka.stats.unseen.records).toBe(0);
  });

  it('writes lost kernel events as NSPROC_KERNEL_LOST records of its own, and counts them', async () => {
    const { ka, deliver, lines } = await setup();
    await deliver({ lost: [{ reason: 'gap', first: 7, last: 9, count: 3 }, { reason: 'kernel_lost', count: 2, total: 5 }, { reason: 'overrun' }] });
    expect(lines().map((l) => l.replace(/audit\([^)]*\)/, 'audit(…)'))).toEqual([
      'type=NSPROC_KERNEL_LOST msg=audit(…): reason=gap first=7 last=9 count=3',
      'type=NSPROC_KERNEL_LOST msg=audit(…): reason=kernel_lost count=2 total=5',
      'type=NSPROC_KERNEL_LOST msg=audit(…): reason=overrun',
    ]);
    expect(ka.stats.lost).toEqual({ gaps: 1, gapSerials: 3, kernelLost: 2, overruns: 1 });
  });

  it('asks host mode for a full rescan after a loss (once per batch of messages), and not without one', async () => {
    const { ka, deliver, asked } = await setup();
    await deliver({});
    expect(asked.full).toBe(0);
    await deliver({ lost: [{ reason: 'overrun' }, { reason: 'gap', first: 7, last: 7, count: 1 }] });
    expect(asked.full).toBe(1);
    expect(ka.stats.lossRescans).toBe(1);
  });
});

describe('explains', () => {
  const types = booted({ profile: 'modern' }).types;
  const initOf = (name: string, pid: number): ModelEvent =>
    ({ kind: 'ns-created', type: types.byName.get(name as 'net')!, snum: 9n, oldSnum: 3n, actor: { pid, uid: 0, auid: 0, ses: 0, subj: '?' } });
  const delOf = (pid: number): ModelEvent => ({ kind: 'ns-freed', type: types.byName.get('net')!, snum: 9n, actor: { pid, uid: 0, auid: 0, ses: 0, subj: '?' } });
  const sys = (fields: string) => parseSyscall(`audit(1.002:3): arch=c000003e ${fields} pid=10`)!;
  const unshareNet = sys('syscall=272 success=yes exit=0 a0=40000000 a1=0');
  const forkLike = sys('syscall=56 success=yes exit=11 a0=1200011 a1=0');
  const cloneNet = sys('syscall=56 success=yes exit=11 a0=40000011 a1=0');
  const clone3 = sys('syscall=435 success=yes exit=11 a0=7ffd75dca1f0 a1=58');
  const setns = sys('syscall=308 success=yes exit=0 a0=3 a1=40000000');
  it.each([
    ['unshare net: its INIT_NET', unshareNet, initOf('net', 10), true],
    ['unshare net: not an INIT_UTS', unshareNet, initOf('uts', 10), false],
    ['unshare: its NS_INFO', unshareNet, { kind: 'ns-info', pid: 10, namespaces: [] }, true],
    ['unshare: a DEL of what it left', unshareNet, delOf(10), true],
    ['a fork: not the child\'s INIT_NET (a later unshare made it)', forkLike, initOf('net', 11), false],
    ['a fork: not the child\'s NS_INFO', forkLike, { kind: 'ns-info', pid: 11, namespaces: [] }, false],
    ['clone net: the child\'s INIT_NET', cloneNet, initOf('net', 11), true],
    ['clone net: the child\'s NS_INFO', cloneNet, { kind: 'ns-info', pid: 11, namespaces: [] }, true],
    ['clone3 (flags unknown): the child\'s INIT_UTS', clone3, initOf('uts', 11), true],
    ['setns: its NS_INFO', setns, { kind: 'ns-info', pid: 10, namespaces: [] }, true],
    ['setns: no INIT', setns, initOf('net', 10), false],
    // SPEC §9: NSPROC_CONTAINER is an event of nsproc's own, whatever syscall came with it.
    ['clone net: not the child\'s NSPROC_CONTAINER', cloneNet, { kind: 'container-seen', pid: 11, container: { runtime: 'lxc', id: 'web', pod: null, cgroup: '/lxc.payload.web' }, namespaces: [] }, false],
    ['unshare: not its NSPROC_CONTAINER', unshareNet, { kind: 'container-seen', pid: 10, container: { runtime: 'lxc', id: 'web', pod: null, cgroup: '/lxc.payload.web' }, namespaces: [] }, false],
  ] as const)('%s', (_name, s, e, want) => {
    expect(explains(s, e as ModelEvent, () => true)).toBe(want);
  });

  it('a DEL after the caller exited is not the syscall\'s', () => {
    expect(explains(unshareNet, delOf(10), () => false)).toBe(false);
  });
});
