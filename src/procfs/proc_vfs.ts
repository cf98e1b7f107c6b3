/**
 * The tree as a {@link Vfs}: lookups through tree.ts, file contents rendered
 * once per open and every later read served from that snapshot (so a read
 * never sees half of a command), and the control file's per-open answers.
 */
import type { KernelError } from '../model/errno.js';
import { nsLinkText } from '../model/nstypes.js';
import type { ModelState } from '../model/state.js';
import { MAX_LINE } from '../control/parse.js';
import type { BatchResult } from '../control/run_batch.js';
import { renderSnum, renderStatus } from './render.js';
import { attrOf, list, lookup, type Node } from './tree.js';
import { MAX_WRITE, isKernelError, type Attr, type DirListing, type Vfs } from './vfs.js';

const O_ACCMODE = 0o3;
const O_TRUNC = 0o1000;
const PAGE_SIZE = 4096;
const NL = 0x0a;
const NO_BYTES = Buffer.alloc(0);

/** An open file: a rendered snapshot, an nsfs file (reads fail), or a control-file session. */
type Handle =
  | { readonly kind: 'snapshot'; readonly data: Buffer }
  | { readonly kind: 'nsfs' }
  | CtlHandle;

/** A control-file session; `tail`: the start of a line cut at the end of a long write piece. */
interface CtlHandle { readonly kind: 'ctl'; out: Buffer; tail: Buffer }

export type RunWrite = (text: string) => BatchResult;

function render(n: Node): Buffer | null {
  switch (n.kind) {
    case 'status': return Buffer.from(renderStatus(n.task));
    case 'snum': return Buffer.from(renderSnum(n.ns));
    default: return null;
  }
}

export class ProcVfs implements Vfs {
  private readonly handles = new Map<number, Handle>();
  private nextFh = 1;

  constructor(private readonly state: ModelState, private readonly runWrite: RunWrite) {}

  getattr(path: string): Attr | KernelError {
    const n = lookup(this.state, path);
    return isKernelError(n) ? n : attrOf(n);
  }

  readdir(path: string): DirListing | KernelError {
    const n = lookup(this.state, path);
    if (isKernelError(n)) return n;
    const l = list(this.state, n);
    return isKernelError(l) ? l : { names: l.names, attrs: l.nodes.map(attrOf) };
  }

  readlink(path: string): string | KernelError {
    const n = lookup(this.state, path);
    if (isKernelError(n)) return n;
    if (n.kind !== 'ns-link') return { errno: 'EINVAL', detail: `${path} is not a symbolic link` };
    return nsLinkText(n.ns.type, n.ns.inum);
  }

  open(path: string, flags: number): number | KernelError {
    const n = lookup(this.state, path);
    if (isKernelError(n)) return n;
    const writing = (flags & O_ACCMODE) !== 0 || (flags & O_TRUNC) !== 0;
    let h: Handle;
    if (n.kind === 'ctl') h = { kind: 'ctl', out: NO_BYTES, tail: NO_BYTES };
    else if (writing) return { errno: 'EACCES', detail: `${path} is read-only` };
    else if (n.kind === 'nsfs') h = { kind: 'nsfs' };
    else {
      const data = render(n);
      if (!data) return { errno: 'EISDIR', detail: `${path} is a directory` };
      h = { kind: 'snapshot', data };
    }
    return this.store(h);
  }

  read(fh: number, length: number, position: number): Buffer | KernelError {
    const h = this.handles.get(fh);
    if (!h) return { errno: 'EBADF', detail: `no open file ${fh}` };
    switch (h.kind) {
      case 'snapshot': return h.data.subarray(Math.min(position, h.data.length), Math.min(position + length, h.data.length));
      // fs/nsfs.c: an ns file has no read operation.
      case 'nsfs': return { errno: 'EINVAL', detail: 'namespace files cannot be read' };
      case 'ctl': {
        // Answers are consumed from a per-open cursor; the file offset (which counts what was written) is ignored.
        this.flushTail(h);
        const chunk = h.out.subarray(0, length);
        h.out = h.out.subarray(chunk.length);
        return chunk;
      }
    }
  }

  write(fh: number, data: Buffer): number | KernelError {
    const h = this.handles.get(fh);
    if (!h) return { errno: 'EBADF', detail: `no open file ${fh}` };
    if (h.kind !== 'ctl') return { errno: 'EBADF', detail: 'file not open for writing' };
    // A write(2) longer than MAX_WRITE reaches us in pieces cut at the writer's page boundaries,
    // each longer than MAX_WRITE - PAGE_SIZE but the last; cat (nsctl -) writes 128 KiB blocks
    // of its input, which end inside a line wherever they fall. So a piece that long which ends
    // inside a line keeps that line's start, as bytes (a seam may split a UTF-8 character), for
    // the next write on this open file, and takes the whole piece. Not a short count: after one,
    // cat writes only the rest of its block again (measured), a write(2) of its own that would
    // run a line's end as a line. A kept line still runs if no write follows: before the next
    // read (its answer is there) or at close (unseen). A line longer than MAX_LINE is passed on
    // at once, to fail with EINVAL instead of growing forever. Pieces of whole pages are kept the
    // same way: stdio writers (bash's echo and printf) flush a long line in 4096-byte buffers.
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
    const error = this.run(h, bytes);
    // SPEC §5: commands after a failed one in the same write are not run, the kept line included.
    if (error) h.tail = NO_BYTES;
    return error ?? data.length;
  }

  /** Runs `bytes` as one batch on `h`; its answer waits for a read. Returns the write's error, if any. */
  private run(h: CtlHandle, bytes: Buffer): KernelError | null {
    if (bytes.length === 0) return null;
    const r = this.runWrite(bytes.toString('utf8'));
    h.out = Buffer.concat([h.out, Buffer.from(r.output)]);
    return r.error;
  }

  /** Runs a kept line start when no write continued it. */
  private flushTail(h: CtlHandle): void {
    const tail = h.tail;
    h.tail = NO_BYTES;
    this.run(h, tail);
  }

  truncate(path: string): void | KernelError {
    const n = lookup(this.state, path);
    if (isKernelError(n)) return n;
    // `echo cmd > nsctl` opens with O_TRUNC: harmless on the control file, refused elsewhere.
    if (n.kind !== 'ctl') return { errno: 'EACCES', detail: `${path} is read-only` };
  }

  release(fh: number): void {
    const h = this.handles.get(fh);
    if (h?.kind === 'ctl') this.flushTail(h);
    this.handles.delete(fh);
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
