/**
 * A reference model in the test process: the same boot and the same
 * runBatch() the daemon runs, fed the same control-file writes. A daemon that
 * took a write through FUSE must end in exactly the reference's state and
 * answer exactly its output; tree reads must return the reference's rendering.
 */
import * as posix from 'node:path/posix';
import { runBatch, type BatchResult, type EventSink } from '../../src/control/run_batch.js';
import { boot, type BootOptions } from '../../src/model/boot.js';
import { dumpModel } from '../../src/model/dump.js';
import { ok } from '../../src/model/errno.js';
import type { ModelState } from '../../src/model/state.js';
import { ProcVfs } from '../../src/procfs/proc_vfs.js';
import { answeredNow, isKernelError } from '../../src/procfs/vfs.js';

export class Reference {
  readonly state: ModelState;
  /** Events the reference "logged" (its sink never fails). */
  events = 0;
  private readonly vfs: ProcVfs;
  private readonly sink: EventSink = { appendEvents: (e) => ((this.events += e.length), ok(undefined)) };

  constructor(opts: BootOptions = {}) {
    const b = boot(opts);
    if (!b.ok) throw new Error(b.error.detail);
    this.state = b.value.state;
    this.vfs = new ProcVfs(this.state, (text) => runBatch(this.state, this.sink, text));
  }

  /** One control-file write as one batch (the daemon joins FUSE pieces back into lines). */
  write(data: Uint8Array): BatchResult {
    return runBatch(this.state, this.sink, Buffer.from(data).toString('utf8'));
  }

  /** The dump as JSON would carry it (what the debug socket answers). */
  dump(): unknown {
    return JSON.parse(JSON.stringify(dumpModel(this.state)));
  }

  /**
   * What a read-only open of `path` shows: the rendered bytes, or the errno the tree gives
   * (a namespace file: ENOENT at the open).
   */
  content(path: string): Buffer | 'ctl' | { errno: string } {
    path = posix.normalize(path); // the kernel resolves "." before asking the daemon
    if (path === '/nsctl') return 'ctl';
    // The kernel follows a link first: ns/net resolves to ns/net:[INUM] in the same directory.
    const link = this.vfs.readlink(path);
    if (!isKernelError(link)) path = `${path.slice(0, path.lastIndexOf('/'))}/${link}`;
    const fh = this.vfs.open(path, 0);
    if (isKernelError(fh)) return { errno: fh.errno };
    try {
      const r = answeredNow(this.vfs.read(fh, 1 << 24, 0));
      return isKernelError(r) ? { errno: r.errno } : Buffer.from(r);
    } finally {
      this.vfs.release(fh);
    }
  }
}
