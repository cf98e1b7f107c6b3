/**
 * How many records audisp-remote's queue file (mode forward) holds unsent, from its header:
 * audisp/plugins/remote/queue.c (audit 3.0.9) writes, big endian, the magic
 * `"\0audisp-remote"` (14 bytes), version 0, a reserved 0, num_entries, entry_size,
 * queue_head and queue_length, and rewrites head and length at every append and drop.
 */
import * as fs from 'node:fs';

const MAGIC = Buffer.from('\0audisp-remote', 'latin1');
export const HEADER_BYTES = 32;

/**
 * @param header the file's first {@link HEADER_BYTES} bytes
 * @returns queue_length, or null when the bytes are not an audisp-remote queue header
 */
export function decodeQueueLength(header: Buffer): number | null {
  if (header.length < HEADER_BYTES || !header.subarray(0, 14).equals(MAGIC) || header[14] !== 0 || header[15] !== 0) return null;
  const entries = header.readUInt32BE(16);
  const length = header.readUInt32BE(28);
  return entries > 0 && header.readUInt32BE(24) < entries && length <= entries ? length : null;
}

/** The queue file's queue_length; 0 while it does not exist yet or is not a queue (a fresh start). */
export function queuedRecords(file: string): number {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return 0;
  }
  try {
    const buf = Buffer.alloc(HEADER_BYTES);
    return decodeQueueLength(buf.subarray(0, fs.readSync(fd, buf, 0, HEADER_BYTES, 0))) ?? 0;
  } finally {
    fs.closeSync(fd);
  }
}
