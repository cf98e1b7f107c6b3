/**
 * Arguments of the query commands (`lsns …`, `ps …`) as a shell and
 * getopt_long(3) would give them to util-linux: the rest of the control-file
 * line is split into words with sh quoting ('…', "…", backslash), then
 * options are taken GNU-style (clusters `-nr`, attached values `-tnet`,
 * `--type=net` or `--type net`, unique prefixes of long names, `--` to end
 * options, operands anywhere).
 */
import { fail, ok, type Result } from '../model/errno.js';

/**
 * Splits text into words as sh(1) does for quoting (no expansions).
 * @example
 * splitWords(`-o 'NS,TYPE' --tree=owner`) // ok(['-o', 'NS,TYPE', '--tree=owner'])
 */
export function splitWords(text: string): Result<string[]> {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return fail('EINVAL', 'unterminated quote (\')');
      word = (word ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let w: string = word ?? '';
      for (i++; i < text.length && text[i] !== '"'; i++) {
        // sh(1): inside "…" a backslash escapes only $ ` " \ (and newline).
        if (text[i] === '\\' && i + 1 < text.length && '$`"\\'.includes(text[i + 1]!)) i++;
        w += text[i];
      }
      if (i >= text.length) return fail('EINVAL', 'unterminated quote (")');
      word = w;
    } else if (c === '\\') {
      if (i + 1 >= text.length) return fail('EINVAL', 'a backslash ends the line');
      word = (word ?? '') + text[++i];
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== null) words.push(word);
  return ok(words);
}

/** One option as getopt_long(3)'s `struct option` and short-option string describe it. */
export interface OptSpec {
  /** One-letter name (`-t`), if any. */
  readonly short?: string;
  /** Long name without dashes (`type`), if any. */
  readonly long?: string;
  /** getopt_long's no_argument / required_argument / optional_argument (value only attached). */
  readonly arg: 'none' | 'required' | 'optional';
  /** What the option is called in the result. */
  readonly key: string;
}

/** One option found, in command-line order. */
export interface ParsedOpt {
  readonly key: string;
  /** The option's value, undefined when it takes none or none was attached. */
  readonly value: string | undefined;
  /** As written (`-t`, `--type`), for messages. */
  readonly as: string;
}

/** The options and the operands (non-option words), each in order. */
export interface ParsedArgs {
  readonly opts: readonly ParsedOpt[];
  readonly operands: readonly string[];
}

function findLong(name: string, specs: readonly OptSpec[]): Result<OptSpec> {
  const exact = specs.find((s) => s.long === name);
  if (exact) return ok(exact);
  const prefixed = specs.filter((s) => s.long?.startsWith(name));
  if (prefixed.length === 1) return ok(prefixed[0]!);
  if (prefixed.length > 1) return fail('EINVAL', `option '--${name}' is ambiguous; possibilities: ${prefixed.map((s) => `'--${s.long}'`).join(' ')}`);
  return fail('EINVAL', `unrecognized option '--${name}'`);
}

/**
 * @example
 * getopt(['-nt', 'net', '--tree=owner', '42'], specs)
 * // ok({ opts: [n, t=net, tree=owner], operands: ['42'] })
 */
export function getopt(args: readonly string[], specs: readonly OptSpec[]): Result<ParsedArgs> {
  const opts: ParsedOpt[] = [];
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const found = findLong(eq < 0 ? a.slice(2) : a.slice(2, eq), specs);
      if (!found.ok) return found;
      const spec = found.value;
      const as = `--${spec.long}`;
      let value = eq < 0 ? undefined : a.slice(eq + 1);
      if (spec.arg === 'none' && value !== undefined) return fail('EINVAL', `option '${as}' doesn't allow an argument`);
      if (spec.arg === 'required' && value === undefined) {
        if (i + 1 >= args.length) return fail('EINVAL', `option '${as}' requires an argument`);
        value = args[++i];
      }
      opts.push({ key: spec.key, value, as });
      continue;
    }
    if (a.length < 2 || !a.startsWith('-')) {
      operands.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const spec = specs.find((s) => s.short === a[j]);
      if (!spec) return fail('EINVAL', `invalid option -- '${a[j]}'`);
      const as = `-${spec.short}`;
      const rest = a.slice(j + 1);
      if (spec.arg === 'none') {
        opts.push({ key: spec.key, value: undefined, as });
        continue;
      }
      if (rest !== '') opts.push({ key: spec.key, value: rest, as });
      else if (spec.arg === 'optional') opts.push({ key: spec.key, value: undefined, as });
      else if (i + 1 < args.length) opts.push({ key: spec.key, value: args[++i], as });
      else return fail('EINVAL', `option requires an argument -- '${spec.short}'`);
      break;
    }
  }
  return ok({ opts, operands });
}
