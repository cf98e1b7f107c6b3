/**
 * ProcVfs reads of a task's files, without a mount: the text is taken as
 * fs/seq_file.c takes it, and a task reaped while its file is open gives
 * ESRCH as fs/proc/base.c:proc_single_show() does (measured on Linux 6.18:
 * a read before any other after the reap, and a pread at 0 or 3, fail with
 * ESRCH; reads that continue a text already taken return the rest, then 0).
 */
import { describe, expect, it } from 'vitest';
import { runBatch, type EventSink } from '../control/run_batch.js';
import { boot } from '../model/boot.js';
import { ok } from '../model/errno.js';
import { ProcVfs } from './proc_vfs.js';
import { isKernelError } from './vfs.js';

function setup() {
  const b = boot({ profile: 'v5' });
  if (!b.ok) throw new Error(b.error.detail);
  const state = b.value.state;
  const sink: EventSink = { appendEvents: () => ok(undefined) };
  const vfs = new ProcVfs(state, (text) => runBatch(state, sink, text));
  const nsctl = (line: string) => {
    const r = runBatch(state, sink, `${line}\n`);
    if (r.error) throw new Error(r.error.detail);
    return r.output.trim();
  };
  const open = (path: string) => {
    const fh = vfs.open(path, 0);
    if (isKernelError(fh)) throw new Error(fh.detail);
    return fh;
  };
  const read = (fh: number, length: number, position: number) => {
    const r = vfs.read(fh, length, position);
    return isKernelError(r) ? r.errno : r.toString();
  };
  return { vfs, nsctl, open, read };
}

describe('ProcVfs.read() of a task file', () => {
  it.each(['status', 'stat', 'comm', 'cmdline', 'ns/net_snum'])('%s opened, task reaped, then read: ESRCH', (file) => {
    const { nsctl, open, read } = setup();
    const pid = nsctl('clone 1 net');
    const fh = open(`/${pid}/${file}`);
    nsctl(`exit ${pid}`);
    expect([read(fh, 4096, 0), read(fh, 4096, 0)]).toEqual(['ESRCH', 'ESRCH']);
  });

  it('a read that continues the text taken before the exit returns the rest, then nothing; a read from 0 or elsewhere: ESRCH', () => {
    const { nsctl, open, read } = setup();
    const pid = nsctl('clone 1 0');
    const fh = open(`/${pid}/status`);
    const first = read(fh, 1, 0);
    nsctl(`exit ${pid}`);
    const rest = read(fh, 4096, 1);
    expect([first, rest.startsWith('ame:\t'), read(fh, 4096, 1 + rest.length), read(fh, 10, 0), read(fh, 10, 3)])
      .toEqual(['N', true, '', 'ESRCH', 'ESRCH']);
  });

  it('a live task\'s file read from 0 again shows the state of that read (seq_file renders again)', () => {
    const { nsctl, open, read } = setup();
    const pid = nsctl('clone 1 0');
    const fh = open(`/${pid}/ns/uts_snum`);
    const before = read(fh, 100, 0);
    nsctl(`unshare ${pid} uts`);
    expect([before, read(fh, 100, 0)]).toEqual(['2\n', '8\n']);
  });

  it('1-byte reads that continue one another show one state, whatever ran between them', () => {
    const { nsctl, open, read } = setup();
    const pid = nsctl('clone 1 0');
    const fh = open(`/${pid}/status`);
    let text = '';
    for (let pos = 0, b = read(fh, 1, 0); b !== ''; b = read(fh, 1, ++pos)) {
      text += b;
      nsctl(`setcred ${pid} uid=${pos % 2 ? 1000 : 0} gid=${pos % 2 ? 1000 : 0}`);
    }
    expect(text).toMatch(/^Uid:\t0\t0\t0\t0$/m);
  });
});

describe('ProcVfs.getattr() after a reap', () => {
  it('the path of a file still open answers (fstat before a read); the task\'s other paths are ENOENT', () => {
    const { vfs, nsctl, open } = setup();
    const pid = nsctl('clone 1 0');
    open(`/${pid}/status`);
    nsctl(`exit ${pid}`);
    const mode = (p: string) => { const a = vfs.getattr(p); return isKernelError(a) ? a.errno : a.mode.toString(8); };
    expect([mode(`/${pid}/status`), mode(`/${pid}/ns/net_snum`), mode(`/${pid}`)]).toEqual(['100444', 'ENOENT', 'ENOENT']);
  });
});

describe('ProcVfs: the proc(5) files beside ns/', () => {
  const readAll = (vfs: ProcVfs, path: string) => {
    const fh = vfs.open(path, 0);
    if (isKernelError(fh)) return fh.errno;
    const r = vfs.read(fh, 4096, 0);
    vfs.release(fh);
    return isKernelError(r) ? r.errno : r.toString();
  };

  it('lists status and ns first, then comm, cmdline, stat and mountinfo', () => {
    const l = setup().vfs.readdir('/1');
    expect(isKernelError(l) ? l.errno : l.names).toEqual(['status', 'ns', 'comm', 'cmdline', 'stat', 'mountinfo']);
  });

  it.each([
    ['/1/comm', 'init\n'],
    ['/1/cmdline', 'init\0'],
    ['/2/cmdline', ''], // a kernel thread has no argv, as on Linux
    ['/3/comm', 'kdevtmpfs\n'],
  ])('%s reads %j', (path, text) => {
    expect(readAll(setup().vfs, path)).toBe(text);
  });

  it('stat shows a new comm at the next read', () => {
    const { vfs, nsctl } = setup();
    const pid = nsctl('clone 1 0');
    nsctl(`setcred ${pid} comm=worker`);
    expect([readAll(vfs, `/${pid}/stat`).split(' ').slice(0, 4), readAll(vfs, `/${pid}/comm`)]).toEqual([[pid, '(worker)', 'S', '1'], 'worker\n']);
  });

  it('they are 0444 and owned by the task, like status; the ns entries keep their inode numbers', () => {
    const { vfs, nsctl } = setup();
    const pid = Number(nsctl('clone 1 0'));
    nsctl(`setcred ${pid} uid=1000 gid=1000`);
    const attr = (p: string) => { const a = vfs.getattr(p); return isKernelError(a) ? a.errno : [a.mode.toString(8), a.uid, a.ino]; };
    expect(['stat', 'comm', 'cmdline'].map((f) => attr(`/${pid}/${f}`).slice(0, 2))).toEqual(Array(3).fill(['100444', 1000]));
    // pid × 64 + slot: ns/ at 2, its entries from 3 in ns_entries order (net first).
    expect([attr(`/${pid}/ns`)[2], attr(`/${pid}/ns/net`)[2]]).toEqual([pid * 64 + 2, pid * 64 + 3]);
    const inos = ['status', 'ns', 'stat', 'comm', 'cmdline', 'mountinfo', ...['net', 'uts', 'ipc', 'pid', 'user', 'mnt'].flatMap((t) => [`ns/${t}`, `ns/${t}_snum`])]
      .map((f) => attr(`/${pid}/${f}`)[2]);
    expect(new Set(inos).size).toBe(inos.length);
  });
});

describe('ProcVfs: self, thread-self, mountinfo and namespace files', () => {
  it('self and thread-self are root-owned links to the chosen task, listed before the pids', () => {
    const { vfs, nsctl } = setup();
    const pid = nsctl('clone 1 0');
    const root = vfs.readdir('/');
    expect(isKernelError(root) ? root.errno : root.names.slice(0, 3)).toEqual(['self', 'thread-self', '1']);
    expect([vfs.readlink('/self'), vfs.readlink('/thread-self')]).toEqual(['1', '1']);
    nsctl(`self ${pid}`);
    const a = vfs.getattr('/self');
    expect([vfs.readlink('/self'), isKernelError(a) ? a.errno : [a.mode.toString(8), a.uid]]).toEqual([pid, ['120777', 0]]);
  });

  it('mountinfo is empty: the model\'s mount namespaces hold no mounts', () => {
    const { vfs, open, read } = setup();
    expect(read(open('/1/mountinfo'), 4096, 0)).toBe('');
    const a = vfs.getattr('/1/mountinfo');
    expect(isKernelError(a) ? a.errno : a.mode.toString(8)).toBe('100444');
  });

  it('a namespace file (a link followed) answers stat with its inode number, and open with ENOENT', () => {
    const { vfs } = setup();
    const target = vfs.readlink('/1/ns/net') as string;
    const a = vfs.getattr(`/1/ns/${target}`);
    const fh = vfs.open(`/1/ns/${target}`, 0);
    expect([isKernelError(a) ? a.errno : a.ino, isKernelError(fh) ? fh.errno : fh]).toEqual([Number(target.slice(5, -1)), 'ENOENT']);
  });
});
