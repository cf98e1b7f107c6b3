/**
 * Shared by the control-file tests on real mounts: run bash with `nsctl` on
 * PATH and NSPROC_MNT set (as a user who ran ./mount.sh would), and read the
 * audit log back as parsed records. Only async fs calls: the daemon is another
 * process, but nothing here may block on a mount.
 */
import * as fs from 'node:fs/promises';
import { parseRecordLine } from '../../src/audit/record_line.js';
import { REPO, sh, type MountedDaemon, type ShResult } from '../helpers/mounted.js';

/** `bash -c script` with the repository's nsctl first on PATH and NSPROC_MNT=M (also exported as $M). */
export function bash(m: MountedDaemon, script: string, timeoutMs = 20_000): Promise<ShResult> {
  const env = { ...process.env, PATH: `${REPO}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, NSPROC_MNT: m.mountpoint, M: m.mountpoint, LOG: m.auditLog };
  return sh(script, { env, timeoutMs });
}

/** Runs a script that must succeed; returns its stdout. */
export async function bashOk(m: MountedDaemon, script: string, timeoutMs?: number): Promise<string> {
  const r = await bash(m, script, timeoutMs);
  if (r.code !== 0) throw new Error(`script failed (${r.code ?? r.signal}): ${script}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

/** One audit record line, split into its parts. */
export interface AuditRecord {
  readonly line: string;
  readonly type: string;
  readonly sec: number;
  readonly msec: number;
  readonly serial: number;
  /** The fields after `): `, in order, as [name, value] (values as printed: `msg='…'` whole, quotes kept). */
  readonly fields: readonly (readonly [string, string])[];
}

/** Parses one raw log line (src/audit/record_line.ts); throws on anything that is not one whole record. */
export function parseRecord(line: string): AuditRecord {
  const r = parseRecordLine(line);
  if (!r) throw new Error(`not an audit record line: ${JSON.stringify(line)}`);
  return { line, type: r.type, sec: r.stamp.sec, msec: r.stamp.msec, serial: r.stamp.serial, fields: [...r.fields] };
}

/** The field names of a record, in order. */
export const names = (r: AuditRecord): string[] => r.fields.map(([k]) => k);

/** A record's fields as an object (for toMatchObject). */
export const fieldsOf = (r: AuditRecord): Record<string, string> => Object.fromEntries(r.fields);

/** The log's text (async read). */
export async function logText(m: MountedDaemon): Promise<string> {
  return fs.readFile(m.auditLog, 'utf8');
}

/** Every record of the log; the text must end with a newline (whole lines only). */
export async function readRecords(m: MountedDaemon): Promise<AuditRecord[]> {
  const text = await logText(m);
  if (text !== '' && !text.endsWith('\n')) throw new Error('the audit log ends with a partial line');
  return text.split('\n').slice(0, -1).map(parseRecord);
}

/** Records after the first `skip` (e.g. after the six boot records). */
export async function recordsAfter(m: MountedDaemon, skip: number): Promise<AuditRecord[]> {
  return (await readRecords(m)).slice(skip);
}

/** Number of boot records in profile v5 (SPEC §6: serials 5..10). */
export const V5_BOOT_RECORDS = 6;

/** The actor fields NS_INIT/NS_DEL/VIRT_CONTROL start with (SPEC §6). */
export const ACTOR_FIELDS = ['pid', 'uid', 'auid', 'ses', 'subj'] as const;
/** NS_INFO's namespace fields, in table order (SPEC §1). */
export const V5_NS_FIELDS = ['netns', 'utsns', 'ipcns', 'pidns', 'userns', 'mntns'] as const;
