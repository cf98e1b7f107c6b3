/**
 * Profile `modern` end to end on a real mount (SPEC §1–§6): cgroup and time
 * namespaces, the `pid_for_children` / `time_for_children` links, their
 * `*_snum` files, Linux 6.18's fixed initial inode numbers, the boot records,
 * creation and exit order with their records, CLONE_NEW_MASK with all eight
 * flags, the time namespace rules, and `status`'s NSpid — each compared with
 * the running kernel where it can show the same thing.
 */
import * as fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type MountedDaemon } from '../helpers/mounted.js';
import { bash, bashOk, fieldsOf, readRecords, type AuditRecord } from '../control/_helpers.js';
import { liveSkipReason, python } from './_live.js';

let m: MountedDaemon;
beforeAll(async () => { m = await startDaemon({ args: ['--profile', 'modern', '--clock', 'fixed:1400000000000'] }); });
afterAll(async () => { await m?.stop(); });

const live = await liveSkipReason();
if (live !== null) console.log(`test/modern/profile.test.ts: live-kernel comparisons skipped: ${live}`);

/** The ten `ns/` links of profile modern, in `ns_entries` order. */
const LINKS = ['net', 'uts', 'ipc', 'pid', 'pid_for_children', 'user', 'mnt', 'cgroup', 'time', 'time_for_children'];
/** Linux 6.18's PROC_*_INIT_INO (include/linux/proc_ns.h). */
const INIT_INO: Record<string, number> = {
  net: 0xeffffff9, uts: 0xeffffffe, ipc: 0xefffffff, pid: 0xeffffffc, user: 0xeffffffd, mnt: 0xeffffff8, cgroup: 0xeffffffb, time: 0xeffffffa,
};

const link = (pid: number | string, entry: string) => fs.readlink(`${m.mountpoint}/${pid}/ns/${entry}`);
const snum = async (pid: number | string, type: string) => (await fs.readFile(`${m.mountpoint}/${pid}/ns/${type}_snum`, 'utf8')).trim();
const nsctl = async (cmd: string) => (await bashOk(m, `nsctl ${cmd}`)).trim();

/** Runs nsctl commands and returns their output and the records they added. */
async function step(script: string): Promise<{ out: string[]; recs: AuditRecord[] }> {
  const before = (await readRecords(m)).length;
  const out = (await bashOk(m, script)).split('\n').filter((l) => l !== '');
  return { out, recs: (await readRecords(m)).slice(before) };
}

describe('modern boot', () => {
  it('lists the links in the kernel\'s ns_entries order, then the eight *_snum files', async () => {
    const r = await bashOk(m, 'ls -U "$M/1/ns"');
    expect(r.trim().split('\n')).toEqual([...LINKS, ...['net', 'uts', 'ipc', 'pid', 'user', 'mnt', 'cgroup', 'time'].map((t) => `${t}_snum`)]);
  });

  it.skipIf(live !== null)('lists the links in the same order as the running kernel\'s /proc/self/ns', async () => {
    const host = (await python("print('\\n'.join(os.listdir('/proc/self/ns')))"));
    const ours = (await bashOk(m, 'ls -U "$M/1/ns"')).trim().split('\n').filter((e) => !e.endsWith('_snum'));
    expect(ours).toEqual(host);
  });

  it.each(LINKS)('readlink 1/ns/%s is TYPE:[PROC_*_INIT_INO] and stat -L gives that inode', async (entry) => {
    const type = entry.replace(/_for_children$/, '');
    expect(await link(1, entry)).toBe(`${type}:[${INIT_INO[type]}]`);
    expect((await fs.stat(`${m.mountpoint}/1/ns/${entry}`)).ino).toBe(INIT_INO[type]);
  });

  it.skipIf(live !== null)('has the initial namespaces\' inode numbers of the running kernel (kthreadd\'s /proc/2/ns)', async () => {
    for (const entry of LINKS) expect(await link(1, entry), entry).toBe(await fs.readlink(`/proc/2/ns/${entry}`));
  });

  it('gives the boot serials ipc=1 uts=2 user=3 pid=4 mnt=5 net=7 cgroup=8 time=9 (kdevtmpfs\'s mnt 6)', async () => {
    const got: Record<string, string> = {};
    for (const t of ['ipc', 'uts', 'user', 'pid', 'mnt', 'net', 'cgroup', 'time']) got[t] = await snum(1, t);
    expect(got).toEqual({ ipc: '1', uts: '2', user: '3', pid: '4', mnt: '5', net: '7', cgroup: '8', time: '9' });
    expect(await snum(3, 'mnt')).toBe('6');
  });

  it('has no *_snum file for the *_for_children links', async () => {
    await expect(fs.stat(`${m.mountpoint}/1/ns/pid_for_children_snum`)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.stat(`${m.mountpoint}/1/ns/time_for_children_snum`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes eight boot records, audit serials 5..12, UTS USER PID MNT IPC NET CGROUP TIME', async () => {
    const boot = (await readRecords(m)).slice(0, 8);
    expect(boot.map((r) => r.type)).toEqual(['UTS', 'USER', 'PID', 'MNT', 'IPC', 'NET', 'CGROUP', 'TIME'].map((t) => `AUDIT_NS_INIT_${t}`));
    expect(boot.map((r) => r.serial)).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
    expect(fieldsOf(boot[6]!)).toEqual({ pid: '1', uid: '0', auid: '4294967295', ses: '4294967295', subj: 'kernel', old_cgroupns: '0', cgroupns: '8', res: '1' });
    expect(fieldsOf(boot[7]!)).toEqual({ pid: '1', uid: '0', auid: '4294967295', ses: '4294967295', subj: 'kernel', old_timens: '0', timens: '9', res: '1' });
  });
});

describe('modern clone flags', () => {
  it('CLONE_NEW_MASK holds all eight flags: 0x7e020080 creates user mnt uts ipc pid cgroup net time in that order', async () => {
    const { out, recs } = await step('nsctl clone 1 0x7e020080');
    const c = out[0]!;
    const order = ['user', 'mnt', 'uts', 'ipc', 'pid', 'cgroup', 'net', 'time'];
    expect(recs.map((r) => r.type)).toEqual([...order.map((t) => `AUDIT_NS_INIT_${t.toUpperCase()}`), 'NS_INFO']);
    // One serial counter: consecutive, in creation order.
    const serials = recs.slice(0, 8).map((r, i) => parseInt(fieldsOf(r)[`${order[i]}ns`]!, 16));
    expect(serials).toEqual(serials.map((_, i) => serials[0]! + i));
    for (const t of order) expect(await snum(c, t), t).toBe(fieldsOf(recs[order.indexOf(t)]!)[`${t}ns`]);
    expect(Object.keys(fieldsOf(recs[8]!))).toEqual(['pid', 'netns', 'utsns', 'ipcns', 'pidns', 'userns', 'mntns', 'cgroupns', 'timens']);
  });

  it.each([
    ['a bit outside the mask (CSIGNAL 0x01)', 'clone 1 0x7e020081'],
    ['CLONE_NEWTIME|CLONE_THREAD', 'clone 1 0x10080'],
    ['an unknown name', 'unshare 1 timens'],
  ])('refuses %s with EINVAL', async (_name, cmd) => {
    const r = await bash(m, `nsctl ${cmd}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nsctl: EINVAL: /);
  });
});

describe('modern time namespaces', () => {
  it('unshare time changes only time_for_children; the next clone runs in it', async () => {
    const a = await nsctl('clone 1 0');
    const { recs } = await step(`nsctl unshare ${a} time`);
    expect(await link(a, 'time')).toBe(`time:[${INIT_INO['time']}]`);
    expect(await snum(a, 'time')).toBe('9');
    const fc = await link(a, 'time_for_children');
    expect(fc).not.toBe(`time:[${INIT_INO['time']}]`);
    expect(recs.map((r) => r.type)).toEqual(['AUDIT_NS_INIT_TIME', 'NS_INFO']);
    expect(fieldsOf(recs[1]!)['timens']).toBe('9'); // NS_INFO lists the active namespaces
    const b = await nsctl(`clone ${a} 0`);
    expect(await link(b, 'time')).toBe(fc);
    expect(await link(b, 'time_for_children')).toBe(fc);
    expect(await snum(b, 'time')).toBe(fieldsOf(recs[0]!)['timens']);
  });

  it.skipIf(live !== null)('the running kernel agrees: unshare(CLONE_NEWTIME) changes only time_for_children, fork(2) runs in it', async () => {
    const [before, after, child] = await python(`
print(links())
check(libc.unshare(CLONE_NEWTIME))
print(links()); sys.stdout.flush()
pid = os.fork()
if pid == 0:
    print(links()); sys.stdout.flush(); os._exit(0)
os.waitpid(pid, 0)`);
    const [t0, fc0] = before!.split(' ');
    const [t1, fc1] = after!.split(' ');
    expect(t1).toBe(t0);
    expect(fc1).not.toBe(fc0);
    expect(child).toBe(`${fc1} ${fc1}`);
  });

  it('setns to a time namespace changes time and time_for_children (kernel/time/namespace.c:timens_install())', async () => {
    const a = await nsctl('clone 1 time');
    const b = await nsctl('clone 1 0');
    const target = await link(a, 'time');
    const { recs } = await step(`nsctl setns ${b} ${a} time`);
    expect(await link(b, 'time')).toBe(target);
    expect(await link(b, 'time_for_children')).toBe(target);
    expect(recs.map((r) => r.type)).toEqual(['NS_INFO']);
    expect(fieldsOf(recs[0]!)['timens']).toBe(await snum(a, 'time'));
  });

  it.skipIf(live !== null)('the running kernel agrees: setns(CLONE_NEWTIME) changes time and time_for_children', async () => {
    const [before, target, after] = await python(`
ready_r, ready_w = os.pipe(); hold_r, hold_w = os.pipe()
pid = os.fork()
if pid == 0:
    check(libc.unshare(CLONE_NEWTIME))
    os.write(ready_w, b'x'); os.read(hold_r, 1); os._exit(0)
os.read(ready_r, 1)
fd = os.open(f'/proc/{pid}/ns/time_for_children', os.O_RDONLY)
print(links()); print(os.readlink(f'/proc/{pid}/ns/time_for_children'))
check(libc.setns(fd, CLONE_NEWTIME))
print(links()); sys.stdout.flush()
os.write(hold_w, b'x'); os.waitpid(pid, 0)`);
    expect(before!.split(' ')[0]).not.toBe(target);
    expect(after).toBe(`${target} ${target}`);
  });

  it('a time namespace lives while a time_for_children or a pin holds it, and its DEL names the last holder', async () => {
    const a = await nsctl('clone 1 0');
    await nsctl(`unshare ${a} time`);
    const t = await link(a, 'time_for_children');
    const b = await nsctl(`clone ${a} 0`);
    expect((await step(`nsctl exit ${b}`)).recs.map((r) => r.type)).toEqual([]); // a's time_for_children still holds it
    const pin = await nsctl(`pin ${a} time_for_children`);
    expect((await step(`nsctl exit ${a}`)).recs.map((r) => r.type)).toEqual([]); // the pin holds it
    const { recs } = await step(`nsctl unpin ${pin}`);
    expect(recs.map((r) => r.type)).toEqual(['AUDIT_NS_DEL_TIME']);
    expect(fieldsOf(recs[0]!)).toMatchObject({ pid: a, timens: expect.any(String) });
    expect(t).toMatch(/^time:\[\d+\]$/);
  });
});

describe('modern lifetimes', () => {
  it('exit frees time, cgroup and net in kernel/nsproxy.c:free_nsproxy() order, then the user namespace', async () => {
    const c = await nsctl('clone 1 user,cgroup,net,time');
    const want = ['time', 'cgroup', 'net', 'user'];
    const serials = await Promise.all(want.map((t) => snum(c, t)));
    const { recs } = await step(`nsctl exit ${c}`);
    expect(recs.map((r) => r.type)).toEqual(want.map((t) => `AUDIT_NS_DEL_${t.toUpperCase()}`));
    recs.forEach((r, i) => expect(fieldsOf(r)).toEqual({ pid: c, uid: '0', auid: '4294967295', ses: '4294967295', subj: 'kernel', [`${want[i]}ns`]: serials[i], res: '1' }));
  });

  it('a cgroup namespace lives while a task is in it; setns out of it frees it', async () => {
    const a = await nsctl('clone 1 cgroup');
    const cg = await snum(a, 'cgroup');
    const { recs } = await step(`nsctl setns ${a} 1 cgroup`);
    expect(recs.map((r) => [r.type, fieldsOf(r)['cgroupns']])).toEqual([['AUDIT_NS_DEL_CGROUP', cg], ['NS_INFO', '8']]);
  });
});

describe('modern status', () => {
  it('prints NStgid/NSpid outermost first for a task two pid namespaces deep, in proc(5) format', async () => {
    const a = await nsctl('clone 1 pid');
    const b = await nsctl(`clone ${a} pid`);
    const c = await nsctl(`clone ${b} 0`);
    const text = await fs.readFile(`${m.mountpoint}/${c}/status`, 'utf8');
    expect(text).toBe([
      'Name:\tinit', 'State:\tS (sleeping)', `Tgid:\t${c}`, 'Ngid:\t0', `Pid:\t${c}`, `PPid:\t${b}`, 'TracerPid:\t0',
      'Uid:\t0\t0\t0\t0', 'Gid:\t0\t0\t0\t0', `NStgid:\t${c}\t3\t2`, `NSpid:\t${c}\t3\t2`, 'Kthread:\t0', 'CapEff:\t000001ffffffffff', '',
    ].join('\n'));
  });

  it.skipIf(live !== null)('uses the running kernel\'s key order and "Key:\\tvalue" layout', async () => {
    const host = (await fs.readFile('/proc/self/status', 'utf8')).split('\n').filter(Boolean);
    const ours = (await fs.readFile(`${m.mountpoint}/1/status`, 'utf8')).split('\n').filter(Boolean);
    const key = (l: string) => l.slice(0, l.indexOf(':'));
    expect(host.map(key).filter((k) => ours.map(key).includes(k))).toEqual(ours.map(key));
    for (const l of ours) expect(l, l).toMatch(/^[A-Za-z]+:\t\S/);
  });
});
