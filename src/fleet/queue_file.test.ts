import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeQueueLength, HEADER_BYTES, queuedRecords } from './queue_file.js';

/** A queue file's header as audisp-remote 3.0.9's queue.c writes it. */
function header(numEntries: number, entrySize: number, head: number, length: number): Buffer {
  const buf = Buffer.alloc(HEADER_BYTES);
  buf.write('\0audisp-remote', 0, 'latin1');
  buf.writeUInt32BE(numEntries, 16);
  buf.writeUInt32BE(entrySize, 20);
  buf.writeUInt32BE(head, 24);
  buf.writeUInt32BE(length, 28);
  return buf;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsproc-queue-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('audisp-remote queue file', () => {
  it('decodeQueueLength() reads queue_length', () => {
    expect(decodeQueueLength(header(4096, 12288, 17, 123))).toBe(123);
  });
  it('decodeQueueLength() refuses another magic, a short header, a head or a length past the end', () => {
    const other = header(4, 64, 0, 1);
    other[1] = 0x41;
    expect(decodeQueueLength(other)).toBeNull();
    expect(decodeQueueLength(header(4, 64, 0, 1).subarray(0, 31))).toBeNull();
    expect(decodeQueueLength(header(4, 64, 4, 0))).toBeNull();
    expect(decodeQueueLength(header(4, 64, 0, 5))).toBeNull();
  });
  it('queuedRecords() is 0 for a missing or foreign file, the length for a queue file', () => {
    expect(queuedRecords(path.join(dir, 'missing'))).toBe(0);
    fs.writeFileSync(path.join(dir, 'foreign'), 'hello');
    expect(queuedRecords(path.join(dir, 'foreign'))).toBe(0);
    fs.writeFileSync(path.join(dir, 'q'), Buffer.concat([header(8, 64, 3, 6), Buffer.alloc(8 * 64)]));
    expect(queuedRecords(path.join(dir, 'q'))).toBe(6);
  });
});
