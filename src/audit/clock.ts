/**
 * Where audit record times come from (`--clock real|fixed:EPOCH`, SPEC §4).
 * The kernel stamps each audit event with the coarse wall clock
 * (kernel/audit.c:audit_get_stamp(), current_kernel_time() in 3.17) at
 * millisecond precision in the log; `fixed:` gives every record the same
 * time so logs are reproducible byte for byte.
 */
import { fail, ok, type Result } from '../model/errno.js';

/** A wall-clock time as `audit(SEC.MSEC:…)` shows it. */
export interface AuditTime {
  /** Seconds since the epoch, a non-negative safe integer. */
  readonly sec: number;
  /** Milliseconds 0..999. */
  readonly msec: number;
}

/** A source of audit times. */
export interface AuditClock {
  /** The spec this clock was parsed from (`real`, `fixed:1408577534.868`). */
  readonly spec: string;
  /** The time for the next audit event. */
  now(): AuditTime;
}

/**
 * The host's wall clock (Date.now(), milliseconds; the kernel's tv_nsec / 1000000).
 *
 * @example Reading the real clock
 * ```ts
 * const t = realClock.now(); // { sec: 1722240000, msec: 123 }
 * ```
 */
export const realClock: AuditClock = {
  spec: 'real',
  now(): AuditTime {
    const ms = Date.now();
    return { sec: Math.floor(ms / 1000), msec: ms % 1000 };
  },
};

/**
 * A clock that always answers `time`.
 *
 * @param time the time every record gets
 * @returns a clock
 *
 * @example A fixed clock
 * ```ts
 * fixedClock({ sec: 1408577534, msec: 868 }).now(); // { sec: 1408577534, msec: 868 }
 * ```
 */
export function fixedClock(time: AuditTime): AuditClock {
  const t: AuditTime = { sec: time.sec, msec: time.msec };
  const spec = `fixed:${t.sec}.${String(t.msec).padStart(3, '0')}`;
  return { spec, now: () => t };
}

/** `SECONDS` or `SECONDS.FRACTION`, decimal digits only. */
const EPOCH_RE = /^(\d+)(?:\.(\d+))?$/;

/**
 * Parses `real` or `fixed:EPOCH` (EPOCH: seconds, optionally with a decimal
 * fraction such as `1408577534.868`; digits past milliseconds are dropped, as
 * tv_nsec / 1000000 truncates).
 *
 * @param spec the `--clock` argument
 * @returns the clock, or EINVAL for anything else
 *
 * @example Parsing clock specs
 * ```ts
 * parseClock('fixed:1408577534.868'); // ok: every record at 1408577534.868
 * parseClock('fixed:soon');           // { ok: false, error: { errno: 'EINVAL', … } }
 * ```
 */
export function parseClock(spec: string): Result<AuditClock> {
  if (spec === 'real') return ok(realClock);
  if (!spec.startsWith('fixed:')) {
    return fail('EINVAL', `clock "${spec}" is neither "real" nor "fixed:EPOCH"`);
  }
  const m = EPOCH_RE.exec(spec.slice('fixed:'.length));
  const sec = m === null ? NaN : Number(m[1]);
  if (m === null || !Number.isSafeInteger(sec)) {
    return fail('EINVAL', `clock "${spec}": EPOCH must be seconds since 1970, e.g. fixed:1408577534.868`);
  }
  const msec = Number((m[2] ?? '').padEnd(3, '0').slice(0, 3));
  return ok(fixedClock({ sec, msec }));
}
