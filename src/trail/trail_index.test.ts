import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOCKER_ID, HOST_LOG } from './_test_host_log.js';
import { events, json, run, text } from './_test_trail.js';

const FLEET = fs.readFileSync(new URL('../../test/fixtures/trail/fleet.log', import.meta.url), 'utf8').trimEnd().split('\n');
const WEB = '5c2a3d1e-8f4b-4c6d-9e7f-0a1b2c3d4e5f';
const ONE = '0b7e4c1a-2d3f-4a5b-8c6d-7e8f9a0b1c2d';
const TWO = '9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f';
const hostA = FLEET.filter((l) => l.startsWith('node=hostA '));
/** hostA's log as a plain model daemon writes it: no node=, no DAEMON_START. */
const plainA = hostA.filter((l) => !l.includes('DAEMON_START')).map((l) => l.slice('node=hostA '.length));

describe('TrailIndex: a container across hosts (the fleet fixture)', () => {
  it('joins the two hosts by uuid: both parts, the admin entry, the migration, what stayed alive', () => {
    const r = run(FLEET, { kind: 'uuid', uuid: WEB });
    expect(events(r).filter((e, i, a) => e !== a[i - 1])).toEqual(['created', 'virt', 'entered', 'virt', 'freed', 'created', 'migrated', 'virt', 'alive']);
    const admin = json(r).find((o) => o.event === 'entered')!;
    expect(admin).toMatchObject({ node: 'hostA', pid: 5, auid: 1000, namespaces: [{ type: 'net', serial: 'c', inum: null }], uuid: WEB });
    const mig = json(r).find((o) => o.event === 'migrated')!;
    expect(mig).toMatchObject({ node: 'hostB', from_node: 'hostA', from_boot: '11111111-2222-4333-8444-555555555555' });
    expect(mig.continues).toContainEqual({ type: 'net', from: 'c', to: 'c' });
  });

  it('joins them whatever order the logs come in (the target host first)', () => {
    const hostB = FLEET.filter((l) => l.startsWith('node=hostB '));
    expect(text(run([...hostB, ...hostA], { kind: 'uuid', uuid: WEB }))).toEqual(text(run(FLEET, { kind: 'uuid', uuid: WEB })));
  });

  it('keeps two containers apart whose pid namespaces had the same inode, one after the other', () => {
    const pidNs = (uuid: string) => json(run(FLEET, { kind: 'uuid', uuid })).find((o) => o.event === 'virt' && o.op === 'init')!.namespaces;
    expect([pidNs(ONE), pidNs(TWO)]).toEqual([[{ type: 'pid', serial: '8', inum: 4026531843 }], [{ type: 'pid', serial: 'a', inum: 4026531843 }]]);
  });

  it('counts a record seen twice once, and the trail is the same', () => {
    const twice = FLEET.flatMap((l) => [l, l]);
    const r = run(twice, { kind: 'uuid', uuid: WEB });
    expect(text(r)).toEqual(text(run(FLEET, { kind: 'uuid', uuid: WEB })));
    expect(r.ix.counts.duplicates).toBe(FLEET.length);
  });

  it('names at the end the processes still in a namespace, not those whose other namespaces were freed (they exited)', () => {
    const alive = json(run(FLEET, { kind: 'uuid', uuid: TWO })).find((o) => o.event === 'alive');
    expect(alive).toMatchObject({ pids: '5' });
  });

  it('ends containers as they stop (the summary streams), and keeps the ones alive or migrating', () => {
    const r = run(FLEET, { kind: 'summary' });
    expect(r.ended.map((c) => c.uuid)).toEqual([ONE]);
    expect(r.ix.containers.all().map((c) => c.uuid)).toEqual([WEB, TWO]);
  });

  it('finds one namespace by NODE:BOOT-PREFIX:TYPE:SERIAL, and the namespaces of a pid at its last NS_INFO', () => {
    expect(events(run(FLEET, { kind: 'ns', node: 'hostB', boot: '6666', typeIdx: 0, serial: 'c' }))).toEqual(['created', 'entered', 'alive']);
    const r = run(FLEET, { kind: 'pid', node: 'hostA', pid: 5 });
    expect(new Set(json(r).flatMap((o) => (o.namespaces as { type: string; serial: string }[]).map((n) => `${n.type}:${n.serial}`)))).toEqual(new Set(['uts:d', 'net:c']));
    expect(json(r).filter((o) => o.event === 'entered').map((o) => o.pid)).toEqual([5, 5]);
  });

  it('says when the selector matches nothing, or a prefix more than one', () => {
    expect(run(FLEET, { kind: 'uuid', uuid: 'nope' }).model).toMatchObject({ reason: 'none' });
    expect(run(FLEET, { kind: 'ns', node: 'hostA', boot: '', typeIdx: 0, serial: 'ff' }).model).toMatchObject({ reason: 'none' });
    expect(run([...hostA, ...hostA.map((l) => l.replace('boot_id=1111', 'boot_id=1112'))], { kind: 'ns', node: 'hostA', boot: '111', typeIdx: 0, serial: 'c' }).model)
      .toMatchObject({ reason: 'ambiguous' });
  });
});

describe('TrailIndex: boots', () => {
  it('names a boot without DAEMON_START ?1 and shows it in the trail', () => {
    const r = run(plainA, { kind: 'ns', node: '', boot: '', typeIdx: 0, serial: 'c' });
    expect(text(r)[1]).toBe('  the unnamed node boot ?1 (no DAEMON_START in the input)');
    expect(events(r)).toContain('lost');
  });

  it('takes a plain log with two daemon runs appended as two boots', () => {
    const r = run([...plainA, ...plainA.map((l) => l.replace('1408577535.306', '1408577999.000'))], { kind: 'summary' });
    expect(r.ix.boots().map((b) => b.unknownNo)).toEqual([1, 2]);
    expect(r.ix.counts.outOfOrder).toBe(0);
  });

  it('counts a DAEMON_ROTATE naming another boot of the same node', () => {
    const rotate = hostA[0]!.replace('DAEMON_START', 'DAEMON_ROTATE').replace('op=start', 'op=rotate-logs').replace(':4)', ':29)').replace('boot_id=1111', 'boot_id=9999');
    expect(run([...hostA, rotate], { kind: 'summary' }).ix.counts.nodeClashes).toBe(1);
  });
});

describe('TrailIndex: processes', () => {
  /** Records of one model boot: stamp `serial`, fields as given. */
  const rec = (serial: number, type: string, fields: string) => `type=${type} msg=audit(1.000:${serial}): ${fields}`;
  const actor = (pid: number, auid: number) => `pid=${pid} uid=0 auid=${auid} ses=2 subj=k`;
  /** pid 7 (auid 1000) in a net namespace of its own, which is freed: the process is gone. */
  const before = [
    rec(1, 'AUDIT_NS_INIT_NET', `${actor(1, 4294967295)} old_netns=0 netns=1 res=1`),
    rec(1, 'AUDIT_NS_INIT_UTS', `${actor(1, 4294967295)} old_utsns=0 utsns=2 res=1`),
    rec(2, 'AUDIT_NS_INIT_NET', `${actor(7, 1000)} old_netns=1 netns=a res=1`),
    rec(2, 'NS_INFO', 'pid=7 netns=a utsns=2'),
    rec(3, 'AUDIT_NS_DEL_NET', `${actor(7, 1000)} netns=a res=1`),
  ];
  /** `n` other processes, each in a net namespace of its own that is then freed. */
  const others = (n: number, from: number) => Array.from({ length: n }, (_, i) => {
    const serial = from + 2 * i;
    const ns = (0x1000 + i).toString(16);
    return [
      rec(serial, 'AUDIT_NS_INIT_NET', `${actor(100 + i, 0)} old_netns=1 netns=${ns} res=1`),
      rec(serial, 'NS_INFO', `pid=${100 + i} netns=${ns} utsns=2`),
      rec(serial + 1, 'AUDIT_NS_DEL_NET', `${actor(100 + i, 0)} netns=${ns} res=1`),
    ];
  }).flat();
  /** Then pid 7 again (a new process given the same pid) in a uts namespace another process made. */
  const after = (from: number) => [
    rec(from, 'AUDIT_NS_INIT_UTS', `${actor(8, 0)} old_utsns=2 utsns=b res=1`),
    rec(from, 'NS_INFO', 'pid=8 netns=1 utsns=b'),
    rec(from + 1, 'NS_INFO', 'pid=7 netns=1 utsns=b'),
  ];
  const uts = { kind: 'ns', node: '', boot: '', typeIdx: 1, serial: 'b' } as const;
  const pid7 = (lines: string[]) => json(run(lines, uts)).filter((o) => o.pid === 7);

  it('forgets a process once a namespace it was last seen in is freed: its pid seen again is a new process', () => {
    expect(pid7([...before, ...after(4)])).toMatchObject([{ event: 'entered', auid: null, first_seen: 1 }]);
  });

  it('forgets it so however many processes the boot had', () => {
    expect(pid7([...before, ...others(2000, 4), ...after(4004)])).toEqual(pid7([...before, ...after(4)]).map((o) => ({ ...o, serial: 4005 })));
  });
});

describe('TrailIndex: host mode records', () => {
  it('--container by prefix: created by runc (clone), the container record, the admin nsenter, kernel events, losses, the end', () => {
    const r = run(HOST_LOG, { kind: 'container', prefix: '3f4e9a' });
    const o = json(r);
    expect(o.find((x) => x.event === 'created')).toMatchObject({ pid: 600, comm: 'runc', exe: '/usr/bin/runc', syscall: 'clone', container: DOCKER_ID });
    expect(o.find((x) => x.event === 'container')).toMatchObject({ runtime: 'docker', container: DOCKER_ID, pid: 600 });
    expect(o.find((x) => x.event === 'entered')).toMatchObject({ pid: 700, auid: 1000, comm: 'nsenter', syscall: 'setns', namespaces: [{ type: 'net', serial: '40000024', inum: null }] });
    expect(o.filter((x) => x.event === 'kernel').map((x) => `${x.count} ${x.syscall}`).sort()).toEqual(['1 setns', '1 unshare']);
    expect(o.filter((x) => x.event === 'lost').map((x) => x.kind)).toEqual(['kernel-lost', 'unseen', 'log-lost', 'gap']);
    expect(o.find((x) => x.kind === 'log-lost')?.text).toBe('records the log could not take: lost=3 first=1796000003.300 last=1796000003.400 errno=ENOSPC');
    expect(o.filter((x) => x.event === 'freed')).toHaveLength(5);
    expect(o.some((x) => x.event === 'alive')).toBe(false);
  });

  it('never counts the initial user namespace as the container\'s', () => {
    const r = run(HOST_LOG, { kind: 'container', prefix: DOCKER_ID });
    expect(json(r).flatMap((o) => (o.namespaces as { type: string }[]).map((n) => n.type))).not.toContain('user');
  });
});

describe('TrailIndex: bad input is counted, never fatal', () => {
  it.each([
    ['a DEL without INIT', ['node=hostA type=AUDIT_NS_DEL_NET msg=audit(1.000:5): pid=4 uid=0 auid=0 ses=1 subj=k netns=c res=1'], 'delWithoutInit'],
    ['a record with mangled fields', ['node=hostA type=NS_INFO msg=audit(1.000:5): pid=4 netns=zz'], 'malformed'],
    ['a cut header', ['node=hostA type=NS_INFO msg=audit(1.0'], 'truncated'],
    ['binary garbage', ['\u0000\u0001\u0002'], 'garbage'],
    ['other text', ['hello'], 'notRecords'],
  ] as const)('%s', (_name, lines, counter) => {
    expect(run(lines, { kind: 'summary' }).ix.counts[counter]).toBe(1);
  });

  it('counts a record cut at the end of the file and does not use it', () => {
    const r = run([...hostA.slice(0, -1), hostA.at(-1)!.slice(0, 60)], { kind: 'summary' }, { cutLast: true });
    expect(r.ix.counts.cut).toBe(1);
  });
});
