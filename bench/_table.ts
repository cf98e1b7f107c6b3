/**
 * The bench's one table: every benchmark returns rows, the runner prints
 * them and writes them as JSON. A row compares nsproc with a baseline
 * measured in the same run; `ratio` is nsproc ÷ baseline unless the row
 * says otherwise, and `pass` is null when the row has no goal.
 */
export interface Row {
  /** Stable key for scripts, e.g. `R1.snum.p1`. */
  readonly id: string;
  /** What is measured and against what, e.g. `snum stat+open+read+close, 1 reader [ops/s] vs C libfuse2`. */
  readonly metric: string;
  readonly nsproc: number | null;
  readonly baseline: number | null;
  readonly ratio: number | null;
  /** e.g. `≥ 0.8×`, `< 2048 MiB`, or '' when informational. */
  readonly goal: string;
  readonly pass: boolean | null;
  readonly note?: string;
}

export function row(r: Omit<Row, 'ratio' | 'pass' | 'goal'> & { ratio?: number | null; goal?: string; pass?: boolean | null }): Row {
  const ratio = r.ratio !== undefined ? r.ratio
    : r.nsproc !== null && r.baseline !== null && r.baseline !== 0 ? r.nsproc / r.baseline : null;
  return { ...r, ratio, goal: r.goal ?? '', pass: r.pass ?? null };
}

/** Rates and sizes with thousands separators; small numbers with 2–3 significant digits. */
export function fmt(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  if (a === 0) return '0';
  return v.toPrecision(2);
}

const passText = (p: boolean | null) => (p === null ? '' : p ? 'yes' : 'NO');

/** The table as Markdown (also readable in a terminal). */
export function renderTable(rows: readonly Row[]): string {
  const head = ['metric', 'nsproc', 'baseline', 'ratio', 'goal', 'met'];
  const body = rows.map((r) => [r.metric, fmt(r.nsproc), fmt(r.baseline), r.ratio === null ? '—' : `${fmt(r.ratio)}×`, r.goal, passText(r.pass)]);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join(' | ')} |`;
  return [line(head), `|${width.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`, ...body.map(line)].join('\n');
}
