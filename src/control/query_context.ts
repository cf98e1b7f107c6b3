/**
 * What the query commands (`lsns`, `ps`) need beyond the model: where the
 * tree is mounted (lsns's PATH column) and how a uid is named (USER). The
 * daemon passes its mountpoint; names come from the host's /etc/passwd, as
 * util-linux names the owner of a /proc/<pid> directory, and a uid with no
 * entry is printed as the number (util-linux lib/idcache.c:add_uid()).
 */
import * as fs from 'node:fs';

export interface QueryContext {
  /** The mountpoint of the tree, absolute. */
  readonly mountpoint: string;
  /** The login name of a uid, or the uid in decimal. */
  userName(uid: number): string;
}

/** Login names from a passwd(5) text: the first entry for each uid wins, as getpwuid(3) finds it. */
export function parsePasswd(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || !/^[0-9]+$/.test(f[2]!)) continue;
    const uid = Number(f[2]);
    if (!names.has(uid)) names.set(uid, f[0]!);
  }
  return names;
}

let cache: { mtimeMs: number; names: Map<number, string> } | null = null;

/**
 * A uid's name in the host's /etc/passwd (re-read when the file changes),
 * else the number. /etc/passwd is never on an nsproc mount, so the daemon
 * may read it synchronously (notes/fuse-native.md).
 */
export function hostUserName(uid: number): string {
  try {
    const st = fs.statSync('/etc/passwd');
    if (!cache || cache.mtimeMs !== st.mtimeMs) cache = { mtimeMs: st.mtimeMs, names: parsePasswd(fs.readFileSync('/etc/passwd', 'utf8')) };
  } catch {
    cache = { mtimeMs: -1, names: new Map() };
  }
  return cache.names.get(uid) ?? String(uid);
}

/** SPEC §4's default mountpoint and the host's names: for callers that have no daemon options. */
export const DEFAULT_QUERY_CONTEXT: QueryContext = { mountpoint: '/tmp/nsproc', userName: hostUserName };
