/**
 * Shared by the host-mode tests: processes in real namespaces made with
 * unshare(1), ids read independently with python3's fcntl.ioctl, and the
 * audit log read back and checked against SPEC §7's pairing rule.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import { run, waitFor, type MountedDaemon } from '../helpers/mounted.js';
import { parseRecord, type AuditRecord } from '../control/_helpers.js';

/** NS_GET_ID of a namespace file, in hex, as python3's fcntl.ioctl reads it (not nsproc's code). */
export async function pyNsId(path: string): Promise<string> {
  const py = "import fcntl,struct,os,sys\nfd=os.open(sys.argv[1],os.O_RDONLY)\nprint(format(struct.unpack('Q',fcntl.ioctl(fd,0x8008b70d,b'\\0'*8))[0],'x'))";
  const r = await run('python3', ['-c', py, path]);
  if (r.code !== 0) throw new Error(`python3 NS_GET_ID of ${path} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Several at once (one python3 start): path → hex id, or null when the file went. */
export async function pyNsIds(paths: readonly string[]): Promise<(string | null)[]> {
  const py = "import fcntl,struct,os,sys\nfor p in sys.argv[1:]:\n  try:\n    fd=os.open(p,os.O_RDONLY); print(format(struct.unpack('Q',fcntl.ioctl(fd,0x8008b70d,b'\\0'*8))[0],'x')); os.close(fd)\n  except OSError: print('-')";
  const r = await run('python3', ['-c', py, ...paths]);
  return r.stdout.trim().split('\n').map((l) => (l === '-' ? null : l));
}

/** Starts a process in the background (its own session, no stdio); resolves with its pid. */
export function background(file: string, args: readonly string[]): number {
  const child = spawn(file, args, { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid!;
}

/** SIGKILL to a process started by {@link background} and everything it started (its process group). */
export function kill(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

export async function records(m: MountedDaemon | string): Promise<AuditRecord[]> {
  const text = await fs.readFile(typeof m === 'string' ? m : m.auditLog, 'utf8');
  // A line still being appended (no newline yet) is read next time.
  return text.split('\n').slice(0, -1).map(parseRecord);
}

export const field = (r: AuditRecord, name: string) => r.fields.find(([k]) => k === name)?.[1];

/** Waits (up to `ms`) until the log has a record matching; returns it, or throws with the log's tail. */
export async function waitRecord(m: MountedDaemon, match: (r: AuditRecord) => boolean, what: string, ms = 15_000): Promise<AuditRecord> {
  let hit: AuditRecord | undefined;
  await waitFor(async () => (hit = (await records(m)).find(match)) !== undefined, ms);
  if (!hit) throw new Error(`no ${what} in the log within ${ms} ms; it ends:\n${(await records(m)).slice(-10).map((r) => r.line).join('\n')}`);
  return hit;
}

/** A record of `type` whose fields include all of `fields`. */
export const rec = (type: string, fields: Record<string, string>) => (r: AuditRecord) =>
  r.type === type && Object.entries(fields).every(([k, v]) => field(r, k) === v);

/**
 * SPEC §7's rule, per run (a run starts at DAEMON_START): every serial a record names
 * has exactly one INIT before any other record of it, and at most one DEL, after its
 * last other record. Returns the violations (empty when the log keeps the rule).
 */
export function pairingViolations(all: readonly AuditRecord[]): string[] {
  const bad: string[] = [];
  let inits = new Map<string, number>();
  let dels = new Set<string>();
  for (const r of all) {
    if (r.type === 'DAEMON_START') {
      inits = new Map();
      dels = new Set();
      continue;
    }
    const isInit = r.type.startsWith('AUDIT_NS_INIT_');
    const isDel = r.type.startsWith('AUDIT_NS_DEL_');
    for (const [k, v] of r.fields) {
      if (!/^(old_)?[a-z]+ns$/.test(k) || v === '0') continue;
      const own = !k.startsWith('old_');
      if (isInit && own) {
        if (inits.has(v)) bad.push(`second INIT of ${v}: ${r.line}`);
        inits.set(v, 1);
        continue;
      }
      if (!inits.has(v)) bad.push(`${v} named before its INIT: ${r.line}`);
      if (dels.has(v)) bad.push(`${v} named after its DEL: ${r.line}`);
      if (isDel && own) dels.add(v);
    }
  }
  return bad;
}
