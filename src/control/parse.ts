/**
 * One control-file line → a {@link Command}, or EINVAL with what is wrong.
 * Parsing never touches the model beyond its profile, so a malformed line
 * changes nothing.
 */
import { AUDIT_UNSET } from '../model/boot.js';
import { parseCaps } from '../model/caps.js';
import { pidFromText } from '../model/pids.js';
import { fail, ok, type KernelError, type Result } from '../model/errno.js';
import type { ProfileTypes } from '../model/nstypes.js';
import type { CredChange } from '../model/ops/setcred.js';
import type { SetnsTarget } from '../model/ops/setns.js';
import type { Command } from './command.js';
import { parseEntry, parseFlags } from './flags.js';
import { parseLsnsArgs } from './lsns_args.js';
import { parsePsArgs } from './ps.js';
import { parseStatusArgs } from './status.js';
import { COMMANDS, commandSyntax } from './usage.js';

/** Longest accepted line, newline excluded (a page, as sysfs and /proc writes). */
export const MAX_LINE = 4096;


function parsePid(text: string | undefined, what: string): Result<number> {
  if (text === undefined) return fail('EINVAL', `missing ${what}`);
  const pid = pidFromText(text);
  return pid === null ? fail('EINVAL', `bad ${what} '${text}': a pid is a positive decimal number`) : ok(pid);
}

function parsePin(text: string | undefined): Result<number> {
  const m = text === undefined ? null : /^(?:pin:)?([1-9][0-9]{0,9})$/.exec(text);
  return m ? ok(Number(m[1])) : fail('EINVAL', `bad pin id '${text ?? ''}': expected pin:N`);
}

function parseTarget(text: string | undefined): Result<{ pid: number } | { pin: number }> {
  if (text?.startsWith('pin:')) {
    const p = parsePin(text);
    return p.ok ? ok({ pin: p.value }) : p;
  }
  const p = parsePid(text, 'TARGET');
  return p.ok ? ok({ pid: p.value }) : p;
}

const ID_KEYS = new Set(['uid', 'gid', 'auid', 'ses']);

function parseCred(pairs: string[], pt: ProfileTypes): Result<CredChange> {
  if (pairs.length === 0) return fail('EINVAL', 'setcred needs at least one key=value (uid gid caps auid ses subj comm)');
  const change: Record<string, number | bigint | string> = {};
  for (const pair of pairs) {
    const m = /^([a-z]+)=(.+)$/.exec(pair);
    if (!m) return fail('EINVAL', `bad setcred argument '${pair}': expected key=value`);
    const [, key, value] = m as unknown as [string, string, string];
    if (Object.hasOwn(change, key)) return fail('EINVAL', `setcred key '${key}' given twice`);
    if (ID_KEYS.has(key)) {
      if (value === 'unset' && (key === 'auid' || key === 'ses')) change[key] = AUDIT_UNSET;
      else if (/^(0|[1-9][0-9]{0,9})$/.test(value)) change[key] = Number(value);
      else return fail('EINVAL', `bad ${key} '${value}': expected a decimal number`);
    } else if (key === 'caps') {
      const caps = parseCaps(value, pt.lastCap);
      if (!caps.ok) return caps;
      change.caps = caps.value;
    } else if (key === 'subj' || key === 'comm') {
      change[key] = value;
    } else {
      return fail('EINVAL', `unknown setcred key '${key}' (uid gid caps auid ses subj comm)`);
    }
  }
  return ok(change as CredChange);
}

function arity(words: string[], n: number, op: Command['op']): Result<void> {
  return words.length === n ? ok(undefined) : fail('EINVAL', `usage: ${commandSyntax(op)}`);
}

/** The query commands take util-linux style options (lsns_args.ts, ps.ts); errors name the command. */
function parseQuery(cmd: 'lsns' | 'ps' | 'status', args: string): Result<Command> {
  const named = (e: KernelError) => fail<Command>('EINVAL', `${cmd}: ${e.detail}`);
  if (cmd === 'status') {
    const q = parseStatusArgs(args);
    return q.ok ? ok({ op: cmd, query: q.value }) : named(q.error);
  }
  if (cmd === 'lsns') {
    const q = parseLsnsArgs(args);
    return q.ok ? ok({ op: cmd, query: q.value }) : named(q.error);
  }
  const q = parsePsArgs(args);
  return q.ok ? ok({ op: cmd, query: q.value }) : named(q.error);
}

/**
 * @example
 * parseLine('clone 1 net,mnt', profileTypes('v5')) // ok({ op: 'clone', actor: 1, flags: 0x40020000 })
 */
export function parseLine(line: string, pt: ProfileTypes): Result<Command> {
  // A UTF-16 unit is at most 3 bytes of UTF-8: most lines are short enough not to be counted.
  if (line.length * 3 > MAX_LINE && Buffer.byteLength(line) > MAX_LINE) return fail('EINVAL', `line longer than ${MAX_LINE} bytes`);
  if (/[^\t\x20-\x7e\u00a0-\uffff]/.test(line) || line.includes('\ufffd')) {
    return fail('EINVAL', 'line holds control characters or bytes that are not UTF-8');
  }
  const words = line.trim().split(/[ \t]+/);
  const op = words[0]!;
  // Own keys only: `toString 1` must not reach the dispatcher as a command.
  if (!Object.hasOwn(COMMANDS, op)) return fail('EINVAL', `unknown command '${[...op].slice(0, 40).join('')}' (${Object.keys(COMMANDS).join(', ')})`);
  const cmd = op as Command['op'];
  if (cmd === 'lsns' || cmd === 'ps' || cmd === 'status') return parseQuery(cmd, line.trim().slice(op.length));
  if (cmd === 'self') {
    const a = arity(words, 2, cmd);
    if (!a.ok) return a;
    const pid = parsePid(words[1], 'PID');
    return pid.ok ? ok({ op: cmd, pid: pid.value }) : pid;
  }
  if (cmd === 'unpin') {
    const a = arity(words, 2, cmd);
    if (!a.ok) return a;
    const p = parsePin(words[1]);
    return p.ok ? ok({ op: cmd, pin: p.value }) : p;
  }
  const actor = parsePid(words[1], 'ACTOR');
  if (!actor.ok) return actor.error.detail.startsWith('missing') ? fail('EINVAL', `usage: ${commandSyntax(cmd)}`) : actor;
  switch (cmd) {
    case 'clone':
    case 'unshare': {
      const a = arity(words, 3, cmd);
      if (!a.ok) return a;
      const flags = parseFlags(words[2]!, pt);
      return flags.ok ? ok({ op: cmd, actor: actor.value, flags: flags.value }) : flags;
    }
    case 'exit': {
      const a = arity(words, 2, cmd);
      return a.ok ? ok({ op: cmd, actor: actor.value }) : a;
    }
    case 'pin': {
      const a = arity(words, 3, cmd);
      if (!a.ok) return a;
      const e = parseEntry(words[2]!, pt);
      if (!e.ok) return e;
      if (e.value === null) return fail('EINVAL', 'pin needs a TYPE, not 0');
      return ok({ op: cmd, actor: actor.value, entry: e.value.entry });
    }
    case 'setns': {
      const a = arity(words, 4, cmd);
      if (!a.ok) return a;
      const target = parseTarget(words[2]);
      if (!target.ok) return target;
      const e = parseEntry(words[3]!, pt);
      if (!e.ok) return e;
      let t: SetnsTarget;
      if ('pin' in target.value) t = { kind: 'pin', id: target.value.pin };
      else if (e.value === null) return fail('EINVAL', 'setns with a pid TARGET needs a TYPE (0 is only for pin targets)');
      else t = { kind: 'task', pid: target.value.pid, entry: e.value.entry };
      return ok({ op: cmd, actor: actor.value, target: t, type: e.value?.type ?? null });
    }
    case 'setcred': {
      const change = parseCred(words.slice(2), pt);
      return change.ok ? ok({ op: cmd, actor: actor.value, change: change.value }) : change;
    }
    case 'ns_info': {
      const a = arity(words, 3, cmd);
      if (!a.ok) return a;
      const pid = parsePid(words[2], 'PID');
      return pid.ok ? ok({ op: cmd, actor: actor.value, pid: pid.value }) : pid;
    }
    case 'virt_control': {
      // TEXT is the rest of the line after the one blank that ends ACTOR, blanks kept (docs/nsctl.md).
      const text = /^[ \t]*\S+[ \t]+\S+[ \t]([^]*)$/.exec(line)?.[1] ?? '';
      if (text.trim() === '') return fail('EINVAL', `usage: ${commandSyntax(cmd)}`);
      return ok({ op: cmd, actor: actor.value, text });
    }
  }
}
