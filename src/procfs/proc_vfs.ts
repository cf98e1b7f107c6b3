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
  | { readonly kind: 'ctl'; out: Buffer };

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
    if (n.kind === 'ctl') h = { kind: 'ctl', out: NO_BYTES };
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
    // each longer than MAX_WRITE - PAGE_SIZE but the last, and nothing tells the last piece from
    // the others. So a piece that long which ends inside a line runs up to its last newline and
    // answers that short count: the kernel then ends the write(2) there (fs/fuse/file.c:
    // fuse_direct_io() stops at a short reply) and returns the count, and the writer sends the
    // rest again, from the start of the cut line (cat, stdio and fs.writeFile all do). Holding the
    // cut line for a next piece instead would acknowledge bytes never run when no piece follows.
    // A cut at a newline never splits a UTF-8 character. A line longer than MAX_LINE (or a piece
    // without a newline) is passed on whole, to fail with EINVAL at once.
    let bytes = data;
    if (data.length > MAX_WRITE - PAGE_SIZE && data[data.length - 1] !== NL) {
      const cut = data.lastIndexOf(NL) + 1;
      if (cut > 0 && data.length - cut <= MAX_LINE) bytes = data.subarray(0, cut);
    }
    const r = this.runWrite(bytes.toString('utf8'));
    h.out = Buffer.concat([h.out, Buffer.from(r.output)]);
    return r.error ?? bytes.length;
  }

  truncate(path: string): void | KernelError {
    const n = lookup(this.state, path);
    if (isKernelError(n)) return n;
    // `echo cmd > nsctl` opens with O_TRUNC: harmless on the control file, refused elsewhere.
    if (n.kind !== 'ctl') return { errno: 'EACCES', detail: `${path} is read-only` };
  }

  release(fh: number): void {
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
