/**
 * Streams the lines of the logs, one source after the other, in chunks: memory stays the size
 * of a chunk whatever the length of the logs. A last line without its newline is a record
 * cut by a crash or a copy in progress: it is handed over marked `cut`, never joined to the
 * next file's first line.
 *
 * Files (and stdin when it is a file or a pipe) are read with read(2) in this thread: the
 * stream API's reads through the thread pool left the reader idle a third of the time.
 */
import * as fs from 'node:fs';

/**
 * Called for every line: it is `text` from `start` to `end` (its newline excluded). `text` is
 * the decoded chunk, not the line: V8 reads characters of a flat string 2–3× faster than those
 * of a slice of one, and slicing a million lines cost as much as reading them; a sink slices
 * only what it keeps. `cut`: the source ended inside this line; `dirty`: its chunk holds a NUL
 * or bytes that are not UTF-8 (only then is each line looked at for bytes that are not text: a
 * regular expression over every chunk cost as much as reading it).
 */
export type LineSink = (text: string, start: number, end: number, cut: boolean, dirty: boolean) => void;

const CHUNK = 1 << 20;
const NEWLINE = 10;

/**
 * Reads every source in order and gives each line to `sink`. Lines are split in bytes and
 * decoded as UTF-8 a whole chunk at a time (a multi-byte character never straddles a split).
 * @throws the open or read error of a source (ENOENT, EACCES, EISDIR …), as Node reports it
 */
/** @param sources paths, `-` for stdin */
export async function readLines(sources: readonly string[], sink: LineSink): Promise<void> {
  for (const source of sources) {
    const fd = source === '-' ? 0 : fs.openSync(source, 'r');
    try {
      const rest = readSync(fd, sink);
      if (rest !== null) await readAsync(rest, sink);
    } finally {
      if (fd !== 0) fs.closeSync(fd);
    }
  }
}

/**
 * read(2) until the end. @returns null at the end, or what was read so far when the
 * descriptor is non-blocking (EAGAIN: a terminal or a socket), to go on with the stream API
 */
function readSync(fd: number, sink: LineSink): Buffer | null {
  let buf = Buffer.allocUnsafe(CHUNK);
  let have = 0;
  for (;;) {
    if (have === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, have);
      buf = bigger;
    }
    let n: number;
    try {
      n = fs.readSync(fd, buf, have, buf.length - have, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return buf.subarray(0, have);
      throw e;
    }
    if (n === 0) break;
    have += n;
    const last = buf.lastIndexOf(NEWLINE, have - 1);
    if (last < 0) continue;
    emit(buf, last, sink);
    buf.copy(buf, 0, last + 1, have);
    have -= last + 1;
  }
  if (have > 0) cutLine(buf.toString('utf8', 0, have), sink);
  return null;
}

async function readAsync(start: Buffer, sink: LineSink): Promise<void> {
  let rest: Buffer = Buffer.from(start);
  for await (const data of process.stdin as AsyncIterable<Buffer>) {
    const buf = rest.length === 0 ? data : Buffer.concat([rest, data]);
    const last = buf.lastIndexOf(NEWLINE);
    if (last < 0) { rest = buf; continue; }
    emit(buf, last, sink);
    rest = buf.subarray(last + 1);
  }
  if (rest.length > 0) cutLine(rest.toString('utf8'), sink);
}

function cutLine(text: string, sink: LineSink): void {
  sink(text, 0, text.length, true, true);
}

/** The lines of buf[0, last) (last: a newline's index). */
function emit(buf: Buffer, last: number, sink: LineSink): void {
  const text = buf.toString('utf8', 0, last);
  const dirty = buf.subarray(0, last).indexOf(0) >= 0 || text.includes('\ufffd');
  let start = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
    sink(text, start, nl, false, dirty);
    start = nl + 1;
  }
  sink(text, start, text.length, false, dirty);
}
