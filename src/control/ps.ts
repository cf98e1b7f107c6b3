/**
 * `ps [-l] [-n] [-r] [-J] [-p PID]`: the model's tasks as a process tree, one
 * line per task, with each namespace's serial. Read-only.
 *
 * Columns: PID and PPID (initial pid namespace numbering, as the tree's
 * directories), NSPID (the pid in each pid namespace the task is in, outermost
 * first, comma-separated — status's `NSpid:`), UID (euid), then one column per
 * namespace type in `ns/` order with the serial in hex (header: the audit field
 * name, `NETNS` for `netns=`), and `<TYPE>NS_FC` for `pid_for_children` (every
 * profile: the model keeps it in v5 too) and `time_for_children` (modern),
 * then CONTAINER (host mode: the container id or name its cgroup names, as in
 * NSPROC_CONTAINER's `container=`; empty outside containers and in model mode),
 * then COMMAND (comm) with the tree: the namespaces' columns stay together, and
 * the one variable-width text with the tree art stays last, as in ps(1). Tasks are in pid order under their parent.
 * `-l` lists flat in pid order, `-p PID` shows that task and its descendants;
 * `-n`, `-r` and `-J` (key "tasks", NSPID a number array) are as in lsns.
 */
import { fail, ok, type Result } from '../model/errno.js';
import { auditField } from '../model/nstypes.js';
import { pidFromText } from '../model/pids.js';
import { procOwner } from '../model/proc_access.js';
import { ppidOf, taskForest, type TaskNode } from '../model/query.js';
import { allTasks, globalPid, type ModelState, type Task } from '../model/state.js';
import { getopt, splitWords, type OptSpec } from './_argv.js';
import { Table, type Column, type Line } from './_scols.js';

/** A parsed `ps` command line. */
export interface PsQuery {
  /** Only this task (initial pid namespace numbering) and its descendants. */
  readonly pid: number | null;
  readonly list: boolean;
  readonly raw: boolean;
  readonly json: boolean;
  readonly noHeadings: boolean;
}

const SPECS: readonly OptSpec[] = [
  { short: 'J', long: 'json', arg: 'none', key: 'J' },
  { short: 'l', long: 'list', arg: 'none', key: 'l' },
  { short: 'n', long: 'noheadings', arg: 'none', key: 'n' },
  { short: 'p', long: 'pid', arg: 'required', key: 'p' },
  { short: 'r', long: 'raw', arg: 'none', key: 'r' },
];

/**
 * @example
 * parsePsArgs('-p 4 -l') // ok({ pid: 4, list: true, raw: false, json: false, noHeadings: false })
 */
export function parsePsArgs(text: string): Result<PsQuery> {
  const words = splitWords(text);
  if (!words.ok) return words;
  const parsed = getopt(words.value, SPECS);
  if (!parsed.ok) return parsed;
  if (parsed.value.operands.length > 0) return fail('EINVAL', `ps takes no operands ('${parsed.value.operands[0]}'); usage: ps [-l] [-n] [-r] [-J] [-p PID]`);
  const keys = new Set(parsed.value.opts.map((o) => o.key));
  if (keys.has('J') && keys.has('r')) return fail('EINVAL', 'mutually exclusive arguments: -J -r');
  let pid: number | null = null;
  for (const o of parsed.value.opts) {
    if (o.key !== 'p') continue;
    pid = pidFromText(o.value!);
    if (pid === null) return fail('EINVAL', `invalid PID argument: '${o.value}'`);
  }
  return ok({ pid, list: keys.has('l'), raw: keys.has('r'), json: keys.has('J'), noHeadings: keys.has('n') });
}

interface PsColumn extends Column {
  readonly value: (t: Task) => string;
}

function psColumns(s: ModelState, tree: boolean): PsColumn[] {
  const col = (name: string, whint: number, right: boolean, json: Column['json'], value: (t: Task) => string): PsColumn =>
    ({ name, whint, right, json, tree: false, value });
  const nsCols = s.types.types.flatMap((type) => {
    const name = auditField(type).toUpperCase();
    // A host process whose ns/ the daemon may not read has no slots: '-'.
    const active = col(name, 0, true, 'string', (t) => t.ns[type.name]?.snum.toString(16) ?? '-');
    if (!type.forChildren) return [active];
    return [active, col(`${name}_FC`, 0, true, 'string', (t) => t.forChildren[type.name]?.snum.toString(16) ?? '-')];
  });
  return [
    col('PID', 5, true, 'number', (t) => String(globalPid(t))),
    col('PPID', 5, true, 'number', (t) => String(ppidOf(t))),
    col('NSPID', 0, false, 'array-number', (t) => t.nrs.join(',')),
    col('UID', 0, true, 'number', (t) => String(procOwner(t).uid)),
    ...nsCols,
    col('CONTAINER', 0, false, 'string', (t) => t.host?.container?.id ?? ''),
    { ...col('COMMAND', 0, false, 'string', (t) => t.comm), tree },
  ];
}

/**
 * @example
 * ps(state, { pid: null, list: false, raw: false, json: false, noHeadings: false })
 * // ['  PID  PPID NSPID UID NETNS UTSNS IPCNS PIDNS PIDNS_FC USERNS MNTNS CONTAINER COMMAND', '    1     0 1       0     7 …']
 */
export function ps(s: ModelState, q: PsQuery): Result<string[]> {
  let roots = taskForest(s);
  if (q.pid !== null) {
    const t = allTasks(s).get(q.pid);
    if (!t) return fail('ESRCH', `no task with pid ${q.pid}`);
    const node = findNode(roots, t);
    roots = node ? [node] : [];
  }
  const columns = psColumns(s, !q.list);
  const table = new Table('tasks', columns);
  // Iterative pre-order: a chain of clones can be deeper than the call stack.
  const order: { task: Task; parent: Task | null }[] = [];
  const stack: { node: TaskNode; parent: Task | null }[] = roots.map((node) => ({ node, parent: null })).reverse();
  while (stack.length > 0) {
    const { node, parent } = stack.pop()!;
    order.push({ task: node.task, parent });
    for (let i = node.children.length - 1; i >= 0; i--) stack.push({ node: node.children[i]!, parent: node.task });
  }
  if (q.list) order.sort((a, b) => globalPid(a.task) - globalPid(b.task));
  const lines = new Map<Task, Line>();
  for (const { task, parent } of order) {
    lines.set(task, table.add(q.list || !parent ? null : lines.get(parent)!, columns.map((c) => c.value(task))));
  }
  return ok(table.print(q));
}

function findNode(roots: readonly TaskNode[], t: Task): TaskNode | undefined {
  const stack = [...roots];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.task === t) return n;
    stack.push(...n.children);
  }
  return undefined;
}
