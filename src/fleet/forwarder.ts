/**
 * `--remote`: every line of the local log, as written, goes to auditd's audisp-remote, which
 * queues it on disk (mode forward) and sends it to an aggregating auditd. The local log is the
 * source of truth and is never held back: the writer only tells the forwarder how far its file
 * goes (src/audit/log_sink.ts), and the forwarder reads the new bytes back from the file and
 * writes them to audisp-remote's input asynchronously, whole lines at a time.
 *
 * What nothing may lose:
 * - an aggregator outage: audisp-remote keeps the records in its queue file and sends them
 *   when the aggregator is back (the forwarder writes a line it skips every second, because
 *   it retries only when input arrives). The queue holds QUEUE_DEPTH records (./audisp_conf.ts) and drops
 *   what comes beyond, so the forwarder hands nothing over while it holds QUEUE_HIGH_WATER:
 *   the rest waits in the local log;
 * - audisp-remote dying: what it had read but not queued dies with it. A handed-over byte
 *   counts as safe only once audisp-remote lived {@link SAFE_MS} past its hand-over; after a
 *   death the forwarder resends from the last safe place (a few lines may go twice: the same
 *   lines, which readers count once);
 * - nsproc dying (kill -9): the safe place (inode and offset of the log file) is saved in the
 *   state directory; the next start resends from it, through rotated files if need be.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LogSink } from '../audit/log_sink.js';
import { QUEUE_HIGH_WATER, renderAudispConf } from './audisp_conf.js';
import { AUDISP_PACKAGE, locateAudispRemote, missingLibraries, spawnAudisp, type AudispCommand } from './audisp_process.js';
import { queuedRecords } from './queue_file.js';
import type { RemoteAddress } from './remote_address.js';

export interface ForwarderOptions {
  readonly logPath: string;
  /** The log's num_logs: which rotated files may still hold unsent lines after a restart. */
  readonly numLogs: number;
  readonly remote: RemoteAddress;
  /** `--audisp-remote`: the program or an unpacked package's directory; undefined: PATH's. */
  readonly audispRemote: string | undefined;
  readonly say: (line: string) => void;
}

/**
 * Where a log's forwarding state lives: beside the log, as `LOG.remote/` (0700): the
 * audisp-remote config and queue, and the cursor, which belong to that log and move with it.
 */
function remoteStateDir(logPath: string): string {
  return `${logPath}.remote`;
}

/** Counters for the debug socket's `stats`. */
export interface ForwarderStats {
  restarts: number;
  /** Bytes written to audisp-remote's input, resent ones included. */
  bytes: number;
  resentBytes: number;
  /** Records in audisp-remote's queue file (not yet acknowledged by the aggregator) at the last look. */
  queued: number;
}

/** A log file being forwarded: the current one, or a rotated one still to finish. */
interface View {
  readonly fd: number;
  readonly ino: number;
  /** Bytes of whole lines in it. */
  end: number;
  /** Rotated away: nothing more will be written to it. */
  final: boolean;
}

interface Place { readonly view: View; readonly offset: number }

/** How long audisp-remote must live after a hand-over for the bytes to count as queued. */
const SAFE_MS = 2000;
const CHUNK = 64 << 10;
const TICK_MS = 1000;
const BACKOFF_MS = [200, 500, 1000, 2000, 5000];
/** audisp-remote drops EOE records unsent; one makes it retry the aggregator. */
const NUDGE = Buffer.from('type=EOE msg=audit(0.000:0): \n');
const NL = 0x0a;

export class Forwarder {
  readonly stats: ForwarderStats = { restarts: 0, bytes: 0, resentBytes: 0, queued: 0 };
  readonly sink: LogSink;
  private views: View[] = [];
  private next: Place | null = null;
  /** Hand-overs not yet safe: where the input stood after each, and when. */
  private pending: { at: number; place: Place }[] = [];
  private safe: Place | null = null;
  private child: ChildProcess | null = null;
  private generation = 0;
  private pumping = false;
  private stopping = false;
  private backoff = 0;
  private tick: NodeJS.Timeout | null = null;
  private readonly conf: string;
  private readonly queue: string;
  private readonly cursor: string;

  private readonly stateDir: string;

  private constructor(private readonly o: ForwarderOptions, private readonly audisp: AudispCommand) {
    this.stateDir = remoteStateDir(o.logPath);
    this.conf = path.join(this.stateDir, 'audisp-remote.conf');
    this.queue = path.join(this.stateDir, 'audisp-remote.queue');
    this.cursor = path.join(this.stateDir, 'cursor');
    this.sink = {
      opened: (size) => void this.views.push(openView(o.logPath, size)),
      appended: (size) => {
        this.current().end = size;
        this.pump();
      },
      rotated: (size) => {
        Object.assign(this.current(), { end: size, final: true });
        this.views.push(openView(o.logPath, 0));
        this.pump();
      },
    };
  }

  /**
   * Finds audisp-remote and writes its configuration, before the log opens with {@link sink}.
   * @throws a sentence saying what is missing (audisp-remote, its libraries) or what cannot be written
   */
  static prepare(o: ForwarderOptions): Forwarder {
    const audisp = locateAudispRemote(o.audispRemote, process.env['PATH'] ?? '');
    if (typeof audisp === 'string') throw new Error(audisp);
    const missing = missingLibraries(audisp);
    if (missing.length > 0) throw new Error(`audisp-remote ${audisp.binary} cannot load ${missing.join(', ')}: install ${AUDISP_PACKAGE} with its dependencies, or unpack them into the --audisp-remote directory`);
    const f = new Forwarder(o, audisp);
    fs.mkdirSync(path.join(f.stateDir, 'etc'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(f.conf, renderAudispConf(o.remote, f.queue), { mode: 0o640 });
    return f;
  }

  /** After the log was opened (and its first records written): resume from the saved cursor, start audisp-remote. */
  start(): void {
    const cur = this.current();
    this.next = this.resumePlace() ?? { view: cur, offset: cur.end };
    this.safe = this.next;
    this.spawn();
    this.tick = setInterval(() => this.onTick(), TICK_MS);
    this.tick.unref();
  }

  /** Hands over what is left, closes audisp-remote's input and waits for it to send and exit. */
  async stop(): Promise<void> {
    if (this.tick) clearInterval(this.tick);
    for (let i = 0; i < 30 && this.child !== null && this.behind(); i++) await sleep(100);
    this.stopping = true;
    const child = this.child;
    if (child !== null && child.exitCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.stdin!.end();
      if (!(await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]))) child.kill('SIGTERM');
      await Promise.race([exited, sleep(2000)]);
      // It lived to its end: everything handed over is queued or sent.
      this.safe = this.next;
    }
    this.saveCursor();
    for (const v of this.views) fs.closeSync(v.fd);
  }

  /** `running` (audisp-remote is up), `restarting` (it died; a new one comes) or `stopped`. */
  get state(): 'running' | 'restarting' | 'stopped' {
    if (this.stopping) return 'stopped';
    return this.child !== null ? 'running' : 'restarting';
  }

  private current(): View {
    return this.views[this.views.length - 1]!;
  }

  private behind(): boolean {
    return this.next !== null && (this.next.offset < this.next.view.end || this.next.view !== this.current());
  }

  /** The cursor a previous run saved, found again in the log or one of its rotated files. */
  private resumePlace(): Place | null {
    let c: { ino: number; offset: number };
    try {
      c = JSON.parse(fs.readFileSync(this.cursor, 'utf8')) as typeof c;
    } catch {
      return null;
    }
    const cur = this.current();
    if (c.ino === cur.ino) return c.offset <= cur.end ? { view: cur, offset: c.offset } : null;
    const older: View[] = [];
    for (let k = 1; k < this.o.numLogs; k++) {
      const v = openRotated(`${this.o.logPath}.${k}`);
      if (v === null) break;
      older.unshift(v);
      if (v.ino === c.ino) {
        this.views.unshift(...older);
        return { view: v, offset: Math.min(c.offset, v.end) };
      }
    }
    for (const v of older) fs.closeSync(v.fd);
    this.o.say(`nsproc: remote: the saved cursor names a log file that is gone (inode ${c.ino}); forwarding from this start on`);
    return null;
  }

  private spawn(): void {
    const child = spawnAudisp(this.audisp, path.join(this.stateDir, 'etc'), this.conf, (l) => this.o.say(`nsproc: audisp-remote: ${l}`));
    this.child = child;
    this.generation++;
    const started = Date.now();
    child.once('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      if (this.stopping) return;
      if (Date.now() - started > 60_000) this.backoff = 0;
      const delay = BACKOFF_MS[Math.min(this.backoff++, BACKOFF_MS.length - 1)]!;
      this.stats.restarts++;
      this.o.say(`nsproc: remote: audisp-remote (pid ${child.pid}) ${signal ? `was killed by ${signal}` : `exited with status ${code}`}; restarting it in ${delay} ms (restart ${this.stats.restarts}), resending what it may not have queued`);
      setTimeout(() => this.restart(), delay).unref();
    });
    this.pump();
  }

  /** After a death: what was handed over but not yet safe goes again. */
  private restart(): void {
    if (this.stopping || this.safe === null || this.next === null) return;
    this.stats.resentBytes += distance(this.views, this.safe, this.next);
    this.next = this.safe;
    this.pending = [];
    this.spawn();
  }

  private onTick(): void {
    const now = Date.now();
    let moved = false;
    while (this.child !== null && this.pending.length > 0 && now - this.pending[0]!.at >= SAFE_MS) {
      this.safe = this.pending.shift()!.place;
      moved = true;
    }
    if (moved) this.saveCursor();
    // Files before the safe place are done with.
    while (this.safe !== null && this.views[0] !== this.safe.view && this.views[0]!.final) fs.closeSync(this.views.shift()!.fd);
    this.stats.queued = queuedRecords(this.queue);
    if (this.child !== null && !this.pumping && this.stats.queued > 0) this.child.stdin!.write(NUDGE);
    this.pump();
  }

  private saveCursor(): void {
    if (this.safe === null) return;
    const tmp = `${this.cursor}.tmp`;
    try {
      fs.writeFileSync(tmp, JSON.stringify({ ino: this.safe.view.ino, offset: this.safe.offset }));
      fs.renameSync(tmp, this.cursor);
    } catch (e) {
      this.o.say(`nsproc: remote: cannot save the cursor ${this.cursor}: ${(e as Error).message}`);
    }
  }

  /** Hands the log's new lines over, a chunk at a time, never more than one write in flight. */
  private pump(): void {
    const child = this.child;
    const at = this.next;
    if (this.pumping || child === null || at === null) return;
    if (at.offset >= at.view.end) {
      const later = this.views[this.views.indexOf(at.view) + 1];
      if (at.view.final && later !== undefined) {
        this.next = { view: later, offset: 0 };
        this.pump();
      }
      return;
    }
    // Held back while the queue is near full (the next tick looks again).
    if ((this.stats.queued = queuedRecords(this.queue)) >= QUEUE_HIGH_WATER) return;
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, at.view.end - at.offset));
    const n = fs.readSync(at.view.fd, buf, 0, buf.length, at.offset);
    const cut = buf.subarray(0, n).lastIndexOf(NL) + 1;
    if (cut === 0) return;
    const gen = this.generation;
    this.pumping = true;
    child.stdin!.write(buf.subarray(0, cut), (err) => {
      this.pumping = false;
      if (err || gen !== this.generation) return;
      this.next = { view: at.view, offset: at.offset + cut };
      this.stats.bytes += cut;
      this.pending.push({ at: Date.now(), place: this.next });
      this.pump();
    });
  }
}

function openView(file: string, size: number): View {
  const fd = fs.openSync(file, 'r');
  return { fd, ino: fs.fstatSync(fd).ino, end: size, final: false };
}

function openRotated(file: string): View | null {
  try {
    const fd = fs.openSync(file, 'r');
    const st = fs.fstatSync(fd);
    return { fd, ino: st.ino, end: st.size, final: true };
  } catch {
    return null;
  }
}

/** Bytes from `a` to `b` (b after a) across the views. */
function distance(views: readonly View[], a: Place, b: Place): number {
  let n = 0;
  for (let i = views.indexOf(a.view); i >= 0 && i <= views.indexOf(b.view); i++) {
    const v = views[i]!;
    n += (v === b.view ? b.offset : v.end) - (v === a.view ? a.offset : 0);
  }
  return Math.max(0, n);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
