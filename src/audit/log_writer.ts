/**
 * The audit log (SPEC §6): stamps model events with the clock and the audit
 * serial, formats them and appends whole lines, all or nothing per batch.
 *
 * Lifecycle: `AuditLog.open()` → `appendEvents()` … → `close()`. One instance
 * per boot of the model; it owns the audit serial counter and the file.
 */
import type { DaemonRotateEvent, ModelEvent } from '../model/events.js';
import { fail, ok, type Result } from '../model/errno.js';
import { realClock, type AuditClock, type AuditTime } from './clock.js';
import { formatRecords, line, type AuditStamp } from './format.js';
import { LogFile } from './_log_file.js';
import { nodeIo, type LogIo } from './_log_io.js';
import type { LogSink } from './log_sink.js';
import { MAX_NUM_LOGS, rotationEnabled } from './rotate.js';

/** `write`: write(2) done before appendEvents returns; `sync`: fsync(2) too (SPEC §6 `--audit-flush sync`). */
export type FlushMode = 'write' | 'sync';

/**
 * The seed's boot records carry serials 5..10: the kernel's audit_serial() had
 * already given 1..4 to its earlier messages, so the first event gets 5.
 */
export const FIRST_EVENT_SERIAL = 5;

/**
 * How nsproc numbers its own events. `model` (default): from `firstSerial` up, as SPEC §6.
 * `beside-kernel` (SPEC §8, a log that also holds the kernel's events): from
 * {@link OWN_SERIAL_BASE} up, clear of the kernel's serials — see {@link nextOwnSerial}.
 */
export type SerialSpace = 'model' | 'beside-kernel';

/**
 * The kernel's audit_serial() counts from 1 at every boot; it reaches 2^31 only after two
 * billion events. ausearch -a reads its argument as a 32-bit unsigned int whose 0xffffffff
 * means "no -a" (src/ausearch-options.c: `unsigned int event_id = -1`), so nsproc's own
 * serials stay below that: measured, `ausearch -a 4294967295` lists every event and a
 * serial above 32 bits is never found.
 */
export const OWN_SERIAL_BASE = 0x80000000;
const OWN_SERIAL_LAST = 0xfffffffe;
/** How far an own serial keeps from the highest kernel serial seen (either side). */
export const KERNEL_SERIAL_MARGIN = 1 << 20;

/**
 * The own serial after `prev` in a log shared with the kernel's events. Two events never
 * share a `TIME:SERIAL`: nsproc's own serials rise one by one, and never come within
 * {@link KERNEL_SERIAL_MARGIN} of the highest kernel serial seen — a kernel event numbered
 * that far from the kernel's current count has a different time (its number was given
 * a million events earlier, or will be a million events later). Past 0xfffffffe the count
 * starts again at 1, long since used by the kernel of this boot.
 * @param prev the last own serial (OWN_SERIAL_BASE − 1 before the first)
 * @param kernelHigh the highest kernel serial seen, or null
 */
export function nextOwnSerial(prev: number, kernelHigh: number | null): number {
  let n = prev >= OWN_SERIAL_LAST ? 1 : prev + 1;
  if (kernelHigh !== null && Math.abs(n - kernelHigh) <= KERNEL_SERIAL_MARGIN) {
    n = kernelHigh + KERNEL_SERIAL_MARGIN + 1;
    if (n > OWN_SERIAL_LAST) n = 1;
  }
  return n;
}

/**
 * A kernel audit event as it goes to the log (SPEC §8): the kernel's records, already
 * formatted, with nsproc's records for it (NS_INFO, and the INIT/DEL of a clone, unshare or
 * setns) between `before` and `after`, all with the kernel's stamp. Uses no own serial.
 */
export interface KernelEntry {
  readonly kind: 'kernel-event';
  readonly stamp: AuditStamp;
  readonly before: readonly string[];
  readonly events: readonly ModelEvent[];
  readonly after: readonly string[];
}

/** A record of nsproc's own that is not a model event (e.g. NSPROC_KERNEL_LOST): own stamp and serial. */
export interface OwnRecord {
  readonly kind: 'own-record';
  readonly typeName: string;
  readonly fields: string;
}

/** What one batch appends: model events and own records (each its own event), kernel events. */
export type LogItem = ModelEvent | KernelEntry | OwnRecord;

/**
 * Records that a failing log could not take, where nothing can be undone (host mode: the host
 * changed whatever the log says). The first write that works again begins with one
 * NSPROC_LOG_LOST record saying so, as auditd's lost counter tells of dropped events.
 */
interface Losses {
  records: number;
  readonly first: AuditTime;
  last: AuditTime;
  errno: string;
}

/** The record of nsproc's own that tells of {@link Losses}. */
export const LOG_LOST_RECORD = 'NSPROC_LOG_LOST';

/** How many log lines an item makes (VIRT_CONTROL is two records; a kernel event all of its own). */
function recordCount(e: LogItem): number {
  if (e.kind === 'kernel-event') return e.before.length + e.after.length + e.events.reduce((n, m) => n + recordCount(m), 0);
  return e.kind === 'virt-control' ? 2 : 1;
}

const timeText = (t: AuditTime): string => `${t.sec}.${String(t.msec).padStart(3, '0')}`;

/** One batch's bytes, and what the log's counters become once they are written. */
interface EncodedBatch {
  readonly bytes: Buffer;
  /** Its lines: the records it holds. */
  readonly records: number;
  readonly serial: number;
  readonly identity: DaemonRotateEvent | null;
}

/** auditd.conf(5) default num_logs. */
export const DEFAULT_NUM_LOGS = 5;

/** How to open an {@link AuditLog}; everything but `path` has a default. */
export interface AuditLogOptions {
  /** The log file, e.g. `./audit.log`; its directory must exist. */
  readonly path: string;
  /** Default {@link realClock}. */
  readonly clock?: AuditClock;
  /** Default `write`. */
  readonly flush?: FlushMode;
  /** auditd max_log_file, in bytes; 0 (default) never rotates. */
  readonly maxSizeBytes?: number;
  /** auditd num_logs: files kept, the current one included (default 5); < 2 never rotates, as auditd. */
  readonly numLogs?: number;
  /** Audit serial of the first event (default {@link FIRST_EVENT_SERIAL}); `model` serials only. */
  readonly firstSerial?: number;
  /** Default `model`. */
  readonly serialSpace?: SerialSpace;
  /**
   * auditd's `name_format`/`name`: the node name every line begins with (`node=NAME `),
   * or null (default) for none. Checked by {@link validNodeName}.
   */
  readonly node?: string | null;
  /** File system calls; tests inject failures here. */
  readonly io?: LogIo;
  /** Told of what is written, once it is (./log_sink.ts): `--remote` forwards the log this way. */
  readonly sink?: LogSink;
}

type Settings = Required<Omit<AuditLogOptions, 'path' | 'io' | 'node' | 'sink'>> & { readonly prefix: string };

/**
 * A node name that every reader can take back out of `node=NAME type=…`: auditd's parsers
 * split fields at blanks and `=`, and quotes or control bytes would forge or split a line.
 * @example
 * validNodeName('hostA'); // true
 * validNodeName('host A'); // false
 */
export function validNodeName(name: string): boolean {
  return name !== '' && Buffer.byteLength(name) <= 255 && !/[\s=\\'"\x00-\x1f\x7f]/.test(name);
}

const NEWLINE = 0x0a;
/** A batch buffer larger than this is not kept for the next batch. */
const SCRATCH_KEEP = 4 << 20;

/** A copy of `buf`'s first `used` bytes with room for `need` more. */
function grown(buf: Buffer, used: number, need: number): Buffer {
  const next = Buffer.allocUnsafe(Math.max(buf.length * 2, used + need, 65536));
  buf.copy(next, 0, 0, used);
  return next;
}

/** audit_serial() is an unsigned int that wraps (kernel/audit.c). */
const nextSerial = (s: number): number => (s + 1) >>> 0;

function settings(o: AuditLogOptions): Settings | string {
  const natural = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;
  const s: Settings = {
    clock: o.clock ?? realClock, flush: o.flush ?? 'write', maxSizeBytes: o.maxSizeBytes ?? 0,
    numLogs: o.numLogs ?? DEFAULT_NUM_LOGS,
    firstSerial: o.serialSpace === 'beside-kernel' ? OWN_SERIAL_BASE : o.firstSerial ?? FIRST_EVENT_SERIAL,
    serialSpace: o.serialSpace ?? 'model',
    prefix: o.node == null ? '' : `node=${o.node} `,
  };
  if (o.node != null && !validNodeName(o.node)) return `node name ${JSON.stringify(o.node)}`;
  if (s.flush !== 'write' && s.flush !== 'sync') return `flush mode "${String(s.flush)}"`;
  if (!natural(s.maxSizeBytes)) return `max size ${s.maxSizeBytes}`;
  if (!natural(s.numLogs) || s.numLogs > MAX_NUM_LOGS) return `num_logs ${s.numLogs}`;
  if (!natural(s.firstSerial) || s.firstSerial > 0xffffffff) return `first serial ${s.firstSerial}`;
  return s;
}

/**
 * An open audit log.
 *
 * @example Logging the boot records with a fixed clock
 * ```ts
 * const log = AuditLog.open({ path: '/tmp/audit.log', clock: fixedClock({ sec: 1408577534, msec: 868 }) });
 * if (!log.ok) throw new Error(log.error.detail);
 * const r = log.value.appendEvents(bootEvents); // serials 5..10, one write loop
 * if (!r.ok) rollBackModel(); // nothing was logged and lastSerial is unchanged
 * log.value.close();
 * ```
 */
export class AuditLog {
  /** Serial of the last logged event; changes only once a batch is on disk. */
  private serial: number;
  /** The highest kernel serial seen ({@link noteKernelSerial}); `beside-kernel` only. */
  private kernelHigh: number | null = null;
  /** Where a batch's lines are encoded; reused by the next batch (bounded by SCRATCH_KEEP). */
  private scratch: Buffer = Buffer.alloc(0);
  /** The last DAEMON_START written: each new file after a rotation begins with its identity. */
  private identity: DaemonRotateEvent | null = null;
  /** Records lost since the last write that worked ({@link appendOrLose}); null: none. */
  private losses: Losses | null = null;
  /** Since open: records written, and records {@link appendOrLose} counted as lost (`nsctl status`). */
  private written = 0;
  private lostSinceOpen = 0;

  private constructor(private readonly s: Settings, private readonly file: LogFile) {
    this.serial = (s.firstSerial - 1) >>> 0;
  }

  /**
   * Opens the log for appending, creating it with mode 0600. A partial record
   * that a crash left at the end is cut off first (see {@link cutAtOpen}).
   *
   * @param opts path, clock, flush mode, rotation, first serial
   * @returns the log, EINVAL for bad options, or the errno of open(2)/fstat(2)
   */
  static open(opts: AuditLogOptions): Result<AuditLog> {
    const s = settings(opts);
    if (typeof s === 'string') return fail('EINVAL', `audit log ${opts.path}: invalid ${s}`);
    const f = LogFile.open(opts.io ?? nodeIo, opts.path, opts.sink ?? null);
    return f.ok ? ok(new AuditLog(s, f.value)) : f;
  }

  /** The log file's path. */
  get path(): string {
    return this.file.path;
  }

  /** The audit serial of the last event written (firstSerial − 1 before any). */
  get lastSerial(): number {
    return this.serial;
  }

  /** Bytes of a partial record that a crash had left at the end of the log, cut off by open(). */
  get cutAtOpen(): number {
    return this.file.cutAtOpen;
  }

  /** Bytes in the current log file, as counted. */
  get currentSize(): number {
    return this.file.size;
  }

  /**
   * A kernel serial the reader received: nsproc's own serials keep clear of it
   * ({@link nextOwnSerial}).
   */
  noteKernelSerial(serial: number): void {
    if (this.kernelHigh === null || serial > this.kernelHigh) this.kernelHigh = serial;
  }

  /**
   * Stamps each event (clock, next serial), formats it and appends all lines in
   * one write loop, rotating first if the batch would pass the size limit.
   * A kernel event keeps the kernel's stamp and takes no serial.
   * All or nothing: on failure no line of the batch remains, the serial counter
   * is unchanged and the errno is returned, so the caller can roll back.
   *
   * @param events the events of one batch of commands, in order
   * @returns ok once written (and fsynced in `sync` mode), or the errno
   */
  appendEvents(events: readonly LogItem[]): Result<void> {
    if (!this.file.isOpen) return fail('EBADF', `audit log ${this.path} is closed`);
    if (events.length === 0) return ok(undefined);
    const lost = this.losses;
    // The hole comes first, in the first batch that can be written.
    if (lost !== null) {
      const fields = `lost=${lost.records} first=${timeText(lost.first)} last=${timeText(lost.last)} errno=${lost.errno}`;
      events = [{ kind: 'own-record', typeName: LOG_LOST_RECORD, fields }, ...events];
    }
    let batch = this.encode(events, null);
    const r = this.rotateBefore(batch.bytes.length);
    if (!r.ok) return r;
    // The new file's first record says whose records it holds; it takes the batch's first serial.
    if (r.value && this.identity !== null) batch = this.encode(events, this.identity);
    const w = this.write(batch);
    if (w.ok) this.losses = null;
    return w;
  }

  /**
   * {@link appendEvents} for records that happened whatever the log says (host mode): if the
   * log cannot take them they are counted as lost, and the next write that works begins with
   * an NSPROC_LOG_LOST record (`lost=N first=SEC.MSEC last=SEC.MSEC errno=E`).
   * @returns what appendEvents returned
   */
  appendOrLose(events: readonly LogItem[]): Result<void> {
    const r = this.appendEvents(events);
    if (r.ok || events.length === 0) return r;
    const now = this.s.clock.now();
    const n = events.reduce((sum, e) => sum + recordCount(e), 0);
    if (this.losses === null) this.losses = { records: n, first: now, last: now, errno: r.error.errno };
    else Object.assign(this.losses, { records: this.losses.records + n, last: now, errno: r.error.errno });
    this.lostSinceOpen += n;
    return r;
  }

  /** Records written since open, across rotations. */
  get recordsWritten(): number {
    return this.written;
  }

  /** Records lost since open (each failed {@link appendOrLose}), NSPROC_LOG_LOST or not yet. */
  get recordsLost(): number {
    return this.lostSinceOpen;
  }

  /** Records lost since the last write that worked (0 once NSPROC_LOG_LOST is written). */
  get lostRecords(): number {
    return this.losses?.records ?? 0;
  }

  /**
   * Encodes a batch: each line straight into one reusable buffer, no per-event arrays, spreads
   * or one large join (bench R2: those and the formatting were a third of a 1000-command batch).
   * @param head a DAEMON_ROTATE to put first (the head of a new file), or null
   */
  private encode(events: readonly LogItem[], head: DaemonRotateEvent | null): EncodedBatch {
    let serial = this.serial;
    let out = this.scratch;
    let end = 0;
    let records = 0;
    let identity = this.identity;
    const prefix = this.s.prefix;
    const put = (line: string): void => {
      // A UTF-16 code unit is at most 3 bytes of UTF-8; then the newline.
      const need = (prefix.length + line.length) * 3 + 1;
      if (out.length - end < need) out = grown(out, end, need);
      if (prefix !== '') end += out.write(prefix, end);
      end += out.write(line, end);
      out[end++] = NEWLINE;
      records++;
    };
    const own = (e: ModelEvent | OwnRecord): void => {
      serial = this.s.serialSpace === 'model' ? nextSerial(serial) : nextOwnSerial(serial, this.kernelHigh);
      const { sec, msec } = this.s.clock.now();
      if (e.kind === 'own-record') put(line(e.typeName, { sec, msec, serial }, e.fields));
      else formatRecords(e, { sec, msec, serial }).forEach(put);
    };
    if (head !== null) own(head);
    for (const e of events) {
      if (e.kind === 'kernel-event') {
        e.before.forEach(put);
        for (const m of e.events) formatRecords(m, e.stamp).forEach(put);
        e.after.forEach(put);
        continue;
      }
      if (e.kind === 'daemon-start') identity = { ...e, kind: 'daemon-rotate' };
      own(e);
    }
    if (out.length <= SCRATCH_KEEP) this.scratch = out;
    return { bytes: out.subarray(0, end), records, serial, identity };
  }

  /** Appends an encoded batch; only once it is on disk do its serials and identity count. */
  private write(batch: EncodedBatch): Result<void> {
    const w = this.file.append(batch.bytes, this.s.flush === 'sync');
    if (!w.ok) return w;
    this.serial = batch.serial;
    this.identity = batch.identity;
    this.written += batch.records;
    return ok(undefined);
  }

  /**
   * auditd's SIGUSR1: rotate now, whatever the size, keeping num_logs files as a rotation by
   * size does. With num_logs < 2 auditd does not rotate, and neither does this.
   * @returns 'rotated', 'disabled' (num_logs < 2), or the errno (the current log stays)
   */
  rotateNow(): Result<'rotated' | 'disabled'> {
    if (this.s.numLogs < 2) return ok('disabled');
    const r = this.file.rotate(this.s.numLogs);
    if (!r.ok) return r;
    if (this.identity === null) return ok('rotated');
    // The new file's head; if it cannot be written, the file is new but does not say whose it is.
    const w = this.write(this.encode([], this.identity));
    return w.ok ? ok('rotated') : fail(w.error.errno, `rotated, but the new file's DAEMON_ROTATE record could not be written: ${w.error.detail}`);
  }

  /** Files kept when rotating (auditd num_logs). */
  get numLogs(): number {
    return this.s.numLogs;
  }

  /** fsync(2) and close(2) the log; later appends fail with EBADF. Closing twice is a no-op. */
  close(): Result<void> {
    return this.file.close();
  }

  /**
   * auditd rotates when the log reaches max_log_file (check_log_file_size());
   * here the check runs before a batch so that a batch is never split across
   * files. A non-empty file is rotated when the batch would take it past the limit.
   */
  private rotateBefore(batchBytes: number): Result<boolean> {
    const { maxSizeBytes, numLogs } = this.s;
    const size = this.file.size;
    if (!rotationEnabled(maxSizeBytes, numLogs) || size === 0 || size + batchBytes <= maxSizeBytes) return ok(false);
    const r = this.file.rotate(numLogs);
    return r.ok ? ok(true) : r;
  }
}
