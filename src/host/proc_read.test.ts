import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_UNSET } from '../model/boot.js';
import { linkInum, listPids, parseStatus, readAuditId, readDumpable, readLink, readProcess, readProcFile, readRunTime, readServedText, readSubj, readThreads } from './proc_read.js';

const status = (uid: string, gid: string) => `Name:\tunshare\nPid:\t42\nPPid:\t1\nUid:\t${uid}\nGid:\t${gid}\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n`;

describe('parseStatus()', () => {
  it('keeps Uid: and Gid: as real, effective, saved and fs ids (a setuid-root program run by 1001: real 1001)', () => {
    const st = parseStatus(status('1001\t0\t0\t0', '100\t100\t100\t100'));
    expect([st.uids, st.gids]).toEqual([[1001, 0, 0, 0], [100, 100, 100, 100]]);
  });

  it('reads CapPrm: and CapEff:', () => {
    const st = parseStatus(status('0\t0\t0\t0', '0\t0\t0\t0'));
    expect([st.capPrm, st.capEff]).toEqual([0x1ffffffffffn, 0x1ffffffffffn]);
  });
});

/** A status text as fs/proc/array.c writes it, every line `Key:\tvalue`. */
const full = (fields: Record<string, string>) => Object.entries(fields).map(([k, v]) => `${k}:\t${v}\n`).join('');
const KWORKER = { Name: 'kworker/0:1', Umask: '0000', State: 'I (idle)', Tgid: '17', Pid: '17', PPid: '2', Uid: '0\t0\t0\t0', Gid: '0\t0\t0\t0', NStgid: '17', NSpid: '17', Kthread: '1', CapPrm: '000001ffffffffff', CapEff: '000001ffffffffff' };
const SHELL = { ...KWORKER, Name: 'sh', State: 'S (sleeping)', Tgid: '4242', Pid: '4242', PPid: '4000', NStgid: '4242\t1', NSpid: '4242\t1', Kthread: '0' };

describe('parseStatus() fields', () => {
  it.each<[string, Record<string, string>, Partial<ReturnType<typeof parseStatus>>]>([
    ['a kernel thread (Kthread: 1, Linux 6.x)', KWORKER, { comm: 'kworker/0:1', kthread: true, ppid: 2, dead: false }],
    ['a process (Kthread: 0)', SHELL, { comm: 'sh', kthread: false, tgid: 4242, ppid: 4000 }],
    ['a kernel thread before Kthread: (a child of kthreadd)', { ...KWORKER, Kthread: '' }, { kthread: true }],
    ['kthreadd itself before Kthread: (pid 2)', { ...KWORKER, Pid: '2', PPid: '0', Kthread: '' }, { kthread: true }],
    ['a process before Kthread:', { ...SHELL, Kthread: '' }, { kthread: false }],
    ['a thread read by its tid: Tgid is its process', { ...SHELL, Pid: '4243' }, { tgid: 4242 }],
    ['no Tgid: line', { Name: 'x', Pid: '5' }, { tgid: null }],
    ['a zombie is dead (its namespaces went at exit)', { ...SHELL, State: 'Z (zombie)' }, { dead: true }],
    ['X (dead) is dead', { ...SHELL, State: 'X (dead)' }, { dead: true }],
    ['NSpid: from the outermost pid namespace in', SHELL, { nspid: [4242, 1] }],
    ['no NSpid: (kernels before 4.1): Pid:', { ...SHELL, NSpid: '' }, { nspid: [4242] }],
    ['missing Uid: and Gid: are 0', { Name: 'x' }, { uids: [0, 0, 0, 0], gids: [0, 0, 0, 0], capEff: 0n }],
  ])('%s', (_what, fields, want) => {
    const text = full(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== '')));
    expect(parseStatus(text)).toMatchObject(want);
  });

  it('keeps the lines nsproc serves, in the host\'s order, each with its newline', () => {
    expect(parseStatus(full(SHELL)).lines).toBe('Name:\tsh\nState:\tS (sleeping)\nTgid:\t4242\nPid:\t4242\nPPid:\t4000\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nNStgid:\t4242\t1\nNSpid:\t4242\t1\nCapEff:\t000001ffffffffff\n');
  });

  it('reads this process\'s own status as the kernel writes it', () => {
    const r = readProcFile('/proc/self/status');
    const st = r.ok ? parseStatus(r.value) : null;
    expect(st).toMatchObject({ tgid: process.pid, nspid: [process.pid], kthread: false, dead: false, uids: [process.getuid!(), process.geteuid!(), expect.any(Number), expect.any(Number)] });
  });
});

describe('linkInum()', () => {
  it.each<[string, string, number | null]>([
    ['net:[4026531993]', 'net', 4026531993],
    ['pid_for_children:[4026531836]', 'pid_for_children', 4026531836],
    ['net:[4026531993]', 'uts', null],
    ['socket:[12345]', 'net', null],
    ['net:[12x]', 'net', null],
    ['/dev/null', 'net', null],
  ])('%s as %s → %s', (text, type, want) => expect(linkInum(text, type)).toBe(want));
});

describe('readProcFile()', () => {
  it('reads a file larger than its buffer whole', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsproc-proc-read-'));
    try {
      const text = 'x'.repeat(100_000);
      fs.writeFileSync(path.join(dir, 'big'), text);
      expect(readProcFile(path.join(dir, 'big'))).toEqual({ ok: true, value: text });
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('fails with ENOENT for a process that is gone, naming the file', () => {
    const r = readProcFile('/proc/999999999/status');
    expect(r).toMatchObject({ ok: false, error: { errno: 'ENOENT' } });
    expect(!r.ok && r.error.detail).toContain('/proc/999999999/status');
  });

  it('fails with the read(2) errno where the open succeeds (EISDIR for a directory)', () => {
    expect(readProcFile('/proc/self')).toMatchObject({ ok: false, error: { errno: 'EISDIR' } });
  });
});

describe('readLink()', () => {
  it('gives an ns link\'s text', () => {
    expect(readLink('/proc/self/ns/uts')).toEqual({ ok: true, value: fs.readlinkSync('/proc/self/ns/uts') });
  });

  it.each<[string, string]>([['/proc/999999999/ns/uts', 'ENOENT'], ['/proc/self/status', 'EINVAL']])('%s fails with %s', (p, errno) => {
    expect(readLink(p)).toMatchObject({ ok: false, error: { errno } });
  });
});

describe('this process, read from /proc', () => {
  it('listPids() lists it, and only numbers', () => {
    const pids = listPids();
    expect(pids).toContain(process.pid);
    expect(pids.every((p) => Number.isInteger(p) && p > 0)).toBe(true);
  });

  it('readDumpable(): a node process is dumpable; a pid that is gone gives null', () => {
    const r = readProcFile('/proc/self/status');
    const st = parseStatus(r.ok ? r.value : '');
    expect([readDumpable(process.pid, st), readDumpable(999999999, st)]).toEqual([true, null]);
  });

  it('readRunTime() and readThreads(): the same run time while a process does not run, another after it ran; its threads; null for a pid that is gone', async () => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100));
      child.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 50));
      const a = readRunTime(child.pid!);
      await new Promise((r) => setTimeout(r, 50));
      expect(a).toMatch(/^\d+ \d+$/);
      expect(readRunTime(child.pid!)).toBe(a);
      const mine = readRunTime(process.pid);
      for (let t = Date.now(); Date.now() - t < 20;) { /* on a CPU */ }
      expect(readRunTime(process.pid)).not.toBe(mine);
      expect(readRunTime(999999999)).toBeNull();
      expect([readThreads(child.pid!), readThreads(process.pid)! > 1, readThreads(999999999)]).toEqual([1, true, null]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('readServedText() gives stat as the kernel writes it, or nothing for a pid that is gone', () => {
    expect(readServedText(process.pid, 'stat')).toMatch(new RegExp(`^${process.pid} \\(`));
    expect(readServedText(999999999, 'cmdline')).toBe('');
  });

  it('readAuditId() gives the number, or unset for a pid that is gone', () => {
    const loginuid = fs.readFileSync('/proc/self/loginuid', 'utf8').trim();
    expect([readAuditId(process.pid, 'loginuid'), readAuditId(999999999, 'sessionid')]).toEqual([Number(loginuid), AUDIT_UNSET]);
  });

  it('readSubj() gives the LSM label without its newline, or ? without one', () => {
    let want = '?';
    try {
      want = fs.readFileSync('/proc/self/attr/current', 'utf8').replace(/\0/g, '').trim() || '?';
    } catch {
      /* no LSM: EINVAL */
    }
    expect([readSubj(process.pid), readSubj(999999999)]).toEqual([want, '?']);
  });
});

describe('readProcess()', () => {
  it('reads this process: its status, credentials, audit ids, stat and cmdline, with the namespaces given', () => {
    const ns = { uts: 'id:1' };
    const r = readProcess(process.pid, ns);
    expect(r.kind).toBe('process');
    if (r.kind !== 'process') return;
    expect(r.facts).toMatchObject({ pid: process.pid, ppid: process.ppid, uid: process.getuid!(), gid: process.getgid!(), kthread: false, ns, auid: readAuditId(process.pid, 'loginuid') });
    expect(r.facts.creds.dumpable).toBe(true);
    expect(r.facts.cmdline).toBe(fs.readFileSync('/proc/self/cmdline', 'utf8'));
    expect(r.cgroup).toBe(fs.readFileSync('/proc/self/cgroup', 'utf8'));
  });

  it('a thread read by its tid is a thread, not a process', () => {
    const tid = fs.readdirSync('/proc/self/task').map(Number).find((t) => t !== process.pid)!;
    expect(readProcess(tid, null)).toEqual({ kind: 'thread' });
  });

  it('a pid that is gone is gone', () => {
    expect(readProcess(999999999, null)).toEqual({ kind: 'gone' });
  });

  const kthread = listPids().find((p) => {
    const t = readProcFile(`/proc/${p}/status`);
    return t.ok && /^Kthread:\t1$/m.test(t.value);
  });
  it.runIf(kthread !== undefined)('a kernel thread: its cgroup is not read (the root\'s)', () => {
    const r = readProcess(kthread!, null);
    expect(r.kind === 'process' && [r.facts.kthread, r.cgroup]).toEqual([true, '']);
  });
});
