/**
 * `lsns`: util-linux lsns(8)'s table over the model (see lsns_args.ts for the
 * options). Read-only: it builds lines from a {@link namespaceUsage} snapshot
 * and changes nothing.
 *
 * What lsns reads from /proc comes from the model: a namespace's processes are
 * the tasks whose `ns/<type>` is it (`*_for_children` is not read, as lsns does
 * not read it); PID is the lowest pid in it (initial pid namespace numbering),
 * PPID, UID, USER and COMMAND are that task's (COMMAND is its comm: the model
 * has no command lines). Every live namespace is listed, also those no task is
 * in (pinned, a `*_for_children`, an owner or parent): real lsns finds those
 * through open nsfs files, bind mounts and NS_GET_USERNS/NS_GET_PARENT, and
 * prints them without PID, PPID, COMMAND or PATH, with UID from
 * NS_GET_OWNER_UID (user namespaces; 0 for the others, where it fails).
 * PATH is `<mountpoint>/<pid>/ns/<type>`. NETNSID and NSFS are always empty:
 * the model has no netlink peers and no nsfs mounts. CONTAINER is the PID's
 * container (host mode, from its cgroup); empty without one, and in model mode.
 */
import { fail, ok, type Result } from '../model/errno.js';
import { procOwner } from '../model/proc_access.js';
import { liveParent, namespaceUsage, ppidOf, type NsUsage } from '../model/query.js';
import { globalPid, type ModelState, type Namespace, type Task } from '../model/state.js';
import { Table, type Column, type Line } from './_scols.js';
import { LSNS_COLUMNS, type LsnsColumnId, type LsnsQuery } from './lsns_args.js';
import type { QueryContext } from './query_context.js';

interface NsRow {
  readonly ns: Namespace;
  readonly tasks: readonly Task[];
  /** The lowest-pid task (lsns's ns->proc), or null. */
  readonly proc: Task | null;
}

function cell(id: LsnsColumnId, row: NsRow, proc: Task | null, ctx: QueryContext): string | null {
  const ns = row.ns;
  const uid = proc ? procOwner(proc).uid : ns.type.name === 'user' ? ns.creatorUid : 0;
  switch (id) {
    case 'NS': return String(ns.inum);
    case 'TYPE': return ns.type.name;
    case 'PATH': return proc ? `${ctx.mountpoint}/${globalPid(proc)}/ns/${ns.type.name}` : null;
    case 'NPROCS': return String(row.tasks.length);
    case 'PID': return proc ? String(globalPid(proc)) : null;
    case 'PPID': return proc ? String(ppidOf(proc)) : null;
    case 'COMMAND': return proc ? proc.comm : null;
    case 'UID': return String(uid);
    case 'USER': return ctx.userName(uid);
    case 'NETNSID': return null;
    case 'NSFS': return null;
    // NS_GET_PARENT answers for pid and user namespaces only, and not for the initial ones.
    case 'PNS': return String(ns.parent?.inum ?? 0);
    case 'ONS': return String(ns.owner?.inum ?? 0);
    case 'SNUM': return ns.snum.toString(16);
    case 'CONTAINER': return proc?.host?.container?.id ?? null;
  }
}

function columnsOf(q: LsnsQuery): Column[] {
  return q.columns.map((id) => {
    const info = LSNS_COLUMNS.find((c) => c.id === id)!;
    // init_scols_table(): COMMAND is the tree for process trees, NS (left-aligned) for owner/parent trees.
    const nsTree = (q.tree === 'owner' || q.tree === 'parent') && id === 'NS';
    const tree = (q.tree === 'process' && id === 'COMMAND') || nsTree;
    return { name: id, whint: info.whint, right: info.right && !nsTree, json: info.json, tree };
  });
}

/**
 * @example
 * lsns(state, parseLsnsArgs('-t uts').value, ctx)
 * // ['        NS TYPE NPROCS PID USER COMMAND', '4026531838 uts       3   1 root init']
 */
export function lsns(s: ModelState, q: LsnsQuery, ctx: QueryContext): Result<string[]> {
  const types = q.types.length === 0 ? s.types.types : s.types.types.filter((t) => q.types.includes(t.name));
  const rows = namespaceUsage(s, types).map((u: NsUsage): NsRow => ({ ns: u.ns, tasks: u.tasks, proc: u.tasks[0] ?? null }));
  const table = new Table('namespaces', columnsOf(q));
  // One passwd lookup per uid per listing (util-linux keeps an idcache the same way).
  const names = new Map<number, string>();
  const cached: QueryContext = {
    mountpoint: ctx.mountpoint,
    userName: (uid) => names.get(uid) ?? (names.set(uid, ctx.userName(uid)), names.get(uid)!),
  };
  const cells = (row: NsRow, proc: Task | null) => q.columns.map((id) => cell(id, row, proc, cached));
  if (q.nsid !== null) {
    const row = rows.find((r) => r.ns.inum === q.nsid);
    if (!row) return fail('ENOENT', `not found namespace: ${q.nsid}`);
    addProcesses(table, row, q, cells);
  } else if (q.tree === 'owner' || q.tree === 'parent') {
    addNamespaceTree(table, rows, q, cells);
  } else {
    addNamespaces(table, rows, q, cells);
  }
  return ok(table.print(q));
}

type Cells = (row: NsRow, proc: Task | null) => (string | null)[];

/** lsns.c show_namespaces()' filters: -p PID and -P. */
function listed(row: NsRow, q: LsnsQuery): boolean {
  if (q.pid !== null && !row.tasks.some((t) => globalPid(t) === q.pid)) return false;
  return !(q.persistent && row.tasks.length > 0);
}

/** Flat or process tree: a row goes under the last row its process's parent represented. */
function addNamespaces(table: Table, rows: readonly NsRow[], q: LsnsQuery, cells: Cells): void {
  const outline = new Map<Task, Line>();
  for (const row of rows) {
    if (!listed(row, q)) continue;
    const parent = q.tree === 'process' && row.proc ? liveParent(row.proc) : null;
    const line = table.add((parent && outline.get(parent)) ?? null, cells(row, row.proc));
    if (row.proc) outline.set(row.proc, line);
  }
}

/** show_namespace() for -T owner / -T parent: a namespace's owner or parent is shown first, filters or not. */
function addNamespaceTree(table: Table, rows: readonly NsRow[], q: LsnsQuery, cells: Cells): void {
  const byNs = new Map(rows.map((r) => [r.ns, r] as const));
  const outline = new Map<Namespace, Line>();
  const rowOf = (ns: Namespace | null) => (ns ? byNs.get(ns) : undefined);
  const show = (row: NsRow): void => {
    const owner = rowOf(row.ns.owner);
    const parent = rowOf(row.ns.parent);
    if (q.tree === 'owner' && owner && !outline.has(owner.ns)) show(owner);
    if (q.tree === 'parent' && parent && !outline.has(parent.ns)) show(parent);
    else if (q.tree === 'parent' && !parent && owner && !outline.has(owner.ns)) show(owner);
    const under = q.tree === 'owner' ? owner : parent;
    outline.set(row.ns, table.add(under ? outline.get(under.ns) ?? null : null, cells(row, row.proc)));
  };
  for (const row of rows) if (listed(row, q) && !outline.has(row.ns)) show(row);
}

/** show_namespace_processes(): one namespace's processes, a parent in the same namespace first. */
function addProcesses(table: Table, row: NsRow, q: LsnsQuery, cells: Cells): void {
  const type = row.ns.type.name;
  const outline = new Map<Task, Line>();
  const parentOf = (t: Task) => (q.tree === 'process' ? liveParent(t) : null);
  // Iterative: a chain of clones in one namespace can be deeper than the call stack.
  const show = (t: Task): void => {
    const chain = [t];
    for (let p = parentOf(t); p && !outline.has(p) && p.ns[type] === t.ns[type]; p = parentOf(p)) chain.push(p);
    for (const x of chain.reverse()) {
      const p = parentOf(x);
      outline.set(x, table.add((p && outline.get(p)) ?? null, cells(row, x)));
    }
  };
  for (const t of row.tasks) if (!outline.has(t)) show(t);
}
