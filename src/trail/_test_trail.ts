/** Test helpers: the trail of some lines, as nstrail's main would print it (UTC). */
import { renderJson } from './render_json.js';
import { renderText } from './render_text.js';
import type { Selector } from './selector.js';
import type { Container } from './state.js';
import { TrailIndex } from './trail_index.js';
import { buildTrail, type NoTrail, type TrailModel } from './trail_model.js';

export interface Run {
  readonly ix: TrailIndex;
  readonly model: TrailModel | NoTrail;
  readonly ended: Container[];
}

/** Feeds `lines` (the last one `cut` when asked) to a fresh index. */
export function run(lines: readonly string[], sel: Selector, opts: { cutLast?: boolean; nodes?: string[] } = {}): Run {
  const ended: Container[] = [];
  const ix = new TrailIndex(sel, (c) => ended.push(c), opts.nodes ? new Set(opts.nodes) : null);
  lines.forEach((l, i) => ix.line(l, 0, l.length, opts.cutLast === true && i === lines.length - 1, true));
  ix.finish();
  return { ix, model: sel.kind === 'summary' ? { reason: 'none', sentence: '' } : buildTrail(ix, sel), ended };
}

export function text(r: Run): string[] {
  if ('reason' in r.model) throw new Error(`no trail: ${r.model.sentence}`);
  return renderText(r.model, { utc: true });
}

export function json(r: Run): Record<string, unknown>[] {
  if ('reason' in r.model) throw new Error(`no trail: ${r.model.sentence}`);
  return renderJson(r.model).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The events of the trail in order, as `event` or `event:detail`. */
export function events(r: Run): string[] {
  return json(r).map((o) => String(o.event));
}
