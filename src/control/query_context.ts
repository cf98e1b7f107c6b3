/**
 * What the query commands (`lsns`, `ps`) need beyond the model: where the
 * tree is mounted (lsns's PATH column) and how a uid is named (USER). The
 * daemon passes its mountpoint; names come from the host's /etc/passwd, as
 * util-linux names the owner of a /proc/<pid> directory, and a uid with no
 * entry is printed as the number (util-linux lib/idcache.c:add_uid()).
 */
import * as fs from 'node:fs';
import { DEFAULT_MOUNTPOINT } from '../procfs/mountpoint.js';
import type { StatusField } from './status.js';

export interface QueryContext {
  /** The mountpoint of the tree, absolute. */
  readonly mountpoint: string;
  /** The login name of a uid, or the uid in decimal. */
  userName(uid: number): string;
  /** The daemon's own state for `status` (src/system.ts); absent where there is no daemon. */
  readonly status?: () => readonly StatusField[];
}

/** A passwd(5) entry's login name and primary gid. */
export interface PasswdEntry {
  readonly name: string;
  readonly gid: number;
}

/** Entries of a passwd(5) text by uid: the first entry for each uid wins, as getpwuid(3) finds it. */
export function parsePasswd(text: string): Map<number, PasswdEntry> {
  const users = new Map<number, PasswdEntry>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || !/^[0-9]+$/.test(f[2]!) || !/^[0-9]+$/.test(f[3]!)) continue;
    const uid = Number(f[2]);
    if (!users.has(uid)) users.set(uid, { name: f[0]!, gid: Number(f[3]) });
  }
  return users;
}

let cache: { mtimeMs: number; users: Map<number, PasswdEntry> } | null = null;

/**
 * The host's /etc/passwd entry of a uid (re-read when the file changes). /etc/passwd
 * is never on an nsproc mount, so the daemon may read it synchronously (notes/fuse-native.md).
 */
function hostUser(uid: number): PasswdEntry | undefined {
  try {
    const st = fs.statSync('/etc/passwd');
    if (!cache || cache.mtimeMs !== st.mtimeMs) cache = { mtimeMs: st.mtimeMs, users: parsePasswd(fs.readFileSync('/etc/passwd', 'utf8')) };
  } catch {
    cache = { mtimeMs: -1, users: new Map() };
  }
  return cache.users.get(uid);
}

/** A uid's name in the host's /etc/passwd, else the number. */
export function hostUserName(uid: number): string {
  return hostUser(uid)?.name ?? String(uid);
}

/** A uid's primary gid in the host's /etc/passwd (what its logins' fsgid is), or undefined. */
export function hostPrimaryGid(uid: number): number | undefined {
  return hostUser(uid)?.gid;
}

/** The default mountpoint and the host's names: for callers that have no daemon options. */
export const DEFAULT_QUERY_CONTEXT: QueryContext = { mountpoint: DEFAULT_MOUNTPOINT, userName: hostUserName };
