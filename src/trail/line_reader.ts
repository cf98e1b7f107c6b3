/**
 * Streams the lines of the logs, one source after the other, in chunks: memory stays the size
 * of a chunk whatever the length of the logs. A last line without its newline is a record
 * cut by a crash or a copy in progress: it is handed over marked `cut`, never joined to the
 * next file's first line.
 */
import * as fs from 'node:fs';

/** Where lines come from: a path, or `-` for stdin. */
export type Source = string;

/**
 * Called for every line, without its newline; `cut`: the source ended inside this line;
 * `dirty`: its chunk holds a NUL or bytes that are not UTF-8 (only then is each line looked at
 * for bytes that are not text: a regular expression over every chunk cost as much as reading it).
 */
export type LineSink = (line: string, cut: boolean, dirty: boolean) => void;

const CHUNK = 1 << 20;
const NEWLINE = 10;

/**
 * Reads every source in order and gives each line to `sink`. Lines are split in bytes and
 * decoded as UTF-8 a whole chunk at a time (a multi-byte character never straddles a split).
 * @throws the open or read error of a source (ENOENT, EACCES, EISDIR …), as Node reports it
 */
export async function readLines(sources: readonly Source[], sink: LineSink): Promise<void> {
  for (const source of sources) {
    const stream = source === '-' ? process.stdin : fs.createReadStream(source, { highWaterMark: CHUNK });
    let rest: Buffer | null = null;
    for await (const data of stream as AsyncIterable<Buffer>) {
      const buf: Buffer = rest === null ? data : Buffer.concat([rest, data]);
      const last = buf.lastIndexOf(NEWLINE);
      if (last < 0) {
        rest = buf;
        continue;
      }
      const text = buf.toString('utf8', 0, last);
      splitLines(text, buf.indexOf(0) >= 0 || text.includes('\ufffd'), sink);
      rest = last + 1 < buf.length ? buf.subarray(last + 1) : null;
    }
    if (rest !== null && rest.length > 0) sink(rest.toString('utf8'), true, true);
  }
}

function splitLines(text: string, dirty: boolean, sink: LineSink): void {
  let start = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
    sink(text.slice(start, nl), false, dirty);
    start = nl + 1;
  }
  sink(text.slice(start), false, dirty);
}
