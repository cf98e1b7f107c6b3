/**
 * Runs one parsed command against the model: one handler per op. Each returns
 * the command's result lines (SPEC §5: the new pid for clone, the pin id for
 * pin, `ok` otherwise) and the events its audit records come from.
 */
import { fail, ok, type Result } from '../model/errno.js';
import type { ModelEvent } from '../model/events.js';
import { nsInfoRequest, virtControl } from '../model/ops/audit_requests.js';
import { clone } from '../model/ops/clone.js';
import { exit } from '../model/ops/exit.js';
import { pin, unpin } from '../model/ops/pin.js';
import { setcred } from '../model/ops/setcred.js';
import { setSelf } from '../model/ops/self.js';
import { setns } from '../model/ops/setns.js';
import { unshare } from '../model/ops/unshare.js';
import type { ModelState } from '../model/state.js';
import { formatPinId, type Command, type Op } from './command.js';
import { lsns } from './lsns.js';
import { ps } from './ps.js';
import { formatStatus } from './status.js';
import { DEFAULT_QUERY_CONTEXT, type QueryContext } from './query_context.js';

/** What a command answers: the control file's lines, and the model's events to log. */
export interface Answer {
  readonly lines: readonly string[];
  readonly events: readonly ModelEvent[];
}

type Handler<O extends Op> = (s: ModelState, c: Extract<Command, { op: O }>, ctx: QueryContext) => Result<Answer>;

/** Commands that would change the model: refused in host mode. */
const MODEL_ONLY: ReadonlySet<Op> = new Set<Op>(['clone', 'unshare', 'setns', 'exit', 'pin', 'unpin', 'setcred']);

const done = (events: readonly ModelEvent[]): Answer => ({ lines: ['ok'], events });

function map<T>(r: Result<T>, f: (v: T) => Answer): Result<Answer> {
  return r.ok ? ok(f(r.value)) : r;
}

const HANDLERS: { readonly [O in Op]: Handler<O> } = {
  clone: (s, c) => map(clone(s, c.actor, c.flags), (v) => ({ lines: [String(v.pid)], events: v.events })),
  unshare: (s, c) => map(unshare(s, c.actor, c.flags), done),
  setns: (s, c) => map(setns(s, c.actor, c.target, c.type), done),
  exit: (s, c) => map(exit(s, c.actor), done),
  pin: (s, c) => map(pin(s, c.actor, c.entry), (id) => ({ lines: [formatPinId(id)], events: [] })),
  unpin: (s, c) => map(unpin(s, c.pin), done),
  setcred: (s, c) => map(setcred(s, c.actor, c.change), () => done([])),
  ns_info: (s, c) => map(nsInfoRequest(s, c.actor, c.pid), (e) => done([e])),
  virt_control: (s, c) => map(virtControl(s, c.actor, c.text), (e) => done([e])),
  self: (s, c) => map(setSelf(s, c.pid), () => done([])),
  // Read-only queries: their table lines are the result, and they make no events.
  lsns: (s, c, ctx) => map(lsns(s, c.query, ctx), (lines) => ({ lines, events: [] })),
  ps: (s, c) => map(ps(s, c.query), (lines) => ({ lines, events: [] })),
  status: (_s, c, ctx) => (ctx.status
    ? ok({ lines: formatStatus(ctx.status(), c.query.json), events: [] })
    : fail('EOPNOTSUPP', 'status needs a running daemon: this model has none')),
};

/**
 * @example
 * dispatch(state, { op: 'exit', actor: 4 }) // ok({ lines: ['ok'], events: [...] })
 */
export function dispatch(s: ModelState, c: Command, ctx: QueryContext = DEFAULT_QUERY_CONTEXT): Result<Answer> {
  // SPEC §7: in host mode the kernel changes namespaces, not nsctl.
  if (s.host && MODEL_ONLY.has(c.op)) {
    return fail('EOPNOTSUPP', `${c.op} changes the model, and host mode shows the running kernel: use unshare(1) or nsenter(1) on the host instead`);
  }
  return (HANDLERS[c.op] as Handler<Op>)(s, c as never, ctx);
}
