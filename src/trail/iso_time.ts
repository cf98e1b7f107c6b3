/**
 * Times as the trail prints them: ISO 8601 with milliseconds, in the reader's time zone
 * (with its offset, `+02:00`) or in UTC (`Z`, `--utc`, and always in JSON).
 */

const p2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const p3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * @param ms milliseconds since the epoch (an audit stamp's SEC.MSEC)
 * @param utc UTC (`Z`) rather than the local zone
 * @example
 * isoTime(1408577535306, true); // '2014-08-20T23:32:15.306Z'
 */
export function isoTime(ms: number, utc: boolean): string {
  const d = new Date(ms);
  // Past year 275760 (a mangled stamp) Date has no calendar: say the seconds.
  if (Number.isNaN(d.getTime())) return `@${(ms / 1000).toFixed(3)}`;
  if (utc) return d.toISOString();
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}T${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`
    + `.${p3(d.getMilliseconds())}${sign}${p2(Math.floor(a / 60))}:${p2(a % 60)}`;
}
