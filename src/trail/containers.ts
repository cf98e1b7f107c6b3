/**
 * Containers as the records announce them: an orchestrator's VIRT_CONTROL in libvirt's words
 * (`op=start|init|stop`, `uuid=`, `vm-pid=`, `init-pid=`, `pid-ns=INODE`), and host mode's
 * NSPROC_CONTAINER (runtime, container id, the process's namespace serials). A container is
 * one uuid or one container id; each (node, boot) it ran on is a part of it, holding the
 * namespaces that were its there. The same uuid (or id) on another host joins that host's
 * part to the same container, whatever order the logs are read in: the parts are put in time
 * order when the trail is built (trail_model.ts), and a stop with `reason=migrated` followed
 * by a start on another host is a migration.
 *
 * libvirt names the pid namespace by its inode (`pid-ns=`), which the kernel gives to the
 * next namespace once this one is freed. The log records serials, not inodes: the inode is
 * resolved to the pid namespace that `init-pid`'s last NS_INFO on that boot named at that
 * moment (the namespace the inode named there and then), and the trail shows both.
 *
 * A container is forgotten once its life has ended (stopped, every namespace freed) unless
 * the selector asks for it: memory follows the containers alive, not the log's length.
 */
import { selectsContainer, type Selector } from './selector.js';
import type { ContainerFields, VirtFields } from './record_fields.js';
import { TYPE_NAMES } from './record_kinds.js';
import { keep, type At, type Boot, type Container, type Entry, type Ns, type Part, type Proc } from './state.js';

/** What containers need of the index. */
export interface ContainerHost {
  readonly sel: Selector;
  push(e: Entry): void;
  showCreated(n: Ns): void;
  ns(boot: Boot, typeIdx: number, serial: string, at: At): Ns;
}

const PID_IDX = TYPE_NAMES.indexOf('pid');

/** Widens the container's time span to `at`. */
function touch(c: Container, at: At): void {
  if (at.t < c.first.t) c.first = at;
  if (at.t >= c.last.t) c.last = at;
}

const int = (v: string | undefined): number | null => (v !== undefined && /^\d{1,10}$/.test(v) ? Number(v) : null);

export class Containers {
  private readonly byUuid = new Map<string, Container>();
  private readonly byId = new Map<string, Container>();
  /** Containers not ended, and the traced ones (kept to the end), in the order first seen. */
  readonly live = new Set<Container>();
  /** Parts whose first process had no NS_INFO yet: attached when it comes. */
  private pending: { c: Container; part: Part; pid: number }[] = [];

  constructor(private readonly ix: ContainerHost, private readonly onEnded: (c: Container) => void) {}

  /** VIRT_CONTROL of a container (a message without uuid= or op= is not one the trail can follow). */
  virt(boot: Boot, at: At, f: VirtFields): void {
    const uuid = f.f.get('uuid');
    const op = f.f.get('op');
    if (uuid === undefined || op === undefined) return;
    const c = this.byUuid.get(uuid) ?? this.create(at, { uuid: keep(uuid) });
    const vm = f.f.get('vm');
    if (c.name === null && vm !== undefined) c.name = keep(vm);
    this.checkTraced(c);
    const reason = f.f.get('reason') ?? null;
    let part = this.partOn(c, boot);
    if (op === 'start' || part === null) part = this.newPart(c, boot, at, op === 'start' ? reason : null);
    const vmPid = int(f.f.get('vm-pid'));
    const initPid = int(f.f.get('init-pid'));
    const inode = int(f.f.get('pid-ns'));
    if (vmPid !== null && part.pid === null) {
      part.pid = vmPid;
      c.processes++;
      this.attachPid(c, part, boot, vmPid);
    }
    let resolved: Ns | null = null;
    if (op === 'init' && initPid !== null) {
      if (initPid !== part.pid) c.processes++;
      this.attachPid(c, part, boot, initPid);
      resolved = boot.procs.get(initPid)?.set?.ns[PID_IDX] ?? null;
      if (resolved !== null && inode !== null) resolved.inum = inode;
    }
    if (op === 'stop') {
      part.stop = at;
      part.stopReason = reason;
      if (reason !== 'migrated') c.stopped = true;
    }
    touch(c, at);
    this.ix.push({
      at, boot, event: 'virt', ns: resolved === null ? [] : [resolved], pid: vmPid, auid: f.auid, container: c,
      detail: { op: keep(op), reason: reason === null ? null : keep(reason), text: keep(f.text), actor: f.pid, initPid, pidNs: inode, resolved: resolved === null ? null : 1 },
    });
    if (op === 'stop') this.maybeEnd(c);
  }

  /** NSPROC_CONTAINER: a process of a container, with its namespaces (host mode). */
  seen(boot: Boot, at: At, f: ContainerFields): void {
    const ns = f.ns.map((x) => this.ix.ns(boot, x.typeIdx, x.serial, at)).filter((n) => !n.initial);
    let c = this.byId.get(f.id);
    if (c === undefined) {
      // The orchestrator announced it already (a libvirt container in its machine scope): the same container.
      const owner = ns.flatMap((n) => n.containers).find((x) => x.id === null);
      if (owner !== undefined) { c = owner; c.id = keep(f.id); this.byId.set(c.id, c); }
      else c = this.create(at, { id: keep(f.id) });
    }
    if (c.runtime === null) c.runtime = keep(f.runtime);
    this.checkTraced(c);
    const part = this.partOn(c, boot) ?? this.newPart(c, boot, at, null);
    if (part.pid === null) { part.pid = f.pid; c.processes++; }
    this.attach(c, part, ns);
    touch(c, at);
    this.ix.push({ at, boot, event: 'container', ns, pid: f.pid, auid: null, container: c, detail: { runtime: c.runtime, id: c.id, cgroup: keep(f.cgroup) } });
  }

  /** A process of this boot has a new NS_INFO: a part waiting for it gets its namespaces. */
  pidSeen(boot: Boot, p: Proc, _at: At): void {
    if (this.pending.length === 0 || p.set === null) return;
    const set = p.set;
    this.pending = this.pending.filter((w) => {
      if (w.part.boot !== boot || w.pid !== p.pid) return true;
      this.attach(w.c, w.part, set.ns.filter((n): n is Ns => n !== undefined));
      return false;
    });
  }

  /** A process entered one of its namespaces. */
  entered(c: Container, at: At): void {
    c.processes++;
    touch(c, at);
  }

  /** One of its namespaces was freed. */
  nsFreed(c: Container, at: At): void {
    c.liveNs--;
    touch(c, at);
    this.maybeEnd(c);
  }

  /** Every container seen (traced ones included) that has not ended. */
  all(): Container[] {
    return [...this.live];
  }

  private create(at: At, who: { uuid?: string; id?: string }): Container {
    const c: Container = {
      uuid: who.uuid ?? null, id: who.id ?? null, runtime: null, name: null, parts: [], processes: 0, liveNs: 0,
      stopped: false, traced: false, first: at, last: at,
    };
    if (c.uuid !== null) this.byUuid.set(c.uuid, c);
    if (c.id !== null) this.byId.set(c.id, c);
    this.live.add(c);
    return c;
  }

  private checkTraced(c: Container): void {
    if (c.traced || !selectsContainer(this.ix.sel, c)) return;
    c.traced = true;
    for (const part of c.parts) for (const n of part.ns) this.ix.showCreated(n);
  }

  private newPart(c: Container, boot: Boot, at: At, reason: string | null): Part {
    const part: Part = { boot, ns: [], start: at, startReason: reason === null ? null : keep(reason), stop: null, stopReason: null, pid: null };
    c.parts.push(part);
    return part;
  }

  /** The part under way on this boot (not stopped), or null. */
  private partOn(c: Container, boot: Boot): Part | null {
    for (let i = c.parts.length - 1; i >= 0; i--) {
      const p = c.parts[i]!;
      if (p.boot === boot && p.stop === null) return p;
    }
    return null;
  }

  private attachPid(c: Container, part: Part, boot: Boot, pid: number): void {
    const set = boot.procs.get(pid)?.set;
    if (set === undefined || set === null) this.pending.push({ c, part, pid });
    else this.attach(c, part, set.ns.filter((n): n is Ns => n !== undefined));
  }

  /** These namespaces are the container's on this part (the boot's initial ones never are). */
  private attach(c: Container, part: Part, ns: readonly Ns[]): void {
    for (const n of ns) {
      if (n.initial || part.ns.includes(n)) continue;
      part.ns.push(n);
      if (!n.containers.includes(c)) {
        n.containers.push(c);
        if (n.freed === null) c.liveNs++;
      }
      if (c.traced) this.ix.showCreated(n);
    }
  }

  /**
   * Its life is over — stopped (not for a migration) and every namespace freed, or, for a
   * runtime's container, every namespace freed — unless it came from another host whose log
   * may come later in the input, or the trail is of it.
   */
  private maybeEnd(c: Container): void {
    if (c.traced || c.liveNs > 0 || !(c.stopped || c.uuid === null)) return;
    if (c.parts[0]?.startReason === 'migrated') return;
    this.live.delete(c);
    if (c.uuid !== null) this.byUuid.delete(c.uuid);
    if (c.id !== null) this.byId.delete(c.id);
    this.onEnded(c);
  }
}
