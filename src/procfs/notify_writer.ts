/**
 * Writes FUSE notify messages to the mount's /dev/fuse descriptor from a
 * dedicated worker thread. Why a thread of its own (fs/fuse/dev.c,
 * fuse_reverse_inval_entry()): the kernel takes the parent directory's inode
 * lock for the notify, and a LOOKUP in flight in that directory holds it
 * while it waits for Node's main thread to answer. A write(2) from the main
 * thread — or from libuv's pool, which handlers may need — could then wait
 * for itself. The worker only writes; it never loads fuse-native (the addon
 * aborts under worker threads), so its code is plain CommonJS evaluated from
 * the string below, the same from dist/ and from sources.
 */
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';

/** fuse_notify_code (include/uapi/linux/fuse.h). */
const FUSE_NOTIFY_INVAL_ENTRY = 3;
/** The root's nodeid: the only one a libfuse2 high-level file system can name. */
const FUSE_ROOT_ID = 1n;

/** A notify the kernel refused (ENOENT — nothing cached — is success and never reported). */
export interface NotifyFailure {
  readonly name: string;
  readonly code: string;
}

/** Drops cached entries of the root directory; resolves once the kernel answered each write. */
export interface EntryNotifier {
  invalidateRootEntries(names: readonly string[]): Promise<NotifyFailure[]>;
  /** Stops the thread; pending calls reject. */
  close(): Promise<void>;
}

/**
 * One message: fuse_out_header {len, error = notify code, unique = 0}, then
 * fuse_notify_inval_entry_out {parent, namelen, flags = 0}, the name and a NUL.
 */
export function invalEntryMessage(parent: bigint, name: string): Buffer {
  const nameBytes = Buffer.from(name);
  const msg = Buffer.alloc(16 + 16 + nameBytes.length + 1);
  msg.writeUInt32LE(msg.length, 0);
  msg.writeInt32LE(FUSE_NOTIFY_INVAL_ENTRY, 4);
  msg.writeBigUInt64LE(0n, 8);
  msg.writeBigUInt64LE(parent, 16);
  msg.writeUInt32LE(nameBytes.length, 24);
  msg.writeUInt32LE(0, 28);
  nameBytes.copy(msg, 32);
  return msg;
}

/** The worker: for each job, one write(2) per message, in order; answers the codes of the failures. */
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
parentPort.on('message', (job) => {
  const failures = [];
  for (let i = 0; i < job.messages.length; i++) {
    try {
      fs.writeSync(workerData.fd, job.messages[i]);
    } catch (e) {
      if (e.code !== 'ENOENT') failures.push({ name: job.names[i], code: e.code || String(e) });
    }
  }
  parentPort.postMessage({ id: job.id, failures });
});
`;

/** The /dev/fuse descriptors this process holds, from /proc/self/fd. */
export function fuseDescriptors(): Set<number> {
  const fds = new Set<number>();
  for (const name of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${name}`) === '/dev/fuse') fds.add(Number(name));
    } catch {
      // The descriptor readdir itself used, closed by now.
    }
  }
  return fds;
}

/**
 * Starts the writer thread on `fd` (the descriptor libfuse opened for this mount).
 * @example
 * const n = startNotifyWriter(fd);
 * await n.invalidateRootEntries(['4']); // [] : dropped, or was not cached
 */
export function startNotifyWriter(fd: number): EntryNotifier {
  const worker = new Worker(WORKER_CODE, { eval: true, workerData: { fd } });
  // The daemon's lifetime is the mount's, not this thread's.
  worker.unref();
  const pending = new Map<number, { resolve: (f: NotifyFailure[]) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let dead: Error | null = null;
  const failAll = (e: Error) => {
    dead ??= e;
    for (const p of pending.values()) p.reject(dead);
    pending.clear();
  };
  worker.on('message', (m: { id: number; failures: NotifyFailure[] }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    p?.resolve(m.failures);
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`the notify thread exited (status ${code})`)));
  return {
    invalidateRootEntries(names) {
      if (dead) return Promise.reject(dead);
      const id = nextId++;
      const messages = names.map((n) => invalEntryMessage(FUSE_ROOT_ID, n));
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, names, messages });
      });
    },
    async close() {
      failAll(new Error('the notify thread was stopped'));
      await worker.terminate();
    },
  };
}
