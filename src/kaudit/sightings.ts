/**
 * What host mode saw of each process lately — the INITs it made (by type), its NS_INFO, that
 * it was read at all — with when nsproc learnt it, so that a syscall event can tell whether
 * the namespaces it made were seen (ns_unseen.ts). The kernel's record of a syscall often
 * arrives after host mode has logged what it did, so events are remembered whether or not a
 * kernel event claimed them. Each INIT and NS_INFO answers one syscall only (a process that
 * unshares twice made two namespaces); a sighting older than the syscall is not its own
 * (its audit stamp is taken at syscall entry, from the coarse clock, so it never comes
 * after a read of what the syscall did). Pure.
 */
import type { ModelEvent } from '../model/events.js';
import type { NsName } from '../model/nstypes.js';

/** How long a sighting is kept for a kernel event that is late (the reader thread behind, kauditd's backlog). */
export const SIGHTING_MS = 30_000;

export class Sightings {
  /** `pid:type` (INIT) and `pid:info` (NS_INFO) → when each was noted, oldest first. */
  private readonly marks = new Map<string, number[]>();
  /** pid → when it was last read with its namespaces. */
  private readonly reads = new Map<number, number>();
  private prunedAt = 0;

  /**
   * @param events host mode's events (held for a kernel event, or its rescan's)
   * @param readPids the processes read with their namespaces in the same batches
   */
  note(events: readonly ModelEvent[], readPids: readonly number[], nowMs: number): void {
    for (const e of events) {
      if (e.kind === 'ns-created') this.mark(`${e.actor.pid}:${e.type.name}`, nowMs);
      else if (e.kind === 'ns-info') this.mark(`${e.pid}:info`, nowMs);
    }
    for (const pid of readPids) this.reads.set(pid, nowMs);
    if (nowMs - this.prunedAt >= SIGHTING_MS) this.prune(nowMs);
  }

  /** Takes an INIT of `type` by `pid` noted at or after `sinceMs`; whether there was one. */
  takeInit(pid: number, type: NsName, sinceMs: number): boolean {
    return this.take(`${pid}:${type}`, sinceMs);
  }

  /** Takes an NS_INFO of `pid` noted at or after `sinceMs`. */
  takeInfo(pid: number, sinceMs: number): boolean {
    return this.take(`${pid}:info`, sinceMs);
  }

  /** Whether `pid` was read (with its namespaces) at or after `sinceMs`. */
  readSince(pid: number, sinceMs: number): boolean {
    const at = this.reads.get(pid);
    return at !== undefined && at >= sinceMs;
  }

  private mark(key: string, nowMs: number): void {
    const at = this.marks.get(key);
    if (at) at.push(nowMs);
    else this.marks.set(key, [nowMs]);
  }

  private take(key: string, sinceMs: number): boolean {
    const at = this.marks.get(key);
    if (!at) return false;
    while (at.length > 0 && at[0]! < sinceMs) at.shift();
    const found = at.shift() !== undefined;
    if (at.length === 0) this.marks.delete(key);
    return found;
  }

  /** Forgets what is older than {@link SIGHTING_MS}. */
  private prune(nowMs: number): void {
    this.prunedAt = nowMs;
    const old = nowMs - SIGHTING_MS;
    for (const [key, at] of this.marks) {
      while (at.length > 0 && at[0]! < old) at.shift();
      if (at.length === 0) this.marks.delete(key);
    }
    for (const [pid, at] of this.reads) if (at < old) this.reads.delete(pid);
  }
}
