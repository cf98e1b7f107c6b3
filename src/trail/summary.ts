/**
 * The summary with no selector: one line per container of the input — node(s), boot(s), uuid
 * or container id, name, namespaces, first and last time, processes, migrations. Lines come
 * as containers end (stopped and every namespace freed), so memory stays flat for any length
 * of log; those alive at the end of the input come last. Text lines are held back in batches
 * to align their columns (a batch is sorted by first time).
 */
import { isoTime } from './iso_time.js';
import { bootLabel } from './selector.js';
import type { Container } from './state.js';
import { table } from './render_text.js';
import { migrationsOf } from './trail_model.js';

export interface SummaryOptions {
  readonly json: boolean;
  readonly utc: boolean;
  readonly write: (lines: readonly string[]) => void;
}

/** Text lines aligned together; past this many, a batch is written and the next one begins. */
const BATCH = 4096;
const HEAD = ['FIRST', 'LAST', 'NODE', 'BOOT', 'CONTAINER', 'NAME', 'NS', 'PROCS', 'MIGRATIONS', 'STATE'];

export class Summary {
  private batch: Container[] = [];
  /** Containers written so far. */
  count = 0;

  constructor(private readonly o: SummaryOptions) {}

  /** A container whose life ended. */
  ended(c: Container): void {
    this.add(c);
  }

  /** The end of the input: the containers still alive. */
  finish(live: readonly Container[]): void {
    for (const c of live) this.add(c);
    this.flush();
  }

  private add(c: Container): void {
    this.count++;
    if (this.o.json) { this.o.write([JSON.stringify(this.json(c))]); return; }
    this.batch.push(c);
    if (this.batch.length >= BATCH) this.flush();
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    const rows = this.batch.sort((a, b) => a.first.t - b.first.t || a.first.seq - b.first.seq).map((c) => this.row(c));
    this.o.write(table([HEAD, ...rows]));
    this.batch = [];
  }

  private row(c: Container): string[] {
    const parts = [...c.parts].sort((a, b) => a.start.t - b.start.t);
    const nodes = parts.map((p) => (p.boot.node === '' ? '-' : p.boot.node));
    return [
      isoTime(c.first.t, this.o.utc), isoTime(c.last.t, this.o.utc), [...new Set(nodes)].join('→') || '-',
      [...new Set(parts.map((p) => bootLabel(p.boot).slice(0, 8)))].join('→') || '-', c.uuid ?? c.id ?? '-',
      c.name ?? c.runtime ?? '-', String(parts.reduce((n, p) => n + p.ns.length, 0)), String(c.processes),
      String(migrationsOf(c).length), state(c),
    ];
  }

  private json(c: Container): Record<string, unknown> {
    return {
      event: 'container', uuid: c.uuid, container: c.id, runtime: c.runtime, name: c.name,
      first: isoTime(c.first.t, true), last: isoTime(c.last.t, true),
      parts: [...c.parts].sort((a, b) => a.start.t - b.start.t).map((p) => ({ node: p.boot.node === '' ? null : p.boot.node, boot_id: p.boot.id, namespaces: p.ns.length, start_reason: p.startReason, stop_reason: p.stopReason })),
      namespaces: c.parts.reduce((n, p) => n + p.ns.length, 0), processes: c.processes, migrations: migrationsOf(c).length,
      state: state(c),
    };
  }
}

/**
 * Where its life stands at its last record: `alive` (namespaces not freed), `migrated` (left
 * for another host the input does not show), `stopped`, or `ended` (every namespace freed
 * with no stop announced: a runtime's container).
 */
function state(c: Container): string {
  const last = [...c.parts].sort((a, b) => a.start.t - b.start.t).at(-1);
  if (last?.stopReason === 'migrated' && c.liveNs === 0) return 'migrated';
  if (c.liveNs > 0 && !c.stopped) return 'alive';
  return c.stopped ? 'stopped' : 'ended';
}
