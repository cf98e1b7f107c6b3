/**
 * What the trail is asked for (nstrail's selectors), and whether a container, a namespace or
 * a process is part of it. A prefix is matched while reading (every candidate is followed);
 * whether it was unique is decided at the end (trail_model.ts).
 */
import { TYPE_NAMES } from './record_kinds.js';
import type { Boot, Container, Ns } from './state.js';

export type Selector =
  | { readonly kind: 'summary' }
  | { readonly kind: 'uuid'; readonly uuid: string }
  | { readonly kind: 'container'; readonly prefix: string }
  | { readonly kind: 'ns'; readonly node: string; readonly boot: string; readonly typeIdx: number; readonly serial: string }
  | { readonly kind: 'pid'; readonly node: string; readonly pid: number };

/** A bad selector argument: the sentence to print (usage error, exit 2). */
export interface SelectorError {
  readonly error: string;
}

const HEX = /^(0x)?([0-9a-fA-F]{1,16})$/;

/**
 * `--ns NODE:BOOT:TYPE:SERIAL`, split from the right (a node named by --name-format numeric
 * may be an IPv6 address). NODE empty: a log without node names; BOOT empty: the node's only
 * boot, else a boot_id or a prefix of one, or `?N` for the node's N-th boot without an id.
 * @example
 * parseNsSelector('hostA:1111:net:c'); // { kind: 'ns', node: 'hostA', boot: '1111', typeIdx: 0, serial: 'c' }
 */
export function parseNsSelector(arg: string): Selector | SelectorError {
  const parts = arg.split(':');
  if (parts.length < 4) return { error: `--ns takes NODE:BOOT:TYPE:SERIAL (e.g. hostA:1111:net:c), not '${arg}'` };
  const serialText = parts.pop()!;
  const type = parts.pop()!;
  const boot = parts.pop()!.toLowerCase();
  const node = parts.join(':');
  const typeIdx = TYPE_NAMES.indexOf(type);
  if (typeIdx < 0) return { error: `--ns: '${type}' is not a namespace type (${TYPE_NAMES.join(', ')})` };
  const m = HEX.exec(serialText);
  if (!m) return { error: `--ns: the serial '${serialText}' is not a hex number as the records print it (e.g. c, 4000000a)` };
  const serial = m[2]!.toLowerCase().replace(/^0+(?=.)/, '');
  return { kind: 'ns', node, boot, typeIdx, serial };
}

/**
 * `--pid NODE:PID` (NODE empty for a log without node names).
 * @example
 * parsePidSelector('hostA:4'); // { kind: 'pid', node: 'hostA', pid: 4 }
 */
export function parsePidSelector(arg: string): Selector | SelectorError {
  const at = arg.lastIndexOf(':');
  const pidText = arg.slice(at + 1);
  if (at < 0 || !/^\d{1,10}$/.test(pidText)) return { error: `--pid takes NODE:PID (e.g. hostA:4), not '${arg}'` };
  return { kind: 'pid', node: arg.slice(0, at), pid: Number(pidText) };
}

/** The label of a boot in selectors and output: its boot_id, or `?N` when the input names none. */
export function bootLabel(b: Boot): string {
  return b.id ?? `?${b.unknownNo}`;
}

/** The selector names this container (uuid exactly, container id or vm name by prefix). */
export function selectsContainer(s: Selector, c: Container): boolean {
  if (s.kind === 'uuid') return c.uuid === s.uuid;
  if (s.kind === 'container') return (c.id?.startsWith(s.prefix) ?? false) || (c.name?.startsWith(s.prefix) ?? false);
  return false;
}

/** The selector names this namespace (--ns; the boot by a prefix of its label). */
export function selectsNs(s: Selector, n: Ns): boolean {
  return s.kind === 'ns' && n.typeIdx === s.typeIdx && n.serial === s.serial && n.boot.node === s.node
    && bootLabel(n.boot).startsWith(s.boot);
}
