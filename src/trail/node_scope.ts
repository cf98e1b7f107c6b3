/**
 * Which nodes a selector's records are on, found before the trail is built: every line that
 * holds `uuid=U` (a VIRT_CONTROL of the container) names a node the container was on, and
 * only those nodes' lines are then read past their first bytes (as `--node` reads). On an
 * aggregator's log of a hundred hosts the container's two or three are a few percent of it.
 *
 * The search is on bytes, a chunk at a time (Buffer.indexOf, memmem), without decoding or
 * splitting lines: a node is taken from the `node=NAME ` that begins a matching line, or ''
 * for a line without one. It may find more nodes than the trail has (the text elsewhere in a
 * line): more is only slower, never wrong.
 */
import * as fs from 'node:fs';

const CHUNK = 1 << 20;
const NEWLINE = 10;
const NODE = Buffer.from('node=');
const SPACE = 32;

/**
 * @param sources the logs (paths); null when one is stdin (it cannot be read twice)
 * @param needle the bytes to look for, e.g. `uuid=5c2a…`
 * @param chunk bytes read at a time (tests make it small, to cross chunk ends)
 * @returns the nodes of the lines that hold it (empty: none does)
 */
export function nodesWith(sources: readonly string[], needle: string, chunk = CHUNK): Set<string> | null {
  if (sources.includes('-')) return null;
  const want = Buffer.from(needle);
  const nodes = new Set<string>();
  const buf = Buffer.allocUnsafe(chunk);
  for (const source of sources) {
    const fd = fs.openSync(source, 'r');
    try {
      // `kept` bytes at the front of buf: the line the last chunk ended inside.
      let kept = 0;
      for (;;) {
        const n = fs.readSync(fd, buf, kept, chunk - kept, null);
        const end = kept + n;
        // Whole lines only, unless the file ended (or a line is longer than a chunk).
        const upto = n === 0 || buf.lastIndexOf(NEWLINE, end - 1) < 0 ? end : buf.lastIndexOf(NEWLINE, end - 1) + 1;
        const lines = buf.subarray(0, upto);
        for (let at = lines.indexOf(want); at >= 0; at = lines.indexOf(want, at + want.length)) {
          nodes.add(nodeOf(lines, lines.lastIndexOf(NEWLINE, at) + 1));
        }
        if (n === 0) break;
        buf.copy(buf, 0, upto, end);
        kept = end - upto;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return nodes;
}

/** The NAME of a line that begins `node=NAME `, or '' (a log without node names). */
function nodeOf(buf: Buffer, lineStart: number): string {
  if (lineStart + NODE.length > buf.length || buf.compare(NODE, 0, NODE.length, lineStart, lineStart + NODE.length) !== 0) return '';
  const space = buf.indexOf(SPACE, lineStart + NODE.length);
  return space < 0 ? '' : buf.toString('utf8', lineStart + NODE.length, space);
}
