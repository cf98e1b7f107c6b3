/**
 * Writes to a mounted nsproc's control file from the bench runner (never the
 * serving process, so synchronous calls are safe): one write(2) per batch,
 * every answer read back on the same open file.
 */
import * as fs from 'node:fs';

/** Runs each batch as one write; returns the answer lines; throws on an error answer. */
export function nsctlWrites(mnt: string, writes: readonly string[]): string[] {
  const fd = fs.openSync(`${mnt}/nsctl`, 'r+');
  const out: string[] = [];
  const buf = Buffer.alloc(1 << 20);
  try {
    for (const w of writes) {
      const want = w.split('\n').filter((l) => l.trim() !== '').length;
      fs.writeSync(fd, w);
      let text = '';
      while (text.split('\n').length - 1 < want) {
        const n = fs.readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        text += buf.subarray(0, n).toString();
      }
      if (text.includes('error:')) throw new Error(`nsctl: ${text.trim().split('\n').pop()}`);
      out.push(...text.split('\n').filter((l) => l !== ''));
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}
