/**
 * Groups the kernel's audit records into events. Records of different events interleave
 * (two CPUs log at once: measured here, serial 11's PROCTITLE after serial 13's records),
 * so every event still open is kept by its stamp `SEC.MSEC:SERIAL` (record_line.ts eventKey()).
 *
 * An event ends with its EOE record: kernel/auditsc.c:audit_log_exit() sends one after
 * the records of every syscall event. An event that never gets one (a record logged outside
 * a syscall, or an EOE the kernel lost) ends once it has been quiet for `quietMs`, as auditd
 * ends it after end_of_event_timeout: the kernel queues the records of a syscall event
 * together at syscall exit, so a pause that long means no more are coming. Pure: the caller
 * passes the time.
 */
import { eventKey } from '../audit/record_line.js';
import type { KernelRecord } from './record.js';
import { AUDIT_EOE } from './record_types.js';

/** One kernel audit event: its records in the order received. */
export interface KernelEvent {
  readonly sec: number;
  readonly msec: number;
  readonly serial: number;
  readonly records: readonly KernelRecord[];
}

interface Open {
  readonly event: { sec: number; msec: number; serial: number; records: KernelRecord[] };
  lastMs: number;
}

export class EventAssembler {
  /** Insertion order is arrival order of each event's first record. */
  private readonly open = new Map<string, Open>();

  constructor(private readonly quietMs: number) {}

  /**
   * @param r the next record
   * @param nowMs the current time, in ms (any monotonic clock)
   * @returns the event this record completed (its EOE), or null
   */
  add(r: KernelRecord, nowMs: number): KernelEvent | null {
    const key = eventKey(r);
    let o = this.open.get(key);
    if (!o) {
      o = { event: { sec: r.sec, msec: r.msec, serial: r.serial, records: [] }, lastMs: nowMs };
      this.open.set(key, o);
    }
    o.event.records.push(r);
    o.lastMs = nowMs;
    if (r.type !== AUDIT_EOE) return null;
    this.open.delete(key);
    return o.event;
  }

  /** How many events wait for their EOE or for quiet. */
  get size(): number {
    return this.open.size;
  }

  /** Events quiet for `quietMs` or more, in arrival order; they are forgotten here. */
  expire(nowMs: number): KernelEvent[] {
    const out: KernelEvent[] = [];
    for (const [key, o] of this.open) {
      if (nowMs - o.lastMs < this.quietMs) continue;
      this.open.delete(key);
      out.push(o.event);
    }
    return out;
  }

  /** Every open event (at stop), in arrival order. */
  drain(): KernelEvent[] {
    const out = [...this.open.values()].map((o) => o.event);
    this.open.clear();
    return out;
  }
}
