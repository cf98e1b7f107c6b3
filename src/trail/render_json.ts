/**
 * The trail as JSON lines (one object per event, for shippers into OpenSearch/Elasticsearch or
 * ClickHouse): node, boot_id, time (ISO 8601, UTC), serial, event, namespaces as
 * `{type, serial, inum}`, pid, auid, container, uuid, then the event's own facts.
 */
import { isoTime } from './iso_time.js';
import { TYPE_NAMES } from './record_kinds.js';
import type { Entry, Ns } from './state.js';
import { migrationOf, type TrailModel } from './trail_model.js';

const nsJson = (n: Ns) => ({ type: TYPE_NAMES[n.typeIdx], serial: n.serial, inum: n.inum });
const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** @returns one JSON text per line of the trail */
export function renderJson(m: TrailModel): string[] {
  return m.entries.map((e) => JSON.stringify(entryJson(e, m)));
}

function entryJson(e: Entry, m: TrailModel): Record<string, unknown> {
  const c = e.container;
  const o: Record<string, unknown> = {
    node: e.boot.node === '' ? null : e.boot.node, boot_id: e.boot.id, time: isoTime(e.at.t, true),
    serial: Number.isInteger(e.at.serial) && e.event !== 'alive' && e.event !== 'kernel' && e.event !== 'migrated' ? e.at.serial : null,
    event: e.event, namespaces: e.ns.map(nsJson), pid: e.pid, auid: e.auid, container: c?.id ?? null, uuid: c?.uuid ?? null,
  };
  for (const [k, v] of Object.entries(e.detail)) if (v !== null) o[k === 'lastT' ? 'last' : snake(k)] = k === 'lastT' ? isoTime(Number(v), true) : v;
  if (e.event === 'migrated') {
    o.continues = (migrationOf(e, m)?.continues ?? []).map((x) => ({ type: TYPE_NAMES[x.to.typeIdx], from: x.from?.serial ?? null, to: x.to.serial }));
  }
  return o;
}
