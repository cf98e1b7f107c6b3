/**
 * The namespaces host mode knows, each by its key: `id:<hex>` (NS_GET_ID, unique for
 * the boot) or, without ids, `<type>:<inum>`. For each it counts its members (the
 * `ns/` links of known processes naming it) and the known namespaces it owns or
 * parents; a namespace that may have gone is handed to the re-check schedule, and one
 * registered or freed goes into the batch queue (owner and parent first).
 *
 * The inode rule: the kernel hands a freed namespace's inode to the next new one at
 * once, so an inode names a namespace only while that namespace lives. A link is taken
 * by its inode only when that inode's namespace has members; a namespace believed
 * freed, or whose nsfs handle fails (ESTALE), has no members, and its inode is trusted
 * no more: such a link is opened and asked (NS_GET_ID), so a reused inode is a new
 * namespace. An inode taken on trust is vouched for after the read
 * ({@link NsRegistry.untrustFreed}).
 */
import * as fs from 'node:fs';
import type { ObservedNs } from '../model/host_observation.js';
import { profileTypes, type NsName, type Profile } from '../model/nstypes.js';
import type { BatchQueue } from './batch_queue.js';
import { closeNsFd, nsAlive, nsGetId, nsInum, nsOwnerUid, nsRelative } from './nsfs.js';
import type { RecheckSchedule } from './recheck.js';

export interface KnownNs {
  readonly key: string;
  readonly type: NsName;
  /** Its CLONE_NEW* flag (the nsfs handle's ns_type). */
  readonly flag: number;
  readonly inum: number;
  readonly id: bigint | null;
  readonly ownerKey: string | null;
  readonly parentKey: string | null;
  /** Process slots (`ns/` entries of known processes) naming it. */
  members: number;
  /** Known namespaces it owns or parents. */
  related: number;
}

/** What the registry asks the kernel about namespace files (nsfs.ts; tests give a table). */
export interface NsKernel {
  /** open(2) read-only; null when the file is gone. */
  open(path: string): number | null;
  close(fd: number): void;
  inum(fd: number): number;
  /** NS_GET_ID; null without it. */
  id(fd: number): bigint | null;
  /** NS_GET_USERNS / NS_GET_PARENT: a new descriptor, or null at the top or for types without one. */
  relative(fd: number, which: 'owner' | 'parent'): number | null;
  ownerUid(fd: number): number | null;
  alive(id: bigint, flag: number, inum: number): 'alive' | 'freed' | 'unknown';
}

/** The host's nsfs. */
export const HOST_KERNEL: NsKernel = {
  open(path) {
    try {
      return fs.openSync(path, fs.constants.O_RDONLY);
    } catch {
      return null;
    }
  },
  close: closeNsFd,
  inum: nsInum,
  id(fd) {
    const r = nsGetId(fd);
    return r.ok ? r.value : null;
  },
  relative(fd, which) {
    const r = nsRelative(fd, which);
    return r.ok ? r.value : null;
  },
  ownerUid: nsOwnerUid,
  alive: nsAlive,
};

export interface NsRegistryOptions {
  readonly profile: Profile;
  /** Ask NS_GET_ID (false: the kernel lacks it, or a test pretends so). */
  readonly useIds: boolean;
  /** nsfs file handles work (nsfs.ts probeHandles()): an inode taken on trust is vouched for. */
  readonly handles: boolean;
}

export class NsRegistry {
  private readonly known = new Map<string, KnownNs>();
  /** `<type>:<inum>` → key of the live namespace with that inode. */
  private readonly byInum = new Map<string, string>();
  /** Keys that links were taken for on trust of an inode since the last {@link untrustFreed}. */
  private readonly trusted = new Set<string>();

  constructor(
    private readonly opts: NsRegistryOptions,
    private readonly batches: BatchQueue,
    private readonly recheck: RecheckSchedule,
    private readonly kernel: NsKernel = HOST_KERNEL,
  ) {}

  get(key: string): KnownNs | undefined {
    return this.known.get(key);
  }

  /**
   * The key of the namespace behind `path` (an ns link, an fd, a bind mount) whose link
   * names `type:[inum]`: by its inode when that inode's namespace has members (or keys
   * are inodes anyway), else by opening the file and registering what it is.
   * @param via the process it was found through
   * @returns null when the file is gone
   */
  keyOf(path: string, type: NsName, inum: number, via: number): string | null {
    const cached = this.byInum.get(`${type}:${inum}`);
    if (cached !== undefined && (!this.opts.useIds || this.known.get(cached)!.members > 0)) {
      if (this.opts.handles) this.trusted.add(cached);
      return cached;
    }
    const fd = this.kernel.open(path);
    if (fd === null) return null;
    try {
      return this.register(fd, type, via);
    } finally {
      this.kernel.close(fd);
    }
  }

  /** A process's `ns/` slots now name these keys. */
  join(keys: readonly string[]): void {
    for (const key of keys) this.known.get(key)!.members++;
  }

  /** A process's `ns/` slots no longer name these keys: one left without members may have gone. */
  leave(keys: readonly string[]): void {
    for (const key of keys) {
      const k = this.known.get(key)!;
      if (--k.members === 0) this.recheck.add(key);
    }
  }

  /** A full scan read links of the same inodes as before: every namespace with members is to be vouched for. */
  trustMembers(): void {
    if (!this.opts.handles) return;
    for (const k of this.known.values()) if (k.members > 0) this.trusted.add(k.key);
  }

  /**
   * Vouches for the inodes taken on trust since the last call: those whose namespace's
   * handle fails are trusted no more (dropped from the inode table) and may have gone.
   * @returns their keys: the processes and holders naming them are to be read again
   */
  untrustFreed(): Set<string> {
    const dead = new Set<string>();
    for (const key of this.trusted) {
      const k = this.known.get(key);
      if (k && this.alive(k) === 'freed') dead.add(key);
    }
    this.trusted.clear();
    for (const key of dead) {
      this.dropInum(this.known.get(key)!);
      this.recheck.add(key);
    }
    return dead;
  }

  /** What its nsfs handle says: 'unknown' without handles or without an id. */
  alive(k: KnownNs): 'alive' | 'freed' | 'unknown' {
    return k.id !== null && this.opts.handles ? this.kernel.alive(k.id, k.flag, k.inum) : 'unknown';
  }

  /** The kernel freed it: reported, forgotten, and what owned or parented it may have gone too. */
  free(k: KnownNs): void {
    this.known.delete(k.key);
    this.dropInum(k);
    this.recheck.forget(k.key);
    this.batches.freed(k.key);
    for (const r of new Set([k.ownerKey, k.parentKey])) {
      const rel = r === null ? undefined : this.known.get(r);
      if (rel && --rel.related === 0) this.recheck.add(r!);
    }
  }

  /** Registers the namespace open on `fd` (owner and parent first); returns its key. */
  private register(fd: number, type: NsName, via: number): string {
    const inum = this.kernel.inum(fd);
    const id = this.opts.useIds ? this.kernel.id(fd) : null;
    const key = id !== null ? `id:${id.toString(16)}` : `${type}:${inum}`;
    if (this.known.has(key)) return key;
    this.batches.registering(key);
    const ownerKey = this.relative(fd, 'owner', type, via);
    const parentKey = type === 'pid' || type === 'user' ? this.relative(fd, 'parent', type, via) : null;
    this.known.set(key, { key, type, flag: profileTypes(this.opts.profile).byName.get(type)!.flag, inum, id, ownerKey, parentKey, members: 0, related: 0 });
    for (const r of new Set([ownerKey, parentKey])) if (r !== null) this.known.get(r)!.related++;
    // A stale inode entry (a namespace freed unnoticed) is replaced by the live one.
    this.byInum.set(`${type}:${inum}`, key);
    const obs: ObservedNs = { key, type, inum, id, ownerKey, parentKey, ownerUid: type === 'user' ? this.kernel.ownerUid(fd) : null, via };
    this.batches.namespace(obs);
    // Until a process is seen in it, it is held by what it was found through, or by nothing we watch.
    this.recheck.add(key);
    return key;
  }

  /** NS_GET_USERNS / NS_GET_PARENT, registered; null at the top or where the type has none. */
  private relative(fd: number, which: 'owner' | 'parent', type: NsName, via: number): string | null {
    const rfd = this.kernel.relative(fd, which);
    if (rfd === null) return null;
    try {
      // An owner is a user namespace; a parent has the child's type.
      return this.register(rfd, which === 'owner' ? 'user' : type, via);
    } finally {
      this.kernel.close(rfd);
    }
  }

  /** Its inode names it no more (unless a newer namespace took the inode already). */
  private dropInum(k: KnownNs): void {
    if (this.byInum.get(`${k.type}:${k.inum}`) === k.key) this.byInum.delete(`${k.type}:${k.inum}`);
  }
}
