/**
 * `nstrail --node NODE` with no selector: the node's records as they are, as
 * `ausearch --node NODE --raw` prints them, a record seen twice (resent around a crash) once.
 * Lines of other nodes are passed over on their first bytes.
 */
import { parseHeader } from './line_header.js';
import { NodeSerials } from './node_serials.js';
import { recordKind } from './record_kinds.js';
import type { InputCounts } from './input_counts.js';

export class NodeFilter {
  private readonly prefixes: string[];
  private readonly serials = new Map<string, NodeSerials>();
  private out: string[] = [];
  private outLength = 0;
  /** Records written. */
  matched = 0;

  constructor(nodes: ReadonlySet<string>, private readonly counts: InputCounts, private readonly write: (text: string) => void) {
    this.prefixes = [...nodes].map((n) => `node=${n} `);
  }

  /** One line: `text` from `start` to `end` (line_reader.ts). */
  line(text: string, start: number, end: number, cut: boolean): void {
    if (!this.prefixes.some((p) => text.startsWith(p, start))) return;
    if (cut) { this.counts.cut++; return; }
    const h = parseHeader(text, start, end);
    if (typeof h === 'string') { this.counts.truncated++; return; }
    this.counts.records++;
    let s = this.serials.get(h.node);
    if (s === undefined) this.serials.set(h.node, (s = new NodeSerials()));
    const kind = recordKind(h.type);
    if (s.check(kind !== null && kind.kind !== 'syscall', h.sec * 1000 + h.msec, h.serial, text, kind?.id ?? -1, start, end).kind === 'duplicate') { this.counts.duplicates++; return; }
    this.matched++;
    this.out.push(text.slice(start, end));
    this.outLength += end - start;
    if (this.outLength > 1 << 16) this.flush();
  }

  flush(): void {
    if (this.out.length > 0) this.write(`${this.out.join('\n')}\n`);
    this.out = [];
    this.outLength = 0;
  }
}
