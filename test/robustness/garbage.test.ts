/**
 * Garbage input on a mount, the cases by name (the fuzzer in ./fuzz.test.ts
 * finds the ones nobody names): each refused input gets its own errno, and the
 * full model dump and the audit log are exactly as before.
 */
import * as fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctl, errnoOf, readAll, startInspectable, type Inspectable } from './_inspect.js';

let m: Inspectable;
beforeAll(async () => { m = await startInspectable(); });
afterAll(async () => { await m?.stop(); });

const KiB = 1024;
const comments = (bytes: number) => `#${'-'.repeat(78)}\n`.repeat(Math.ceil(bytes / 80));

describe('nsctl refuses garbage whole: errno, and nothing changed', () => {
  it.each([
    ['random bytes', Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0x00, 0x9f, 0x0a])],
    ['a NUL byte', Buffer.from('clone 1 0\0\n')],
    ['an unknown command', Buffer.from('launch 1 missiles\n')],
    ['a prototype name', Buffer.from('__proto__ 1\n')],
    ['a command cut short (the first half of a split write)', Buffer.from('clone 1')],
    ['the second half of a split write', Buffer.from(' net\n')],
    ['a carriage return inside a line', Buffer.from('clone 1 0\r\n')],
    ['a line one byte over 4 KiB', Buffer.from(`virt_control 1 ${'x'.repeat(4097 - 15)}\n`)],
    ['one endless line of 200 KiB (several FUSE pieces)', Buffer.alloc(200 * KiB, 0x61)],
    ['a pid past 2^31', Buffer.from('exit 2147483648\n')],
    ['flags outside the profile', Buffer.from('clone 1 0x80000000\n')],
  ])('%s: EINVAL', async (_name, input) => {
    const before = await m.dump();
    const r = await ctl(m.mountpoint, input);
    expect({ errno: r.errno, line: r.output.slice(0, 15) }).toEqual({ errno: 'EINVAL', line: 'error: EINVAL: ' });
    expect(await m.dump()).toEqual(before);
  });

  it.each([
    ['exit of pid 1 of the initial pid namespace', 'exit 1\n', 'EPERM'],
    ['a task that does not exist', 'exit 99999\n', 'ESRCH'],
    ['an unknown pin', 'unpin pin:77\n', 'EBADF'],
  ])('%s (%j): %s', async (_name, input, errno) => {
    const before = await m.dump();
    expect((await ctl(m.mountpoint, input)).errno).toBe(errno);
    expect(await m.dump()).toEqual(before);
  });

  it('a multi-line write stops at the bad line: the line before it stays, the line after it does not run', async () => {
    const before = (await m.dump()).model as { tasks: unknown[] };
    const r = await ctl(m.mountpoint, 'clone 1 0\nbogus\nclone 1 0\n');
    expect([r.errno, r.output.split('\n').length]).toEqual(['EINVAL', 3]);
    expect(((await m.dump()).model as { tasks: unknown[] }).tasks.length).toBe(before.tasks.length + 1);
  });
});

describe('nsctl writes past FUSE max_write (128 KiB)', () => {
  it('a 124-128 KiB write whose last line has no newline runs that line (was acknowledged, never run)', async () => {
    // 126977 bytes = max_write - PAGE_SIZE + 1: one FUSE piece wherever the buffer starts, and one
    // that a longer write(2) could have been cut into.
    const last = 'virt_control 1 last-line';
    const body = comments(120 * KiB);
    const data = Buffer.from(`${body}#${'x'.repeat(126_977 - body.length - last.length - 2)}\n${last}`);
    expect(data.length).toBe(126_977);
    const fh = await fs.open(`${m.mountpoint}/nsctl`, 'r+');
    try {
      // The daemon keeps the unterminated line for a next write; the read runs it before answering.
      await fh.writeFile(data);
      expect(await readAll(fh)).toBe('ok\n');
    } finally {
      await fh.close();
    }
  });

  // 126977 bytes: one FUSE piece long enough that its unterminated last line is kept for a next write.
  const failingThenCut = (last: string) => {
    const body = `${comments(120 * KiB)}exit 1\n`;
    return Buffer.from(`${body}#${'x'.repeat(126_977 - body.length - last.length - 2)}\n${last}`);
  };

  it('a long write that fails never runs the cut line after the failure, at the next read', async () => {
    const before = await m.dump();
    const r = await ctl(m.mountpoint, failingThenCut('clone 1 net'));
    expect([r.errno, r.output.split('\n').length, r.output.slice(0, 13)]).toEqual(['EPERM', 2, 'error: EPERM:']);
    expect(await m.dump()).toEqual(before);
  });

  it('a long write that fails never runs the cut line after the failure, at close', async () => {
    const before = await m.dump();
    const fh = await fs.open(`${m.mountpoint}/nsctl`, 'r+');
    try {
      expect(await errnoOf(fh.write(failingThenCut('clone 1 net')))).toBe('EPERM');
    } finally {
      await m.stats();
      await fh.close();
    }
    // FUSE sends RELEASE after close(2) returns: wait until the daemon has handled it.
    let released = false;
    for (let i = 0; i < 100 && !released; i++) {
      released = (await m.stats()).handlers['release'] !== undefined;
      if (!released) await new Promise((r) => setTimeout(r, 10));
    }
    expect(released).toBe(true);
    expect(await m.dump()).toEqual(before);
  });

  it('one write(2) of it either takes everything or stops right after a newline', async () => {
    const data = Buffer.from(`${comments(127 * KiB + 500)}virt_control 1 x`);
    const fh = await fs.open(`${m.mountpoint}/nsctl`, 'r+');
    try {
      const n = (await fh.write(data, 0, data.length, null)).bytesWritten;
      expect(n === data.length || data[n - 1] === 0x0a).toBe(true);
    } finally {
      await fh.close();
    }
  });

  it('300 KiB of commands run completely and in order', async () => {
    const fh = await fs.open(`${m.mountpoint}/nsctl`, 'r+');
    try {
      await fh.writeFile('ns_info 1 1\n'.repeat(25_000));
      expect(await readAll(fh)).toBe('ok\n'.repeat(25_000));
    } finally {
      await fh.close();
    }
  });
});

describe('the tree refuses writes and serves any read', () => {
  const p = (rel: string) => `${m.mountpoint}/${rel}`;

  it.each([
    ['open /1/status for writing', 'EACCES', () => fs.open(p('1/status'), 'r+')],
    ['open ns/net_snum with O_TRUNC', 'EACCES', () => fs.open(p('1/ns/net_snum'), 'w')],
    ['create a file', 'EACCES', () => fs.writeFile(p('new'), 'x')],
    ['unlink /1/status', 'EROFS', () => fs.unlink(p('1/status'))],
    ['rename a pid dir', 'EROFS', () => fs.rename(p('1'), p('7777'))],
    ['chmod nsctl', 'EROFS', () => fs.chmod(p('nsctl'), 0o666)],
    ['truncate /1/status', 'EACCES', () => fs.truncate(p('1/status'), 0)],
    ['open a namespace file', 'ENOENT', () => fs.readFile(p('1/ns/net'))],
    ['open a pid that is not there', 'ENOENT', () => fs.open(p('99999/status'), 'r')],
    ['a 300-byte name', 'ENOENT', () => fs.stat(p('x'.repeat(300)))],
  ])('%s: %s', async (_name, errno, call) => {
    const before = await m.dump();
    expect(await errnoOf(call())).toBe(errno);
    expect(await m.dump()).toEqual(before);
  });

  it('1-byte reads, reads past the end and past 4 GiB all agree with one whole read', async () => {
    const whole = await fs.readFile(p('1/status'));
    const fh = await fs.open(p('1/status'), 'r');
    try {
      const bytes: number[] = [];
      const one = Buffer.alloc(1);
      while ((await fh.read(one, 0, 1, null)).bytesRead === 1) bytes.push(one[0]!);
      expect(Buffer.from(bytes)).toEqual(whole);
      const big = Buffer.alloc(64);
      for (const pos of [whole.length, whole.length + 1, 2 ** 32, 2 ** 32 + 3, 2 ** 40]) {
        expect({ pos, n: (await fh.read(big, 0, 64, pos)).bytesRead }).toEqual({ pos, n: 0 });
      }
      expect((await fh.read(big, 0, 5, 1)).bytesRead).toBe(5);
      expect(big.subarray(0, 5)).toEqual(whole.subarray(1, 6));
    } finally {
      await fh.close();
    }
  });
});

describe('a handler that throws (NSPROC_TEST_FAULT)', () => {
  let f: Inspectable;
  beforeAll(async () => { f = await startInspectable({ env: { NSPROC_TEST_FAULT: 'write /nsctl; getattr /1/ns/uts_snum' } }); });
  afterAll(async () => { await f?.stop(); });

  it('answers EIO, logs one line on stderr, changes nothing, and the daemon goes on', async () => {
    const before = await f.dump();
    expect((await ctl(f.mountpoint, 'clone 1 net\n')).errno).toBe('EIO');
    expect(await errnoOf(fs.stat(`${f.mountpoint}/1/ns/uts_snum`))).toBe('EIO');
    expect(await f.dump()).toEqual(before);
    expect(f.output()).toMatch(/^nsproc: write \/nsctl: internal error, answered EIO: Error: NSPROC_TEST_FAULT: injected fault in write \/nsctl$/m);
    expect(f.output()).toMatch(/^nsproc: getattr \/1\/ns\/uts_snum: internal error, answered EIO: /m);
    expect(await fs.readFile(`${f.mountpoint}/1/ns/net_snum`, 'utf8')).toBe('7\n');
  });
});
