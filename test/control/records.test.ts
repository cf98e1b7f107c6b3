/**
 * SPEC §6 on a real mount: every record type with exactly its fields, the
 * actor each names, NS_INFO's order, the capability and user-namespace rules
 * of the audit requests, the audit serials, and a reproducible log with
 * `--clock fixed:EPOCH`.
 */
import * as fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type MountedDaemon } from '../helpers/mounted.js';
import { ACTOR_FIELDS, bash, bashOk, fieldsOf, names, readRecords, V5_NS_FIELDS, type AuditRecord } from './_helpers.js';

const UNSET = '4294967295';
let m: MountedDaemon;
beforeAll(async () => { m = await startDaemon(); });
afterAll(async () => { await m?.stop(); });

/** Runs a script that must succeed and returns its stdout lines and the records it added. */
async function step(script: string): Promise<{ out: string[]; recs: AuditRecord[] }> {
  const before = (await readRecords(m)).length;
  const out = (await bashOk(m, script)).split('\n').filter((l) => l !== '');
  return { out, recs: (await readRecords(m)).slice(before) };
}

const initFields = (t: string) => [...ACTOR_FIELDS, `old_${t}ns`, `${t}ns`, 'res'];
const delFields = (t: string) => [...ACTOR_FIELDS, `${t}ns`, 'res'];

/** A new child of pid 1 with known audit identity: `setcred` as a login session would. */
const ACTOR = 'uid=0 auid=1000 ses=7 subj=unconfined_u:unconfined_r:unconfined_t:s0';
const actorOf = (pid: string) => ({ pid, uid: '0', auid: '1000', ses: '7', subj: 'unconfined_u:unconfined_r:unconfined_t:s0' });

describe('AUDIT_NS_INIT_<T>', () => {
  it('clone with every v5 flag logs one INIT per type in creation order, naming the actor and the namespace copied from', async () => {
    const { out, recs } = await step(`p=$(nsctl clone 1 0); nsctl setcred $p ${ACTOR} >/dev/null; echo $p; nsctl clone $p CLONE_NEWNET,uts,ipc,pid,user,mnt`);
    const [p, child] = out;
    const order = ['user', 'mnt', 'uts', 'ipc', 'pid', 'net'];
    const boot: Record<string, string> = { user: '3', mnt: '5', uts: '2', ipc: '1', pid: '4', net: '7' };
    expect(recs.map((r) => r.type)).toEqual([...order.map((t) => `AUDIT_NS_INIT_${t.toUpperCase()}`), 'NS_INFO']);
    const serials = new Map<string, string>();
    order.forEach((t, i) => {
      const r = recs[i]!;
      expect(names(r), t).toEqual(initFields(t));
      const snum = fieldsOf(r)[`${t}ns`]!;
      serials.set(t, snum);
      expect(fieldsOf(r), t).toEqual({ ...actorOf(p!), [`old_${t}ns`]: boot[t], [`${t}ns`]: snum, res: '1' });
    });
    // One serial counter for every type, in creation order, never reused.
    const nums = order.map((t) => parseInt(serials.get(t)!, 16));
    expect(nums).toEqual(nums.map((_, i) => nums[0]! + i));
    const info = recs[6]!;
    expect(names(info)).toEqual(['pid', ...V5_NS_FIELDS]);
    expect(fieldsOf(info)).toEqual({ pid: child, ...Object.fromEntries(V5_NS_FIELDS.map((f) => [f, serials.get(f.slice(0, -2))!])) });
  });

  it('unshare names the unsharing task and the namespace it leaves; NS_INFO follows with its new set', async () => {
    const { out, recs } = await step(`p=$(nsctl clone 1 0); nsctl setcred $p ${ACTOR} >/dev/null; echo $p; cat $M/$p/ns/ipc_snum; nsctl unshare $p ipc >/dev/null; cat $M/$p/ns/ipc_snum`);
    const [p, oldIpc, newIpc] = out;
    expect(recs.map((r) => r.type)).toEqual(['AUDIT_NS_INIT_IPC', 'NS_INFO']);
    expect(fieldsOf(recs[0]!)).toEqual({ ...actorOf(p!), old_ipcns: oldIpc, ipcns: newIpc, res: '1' });
    expect(names(recs[1]!)).toEqual(['pid', ...V5_NS_FIELDS]);
    expect(fieldsOf(recs[1]!)).toMatchObject({ pid: p, ipcns: newIpc });
  });

  it('unshare of pid logs INIT_PID but NS_INFO keeps the task in its own pid namespace', async () => {
    const { out, recs } = await step('p=$(nsctl clone 1 0); echo $p; nsctl unshare $p pid >/dev/null; cat $M/$p/ns/pid_snum');
    const [p, pidns] = out;
    expect(recs.map((r) => r.type)).toEqual(['AUDIT_NS_INIT_PID', 'NS_INFO']);
    expect(fieldsOf(recs[0]!)).toMatchObject({ pid: p, old_pidns: '4' });
    expect(fieldsOf(recs[1]!)).toMatchObject({ pid: p, pidns });
    expect(pidns).toBe('4');
  });
});

describe('AUDIT_NS_DEL_<T>', () => {
  it('names the task that dropped the last reference, not the one that created it', async () => {
    const { out, recs } = await step(`
      a=$(nsctl clone 1 net); b=$(nsctl clone 1 0); echo $a $b; cat $M/$a/ns/net_snum
      nsctl setcred $b ${ACTOR} >/dev/null
      nsctl setns $b $a net >/dev/null
      nsctl exit $a >/dev/null
      echo after-exit; grep -c . $LOG
      nsctl unshare $b net >/dev/null`);
    const [ab, netns] = out;
    const [, b] = ab!.split(' ');
    const del = recs.filter((r) => r.type.startsWith('AUDIT_NS_DEL_'));
    expect(del).toHaveLength(1);
    expect(names(del[0]!)).toEqual(delFields('net'));
    expect(fieldsOf(del[0]!)).toEqual({ ...actorOf(b!), netns, res: '1' });
    // The DEL came with b's unshare, after its INIT and before its NS_INFO (old namespaces are dropped on the switch).
    expect(recs.slice(-3).map((r) => r.type)).toEqual(['AUDIT_NS_INIT_NET', 'AUDIT_NS_DEL_NET', 'NS_INFO']);
  });

  it('after unpin, names the task that pinned the namespace', async () => {
    const { out, recs } = await step(`
      a=$(nsctl clone 1 uts); echo $a; cat $M/$a/ns/uts_snum
      nsctl setcred $a ${ACTOR} >/dev/null
      pin=$(nsctl pin $a uts); echo $pin
      nsctl exit $a >/dev/null; echo exited; grep -c AUDIT_NS_DEL_UTS $LOG || true
      nsctl unpin $pin >/dev/null`);
    const [a, utsns, pin, , delsAfterExit] = out;
    expect(pin).toMatch(/^pin:\d+$/);
    expect(delsAfterExit).toBe('0');
    const del = recs.filter((r) => r.type.startsWith('AUDIT_NS_DEL_'));
    expect(del.map((r) => r.type)).toEqual(['AUDIT_NS_DEL_UTS']);
    expect(fieldsOf(del[0]!)).toEqual({ ...actorOf(a!), utsns, res: '1' });
    expect(recs.at(-1)).toBe(del[0]);
  });

  it('setns into the namespace a task is already in changes nothing and logs nothing', async () => {
    const { recs } = await step('a=$(nsctl clone 1 0); nsctl setns $a 1 net');
    expect(recs).toEqual([]);
  });
});

describe('ns_info and virt_control requests', () => {
  it('ns_info logs one NS_INFO for the target pid, pid first, table order', async () => {
    const { out, recs } = await step('p=$(nsctl clone 1 net,uts); echo $p; for t in net uts ipc pid user mnt; do cat $M/$p/ns/${t}_snum; done; nsctl ns_info 1 $p');
    const [p, ...snums] = out;
    expect(out.at(-1)).toBe('ok');
    const info = recs.at(-1)!;
    expect(info.type).toBe('NS_INFO');
    expect(info.fields).toEqual([['pid', p], ...V5_NS_FIELDS.map((f, i) => [f, snums[i]])]);
  });

  it('ns_info needs CAP_AUDIT_CONTROL (EPERM), and only the initial user namespace is heard (ECONNREFUSED)', async () => {
    const r = await bash(m, `
      a=$(nsctl clone 1 0); nsctl setcred $a caps=audit_write >/dev/null
      nsctl ns_info $a 1 2>&1; echo "status=$?"
      nsctl setcred $a caps=audit_control >/dev/null
      nsctl ns_info $a 1 2>&1; echo "status=$?"
      u=$(nsctl clone 1 user)
      nsctl ns_info $u 1 2>&1; echo "status=$?"`);
    expect(r.stdout).toMatch(/^nsctl: EPERM: .+\nstatus=1\nok\nstatus=0\nnsctl: ECONNREFUSED: .+\nstatus=1\n$/);
  });

  it('virt_control logs VIRT_CONTROL and the sender NS_INFO with one audit(T:S)', async () => {
    const { out, recs } = await step(`p=$(nsctl clone 1 mnt); nsctl setcred $p ${ACTOR} >/dev/null; echo $p; nsctl virt_control $p op=start vm=guest1 'reason=a b'`);
    const [p] = out;
    expect(recs.map((r) => r.type)).toEqual(['AUDIT_NS_INIT_MNT', 'NS_INFO', 'VIRT_CONTROL', 'NS_INFO']);
    const [vc, info] = recs.slice(2) as [AuditRecord, AuditRecord];
    expect(names(vc)).toEqual([...ACTOR_FIELDS, 'msg']);
    expect(fieldsOf(vc)).toEqual({ ...actorOf(p!), msg: "'op=start vm=guest1 reason=a b'" });
    expect([info.sec, info.msec, info.serial]).toEqual([vc.sec, vc.msec, vc.serial]);
    expect(names(info)).toEqual(['pid', ...V5_NS_FIELDS]);
    expect(fieldsOf(info).pid).toBe(p);
  });

  it('virt_control needs CAP_AUDIT_WRITE (EPERM) and is refused from a non-initial user namespace (ECONNREFUSED)', async () => {
    const r = await bash(m, `
      a=$(nsctl clone 1 0); nsctl setcred $a caps=audit_control >/dev/null
      nsctl virt_control $a x 2>&1; echo "status=$?"
      u=$(nsctl clone 1 user)
      nsctl virt_control $u x 2>&1; echo "status=$?"`);
    expect(r.stdout).toMatch(/^nsctl: EPERM: .+\nstatus=1\nnsctl: ECONNREFUSED: .+\nstatus=1\n$/);
  });
});

describe('audit serials', () => {
  it('run from 5 and go up by one per event; only NS_INFO after VIRT_CONTROL shares its stamp', async () => {
    const recs = await readRecords(m);
    expect(recs.length).toBeGreaterThan(30);
    expect(recs[0]!.serial).toBe(5);
    for (let i = 1; i < recs.length; i++) {
      const [prev, cur] = [recs[i - 1]!, recs[i]!];
      const shared = prev.type === 'VIRT_CONTROL' && cur.type === 'NS_INFO';
      expect(cur.serial, cur.line).toBe(shared ? prev.serial : prev.serial + 1);
      if (shared) expect([cur.sec, cur.msec]).toEqual([prev.sec, prev.msec]);
    }
  });

  it('boot records: six AUDIT_NS_INIT with serials 5..10 in the order UTS USER PID MNT IPC NET', async () => {
    const boot = (await readRecords(m)).slice(0, 6);
    expect(boot.map((r) => `${r.type}:${r.serial}`)).toEqual(
      ['UTS', 'USER', 'PID', 'MNT', 'IPC', 'NET'].map((t, i) => `AUDIT_NS_INIT_${t}:${5 + i}`));
    for (const r of boot) expect(fieldsOf(r)).toMatchObject({ pid: '1', uid: '0', auid: UNSET, ses: UNSET, subj: 'kernel', res: '1' });
  });
});

describe('--clock fixed:EPOCH', () => {
  it('two daemons given the same commands write byte-identical logs', async () => {
    const script = `
      p=$(nsctl clone 1 net,mnt); nsctl setcred $p ${ACTOR}
      q=$(nsctl clone $p user,pid); nsctl unshare $p uts; nsctl setns $q $p net
      pin=$(nsctl pin $q net); nsctl ns_info 1 $q; nsctl virt_control $p hello
      nsctl exit $q; nsctl exit $p; nsctl unpin $pin; nsctl exit 99999 2>/dev/null; true`;
    const [a, b] = await Promise.all([
      startDaemon({ args: ['--clock', 'fixed:1408577534.868'] }),
      startDaemon({ args: ['--clock', 'fixed:1408577534.868'] }),
    ]);
    try {
      const [outA, outB] = [await bashOk(a, script), await bashOk(b, script)];
      expect(outA).toBe(outB);
      const [logA, logB] = await Promise.all([fs.readFile(a.auditLog), fs.readFile(b.auditLog)]);
      expect(logA.equals(logB)).toBe(true);
      const lines = logA.toString().split('\n').slice(0, -1);
      expect(lines.length).toBeGreaterThan(20);
      for (const l of lines) expect(l).toContain('msg=audit(1408577534.868:');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
