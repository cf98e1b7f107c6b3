/**
 * The control file's handle semantics (SPEC §5) on the Vfs itself, without a
 * mount: answers per open file, consumed as read, and a write(2) that FUSE
 * delivers in max_write pieces joined back into whole lines — whatever byte
 * the seam falls on.
 */
import { describe, expect, it } from 'vitest';
import { runBatch, type EventSink } from '../../src/control/run_batch.js';
import { MAX_LINE } from '../../src/control/parse.js';
import { boot } from '../../src/model/boot.js';
import { ok } from '../../src/model/errno.js';
import type { ModelEvent } from '../../src/model/events.js';
import { ProcVfs } from '../../src/procfs/proc_vfs.js';
import { answeredNow, isKernelError, MAX_WRITE } from '../../src/procfs/vfs.js';

const O_RDWR = 2;

function setup() {
  const b = boot({ profile: 'v5' });
  if (!b.ok) throw new Error(b.error.detail);
  const state = b.value.state;
  const logged: ModelEvent[] = [];
  const sink: EventSink = { appendEvents: (e) => (logged.push(...e), ok(undefined)) };
  const vfs = new ProcVfs(state, (text) => runBatch(state, sink, text));
  const open = () => {
    const fh = vfs.open('/nsctl', O_RDWR);
    if (isKernelError(fh)) throw new Error(fh.detail);
    return fh;
  };
  const readAll = (fh: number) => {
    let out = '';
    for (let chunk = answeredNow(vfs.read(fh, 7, 0)); !isKernelError(chunk) && chunk.length > 0; chunk = answeredNow(vfs.read(fh, 7, 0))) out += chunk.toString();
    return out;
  };
  return { state, vfs, open, readAll, logged };
}

/**
 * Writes `buf` as one big write(2) reaches the daemon: FUSE hands it over in MAX_WRITE pieces;
 * a short count ends the write(2) there and the writer (cat, stdio, fs.writeFile) sends the rest
 * again from that byte. Returns each piece's answer: a count or an errno.
 */
function writeInPieces(vfs: ProcVfs, fh: number, buf: Buffer): (number | string)[] {
  const results: (number | string)[] = [];
  for (let off = 0; off < buf.length;) {
    const r = answeredNow(vfs.write(fh, buf.subarray(off, off + MAX_WRITE)));
    results.push(isKernelError(r) ? r.errno : r);
    if (isKernelError(r) || r <= 0) break;
    off += r;
  }
  return results;
}

/**
 * Writes `buf` as cat does (measured with strace on a FUSE mount): write(2)s of 128 KiB blocks
 * of the file, and after a short count only the rest of that block again — so a write(2) may
 * start or end inside a line whatever the daemon answers.
 */
function writeLikeCat(vfs: ProcVfs, fh: number, buf: Buffer): (number | string)[] {
  const results: (number | string)[] = [];
  for (let block = 0; block < buf.length; block += MAX_WRITE) {
    const end = Math.min(block + MAX_WRITE, buf.length);
    for (let off = block; off < end;) {
      const r = answeredNow(vfs.write(fh, buf.subarray(off, end)));
      results.push(isKernelError(r) ? r.errno : r);
      if (isKernelError(r)) return results;
      off += r;
    }
  }
  return results;
}

describe('control file handles', () => {
  it('a write answers on a read of the same open file, once', () => {
    const { vfs, open, readAll } = setup();
    const fh = open();
    expect(vfs.write(fh, Buffer.from('clone 1 0\nclone 1 0\n'))).toBe(20);
    expect(readAll(fh)).toBe('4\n5\n');
    expect(readAll(fh)).toBe('');
  });

  it('answers accumulate over several writes until read', () => {
    const { vfs, open, readAll } = setup();
    const fh = open();
    vfs.write(fh, Buffer.from('clone 1 0\n'));
    vfs.write(fh, Buffer.from('exit 99999\n'));
    expect(readAll(fh)).toMatch(/^4\nerror: ESRCH: .+\n$/);
  });

  it('each open file has its own answers', () => {
    const { vfs, open, readAll } = setup();
    const [a, b] = [open(), open()];
    vfs.write(a, Buffer.from('clone 1 0\n'));
    vfs.write(b, Buffer.from('clone 1 0\n'));
    expect([readAll(a), readAll(b)]).toEqual(['4\n', '5\n']);
  });

  it('a failing write returns its errno and the read holds the error line', () => {
    const { vfs, open, readAll } = setup();
    const fh = open();
    const r = vfs.write(fh, Buffer.from('setns 1 99999 net\n'));
    expect(isKernelError(r) && r.errno).toBe('ESRCH');
    expect(readAll(fh)).toMatch(/^error: ESRCH: /);
  });
});

describe('a write(2) larger than max_write', () => {
  it('runs completely and in order when seams cut lines anywhere', () => {
    const { vfs, open, readAll } = setup();
    const fh = open();
    const batch = Buffer.from('clone 1 0\n'.repeat(30_000));
    expect(writeInPieces(vfs, fh, batch).every((r) => typeof r === 'number')).toBe(true);
    const out = readAll(fh).split('\n').slice(0, -1);
    expect(out).toHaveLength(30_000);
    expect(out.every((p, i) => p === String(4 + i))).toBe(true);
  });

  it('runs completely and in order when written by cat in 128 KiB blocks (nsctl -)', () => {
    const { vfs, open, readAll } = setup();
    const fh = open();
    const batch = Buffer.from('clone 1 0\n'.repeat(30_000));
    expect(writeLikeCat(vfs, fh, batch).every((r) => typeof r === 'number')).toBe(true);
    const out = readAll(fh).split('\n').slice(0, -1);
    expect(out).toHaveLength(30_000);
    expect(out.every((p, i) => p === String(4 + i))).toBe(true);
  });

  it('runs a 124-128 KiB write whose last line has no newline by the time its answers are read', () => {
    const { vfs, open, readAll } = setup();
    const fh = open();
    const body = '# filler\n'.repeat(14_110);
    const data = Buffer.from(`${body}clone 1 0`);
    expect(data.length).toBeGreaterThan(MAX_WRITE - 4096);
    expect(writeInPieces(vfs, fh, data).every((r) => typeof r === 'number')).toBe(true);
    expect(readAll(fh)).toBe('4\n');
  });

  it('runs such a last line when the file is closed unread', () => {
    const { vfs, open, state } = setup();
    const fh = open();
    const data = Buffer.from(`${'# filler\n'.repeat(14_110)}clone 1 net`);
    expect(data.length).toBeGreaterThan(MAX_WRITE - 4096);
    vfs.write(fh, data);
    vfs.release(fh);
    expect([...state.initial.pid!.pids!.tasks.keys()]).toContain(4);
  });

  it('joins a UTF-8 character cut in two by a seam', () => {
    const { vfs, open, readAll, logged } = setup();
    const fh = open();
    // Every line is 216 bytes with 'é' (2 bytes) at odd offsets: the seam at 131072 falls inside one.
    const line = `virt_control 1 ${'é'.repeat(100)}\n`;
    expect(Buffer.byteLength(line)).toBe(216);
    const batch = Buffer.from(line.repeat(1000));
    const seamByte = batch[MAX_WRITE - 1]!;
    expect(seamByte).toBe(0xc3); // the first byte of an 'é' ends the first piece
    const results = writeInPieces(vfs, fh, batch);
    expect(results.every((r) => typeof r === 'number')).toBe(true);
    expect(readAll(fh)).toBe('ok\n'.repeat(1000));
    expect(logged.filter((e) => e.kind === 'virt-control').every((e) => e.kind === 'virt-control' && e.text === 'é'.repeat(100))).toBe(true);
  });

  it('fails a line longer than MAX_LINE at once, without holding it for the next piece', () => {
    const { vfs, open, readAll, state } = setup();
    const fh = open();
    const piece = Buffer.concat([Buffer.from('clone 1 0\n'), Buffer.alloc(MAX_WRITE - 10, 'x')]);
    const r = vfs.write(fh, piece);
    expect(isKernelError(r) && r.errno).toBe('EINVAL');
    // The complete line before it ran; the over-long one was refused.
    expect(readAll(fh)).toMatch(/^4\nerror: EINVAL: /);
    expect(state.journal).toBeNull();
  });

  it('joins a line that bash\'s echo flushes in 4096-byte stdio pieces, and refuses it whole when too long', () => {
    const { vfs, open, readAll, logged } = setup();
    const fh = open();
    const line = Buffer.from(`virt_control 1 ${'z'.repeat(5000)}\n`);
    const first = vfs.write(fh, line.subarray(0, 4096));
    expect(first).toBe(4096);
    const second = vfs.write(fh, line.subarray(4096));
    expect(isKernelError(second) && second.errno).toBe('EINVAL');
    // Nothing ran: no record cut at the stdio seam.
    expect(logged).toEqual([]);
    expect(readAll(fh)).toMatch(/^error: EINVAL: line longer than/);
  });

  it('still joins a line of exactly MAX_LINE bytes cut by a seam', () => {
    const { vfs, open, readAll } = setup();
    const fh = open();
    const long = `virt_control 1 ${'y'.repeat(MAX_LINE - 15)}\n`;
    const filler = 'clone 1 0\n'.repeat(Math.floor((MAX_WRITE - 100) / 10));
    const batch = Buffer.from(filler + long + 'clone 1 0\n');
    expect(batch.length).toBeGreaterThan(MAX_WRITE);
    expect(writeInPieces(vfs, fh, batch).every((x) => typeof x === 'number')).toBe(true);
    const out = readAll(fh).split('\n');
    expect(out.at(-3)).toBe('ok');
  });
});
