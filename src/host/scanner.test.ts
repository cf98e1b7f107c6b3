import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { nsGetId } from './nsfs.js';
import { Scanner } from './scanner.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** `unshare -u sleep`, resolved once its uts link names another namespace than this process's; with its NS_GET_ID key. */
async function inNewUts(): Promise<{ child: ChildProcess; pid: number; key: string }> {
  const child = spawn('unshare', ['-u', 'sleep', '60'], { stdio: 'ignore' });
  children.push(child);
  const pid = child.pid!;
  const own = fs.readlinkSync('/proc/self/ns/uts');
  for (let i = 0; i < 500 && (fs.readlinkSync(`/proc/${pid}/ns/uts`) === own || !fs.readFileSync(`/proc/${pid}/status`, 'utf8').startsWith('Name:\tsleep')); i++) await new Promise((r) => setTimeout(r, 10));
  const fd = fs.openSync(`/proc/${pid}/ns/uts`, fs.constants.O_RDONLY);
  try {
    const id = nsGetId(fd);
    if (!id.ok) throw new Error(id.error.detail);
    return { child, pid, key: `id:${id.value.toString(16)}` };
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether some process's uts link names the inode of key `uts:<inum>` (a new namespace got the freed inode). */
function utsInodeInUse(key: string): boolean {
  const link = `uts:[${key.slice('uts:'.length)}]`;
  return fs.readdirSync('/proc').filter((n) => /^[0-9]+$/.test(n)).some((pid) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/ns/uts`) === link;
    } catch {
      return false;
    }
  });
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

/** Re-checks, the clock moved on to each due time, until `key` is reported freed (the kernel may free it a little later). */
async function untilFreed(s: Scanner, clock: { t: number }, key: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (s.take().some((b) => b.freed.includes(key))) return true;
    await new Promise((r) => setTimeout(r, 10));
    clock.t += Math.min(s.nextDue(), 1000);
    s.checkCandidates();
  }
  return false;
}

describe('Scanner', () => {
  it('a thread read by its tid (a kernel-audit rescan of a clone3 child) is no process: not recorded, known as a thread', () => {
    const tid = fs.readdirSync('/proc/self/task').map(Number).find((t) => t !== process.pid)!;
    const s = new Scanner({ profile: 'modern', useIds: false, selfPid: process.pid });
    s.readProc(tid);
    s.readProc(process.pid);
    expect(s.take().flatMap((b) => b.procs.map((p) => p.pid))).toEqual([process.pid]);
    expect([s.isThread(tid), s.isThread(process.pid)]).toEqual([true, false]);
  });

  it('a full scan does not look into a process that has not run since (stopped), and still finds an unshare without exec by one that ran', async () => {
    const stopped = spawn('sleep', ['60'], { stdio: 'ignore' });
    const py = spawn('python3', ['-c', 'import ctypes,signal,time; signal.signal(signal.SIGUSR1, lambda *a: ctypes.CDLL(None).unshare(0x04000000)); print(1, flush=True); time.sleep(60)'], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(stopped, py);
    await new Promise((r) => py.stdout!.once('data', r));
    stopped.kill('SIGSTOP');
    const s = new Scanner({ profile: 'modern', useIds: true, selfPid: process.pid });
    s.fullScan(false);
    const before = s.take().flatMap((b) => b.procs).find((p) => p.pid === py.pid)?.ns?.uts;
    const own = fs.readlinkSync('/proc/self/ns/uts');
    py.kill('SIGUSR1');
    for (let i = 0; i < 500 && fs.readlinkSync(`/proc/${py.pid}/ns/uts`) === own; i++) await new Promise((r) => setTimeout(r, 10));
    const skipped = s.stats.idleSkips;
    s.fullScan(false);
    // The stopped one at least (on an idle machine, most processes).
    expect(s.stats.idleSkips - skipped).toBeGreaterThanOrEqual(1);
    const after = s.take().flatMap((b) => b.procs).find((p) => p.pid === py.pid)?.ns?.uts;
    expect(before).toBeDefined();
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
  });

  it('a full scan looks into a process (of nobody) whose main thread sleeps while another thread makes it not dumpable', async () => {
    const trigger = `${os.tmpdir()}/nsproc-scanner-${process.pid}`;
    const py = spawn('python3', ['-c', [
      'import ctypes,os,sys,threading,time',
      'def work():',
      '    while not os.path.exists(sys.argv[1]): time.sleep(0.01)',
      '    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)',
      '    time.sleep(60)',
      't = threading.Thread(target=work); t.start(); print(1, flush=True); t.join()',
    ].join('\n'), trigger], { stdio: ['ignore', 'pipe', 'ignore'], uid: 65534, gid: 65534 });
    children.push(py);
    try {
      await new Promise((r) => py.stdout!.once('data', r));
      const s = new Scanner({ profile: 'modern', useIds: true, selfPid: process.pid });
      s.fullScan(false);
      const dumpable = () => s.take().flatMap((b) => b.procs).find((p) => p.pid === py.pid)?.creds.dumpable;
      expect(dumpable()).toBe(true);
      fs.writeFileSync(trigger, '');
      for (let i = 0; i < 500 && fs.statSync(`/proc/${py.pid}/ns`).uid !== 0; i++) await new Promise((r) => setTimeout(r, 10));
      s.fullScan(false);
      expect(dumpable()).toBe(false);
    } finally {
      fs.rmSync(trigger, { force: true });
    }
  });

  it('readProc() of a process in a new uts namespace reports the namespace (by NS_GET_ID) before the process naming it', async () => {
    const { pid, key } = await inNewUts();
    const s = new Scanner({ profile: 'modern', useIds: true, selfPid: process.pid });
    s.readProc(pid);
    const batches = s.take();
    expect(batches.flatMap((b) => b.namespaces.map((n) => n.key))).toContain(key);
    expect(batches.flatMap((b) => b.procs).find((p) => p.pid === pid)?.ns?.uts).toBe(key);
  });

  it.each([true, false])('after its only process exits, the namespace is reported freed once; an fd holding it delays that until closed (NS_GET_ID: %s)', async (useIds) => {
    const clock = { t: 0 };
    const made = await inNewUts();
    const { child, pid } = made;
    const key = useIds ? made.key : `uts:${fs.statSync(`/proc/${pid}/ns/uts`).ino}`;
    const s = new Scanner({ profile: 'modern', useIds, selfPid: process.pid }, () => clock.t);
    s.readProc(pid);
    const fd = fs.openSync(`/proc/${pid}/ns/uts`, fs.constants.O_RDONLY);
    child.kill('SIGKILL');
    await exited(child);
    s.markGone(pid);
    s.checkCandidates();
    expect(s.take().flatMap((b) => b.gone)).toEqual([pid]);
    // The handle still opens while the fd holds it (without handles: the fd is seen): looked at again, not freed.
    for (let i = 0; i < 6; i++) {
      clock.t += Math.min(s.nextDue(), 1000);
      s.checkCandidates();
    }
    expect(s.take().some((b) => b.freed.includes(key))).toBe(false);
    fs.closeSync(fd);
    // Its delays used up (or, without handles, held by the fd): looked at again at the next full scan.
    s.fullScan(false);
    const freed = await untilFreed(s, clock, key);
    // Without NS_GET_ID the key is the inode, which the kernel hands to the next new namespace at
    // once: another test's uts namespace may hold it now, and then it is rightly not freed.
    if (useIds || freed) expect(freed).toBe(true);
    else expect(utsInodeInUse(key)).toBe(true);
    s.fullScan(true);
    expect(s.take().some((b) => b.freed.includes(key))).toBe(false);
  });
});
