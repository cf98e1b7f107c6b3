/**
 * `status [-J]`: the daemon's own state, what `auditctl -s` is to the kernel's audit — one
 * `key value` line per fact (`-J`: one JSON object with the same keys). Read-only: no
 * records, nothing changes. The facts come from the system (src/system.ts, src/host_system.ts),
 * read from the counters its parts keep; this file only parses and prints.
 */
import { fail, ok, type Result } from '../model/errno.js';
import { getopt, splitWords, type OptSpec } from './_argv.js';

/** One fact: its key, and a number, a word or null (not known here, printed `unknown`). */
export type StatusField = readonly [key: string, value: number | string | null];

/** A parsed `status` command line. */
export interface StatusQuery {
  readonly json: boolean;
}

const SPECS: readonly OptSpec[] = [{ short: 'J', long: 'json', arg: 'none', key: 'J' }];

/**
 * @example
 * parseStatusArgs('-J') // ok({ json: true })
 */
export function parseStatusArgs(text: string): Result<StatusQuery> {
  const words = splitWords(text);
  if (!words.ok) return words;
  const parsed = getopt(words.value, SPECS);
  if (!parsed.ok) return parsed;
  if (parsed.value.operands.length > 0) return fail('EINVAL', `no operands are taken ('${parsed.value.operands[0]}'); usage: status [-J]`);
  return ok({ json: parsed.value.opts.length > 0 });
}

/**
 * @example
 * formatStatus([['mode', 'model'], ['pid', 7485]], false) // ['mode model', 'pid 7485']
 * formatStatus([['mode', 'model'], ['pid', 7485]], true)  // ['{"mode":"model","pid":7485}']
 */
export function formatStatus(fields: readonly StatusField[], json: boolean): string[] {
  if (json) return [JSON.stringify(Object.fromEntries(fields))];
  return fields.map(([k, v]) => `${k} ${v ?? 'unknown'}`);
}
