/**
 * Robustness tests' helpers: a real daemon with the test-only debug socket
 * (src/cli/_debug.ts) to read its full model dump and handler/event-loop stats
 * from outside, async nsctl transactions that report errno, and audit log
 * checks. Only async I/O against the mount: the daemon is another process.
 */
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import type { AuditStamp } from '../../src/audit/format.js';
import { eventKey, parseRecordLine } from '../../src/audit/record_line.js';
import { makeTempDir, removeTempDir, startDaemon, type MountedDaemon, type StartOptions } from '../helpers/mounted.js';

/** What the debug socket's `dump` answers (src/system.ts inspect()). */
export interface Inspection {
  readonly model: unknown;
  readonly audit: { readonly path: string; readonly lastSerial: number; readonly size: number };
}

export interface HandlerStats {
  readonly handlers: Record<string, { count: number; maxMs: number; totalMs: number }>;
  readonly eventLoop: { maxMs: number; p99Ms: number; meanMs: number };
}

export interface Inspectable extends MountedDaemon {
  readonly socket: string;
  dump(): Promise<Inspection>;
  /** Handler times and event-loop delay since the last call. */
  stats(): Promise<HandlerStats>;
}

/** Sends one request line to a debug socket and parses the JSON answer. */
export function query(socket: string, what: 'dump' | 'stats', timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const c = net.connect(socket);
    let text = '';
    const timer = setTimeout(() => { c.destroy(); reject(new Error(`debug socket: no answer to ${what} in ${timeoutMs} ms`)); }, timeoutMs);
    c.setEncoding('utf8');
    c.on('data', (d: string) => (text += d));
    c.on('error', (e) => { clearTimeout(timer); reject(e); });
    c.on('end', () => {
      clearTimeout(timer);
      try { resolve(JSON.parse(text)); } catch (e) { reject(e); }
    });
    c.write(`${what}\n`);
  });
}

/** Starts the real daemon with the debug socket on (plus `env`, e.g. NSPROC_TEST_FAULT). */
export async function startInspectable(opts: StartOptions = {}): Promise<Inspectable> {
  const sockDir = await makeTempDir();
  const socket = path.join(sockDir, 'debug.sock');
  let m: MountedDaemon;
  try {
    m = await startDaemon({ ...opts, env: { ...opts.env, NSPROC_DEBUG_SOCKET: socket } });
  } catch (e) {
    await removeTempDir(sockDir);
    throw e;
  }
  return {
    ...m,
    output: () => m.output(),
    stop: async () => {
      try { return await m.stop(); } finally { await removeTempDir(sockDir); }
    },
    socket,
    dump: async () => ((await query(socket, 'dump')) as { inspect: Inspection }).inspect,
    stats: async () => (await query(socket, 'stats')) as HandlerStats,
  };
}

/** The outcome of one control-file transaction: the errno of the write (null = ok) and what a read returned. */
export interface CtlResult {
  readonly errno: string | null;
  readonly output: string;
  /** Bytes the write(2) took. */
  readonly written: number;
}

/**
 * Opens nsctl, makes ONE write(2) of `data`, reads the answer, closes — as
 * `exec 3<>nsctl; printf … >&3; cat <&3` does.
 */
export async function ctl(mountpoint: string, data: string | Uint8Array): Promise<CtlResult> {
  const fh = await fs.open(path.join(mountpoint, 'nsctl'), 'r+');
  try {
    let errno: string | null = null;
    let written = 0;
    try {
      written = (await fh.write(typeof data === 'string' ? Buffer.from(data) : data, 0, undefined, null)).bytesWritten;
    } catch (e) {
      errno = (e as NodeJS.ErrnoException).code ?? String(e);
    }
    return { errno, output: await readAll(fh), written };
  } finally {
    await fh.close();
  }
}

/** Reads until a read returns nothing. */
export async function readAll(fh: fs.FileHandle, chunk = 65536): Promise<string> {
  const parts: Buffer[] = [];
  for (;;) {
    const b = Buffer.alloc(chunk);
    const { bytesRead } = await fh.read(b, 0, chunk, null);
    if (bytesRead === 0) break;
    parts.push(b.subarray(0, bytesRead));
  }
  return Buffer.concat(parts).toString('utf8');
}

/** The errno code of a failed promise, or null when it resolved. */
export async function errnoOf(p: Promise<unknown>): Promise<string | null> {
  try {
    await p;
    return null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}

/** One parsed audit line (src/audit/record_line.ts). */
export interface Rec {
  readonly type: string;
  readonly serial: number;
  readonly stamp: AuditStamp;
  /** The text after `): `. */
  readonly body: string;
  /** name → value as printed (`msg='…'` whole). */
  readonly fields: ReadonlyMap<string, string>;
  readonly line: string;
}

/**
 * Parses an audit log text: it must be whole lines only (ends with "\n"), and
 * every line one record. Throws with the offending line otherwise.
 */
export function parseLog(text: string, name = 'audit log'): Rec[] {
  if (text !== '' && !text.endsWith('\n')) throw new Error(`${name} ends with a partial line: ${JSON.stringify(text.slice(-80))}`);
  return text.split('\n').slice(0, -1).map((line) => {
    const r = parseRecordLine(line);
    // Two headers on one line: a record glued to a cut one.
    if (!r || line.indexOf(' msg=audit(') !== line.lastIndexOf(' msg=audit(')) {
      throw new Error(`${name}: not one whole record: ${JSON.stringify(line.slice(0, 200))}`);
    }
    return { type: r.type, serial: r.stamp.serial, stamp: r.stamp, body: line.slice(r.body), fields: r.fields, line };
  });
}

/**
 * The events' serials in order must be consecutive (each event once): records
 * of one event (VIRT_CONTROL + its NS_INFO) share a stamp (eventKey) and sit
 * together. Returns a problem description, or null.
 */
export function serialProblem(recs: readonly Rec[], first?: number): string | null {
  const serials: number[] = [];
  let last: string | null = null;
  for (const r of recs) {
    const key = eventKey(r.stamp);
    if (key !== last) serials.push(r.serial);
    last = key;
  }
  if (first !== undefined && serials[0] !== first) return `first serial ${serials[0]}, expected ${first}`;
  const seen = new Set<number>();
  for (let i = 0; i < serials.length; i++) {
    if (seen.has(serials[i]!)) return `serial ${serials[i]} appears in two places`;
    seen.add(serials[i]!);
    if (i > 0 && serials[i] !== serials[i - 1]! + 1) return `serial ${serials[i - 1]} is followed by ${serials[i]}`;
  }
  return null;
}

/** VIRT_CONTROL msg texts in the log, in order. */
export function virtMessages(recs: readonly Rec[]): string[] {
  return recs.filter((r) => r.type === 'VIRT_CONTROL').map((r) => r.fields.get('msg')?.slice(1, -1) ?? '');
}

/** Runs `n` async workers over `body(worker index)` and waits for all. */
export async function workers<T>(n: number, body: (w: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, w) => body(w)));
}
