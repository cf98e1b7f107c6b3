/**
 * A trail drawn as a standalone SVG timeline: one lane per (node, boot), a bar per namespace
 * from its creation to its end labelled `type:serial`, a mark for each process that entered,
 * an arrow for each migration, a time axis. Pure: a {@link Timeline} in, the SVG text out
 * (no fonts, scripts or external references, so any browser opens it as it is).
 */

/** One (node, boot) of the trail. */
export interface Lane {
  readonly id: string;
  /** e.g. `hostA` and the boot id's first 8 digits. */
  readonly title: string;
  readonly subtitle: string;
}

/** A namespace's life: `end` null when it was still alive at the end of the input. */
export interface Bar {
  readonly lane: string;
  readonly label: string;
  readonly start: number;
  readonly end: number | null;
  /** Longer text for the tooltip (`<title>`). */
  readonly detail: string;
}

/** A process entering (setns, a clone into it), or another point event, on one lane. */
export interface Mark {
  readonly lane: string;
  readonly time: number;
  readonly label: string;
  readonly detail: string;
}

/** A migration: the container left `from` at `start` and arrived on `to` at `end`. */
export interface Arrow {
  readonly from: string;
  readonly to: string;
  readonly start: number;
  readonly end: number;
  readonly label: string;
}

export interface Timeline {
  readonly title: string;
  readonly lanes: readonly Lane[];
  readonly bars: readonly Bar[];
  readonly marks: readonly Mark[];
  readonly arrows: readonly Arrow[];
  /** The time of the input's last record: namespaces still alive are drawn up to it (and a little past). */
  readonly end?: number;
  /** Times are milliseconds since the epoch; this prints one for the axis. */
  readonly formatTime: (ms: number) => string;
}

const WIDTH = 1200;
const LEFT = 250;
const RIGHT = 30;
const TOP = 62;
const ROW = 22;
const LANE_PAD = 14;
const MARK_ROW = 18;
const AXIS = 46;
const COLORS: Readonly<Record<string, string>> = {
  mnt: '#4e79a7', uts: '#f28e2b', ipc: '#76b7b2', user: '#59a14f', pid: '#e15759', net: '#edc948',
  cgroup: '#b07aa1', time: '#9c755f',
};

/** `&`, `<`, `>` and quotes as XML needs them in text and attribute values. */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
    // Control characters other than tab and newline are not allowed in XML 1.0 at all.
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, '\uFFFD');
}

/** Bars packed into rows so that none overlaps another in its lane (first fit, by start). */
function packRows(bars: readonly Bar[], endOf: (b: Bar) => number): Map<Bar, number> {
  const rows: number[] = [];
  const at = new Map<Bar, number>();
  for (const b of [...bars].sort((x, y) => x.start - y.start || x.label.localeCompare(y.label))) {
    let r = rows.findIndex((free) => free <= b.start);
    if (r < 0) r = rows.push(0) - 1;
    rows[r] = endOf(b) + 1;
    at.set(b, r);
  }
  return at;
}

/** About `n` round steps between t0 and t1 (1, 2 or 5 × a power of ten of ms, or s/min/h/day). */
function ticks(t0: number, t1: number, n: number): number[] {
  const span = Math.max(1, t1 - t0);
  const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 3e4, 6e4, 3e5, 6e5, 18e5, 36e5, 216e5, 864e5];
  const step = steps.find((s) => span / s <= n) ?? Math.ceil(span / n / 864e5) * 864e5;
  const out: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) out.push(t);
  return out;
}

/**
 * @param t the timeline
 * @returns a complete SVG document
 */
export function renderSvg(t: Timeline): string {
  const times = [...t.bars.flatMap((b) => [b.start, b.end ?? b.start]), ...t.marks.map((m) => m.time), ...t.arrows.flatMap((a) => [a.start, a.end])];
  const t0 = times.length ? Math.min(...times) : 0;
  const last = Math.max(t0 + 1, t.end ?? t0, ...times);
  // A bar still alive runs past the end of the input, so that it shows even if it began last.
  const t1 = last + (last - t0) * 0.04;
  const endOf = (b: Bar) => b.end ?? t1;
  const x = (ms: number) => LEFT + ((ms - t0) / (t1 - t0)) * (WIDTH - LEFT - RIGHT);

  const laneY = new Map<string, { y: number; h: number }>();
  const rowOf = new Map<Bar, number>();
  let y = TOP;
  for (const lane of t.lanes) {
    const rows = packRows(t.bars.filter((b) => b.lane === lane.id), endOf);
    rows.forEach((r, b) => rowOf.set(b, r));
    const n = Math.max(1, ...[...rows.values()].map((r) => r + 1));
    const h = LANE_PAD * 2 + n * ROW + MARK_ROW;
    laneY.set(lane.id, { y, h });
    y += h;
  }
  const height = y + AXIS;
  const out: string[] = [];
  out.push(`<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${xmlEscape(t.title)}</title>`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="12" y="28" font-size="16" font-weight="bold">${xmlEscape(t.title)}</text>`,
    `<text x="12" y="46" font-size="11" fill="#555">bar: a namespace, type:serial, from creation to end (dashed: alive at the end of the input) · ◆ a process entered · arrow: migration</text>`);
  t.lanes.forEach((lane, i) => {
    const { y: ly, h } = laneY.get(lane.id)!;
    out.push(`<g class="lane" data-lane="${xmlEscape(lane.id)}">`,
      `<rect x="0" y="${ly}" width="${WIDTH}" height="${h}" fill="${i % 2 ? '#f4f6f8' : '#fbfcfd'}"/>`,
      `<text x="12" y="${ly + 22}" font-weight="bold">${xmlEscape(lane.title)}</text>`,
      `<text x="12" y="${ly + 38}" fill="#555" font-size="10">${xmlEscape(lane.subtitle)}</text>`, '</g>');
  });
  // The axis and its grid lines go under the bars.
  const axisY = y + 10;
  out.push(`<g class="axis"><line x1="${LEFT}" y1="${axisY}" x2="${WIDTH - RIGHT}" y2="${axisY}" stroke="#333"/>`);
  for (const tick of ticks(t0, last, 6)) {
    const tx = x(tick).toFixed(1);
    out.push(`<line x1="${tx}" y1="${TOP}" x2="${tx}" y2="${axisY + 4}" stroke="#ccc" stroke-width="0.5"/>`,
      `<text x="${tx}" y="${axisY + 18}" text-anchor="middle" font-size="10">${xmlEscape(t.formatTime(tick))}</text>`);
  }
  out.push('</g>');
  for (const b of t.bars) {
    const { y: ly } = laneY.get(b.lane)!;
    const by = ly + LANE_PAD + rowOf.get(b)! * ROW;
    const x0 = x(b.start);
    // At least as wide as its label: namespaces made and freed within a moment stay readable.
    const w = Math.max(8 + 6.5 * b.label.length, x(endOf(b)) - x0);
    const color = COLORS[b.label.split(':')[0]!] ?? '#bab0ac';
    out.push(`<g class="bar"><title>${xmlEscape(b.detail)}</title>`,
      `<rect x="${x0.toFixed(1)}" y="${by}" width="${w.toFixed(1)}" height="${ROW - 6}" rx="3" fill="${color}"${b.end === null ? ' fill-opacity="0.6" stroke="#333" stroke-dasharray="4 2"' : ''}/>`,
      `<text x="${(x0 + 4).toFixed(1)}" y="${by + ROW - 10}" font-size="11">${xmlEscape(b.label)}</text></g>`);
  }
  for (const m of t.marks) {
    const { y: ly, h } = laneY.get(m.lane)!;
    const mx = x(m.time);
    const my = ly + h - MARK_ROW / 2 - 2;
    out.push(`<g class="mark"><title>${xmlEscape(m.detail)}</title>`,
      `<path d="M${mx.toFixed(1)},${my - 6} l5,6 l-5,6 l-5,-6 z" fill="#222"/>`,
      `<text x="${(mx + 7).toFixed(1)}" y="${my + 4}" font-size="10">${xmlEscape(m.label)}</text></g>`);
  }
  for (const a of t.arrows) {
    const from = laneY.get(a.from)!;
    const to = laneY.get(a.to)!;
    const y0 = from.y + from.h / 2;
    const y1 = to.y + to.h / 2;
    out.push(`<g class="arrow"><title>${xmlEscape(a.label)}</title>`,
      `<path d="M${x(a.start).toFixed(1)},${y0} C${(x(a.start) + 40).toFixed(1)},${y0} ${(x(a.end) - 40).toFixed(1)},${y1} ${x(a.end).toFixed(1)},${y1}" fill="none" stroke="#333" stroke-width="2" marker-end="url(#arrow)"/>`,
      `<text x="${((x(a.start) + x(a.end)) / 2 + 6).toFixed(1)}" y="${((y0 + y1) / 2).toFixed(1)}" font-size="11" font-style="italic">${xmlEscape(a.label)}</text></g>`);
  }
  out.push('</svg>', '');
  return out.join('\n');
}
