/**
 * One write to the control file: its lines run in order, each atomic, until
 * the first failure (SPEC §5). The batch's audit records are then appended in
 * one go; if the log refuses them, every change of the batch is rolled back
 * and the write fails with the log's errno (SPEC §6: the model is unchanged).
 */
import { formatError, type KernelError, type Result } from '../model/errno.js';
import type { ModelEvent } from '../model/events.js';
import { Journal } from '../model/journal.js';
import type { ModelState } from '../model/state.js';
import { changedPids } from '../model/tree_changes.js';
import { dispatch } from './dispatch.js';
import { parseLine } from './parse.js';
import { DEFAULT_QUERY_CONTEXT, type QueryContext } from './query_context.js';

/** Where a batch's records go: the audit log. */
export interface EventSink {
  appendEvents(events: readonly ModelEvent[]): Result<void>;
}

export interface BatchResult {
  /** What a read of the same open file returns: one line per command, and the error line if one failed. */
  readonly output: string;
  /** The write's errno, or null when every command succeeded. */
  readonly error: KernelError | null;
  /**
   * Tasks whose cached names or attributes this write changed (model/tree_changes.ts), for the
   * tree to invalidate before the write is answered. A rolled-back write names what it touched too.
   */
  readonly changedPids: readonly number[];
}

/**
 * Blank lines and `#` comments run nothing and answer nothing, so scripts can be fed as they are.
 * Blank means spaces and tabs only (the separators parse.ts knows): a line of other white space
 * (form feed, CR, NBSP…) is a malformed line, not an empty one.
 */
function isCommand(line: string): boolean {
  return !/^[ \t]*(#|$)/.test(line);
}

/**
 * Every line of `text` as `split('\n')` cuts it, without the array: one
 * command per write is the common case, and each allocation there is paid
 * again on the next request with cold caches (bench R2).
 */
function forEachLine(text: string, f: (line: string) => boolean): void {
  for (let start = 0; start <= text.length;) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    if (!f(text.slice(start, end))) return;
    start = end + 1;
  }
}

/**
 * @example
 * runBatch(state, auditLog, 'clone 1 net\nexit 4\n') // { output: '4\nok\n', error: null, changedPids: [] }
 */
export function runBatch(s: ModelState, sink: EventSink, text: string, ctx: QueryContext = DEFAULT_QUERY_CONTEXT): BatchResult {
  let output = '';
  const events: ModelEvent[] = [];
  let error: KernelError | null = null;
  let logged: Result<void> | null = null;
  const journal = new Journal();
  s.journal = journal;
  try {
    forEachLine(text, (line) => {
      if (!isCommand(line)) return true;
      const cmd = parseLine(line, s.types);
      const r = cmd.ok ? dispatch(s, cmd.value, ctx) : cmd;
      if (!r.ok) {
        error = r.error;
        return false;
      }
      for (const l of r.value.lines) output += `${l}\n`;
      for (const e of r.value.events) events.push(e);
      return true;
    });
    logged = events.length > 0 ? sink.appendEvents(events) : null;
  } catch (e) {
    // A broken invariant (in a command or in the sink): undo the whole batch and answer EIO rather than serve a half-changed model.
    journal.rollback();
    s.journal = null;
    throw e;
  }
  const changed = changedPids(s, journal);
  if (logged && !logged.ok) {
    journal.rollback();
    error = { errno: logged.error.errno, detail: `${logged.error.detail}; nothing in this write was applied` };
    output = '';
  }
  s.journal = null;
  if (error) output += `error: ${formatError(error)}\n`;
  return { output, error, changedPids: changed };
}
