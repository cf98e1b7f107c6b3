/**
 * The tree as a {@link Vfs}: lookups through tree.ts, a task file's text taken
 * as fs/seq_file.c takes it (one render serves every read that continues it,
 * so a read never sees half of a command), and the control file's per-open answers.
 * Every path a request names below `/<pid>` is reported to the tree's
 * invalidation, and a write is answered only after the kernel dropped what
 * the write made stale (tree_invalidation.ts).
 */
import type { KernelError } from '../model/errno.js';
import { nsLinkText } from '../model/nstypes.js';
import type { AccessPolicy } from '../model/proc_access.js';
import type { ModelState } from '../model/state.js';
import { entryNamespace } from '../model/task_ns.js';
import { MAX_LINE } from '../control/parse.js';
import type { BatchResult } from '../control/run_batch.js';
import { renderSnum } from './render.js';
import { attrOf, list, lookup, selfLinkText, type Node } from './tree.js';
import { TreeInvalidation } from './tree_invalidation.js';
import { MAX_WRITE, isKernelError, type Attr, type DirListing, type Vfs } from './vfs.js';

const O_ACCMODE = 0o3;
const O_TRUNC = 0o1000;
const PAGE_SIZE = 4096;
const NL = 0x0a;
const NO_BYTES = Buffer.alloc(0);

/** An open file: a task's file (status, stat …, `*_snum`) or a control-file session. */
type Handle = TaskFileHandle | CtlHandle;

/**
 * An open task file, as seq_file keeps it: `text` is the last render (null
 * before the first read), `end` the offset where the last read stopped.
 */
interface TaskFileHandle { readonly kind: 'task-file'; readonly path: string; readonly node: TaskFileNode; text: Buffer | null; end: number }
type TaskFileNode = Extract<Node, { kind: 'pid-file' | 'snum' }>;

/** A control-file session; `tail`: the start of a line cut at the end of a long write piece. */
interface CtlHandle { readonly kind: 'ctl'; out: Buffer; tail: Buffer }

export type RunWrite = (text: string) => BatchResult;

/**
 * Opening a namespace file (`ns/net`, followed): Linux hands out an nsfs file whose ioctls
 * (NS_GET_USERNS, NS_GET_PARENT) name other namespaces, and FUSE can give neither the file
 * nor, through fuse-native, any ioctl answer but ENOTTY — at which util-linux lsns 2.38
 * stops, while it reads on after ENOENT or EACCES. So the open fails with ENOENT, the
 * kernel's answer when fs/nsfs.c:ns_get_path() finds no namespace to give (stat -L still
 * shows the inode number).
 */
const NO_NSFS_FD: KernelError = { errno: 'ENOENT', detail: 'nsproc cannot open a namespace file: FUSE gives no nsfs file descriptor' };

/** A batch's write error, and the invalidation to settle before the write is answered. */
interface Ran { readonly error: KernelError | null; readonly invalidated: Promise<void> | null }
const NOTHING_RAN: Ran = { error: null, invalidated: null };

function isTaskFile(n: Node): n is TaskFileNode {
  return n.kind === 'pid-file' || n.kind === 'snum';
}

/** The file's text now: a `*_snum` file shows the namespace the task is in at this read. */
function render(s: ModelState, n: TaskFileNode): Buffer {
  if (n.kind === 'pid-file') return Buffer.from(n.file.render(n.task));
  return Buffer.from(renderSnum(entryNamespace(s, n.task, n.ns.type.name)!));
}

export class ProcVfs implements Vfs {
  private readonly handles = new Map<number, Handle>();
  private nextFh = 1;

  /**
   * @param invalidation the tree's contract with the kernel's caches; give the daemon's one
   *   (connected to the mount) so control writes invalidate before they are answered
   * @param access host mode's: who may read what (model/proc_access.ts); null: a model's tasks' own uid and gid
   */
  constructor(private readonly state: ModelState, private readonly runWrite: RunWrite,
    readonly invalidation: TreeInvalidation = new TreeInvalidation(), private readonly access: AccessPolicy | null = null) {}

  /** lookup(), noting the pid whose entry the kernel may now cache. */
  private resolve(path: string): Node | KernelError {
    const n = lookup(this.state, path);
    if (!isKernelError(n) && 'task' in n) this.invalidation.seen(n.task.nrs[0]!);
    return n;
  }

  getattr(path: string): Attr | KernelError {
    const n = this.resolve(path);
    if (!isKernelError(n)) return attrOf(n, this.access);
    // An open file keeps its inode after its task is reaped, so fstat(2) answers on Linux (cat
    // does one before it reads, and then reports the read's ESRCH). The kernel asks fstat as a
    // GETATTR without the handle (fs/fuse/dir.c:fuse_getattr()), so find the open file by path;
    // a new lookup of that path never gets here, it fails at `<pid>/` already.
    const open = this.openTaskFile(path);
    return open ? attrOf(open.node, this.access) : n;
  }

  readdir(path: string): DirListing | KernelError {
    const n = this.resolve(path);
    if (isKernelError(n)) return n;
    const l = list(this.state, n);
    return isKernelError(l) ? l : { names: l.names, attrs: l.nodes.map((node) => attrOf(node, this.access)) };
  }

  readlink(path: string): string | KernelError {
    const n = this.resolve(path);
    if (isKernelError(n)) return n;
    if (n.kind === 'self-link') return selfLinkText(this.state);
    if (n.kind !== 'ns-link') return { errno: 'EINVAL', detail: `${path} is not a symbolic link` };
    return nsLinkText(n.ns.type, n.ns.inum);
  }

  open(path: string, flags: number): number | KernelError {
    const n = this.resolve(path);
    if (isKernelError(n)) return n;
    const writing = (flags & O_ACCMODE) !== 0 || (flags & O_TRUNC) !== 0;
    let h: Handle;
    if (n.kind === 'ctl') h = { kind: 'ctl', out: NO_BYTES, tail: NO_BYTES };
    else if (writing) return { errno: 'EACCES', detail: `${path} is read-only` };
    else if (n.kind === 'nsfs') return NO_NSFS_FD;
    else if (isTaskFile(n)) h = { kind: 'task-file', path, node: n, text: null, end: 0 };
    else return { errno: 'EISDIR', detail: `${path} is a directory` };
    return this.store(h);
  }

  read(fh: number, length: number, position: number): Buffer | KernelError | Promise<Buffer | KernelError> {
    const h = this.handles.get(fh);
    if (!h) return { errno: 'EBADF', detail: `no open file ${fh}` };
    switch (h.kind) {
      case 'task-file': return this.readTaskFile(h, length, position);
      case 'ctl': {
        // Answers are consumed from a per-open cursor; the file offset (which counts what was written) is ignored.
        const take = () => {
          // An answer read whole (the common case) is handed over as it is, not cut.
          const chunk = h.out.length <= length ? h.out : h.out.subarray(0, length);
          h.out = chunk === h.out ? NO_BYTES : h.out.subarray(chunk.length);
          return chunk;
        };
        const ran = this.flushTail(h);
        return ran ? ran.then(take) : take();
      }
    }
  }

  /**
   * fs/seq_file.c:seq_read_iter(): a read from offset 0, or from anywhere but
   * where the last read stopped, renders the file again; a read that continues
   * is served from that render, up to its end and then empty. A render after the
   * task was reaped fails: fs/proc/base.c:proc_single_show() answers ESRCH when
   * get_pid_task() finds no task (a continuing read still gets the text it had).
   */
  private readTaskFile(h: TaskFileHandle, length: number, position: number): Buffer | KernelError {
    if (h.text === null || position === 0 || position !== h.end) {
      const t = h.node.task;
      if (t.state !== 'live') return { errno: 'ESRCH', detail: `pid ${t.nrs[0]} exited after this file was opened` };
      h.text = render(this.state, h.node);
    }
    const chunk = h.text.subarray(Math.min(position, h.text.length), Math.min(position + length, h.text.length));
    h.end = position + chunk.length;
    return chunk;
  }

  write(fh: number, data: Buffer): number | KernelError | Promise<number | KernelError> {
    const h = this.handles.get(fh);
    if (!h) return { errno: 'EBADF', detail: `no open file ${fh}` };
    if (h.kind !== 'ctl') return { errno: 'EBADF', detail: 'file not open for writing' };
    // fs/fuse/file.c:fuse_direct_io() cuts a long write(2) at max_write, stdio at pages: a piece ending mid-line keeps that line's bytes.
    let bytes = h.tail.length > 0 ? Buffer.concat([h.tail, data]) : data;
    h.tail = NO_BYTES;
    const seam = data.length > MAX_WRITE - PAGE_SIZE || data.length % PAGE_SIZE === 0;
    if (seam && bytes[bytes.length - 1] !== NL) {
      const cut = bytes.lastIndexOf(NL) + 1;
      if (bytes.length - cut <= MAX_LINE) {
        h.tail = Buffer.from(bytes.subarray(cut));
        bytes = bytes.subarray(0, cut);
      }
    }
    const { error, invalidated } = this.run(h, bytes);
    // SPEC §5: commands after a failed one in the same write are not run, the kept line included.
    if (error) h.tail = NO_BYTES;
    const result = error ?? data.length;
    return invalidated ? invalidated.then(() => result) : result;
  }

  /**
   * Runs `bytes` as one batch on `h`; its answer waits for a read. Returns the write's error, if
   * any, and the invalidation of what it changed, to settle before the write is answered.
   */
  private run(h: CtlHandle, bytes: Buffer): Ran {
    if (bytes.length === 0) return NOTHING_RAN;
    const r = this.runWrite(bytes.toString('utf8'));
    // One command per write is the common case: its answer is all there is to read.
    const answer = Buffer.from(r.output);
    h.out = h.out.length === 0 ? answer : Buffer.concat([h.out, answer]);
    return { error: r.error, invalidated: this.invalidation.invalidate({ pids: r.changedPids }) };
  }

  /** Runs a kept line start when no write continued it; returns its invalidation, if any. */
  private flushTail(h: CtlHandle): Promise<void> | null {
    const tail = h.tail;
    h.tail = NO_BYTES;
    return this.run(h, tail).invalidated;
  }

  truncate(path: string): void | KernelError {
    const n = lookup(this.state, path);
    if (isKernelError(n)) return n;
    // `echo cmd > nsctl` opens with O_TRUNC: harmless on the control file, refused elsewhere.
    if (n.kind !== 'ctl') return { errno: 'EACCES', detail: `${path} is read-only` };
  }

  release(fh: number): void {
    const h = this.handles.get(fh);
    // close(2) does not wait for FUSE_RELEASE, so nobody waits for this invalidation either.
    if (h?.kind === 'ctl') void this.flushTail(h);
    this.handles.delete(fh);
  }

  private openTaskFile(path: string): TaskFileHandle | undefined {
    for (const h of this.handles.values()) if (h.kind === 'task-file' && h.path === path) return h;
    return undefined;
  }

  private store(h: Handle): number {
    // Handles are 32-bit and 0 means none (fuse-native): count from 1, skip any still open.
    while (this.handles.has(this.nextFh) || this.nextFh === 0) this.nextFh = (this.nextFh + 1) >>> 0;
    const fh = this.nextFh;
    this.nextFh = (this.nextFh + 1) >>> 0;
    this.handles.set(fh, h);
    return fh;
  }
}
