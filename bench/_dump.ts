/**
 * Writes what a {@link Vfs} serves as the dump file that bench/c/baseline_fs.c
 * loads, so the C baseline answers the same paths with the same modes,
 * owners, inode numbers and contents as nsproc. Also collects the paths the
 * R1 reader loops over.
 */
import type { KernelError } from '../src/model/errno.js';
import { S_IFDIR, S_IFLNK, answeredNow, isKernelError, type Attr, type Vfs } from '../src/procfs/vfs.js';

export interface DumpNode {
  readonly path: string;
  readonly kind: 'd' | 'f' | 'l' | 'n';
  readonly attr: Attr;
  readonly listed: boolean;
  readonly content: Buffer;
}

export interface Dump {
  readonly nodes: DumpNode[];
  /** `/<pid>/ns/<type>_snum` for every task and type. */
  readonly snumPaths: string[];
  /** `/<pid>/ns/<type>` links. */
  readonly linkPaths: string[];
  /** `/<pid>/status`. */
  readonly statusPaths: string[];
}

const join = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);

function must<T>(v: T | KernelError, what: string): Exclude<T, KernelError> {
  if (isKernelError(v)) throw new Error(`${what}: ${v.errno}: ${v.detail}`);
  return v as Exclude<T, KernelError>;
}

function readAll(vfs: Vfs, path: string): Buffer {
  const fh = must(vfs.open(path, 0), `open ${path}`);
  const parts: Buffer[] = [];
  for (let pos = 0; ; ) {
    const b = answeredNow(vfs.read(fh, 65536, pos));
    if (isKernelError(b)) break; // nsfs files: reads fail, as on Linux
    if (b.length === 0) break;
    parts.push(Buffer.from(b));
    pos += b.length;
  }
  vfs.release(fh);
  return Buffer.concat(parts);
}

/** Walks the tree from `/`, every listed node, plus the unlisted link targets in `ns/`. */
export function dumpVfs(vfs: Vfs): Dump {
  const nodes: DumpNode[] = [];
  const snumPaths: string[] = [];
  const linkPaths: string[] = [];
  const statusPaths: string[] = [];
  const visit = (path: string, attr: Attr): void => {
    const type = attr.mode & 0o170000;
    if (type === S_IFDIR) {
      nodes.push({ path, kind: 'd', attr, listed: true, content: Buffer.alloc(0) });
      const l = must(vfs.readdir(path), `readdir ${path}`);
      l.names.forEach((name, i) => {
        if (name !== '.' && name !== '..') visit(join(path, name), l.attrs[i]!);
      });
    } else if (type === S_IFLNK) {
      const target = must(vfs.readlink(path), `readlink ${path}`);
      nodes.push({ path, kind: 'l', attr, listed: true, content: Buffer.from(target) });
      linkPaths.push(path);
      const dir = path.slice(0, path.lastIndexOf('/'));
      const hidden = join(dir, target);
      const ha = vfs.getattr(hidden);
      if (!isKernelError(ha)) nodes.push({ path: hidden, kind: 'n', attr: ha, listed: false, content: Buffer.alloc(0) });
    } else if (path.endsWith('/nsctl')) {
      nodes.push({ path, kind: 'f', attr, listed: true, content: Buffer.alloc(0) });
    } else {
      nodes.push({ path, kind: 'f', attr, listed: true, content: readAll(vfs, path) });
      if (path.endsWith('_snum')) snumPaths.push(path);
      if (path.endsWith('/status')) statusPaths.push(path);
    }
  };
  visit('/', must(vfs.getattr('/'), 'getattr /'));
  return { nodes, snumPaths, linkPaths, statusPaths };
}

/** The dump file's text (format in bench/c/baseline_fs.c). */
export function dumpText(d: Dump): string {
  return d.nodes.map((n) => [
    n.path, n.kind, (n.attr.mode & 0o177777).toString(8), n.attr.uid, n.attr.gid, n.attr.ino, n.attr.nlink,
    n.listed ? 1 : 0, n.content.toString('hex'),
  ].join('\t')).join('\n') + '\n';
}
