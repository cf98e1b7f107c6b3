/**
 * The trail as a picture: the trail model mapped onto svg_timeline.ts's lanes, bars, marks
 * and arrows — one lane per (node, boot), a bar per namespace from its INIT (or first record)
 * to its DEL (or the end of the input), a mark per process that entered, an arrow per migration.
 */
import { isoTime } from './iso_time.js';
import { bootLabel } from './selector.js';
import type { Boot } from './state.js';
import { laneLabel, nsLabel, type TrailModel } from './trail_model.js';
import { renderSvg, type Timeline } from './svg_timeline.js';

const laneId = (b: Boot): string => `${b.node}\u0000${bootLabel(b)}`;

/** @returns a standalone SVG document of the trail */
export function renderTrailSvg(m: TrailModel, o: { readonly utc: boolean }): string {
  const last = Math.max(...m.lanes.map((l) => l.last.t), 0);
  const t: Timeline = {
    title: `trail of ${m.subject}`,
    lanes: m.lanes.map((l) => ({ id: laneId(l.boot), title: l.boot.node === '' ? '(no node name)' : l.boot.node, subtitle: `boot ${bootLabel(l.boot)}` })),
    bars: m.namespaces.map((n) => ({
      lane: laneId(n.boot), label: nsLabel(n), start: (n.created ?? n.seen).t, end: n.freed?.t ?? null,
      detail: `${nsLabel(n)} on ${laneLabel(n.boot)}: ${n.created === null ? 'made before the input begins' : `made by pid ${n.creator?.pid ?? '?'}${n.creator?.comm ? ` (${n.creator.comm})` : ''}`}`
        + `${n.freed === null ? ', alive at the end of the input' : `, freed (last process pid ${n.freedBy ?? '?'})`}`,
    })),
    marks: m.entries.filter((e) => e.event === 'entered' && !e.detail.first).map((e) => ({
      lane: laneId(e.boot), time: e.at.t, label: `pid ${e.pid ?? '?'}${e.auid !== null && e.auid !== -1 && e.auid !== 4294967295 ? ` auid ${e.auid}` : ''}`,
      detail: `pid ${e.pid ?? '?'} entered ${e.ns.map(nsLabel).join(' ')} at ${isoTime(e.at.t, o.utc)}`,
    })),
    arrows: m.migrations.map((x) => ({
      from: laneId(x.from.boot), to: laneId(x.to.boot), start: (x.from.stop ?? x.from.start).t, end: x.to.start.t,
      label: `migrated to ${x.to.boot.node}`,
    })),
    end: last,
    formatTime: (ms) => isoTime(ms, o.utc),
  };
  return renderSvg(t);
}
