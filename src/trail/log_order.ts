/**
 * The order in which a rotated set is read: auditd (and nsproc, src/audit/rotate.ts) renames
 * `LOG` to `LOG.1`, `LOG.1` to `LOG.2` …, so the oldest records are in the highest number and
 * the newest in `LOG` itself. Files of one set are read oldest first; sets and other files
 * keep the order they were given in.
 */

/** A log's rotated set and its number in it (0 for the live file `LOG`). */
function rotation(path: string): { base: string; n: number } {
  const m = /^(.*)\.(\d+)$/.exec(path);
  return m && m[1] !== '' ? { base: m[1]!, n: Number(m[2]) } : { base: path, n: 0 };
}

/**
 * @param paths the LOG arguments, `-` (stdin) among them
 * @returns the same paths, each rotated set oldest first, at the place of its first member
 * @example
 * orderLogs(['audit.log', 'audit.log.1', 'audit.log.10', 'audit.log.2']);
 * // ['audit.log.10', 'audit.log.2', 'audit.log.1', 'audit.log']
 */
export function orderLogs(paths: readonly string[]): string[] {
  const sets = new Map<string, { path: string; n: number }[]>();
  for (const path of paths) {
    const r = path === '-' ? { base: `\0stdin${sets.size}`, n: 0 } : rotation(path);
    const set = sets.get(r.base) ?? [];
    if (set.length === 0) sets.set(r.base, set);
    set.push({ path, n: r.n });
  }
  return [...sets.values()].flatMap((set) => set.sort((a, b) => b.n - a.n).map((f) => f.path));
}
