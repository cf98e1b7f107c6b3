/**
 * Which tasks a batch changed in a way the kernel may have cached: the
 * batch's undo journal holds every write the operations made (they write
 * through journal.ts only, or rollback would miss it) with the value from
 * before, so the state before the batch is compared with the state after.
 * The /proc-style tree caches per task only names and attributes, so a pid
 * counts when, between before and after, it
 *  - names another task or none (clone, exit, an init's exit killing its
 *    namespace, a pid exited and reused in one batch),
 *  - has another owner or group (setcred uid/gid: the attributes of `<pid>/`
 *    and everything below it; in host mode the host's ids, permitted
 *    capabilities and dumpability, which decide them: model/proc_access.ts),
 *  - is in other namespaces (setns, unshare: the targets `ns/*` links name).
 * Nothing else counts: file contents (status, `*_snum`) are rendered per open
 * and never cached (direct_io). Control-file batches (control/run_batch.ts)
 * and host observations (ops/observe.ts) both ask this.
 */
import type { Journal } from './journal.js';
import type { HostCreds } from './host_observation.js';
import { allTasks, globalPid, sameSlots, type Cred, type HostTaskFacts, type ModelState, type NsSlots, type Task } from './state.js';

/** The cached fields of a task as they were before the batch (only those it wrote). */
interface Before { cred?: Cred; ns?: NsSlots; forChildren?: NsSlots; host?: HostTaskFacts | undefined }

const CACHED_FIELDS: ReadonlySet<unknown> = new Set<keyof Before>(['cred', 'ns', 'forChildren', 'host']);

/** Tasks are the only model objects with a pid list and a cred. */
function isTask(target: unknown): target is Task {
  return typeof target === 'object' && target !== null && 'nrs' in target && 'cred' in target;
}

function sameHostCreds(a: HostCreds | undefined, b: HostCreds | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const same = (x: readonly number[], y: readonly number[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return same(a.uids, b.uids) && same(a.gids, b.gids) && a.capPrm === b.capPrm && a.dumpable === b.dumpable;
}

/**
 * The pids (as the initial pid namespace numbers them) whose cached view
 * differs between before and after the journal's changes, each once. Call
 * before the journal is dropped or rolled back.
 * @example
 * changedPids(s, journal) // [4] after `clone 1 net` made pid 4
 */
export function changedPids(s: ModelState, journal: Journal): number[] {
  const tasks = allTasks(s);
  // Made when a change names a task, not per batch: a command per write is the common case (bench R2).
  let taskBefore: Map<number, Task | undefined> | null = null;
  let fieldsBefore: Map<Task, Before> | null = null;
  journal.forEachChange((target, key, before) => {
    if (target === tasks) {
      taskBefore ??= new Map();
      if (!taskBefore.has(key as number)) taskBefore.set(key as number, before as Task | undefined);
    } else if (CACHED_FIELDS.has(key) && isTask(target)) {
      fieldsBefore ??= new Map();
      const b = fieldsBefore.get(target) ?? {};
      if (!(key as string in b)) (b as Record<string, unknown>)[key as string] = before;
      fieldsBefore.set(target, b);
    }
  });
  const pids = new Set<number>();
  for (const [pid, before] of (taskBefore as Map<number, Task | undefined> | null) ?? []) if (tasks.get(pid) !== before) pids.add(pid);
  for (const [t, b] of (fieldsBefore as Map<Task, Before> | null) ?? []) {
    const owner = (b.cred && (b.cred.uid !== t.cred.uid || b.cred.gid !== t.cred.gid)) || ('host' in b && !sameHostCreds(b.host?.creds, t.host?.creds));
    const moved = (b.ns && !sameSlots(b.ns, t.ns)) || (b.forChildren && !sameSlots(b.forChildren, t.forChildren));
    if (owner || moved) pids.add(globalPid(t));
  }
  return [...pids];
}
