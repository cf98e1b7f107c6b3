/**
 * nstrail: reads the logs once, in order, and prints the trail asked for (text or JSON), the
 * summary of every container, or one node's records. Exit 0 with output, 1 when nothing
 * matched, 2 on usage errors and unreadable logs; what the input held that could not be used
 * is one closing line on stderr.
 */
import * as fs from 'node:fs';
import { parseArgs, USAGE, type TrailOptions } from './cli_options.js';
import { closingLine } from './input_counts.js';
import { readLines } from './line_reader.js';
import { orderLogs } from './log_order.js';
import { NodeFilter } from './node_filter.js';
import { nodesWith } from './node_scope.js';
import { renderJson } from './render_json.js';
import { renderTrailSvg } from './render_svg.js';
import { renderText } from './render_text.js';
import { Summary } from './summary.js';
import { TrailIndex } from './trail_index.js';
import { buildTrail, inputHeld, laneLabel, type TrailModel } from './trail_model.js';

const out = (text: string): void => { process.stdout.write(text); };
const lines = (ls: readonly string[]): void => { if (ls.length > 0) out(`${ls.join('\n')}\n`); };
const say = (text: string): void => { process.stderr.write(`nstrail: ${text}\n`); };

/** @returns the exit status */
export async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if ('help' in args) { out(USAGE); return 0; }
  if ('usage' in args) { say(`${args.usage}\n${USAGE.split('\n')[0]} (nstrail --help for more)`); return 2; }
  const logs = orderLogs(args.logs);
  for (const log of logs) {
    if (log === '-') continue;
    try {
      if (fs.statSync(log).isDirectory()) { say(`cannot read ${log}: EISDIR: it is a directory`); return 2; }
      fs.accessSync(log, fs.constants.R_OK);
    } catch (e) {
      say(`cannot read ${log}: ${(e as NodeJS.ErrnoException).code ?? 'EIO'}: ${(e as Error).message}`);
      return 2;
    }
  }
  try {
    return args.selector.kind === 'summary' && args.nodes !== null ? await filterNodes(args, logs) : await trail(args, logs);
  } catch (e) {
    // A log that went away or failed between the check and the read.
    say(`reading the logs failed: ${(e as NodeJS.ErrnoException).code ?? 'EIO'}: ${(e as Error).message}`);
    return 2;
  }
}

async function filterNodes(args: TrailOptions, logs: readonly string[]): Promise<number> {
  const ix = new TrailIndex({ kind: 'summary' }, () => undefined, null);
  const f = new NodeFilter(args.nodes!, ix.counts, out);
  await readLines(logs, (text, start, end, cut) => f.line(text, start, end, cut));
  f.flush();
  close(ix);
  if (f.matched === 0) { say(`no records of node ${[...args.nodes!].join(', ')} in the input`); return 1; }
  return 0;
}

/**
 * The nodes a `--uuid` trail can be on (./node_scope.ts), so that only their lines are read
 * past their first bytes; null: read them all (another selector, --node given, stdin, or no
 * line names the uuid: then the whole input is what the answer speaks of).
 */
function uuidScope(args: TrailOptions, logs: readonly string[]): Set<string> | null {
  if (args.selector.kind !== 'uuid' || args.nodes !== null) return null;
  const nodes = nodesWith(logs, `uuid=${args.selector.uuid}`);
  return nodes === null || nodes.size === 0 ? null : nodes;
}

/**
 * Whether the trail may reach past the nodes it was read on: a container that host mode named
 * by its id too (NSPROC_CONTAINER) is the same container wherever that id is seen.
 */
function outgrew(model: TrailModel, scope: ReadonlySet<string>, logs: readonly string[]): boolean {
  return model.containers.some((c) => c.id !== null && [...(nodesWith(logs, `container=${c.id}`) ?? [])].some((n) => !scope.has(n)));
}

async function read(args: TrailOptions, logs: readonly string[], summary: Summary | null, nodes: ReadonlySet<string> | null): Promise<TrailIndex> {
  const ix = new TrailIndex(args.selector, (c) => summary?.ended(c), nodes);
  await readLines(logs, (text, start, end, cut, dirty) => ix.line(text, start, end, cut, dirty));
  ix.finish();
  return ix;
}

async function trail(args: TrailOptions, logs: readonly string[]): Promise<number> {
  const summary = args.selector.kind === 'summary' ? new Summary({ json: args.json, utc: args.utc, write: lines }) : null;
  const scope = uuidScope(args, logs);
  let ix = await read(args, logs, summary, scope ?? args.nodes);
  if (summary !== null) {
    summary.finish(ix.containers.all());
    lines(lossLines(ix, args.json));
    close(ix);
    if (summary.count === 0) { say(`no containers in the input (${inputHeld(ix)})`); return 1; }
    return 0;
  }
  let model = buildTrail(ix, args.selector);
  // Read on a few nodes, the trail is the same as on all of them, unless it may reach beyond them.
  if (scope !== null && ('reason' in model || outgrew(model, scope, logs))) {
    ix = await read(args, logs, summary, null);
    model = buildTrail(ix, args.selector);
  }
  if ('reason' in model) { close(ix); say(model.sentence); return 1; }
  lines(args.json ? renderJson(model) : renderText(model, { utc: args.utc }));
  close(ix);
  if (args.svg !== null) {
    try {
      fs.writeFileSync(args.svg, renderTrailSvg(model, { utc: args.utc }));
    } catch (e) {
      say(`cannot write ${args.svg}: ${(e as NodeJS.ErrnoException).code ?? 'EIO'}: ${(e as Error).message}`);
      return 2;
    }
  }
  return 0;
}

/** The summary's closing part: each boot's losses in one line (the trail shows them in place). */
function lossLines(ix: TrailIndex, json: boolean): string[] {
  return ix.boots().filter((b) => b.losses.length > 0).map((b) => {
    const kinds = new Map<string, number>();
    for (const l of b.losses) kinds.set(l.kind, (kinds.get(l.kind) ?? 0) + 1);
    if (json) return JSON.stringify({ event: 'lost', node: b.node === '' ? null : b.node, boot_id: b.id, ...Object.fromEntries(kinds), more: b.lossesDropped });
    return `lost on ${laneLabel(b)}: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}${b.lossesDropped > 0 ? ` (+${b.lossesDropped})` : ''}`;
  });
}

function close(ix: TrailIndex): void {
  const c = closingLine(ix.counts);
  if (c !== null) process.stderr.write(`${c}\n`);
}
