/**
 * Host mode (SPEC §7) on a real mount, against real namespaces made here with
 * unshare(1) and python3 (ctypes unshare/setns), with ids checked by python3's
 * own fcntl.ioctl. Waits poll the log; no test asserts a time (bench R5 does).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bash, bashOk } from '../control/_helpers.js';
import { isMounted, run, startDaemon, waitFor, type MountedDaemon } from '../helpers/mounted.js';
import { background, field, kill, pairingViolations, pyNsId, pyNsIds, rec, records, waitRecord } from './_host.js';

const RESCAN_MS = 300;
const started: number[] = [];
const bg = (file: string, args: readonly string[]) => {
  const pid = background(file, args);
  started.push(pid);
  return pid;
};

/** A python3 that runs `code` (ctypes libc as `libc`), then sleeps until killed. */
const pySleeper = (code: string) => bg('python3', ['-c', `import ctypes,os,sys,time\nlibc=ctypes.CDLL(None,use_errno=True)\n${code}\ntime.sleep(120)`]);

/** Until /proc/<pid>/ns/<entry> names another namespace than `than` (an unshare/setns took effect). */
async function waitNsChange(pid: number, entry: string, than: string): Promise<string> {
  let now = than;
  await waitFor(async () => (now = await fs.readlink(`/proc/${pid}/ns/${entry}`).catch(() => than)) !== than, 10_000);
  return now;
}

describe('host mode', () => {
  let m: MountedDaemon;
  beforeAll(async () => {
    m = await startDaemon({ args: ['--host', '--host-rescan-ms', String(RESCAN_MS)] });
  });
  afterAll(async () => {
    for (const pid of started) kill(pid);
    await m?.stop();
  });

  it('starts with DAEMON_START naming the serial source and the kernel\'s boot, then INITs, then NS_INFO for this test process', async () => {
    const all = await records(m);
    expect(all[0]!.type).toBe('DAEMON_START');
    expect(field(all[0]!, 'ns_serials')).toBe('ns_get_id');
    expect(field(all[0]!, 'boot_id')).toBe((await fs.readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim());
    const ownNet = await pyNsId('/proc/self/ns/net');
    const info = all.find(rec('NS_INFO', { pid: String(process.pid) }));
    expect(info && field(info, 'netns')).toBe(ownNet);
    const firstInfo = all.findIndex((r) => r.type === 'NS_INFO');
    expect(all.slice(1, firstInfo).every((r) => r.type.startsWith('AUDIT_NS_INIT_') && /^old_/.test(r.fields[5]![0]) && r.fields[5]![1] === '0')).toBe(true);
    expect(m.output()).toContain('serials from the kernel (NS_GET_ID)');
  });

  it('unshare -n sleep: the kernel\'s id in net_snum, the host\'s link and inode, INIT_NET + NS_INFO; after it exits, one DEL_NET', async () => {
    const pid = bg('unshare', ['-n', 'sleep', '120']);
    const before = await fs.readlink('/proc/self/ns/net');
    await waitNsChange(pid, 'net', before);
    const id = await pyNsId(`/proc/${pid}/ns/net`);
    const init = await waitRecord(m, rec('AUDIT_NS_INIT_NET', { netns: id }), `INIT_NET netns=${id}`);
    expect([field(init, 'pid'), field(init, 'old_netns')]).toEqual([String(pid), await pyNsId('/proc/self/ns/net')]);
    await waitRecord(m, rec('NS_INFO', { pid: String(pid), netns: id }), 'its NS_INFO');
    const tree = await bashOk(m, `cat $M/${pid}/ns/net_snum; readlink $M/${pid}/ns/net; stat -L -c %i $M/${pid}/ns/net`);
    const host = `${await fs.readlink(`/proc/${pid}/ns/net`)}\n${(await fs.stat(`/proc/${pid}/ns/net`)).ino}\n`;
    expect(tree).toBe(`${id}\n${host}`);
    kill(pid);
    await waitRecord(m, rec('AUDIT_NS_DEL_NET', { netns: id }), `DEL_NET netns=${id}`);
    const mine = (await records(m)).filter((r) => field(r, 'netns') === id);
    expect(mine.map((r) => r.type)).toEqual(['AUDIT_NS_INIT_NET', 'NS_INFO', 'AUDIT_NS_DEL_NET']);
    expect(field(mine[2]!, 'pid')).toBe(String(pid));
  });

  it('<pid>/stat, comm and cmdline are the host\'s own, as read after the exec (the state field as it was then)', async () => {
    const pid = bg('unshare', ['-n', 'sleep', '120']);
    await waitNsChange(pid, 'net', await fs.readlink('/proc/self/ns/net'));
    await waitFor(async () => (await bash(m, `cat $M/${pid}/comm`)).stdout === 'sleep\n', 10_000);
    const tree = await bashOk(m, `head -c 4096 $M/${pid}/cmdline | od -c; cut -d' ' -f1,2,4,5 $M/${pid}/stat`);
    const hostStat = (await fs.readFile(`/proc/${pid}/stat`, 'utf8')).split(' ').filter((_, i) => i !== 2).slice(0, 4).join(' ');
    expect(tree).toBe(`${(await run('od', ['-c', `/proc/${pid}/cmdline`])).stdout}${hostStat}\n`);
    kill(pid);
  });

  it('a bind-mounted uts namespace (unshare --uts=FILE true) stays with no process, listed by lsns -P, until umount; then DEL_UTS', async () => {
    const file = path.join(m.dir, 'uts-bind');
    await fs.writeFile(file, '');
    await bashOk(m, `unshare --uts=${file} true`);
    const id = await pyNsId(file);
    await waitRecord(m, rec('AUDIT_NS_INIT_UTS', { utsns: id }), `INIT_UTS utsns=${id}`, 20_000);
    const inum = (await fs.stat(file)).ino;
    await waitFor(async () => (await bash(m, 'nsctl lsns -P -n -t uts -o NS,NPROCS,SNUM')).stdout.includes(`${id}`), 5000);
    expect((await bashOk(m, 'nsctl lsns -P -n -r -t uts -o NS,NPROCS,SNUM')).split('\n')).toContain(`${inum} 0 ${id}`);
    await new Promise((r) => setTimeout(r, 3 * RESCAN_MS));
    expect((await records(m)).some(rec('AUDIT_NS_DEL_UTS', { utsns: id }))).toBe(false);
    await bashOk(m, `umount ${file}`);
    await waitRecord(m, rec('AUDIT_NS_DEL_UTS', { utsns: id }), `DEL_UTS utsns=${id}`);
  });

  it('an ipc namespace held only by an open fd outlives its process, and gets its DEL when the fd closes', async () => {
    const owner = bg('unshare', ['-i', 'sleep', '120']);
    await waitNsChange(owner, 'ipc', await fs.readlink('/proc/self/ns/ipc'));
    const id = await pyNsId(`/proc/${owner}/ns/ipc`);
    const holder = pySleeper(`fd=os.open('/proc/${owner}/ns/ipc',os.O_RDONLY)`);
    await waitFor(async () => (await run('ls', ['-l', `/proc/${holder}/fd`])).stdout.includes('ipc:['), 10_000);
    await waitRecord(m, rec('AUDIT_NS_INIT_IPC', { ipcns: id }), `INIT_IPC ipcns=${id}`);
    kill(owner);
    await new Promise((r) => setTimeout(r, 3 * RESCAN_MS));
    expect((await records(m)).some(rec('AUDIT_NS_DEL_IPC', { ipcns: id }))).toBe(false);
    kill(holder);
    const del = await waitRecord(m, rec('AUDIT_NS_DEL_IPC', { ipcns: id }), `DEL_IPC ipcns=${id}`);
    expect(field(del, 'pid')).toBe(String(owner));
  });

  it('unshare(2) and setns(2) inside a running process (no exec) show up within the rescan interval: INIT_UTS and NS_INFO', async () => {
    const target = bg('unshare', ['-n', 'sleep', '120']);
    await waitNsChange(target, 'net', await fs.readlink('/proc/self/ns/net'));
    const p = pySleeper(`time.sleep(0.5)\nassert libc.unshare(0x04000000)==0\nfd=os.open('/proc/${target}/ns/net',os.O_RDONLY)\nassert libc.setns(fd,0x40000000)==0`);
    await waitRecord(m, rec('NS_INFO', { pid: String(p) }), 'its first NS_INFO (as a new process)').catch(() => undefined);
    await waitNsChange(p, 'uts', await fs.readlink('/proc/self/ns/uts'));
    await waitNsChange(p, 'net', await fs.readlink('/proc/self/ns/net'));
    const [uts, net] = await pyNsIds([`/proc/${p}/ns/uts`, `/proc/${p}/ns/net`]);
    const init = await waitRecord(m, rec('AUDIT_NS_INIT_UTS', { utsns: uts! }), `INIT_UTS utsns=${uts}`);
    expect(field(init, 'pid')).toBe(String(p));
    await waitRecord(m, rec('NS_INFO', { pid: String(p), utsns: uts!, netns: net! }), 'NS_INFO with both changes');
    expect(await bashOk(m, `cat $M/${p}/ns/uts_snum $M/${p}/ns/net_snum`)).toBe(`${uts}\n${net}\n`);
  });

  it('nsctl lsns agrees with util-linux lsns on NS, TYPE, NPROCS and PID for namespaces made here', async () => {
    const a = bg('unshare', ['-n', '-u', 'sh', '-c', 'sleep 120 & exec sleep 120']);
    await waitNsChange(a, 'net', await fs.readlink('/proc/self/ns/net'));
    const inodes = [(await fs.stat(`/proc/${a}/ns/net`)).ino, (await fs.stat(`/proc/${a}/ns/uts`)).ino];
    const rows = (out: string) => out.split('\n').filter((l) => inodes.includes(Number(l.split(' ')[0]))).sort();
    const lsns = 'lsns -n -r -t net -t uts -o NS,TYPE,NPROCS,PID';
    let ours: string[] = [];
    let theirs: string[] = [];
    let raw = '';
    await waitFor(async () => {
      theirs = rows((await run('bash', ['-c', lsns])).stdout);
      const r = await bash(m, `nsctl ${lsns}`);
      raw = r.stdout + r.stderr;
      ours = rows(r.stdout);
      return theirs.length === 2 && ours.join() === theirs.join();
    }, 10_000);
    expect([ours, raw]).toEqual([theirs, raw]);
    expect(theirs.map((l) => l.split(' ')[2])).toEqual(['2', '2']);
  });

  it('nsctl: clone/unshare/setns/exit/pin/unpin/setcred fail with EOPNOTSUPP and name unshare(1); ps and ns_info work on host pids', async () => {
    for (const cmd of ['clone 1 net', 'unshare 1 net', 'setns 1 1 net', 'exit 1', 'pin 1 net', 'unpin pin:1', 'setcred 1 uid=0']) {
      const r = await bash(m, `nsctl ${cmd}`);
      expect([cmd, r.code, /EOPNOTSUPP.*unshare\(1\).*nsenter\(1\)/.test(r.stderr)]).toEqual([cmd, 1, true]);
    }
    const ownNet = await pyNsId('/proc/self/ns/net');
    const ps = await bashOk(m, `nsctl ps -l -r -p ${process.pid}`);
    // -p lists its descendants too, in pid order: after pids wrap, one may come first.
    const own = ps.split('\n').slice(1).map((l) => l.split(' ')).find((f) => f[0] === String(process.pid));
    expect(own?.slice(0, 5)).toEqual([String(process.pid), String(process.ppid), String(process.pid), '0', ownNet]);
    const infos = async () => (await records(m)).filter(rec('NS_INFO', { pid: String(process.pid), netns: ownNet })).length;
    const before = await infos();
    expect(await bashOk(m, `nsctl ns_info ${process.pid} ${process.pid}`)).toBe('ok\n');
    expect(await infos()).toBe(before + 1);
  });

  it('a fork storm (1000 short processes in new uts namespaces beside 120 in new net namespaces): each of the 120 one INIT and one DEL, the rule kept, daemon up', async () => {
    const storm = bash(m, 'seq 1000 | xargs -P 8 -n 50 sh -c \'for i; do unshare -u true; done\' _', 120_000);
    const ids: string[] = [];
    for (let round = 0; round < 4; round++) {
      const pids = (await bashOk(m, 'for i in $(seq 30); do unshare -n sleep 60 >/dev/null 2>&1 & echo $!; done')).trim().split('\n').map(Number);
      started.push(...pids);
      // Once each has unshared (its net link differs from ours), read its id.
      const ours = await fs.readlink('/proc/self/ns/net');
      await waitFor(async () => (await Promise.all(pids.map((p) => fs.readlink(`/proc/${p}/ns/net`).catch(() => 'gone')))).every((l) => l !== ours), 30_000);
      const got = await pyNsIds(pids.map((p) => `/proc/${p}/ns/net`));
      ids.push(...got.filter((x): x is string => x !== null));
      for (const p of pids) kill(p);
    }
    expect((await storm).code).toBe(0);
    expect(ids.length).toBe(120);
    await waitFor(async () => {
      const all = await records(m);
      return ids.every((id) => all.some(rec('AUDIT_NS_DEL_NET', { netns: id })));
    }, 30_000);
    const all = await records(m);
    for (const id of ids) {
      const mine = all.filter((r) => field(r, 'netns') === id && r.type !== 'NS_INFO').map((r) => r.type);
      expect([id, mine]).toEqual([id, ['AUDIT_NS_INIT_NET', 'AUDIT_NS_DEL_NET']]);
    }
    expect(pairingViolations(all)).toEqual([]);
    // The 1000 `unshare -u true` are load only: one that exits before it is read is never seen (docs/host.md).
    expect((await bash(m, 'cat $M/1/status >/dev/null && echo up')).stdout).toBe('up\n');
  });

  it('the whole log keeps the pairing rule', async () => {
    expect(pairingViolations(await records(m))).toEqual([]);
  });

  it('stops on SIGTERM with status 0, its scanner thread and mount gone', async () => {
    expect(await m.stop()).toBe(0);
  });
});

describe('host mode without NS_GET_ID (older kernels; the ioctl pretended missing)', () => {
  let m: MountedDaemon;
  beforeAll(async () => {
    m = await startDaemon({ args: ['--host', '--host-rescan-ms', String(RESCAN_MS)], env: { NSPROC_TEST_NO_NS_GET_ID: '1' } });
  });
  afterAll(async () => {
    for (const pid of started) kill(pid);
    await m?.stop();
  });

  it('numbers namespaces itself (DAEMON_START says counter), gives a new one the next serial, and its DEL once it has no holder', async () => {
    const all = await records(m);
    expect(field(all[0]!, 'ns_serials')).toBe('counter');
    expect(m.output()).toContain("nsproc's own counter");
    const count = all.filter((r) => r.type.startsWith('AUDIT_NS_INIT_')).length;
    const pid = bg('unshare', ['-n', 'sleep', '120']);
    const init = await waitRecord(m, rec('AUDIT_NS_INIT_NET', { pid: String(pid) }), 'INIT_NET of the new process');
    const serial = field(init, 'netns')!;
    expect(BigInt(`0x${serial}`)).toBeGreaterThan(BigInt(count));
    expect(serial).not.toBe(await pyNsId(`/proc/${pid}/ns/net`));
    expect(await bashOk(m, `cat $M/${pid}/ns/net_snum`)).toBe(`${serial}\n`);
    kill(pid);
    await waitRecord(m, rec('AUDIT_NS_DEL_NET', { netns: serial }), `DEL_NET netns=${serial}`);
  });

  it('keeps a bind-mounted namespace (found in mountinfo) until umount', async () => {
    const file = path.join(m.dir, 'uts-bind');
    await fs.writeFile(file, '');
    await bashOk(m, `unshare --uts=${file} true`);
    const inum = String((await fs.stat(file)).ino);
    let serial = '';
    await waitFor(async () => {
      const out = await bash(m, 'nsctl lsns -n -r -t uts -o NS,SNUM');
      serial = out.stdout.split('\n').find((l) => l.startsWith(`${inum} `))?.split(' ')[1] ?? '';
      return serial !== '';
    }, 20_000);
    await new Promise((r) => setTimeout(r, 3 * RESCAN_MS));
    expect((await records(m)).some(rec('AUDIT_NS_DEL_UTS', { utsns: serial }))).toBe(false);
    await bashOk(m, `umount ${file}`);
    await waitRecord(m, rec('AUDIT_NS_DEL_UTS', { utsns: serial }), `DEL_UTS utsns=${serial}`);
    expect(pairingViolations(await records(m))).toEqual([]);
  });
});

describe('host mode after kill -9', () => {
  it('leaves no dead mount, and the next start on the same log writes a whole snapshot after its own DAEMON_START', async () => {
    const a = await startDaemon({ args: ['--host'] });
    try {
      process.kill(a.pid, 'SIGKILL');
      await a.exited;
      expect(await waitFor(async () => !(await isMounted(a.mountpoint)), 10_000)).toBe(true);
      const b = await startDaemon({ args: ['--host', '--audit-log', a.auditLog] });
      try {
        const all = await records(a.auditLog);
        const starts = all.map((r, i) => (r.type === 'DAEMON_START' ? i : -1)).filter((i) => i >= 0);
        expect(starts.length).toBe(2);
        const second = all.slice(starts[1]);
        expect(second.some(rec('NS_INFO', { pid: String(process.pid) }))).toBe(true);
        expect(pairingViolations(all)).toEqual([]);
        expect((await run('cat', [`${b.mountpoint}/${process.pid}/ns/net_snum`])).stdout).toBe(`${await pyNsId('/proc/self/ns/net')}\n`);
      } finally {
        await b.stop();
      }
    } finally {
      await a.stop();
    }
  });
});
