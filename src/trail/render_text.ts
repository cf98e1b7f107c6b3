/**
 * The trail as a text timeline: a heading that says what it is of, then one line per event
 * in aligned columns — time (ISO 8601), node, boot, audit serial, event, what happened.
 * Namespaces made or freed together (one clone, one exit: same boot, time and process) share
 * a line.
 */
import { isoTime } from './iso_time.js';
import { bootLabel } from './selector.js';
import type { Entry } from './state.js';
import { laneLabel, migrationOf, nsLabel, type TrailModel } from './trail_model.js';

export interface TextOptions {
  readonly utc: boolean;
}

const UNSET = 4294967295;

/** Boot ids are long: the first 8 hex digits tell boots apart in a column (the heading has them whole). */
const shortBoot = (e: Entry): string => bootLabel(e.boot).slice(0, 8);
const auidText = (a: number | null): string => (a === null || a === -1 ? '?' : a === UNSET ? 'unset' : String(a));

/** @returns the lines of the timeline, without newlines */
export function renderText(m: TrailModel, o: TextOptions): string[] {
  const rows = group(m.entries).map((g) => [
    isoTime(g[0]!.at.t, o.utc), g[0]!.boot.node === '' ? '-' : g[0]!.boot.node, shortBoot(g[0]!),
    Number.isInteger(g[0]!.at.serial) && g[0]!.event !== 'alive' && g[0]!.event !== 'kernel' && g[0]!.event !== 'migrated' ? String(g[0]!.at.serial) : '',
    g[0]!.event, what(g, m, o),
  ]);
  const head = ['TIME', 'NODE', 'BOOT', 'SERIAL', 'EVENT', 'WHAT'];
  const hosts = new Set(m.lanes.map((l) => l.boot.node)).size;
  const heading = [
    `trail of ${m.subject}: ${hosts} host${hosts === 1 ? '' : 's'}, ${m.lanes.length} boot${m.lanes.length === 1 ? '' : 's'}, `
      + `${m.namespaces.length} namespace${m.namespaces.length === 1 ? '' : 's'}, ${m.migrations.length} migration${m.migrations.length === 1 ? '' : 's'}`,
    ...m.lanes.map((l) => `  ${laneLabel(l.boot)}${l.boot.start === 'daemon-start' ? '' : ' (no DAEMON_START in the input)'}`),
  ];
  return [...heading, ...table([head, ...rows])];
}

/** Adjacent lines that are one act: namespaces made (or freed) by one process at one time on one boot. */
function group(entries: readonly Entry[]): Entry[][] {
  const out: Entry[][] = [];
  for (const e of entries) {
    const g = out[out.length - 1];
    const p = g?.[0];
    if (g !== undefined && p !== undefined && (e.event === 'created' || e.event === 'freed') && p.event === e.event
      && p.boot === e.boot && p.at.t === e.at.t && p.pid === e.pid && p.auid === e.auid && p.detail.comm === e.detail.comm) g.push(e);
    else out.push([e]);
  }
  return out;
}

function what(g: readonly Entry[], m: TrailModel, o: TextOptions): string {
  const e = g[0]!;
  const d = e.detail;
  const ns = (list: readonly Entry[]) => list.flatMap((x) => x.ns).map(nsLabel).join(' ');
  const who = (pid: number | null, auid: number | null) => `pid ${pid ?? '?'} (${[
    `auid ${auidText(auid)}`, d.uid !== undefined && d.uid !== null ? `uid ${d.uid}` : null,
    d.comm ? `comm "${d.comm}"` : null, d.exe ? `exe ${d.exe}` : null, d.syscall ? `${d.syscall}` : null,
  ].filter((x) => x !== null).join(', ')})`;
  switch (e.event) {
    case 'created': return `${ns(g)} made by ${who(e.pid, e.auid)}`;
    case 'freed': return `${ns(g)} freed (last process pid ${e.pid ?? '?'})`;
    case 'entered': return `${who(e.pid, e.auid)} ${d.firstSeen ? 'seen in' : 'entered'} ${ns(g)}`;
    case 'virt': {
      // The uuid is in the heading; libvirt's text otherwise as it was sent.
      const resolved = e.ns[0];
      const uuid = e.container?.uuid;
      const text = String(d.text).split(' ').filter((w) => w !== 'virt=lxc' && w !== `uuid=${uuid}`).join(' ');
      const pidNs = d.pidNs === null ? '' : ` [pid-ns ${d.pidNs} = ${resolved ? nsLabel(resolved) : 'unresolved: no NS_INFO of init-pid'}]`;
      return `${text}${pidNs} by pid ${d.actor} (auid ${auidText(e.auid)})`;
    }
    case 'container': return `${d.runtime} container ${d.id} (pid ${e.pid}, cgroup ${d.cgroup}): ${ns(g)}`;
    case 'kernel': return `kernel events: ${d.count} × ${d.syscall}${d.count !== 1 ? ` (last ${isoTime(Number(d.lastT), o.utc)})` : ''}`;
    case 'migrated': return `from ${d.fromNode} boot ${String(d.fromBoot).slice(0, 8)}: ${migration(e, m)}`;
    case 'lost': return `LOST: ${d.text}`;
    case 'alive': return `still alive at the end of the input: ${ns(g)}${d.pids ? ` (pids ${d.pids})` : ''}`;
  }
}

/** `net:c → net:11`: each new namespace as the continuation of the old one of its type. */
function migration(e: Entry, m: TrailModel): string {
  const mig = migrationOf(e, m);
  const list = (mig?.continues ?? []).map((x) => (x.from === null ? `${nsLabel(x.to)} (new)` : `${nsLabel(x.from)} → ${nsLabel(x.to)}`));
  return list.join(', ') || 'no namespaces known on the target yet';
}

/** Columns padded to their widest cell; the last one is not padded. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}
