/**
 * One node's audit serials, as an aggregating auditd receives them: detects a record seen
 * twice (resent around a crash: the same line, SPEC §9), gaps in nsproc's own serials (events
 * the input does not hold), and the serial wrapping past 32 bits.
 *
 * Two serial spaces per node: nsproc's own events, and the kernel's (host mode with
 * --kernel-audit: own serials start at 0x80000000, clear of the kernel's, see
 * src/audit/log_writer.ts nextOwnSerial()). Kernel events are not checked for gaps: the
 * kernel numbers events nsproc never logs (no SYSCALL record, other keys); its losses come
 * as NSPROC_KERNEL_LOST.
 */

/** What a record is, against the node's serials so far. */
export type SerialVerdict =
  | { readonly kind: 'next' }
  /** Another record of the event just before (every record of one event shares its stamp). */
  | { readonly kind: 'same-event' }
  /** The same line as one of the last RING records of this node. */
  | { readonly kind: 'duplicate' }
  /** Own serials skipped from `first` to `last`: those events are not in the input. */
  | { readonly kind: 'gap'; readonly first: number; readonly last: number }
  | { readonly kind: 'wrapped' }
  /** Lower than the last own serial and not a copy: a new run of the daemon, or another host of the same name. */
  | { readonly kind: 'back' };

/** How many of a node's last records a copy is looked for among. */
export const RING = 4096;

const NEXT: SerialVerdict = { kind: 'next' };
const SAME: SerialVerdict = { kind: 'same-event' };
const DUP: SerialVerdict = { kind: 'duplicate' };
const WRAPPED: SerialVerdict = { kind: 'wrapped' };
const BACK: SerialVerdict = { kind: 'back' };

/** A serial this close to 2^32 followed by one this small is the counter wrapping. */
const WRAP_HIGH = 0xf0000000;
const WRAP_LOW = 0x10000000;

/**
 * A 32-bit FNV-1a hash of a line's text after its stamp (the node, time and serial are
 * compared as numbers). Every character counts: two records of one event can differ in one
 * digit of a pid.
 *
 * NS_INFO, INIT and DEL records (most of a log) are not hashed: nsproc writes at most one of
 * each type in one event (one NS_INFO, one INIT or DEL per namespace type), so they are told
 * apart by type and length alone; hashing every line cost a third of the trail's time.
 */
export function lineHash(text: string, start = 0, end = text.length): number {
  let h = 0x811c9dc5;
  const at = text.indexOf('): ', start);
  for (let i = at < 0 || at >= end ? start : at + 3; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}

export class NodeSerials {
  private lastOwn: number | null = null;
  private lastKernel: number | null = null;
  private curSerial = -1;
  private curT = -1;
  private readonly serials = new Uint32Array(RING);
  private readonly times = new Float64Array(RING);
  private readonly hashes = new Int32Array(RING);
  private readonly lengths = new Uint32Array(RING);
  private n = 0;

  /**
   * @param own the record is of nsproc's own types (a kernel event starts with its SYSCALL record)
   * @param t the stamp's milliseconds; @param serial its serial
   * @param text the whole line, or the chunk holding it from `start` to `end` (with `typeId`, its
   * length and, for the kernel's records, its hash tell copies apart)
   * @param typeId the record type's number (record_kinds.ts), or -1: its text is hashed
   */
  check(own: boolean, t: number, serial: number, text: string, typeId: number, start = 0, end = text.length): SerialVerdict {
    const hash = typeId >= 0 ? typeId : lineHash(text, start, end) & 0x7fffffff | 0x40000000;
    const len = end - start;
    if (serial === this.curSerial && t === this.curT) {
      if (this.seenInEvent(serial, t, hash, len)) return DUP;
      this.remember(serial, t, hash, len);
      return SAME;
    }
    const last = own ? this.lastOwn : this.lastKernel;
    let v: SerialVerdict = NEXT;
    if (last !== null && serial <= last) {
      if (this.seen(serial, t, hash, len)) return DUP;
      v = last >= WRAP_HIGH && serial < WRAP_LOW ? WRAPPED : BACK;
    } else if (own && last !== null && serial > last + 1) {
      v = { kind: 'gap', first: last + 1, last: serial - 1 };
    }
    if (v !== BACK || own) this.setLast(own, serial);
    this.curSerial = serial;
    this.curT = t;
    this.remember(serial, t, hash, len);
    return v;
  }

  /** A new boot starts (DAEMON_START): own serials count from this one. */
  restart(serial: number): void {
    this.lastOwn = serial;
    this.lastKernel = null;
  }

  private setLast(own: boolean, serial: number): void {
    if (own) this.lastOwn = serial;
    else this.lastKernel = serial;
  }

  private remember(serial: number, t: number, hash: number, len: number): void {
    const i = this.n++ % RING;
    this.serials[i] = serial;
    this.times[i] = t;
    this.hashes[i] = hash;
    this.lengths[i] = len;
  }

  /** Among the records of the current event (the newest ones with this stamp). */
  private seenInEvent(serial: number, t: number, hash: number, len: number): boolean {
    for (let k = 1; k <= Math.min(this.n, RING); k++) {
      const i = (this.n - k) % RING;
      if (this.serials[i] !== serial || this.times[i] !== t) return false;
      if (this.hashes[i] === hash && this.lengths[i] === len) return true;
    }
    return false;
  }

  private seen(serial: number, t: number, hash: number, len: number): boolean {
    for (let k = 1; k <= Math.min(this.n, RING); k++) {
      const i = (this.n - k) % RING;
      if (this.serials[i] === serial && this.times[i] === t && this.hashes[i] === hash && this.lengths[i] === len) return true;
    }
    return false;
  }
}
