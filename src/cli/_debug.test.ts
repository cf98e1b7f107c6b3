import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { fakeVfs } from '../../test/fixtures/fake_vfs.js';
import { isKernelError } from '../procfs/vfs.js';
import { debugHooksFromEnv, instrumentVfs, parseFaults } from './_debug.js';

describe('parseFaults', () => {
  it.each([
    ['unset', undefined, []],
    ['one', 'read /2/status', ['read /2/status']],
    ['several, with blanks', ' write /nsctl ;getattr  /1 ;', ['write /nsctl', 'getattr /1']],
    ['a death after answers', 'die-after-answers=1 /nsctl', ['die-after-answers=1 /nsctl']],
  ])('parseFaults() reads %s', (_name, spec, want) => {
    expect([...parseFaults(spec)]).toEqual(want);
  });
});

describe('instrumentVfs', () => {
  it('instrumentVfs() throws for a faulty OP PATH only, before the tree is asked', () => {
    const vfs = instrumentVfs(fakeVfs(), parseFaults('getattr /1/status'));
    expect(() => vfs.getattr('/1/status')).toThrow(/injected fault in getattr \/1\/status/);
    expect(vfs.getattr('/1')).toMatchObject({ ino: 1000 });
  });

  it('instrumentVfs() knows the path of an open file for read and write faults', () => {
    const vfs = instrumentVfs(fakeVfs(), parseFaults('read /1/status'));
    const fh = vfs.open('/1/status', 0);
    const ctl = vfs.open('/nsctl', 2);
    if (isKernelError(fh) || isKernelError(ctl)) throw new Error('open failed');
    expect(() => vfs.read(fh, 10, 0)).toThrow(/read \/1\/status/);
    expect(vfs.write(ctl, Buffer.from('x\n'), 0)).toBe(2);
  });

  it('instrumentVfs() with die-after-answers=N answers one line per read, then dies at the read after line N', async () => {
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => { throw new Error('SIGKILL'); });
    try {
      const vfs = instrumentVfs(fakeVfs(), parseFaults('die-after-answers=1 /nsctl'));
      const ctl = vfs.open('/nsctl', 2);
      if (isKernelError(ctl)) throw new Error('open failed');
      expect(vfs.write(ctl, Buffer.from('a\n'), 0)).toBe(2);
      expect(vfs.write(ctl, Buffer.from('bc\n'), 0)).toBe(3);
      expect(String(await vfs.read(ctl, 4096, 0))).toBe('wrote 2\n');
      expect(kill).not.toHaveBeenCalled();
      await expect(vfs.read(ctl, 4096, 0)).rejects.toThrow('SIGKILL');
      expect(kill).toHaveBeenCalledWith(process.pid, 'SIGKILL');
    } finally {
      kill.mockRestore();
    }
  });

  it('instrumentVfs() with eof-after-answers=N answers N lines, then end of file', async () => {
    const vfs = instrumentVfs(fakeVfs(), parseFaults('eof-after-answers=1 /nsctl'));
    const ctl = vfs.open('/nsctl', 2);
    if (isKernelError(ctl)) throw new Error('open failed');
    vfs.write(ctl, Buffer.from('a\n'), 0);
    vfs.write(ctl, Buffer.from('b\n'), 0);
    expect([String(await vfs.read(ctl, 4096, 0)), String(await vfs.read(ctl, 4096, 0))]).toEqual(['wrote 2\n', '']);
  });

  it('instrumentVfs() counts every call and its time per op', () => {
    const seen: string[] = [];
    const vfs = instrumentVfs(fakeVfs(), new Set(), { add: (op, ms) => { seen.push(op); expect(ms).toBeGreaterThanOrEqual(0); } });
    vfs.getattr('/');
    vfs.readdir('/1');
    vfs.readlink('/1/ns/net');
    expect(seen).toEqual(['getattr', 'readdir', 'readlink']);
  });
});

describe('debugHooksFromEnv', () => {
  it('debugHooksFromEnv() is null without NSPROC_DEBUG_SOCKET and NSPROC_TEST_FAULT', () => {
    expect(debugHooksFromEnv({}, fakeVfs(), undefined)).toBe(null);
  });

  it('debugHooksFromEnv() serves dump and stats on a 0600 socket, and removes it on stop', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nsproc-debug-'));
    const socket = path.join(dir, 'd.sock');
    const hooks = debugHooksFromEnv({ NSPROC_DEBUG_SOCKET: socket }, fakeVfs(), () => ({ model: 'M' }))!;
    try {
      await hooks.start();
      expect((await fs.stat(socket)).mode & 0o777).toBe(0o600);
      hooks.vfs.getattr('/');
      expect(await ask(socket, 'dump')).toEqual({ inspect: { model: 'M' } });
      expect(await ask(socket, 'stats')).toMatchObject({ handlers: { getattr: { count: 1 } }, eventLoop: {} });
      expect(await ask(socket, 'stats')).toMatchObject({ handlers: {} });
      expect(await ask(socket, 'bogus')).toMatchObject({ error: expect.stringContaining('unknown request') });
      expect(await ask(socket, 'stats')).not.toHaveProperty('counters');
    } finally {
      await hooks.stop();
      await expect(fs.access(socket)).rejects.toThrow();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('debugHooksFromEnv with counters', () => {
  it("debugHooksFromEnv() adds the system's counters to stats (kernel audit events, losses)", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nsproc-debug-'));
    const socket = path.join(dir, 'd.sock');
    const hooks = debugHooksFromEnv({ NSPROC_DEBUG_SOCKET: socket }, fakeVfs(), undefined, () => ({ kernelAudit: { lost: { gaps: 1 } } }))!;
    try {
      await hooks.start();
      expect(await ask(socket, 'stats')).toMatchObject({ handlers: {}, counters: { kernelAudit: { lost: { gaps: 1 } } } });
    } finally {
      await hooks.stop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

function ask(socket: string, what: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let text = '';
    const c = net.connect(socket, () => c.write(`${what}\n`));
    c.on('data', (d) => (text += d.toString()));
    c.on('end', () => resolve(JSON.parse(text)));
    c.on('error', reject);
  });
}
