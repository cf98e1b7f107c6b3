/**
 * Audit log rotation like auditd (`--audit-max-size MB`, `--audit-num-logs N`;
 * a fraction of a MiB is accepted so that rotation happens every few KiB here)
 * under four concurrent writers: rotation never splits or loses a record. The
 * kept files, concatenated oldest first (LOG.N-1 … LOG.1, LOG), hold whole
 * lines only, every audit serial exactly once and consecutively, and every
 * acknowledged record — also when the daemon is killed mid-burst.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditMaxSizeBytes } from '../../src/wiring/daemon_options.js';
import { startDaemon, type MountedDaemon } from '../helpers/mounted.js';
import { parseLog, serialProblem, virtMessages, type Rec } from './_inspect.js';
import { pick, startWorker } from './_load.js';

const MAX_MB = 0.004;
const MAX_BYTES = auditMaxSizeBytes(MAX_MB);

/** The log's files oldest first: LOG.k … LOG.1, LOG (numbers as found: a gap would be a bug). */
async function logFiles(m: MountedDaemon): Promise<string[]> {
  const base = path.basename(m.auditLog);
  const nums = (await fs.readdir(path.dirname(m.auditLog)))
    .map((n) => (n.startsWith(`${base}.`) ? Number(n.slice(base.length + 1)) : NaN))
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((a, b) => b - a);
  expect(nums).toEqual(nums.map((_, i) => nums.length - i));
  return [...nums.map((n) => `${m.auditLog}.${n}`), m.auditLog];
}

/** Each file parsed on its own (whole lines, at most MAX_BYTES unless one batch is bigger). */
async function readRotated(m: MountedDaemon): Promise<Rec[][]> {
  const files = await logFiles(m);
  return Promise.all(files.map(async (f) => {
    const text = await fs.readFile(f, 'utf8');
    const recs = parseLog(text, path.basename(f));
    expect({ file: path.basename(f), fits: Buffer.byteLength(text) <= MAX_BYTES }).toEqual({ file: path.basename(f), fits: true });
    return recs;
  }));
}

describe(`rotation at ${MAX_BYTES} bytes under four writers`, () => {
  it('keeps every record once, in whole lines, in order across the files — even after SIGKILL mid-burst', async () => {
    const m = await startDaemon({ args: ['--audit-max-size', String(MAX_MB), '--audit-num-logs', '999'] });
    try {
      const ws = Array.from({ length: 4 }, (_, i) => startWorker('msg', m.mountpoint, 0, i, `w${i}`));
      await Promise.all(ws.map((w) => w.acks(60)));
      process.kill(m.pid, 'SIGKILL');
      const events = await Promise.all(ws.map((w) => w.done));
      const perFile = await readRotated(m);
      expect(perFile.length).toBeGreaterThan(10);
      const all = perFile.flat();
      expect(serialProblem(all, 5)).toBe(null);
      const logged = virtMessages(all);
      expect(new Set(logged).size).toBe(logged.length);
      const missing = events.flatMap((e) => pick(e, 'ack').map((a) => a['ack'] as string)).filter((t) => !logged.includes(t));
      expect(missing).toEqual([]);
      // A rotated file is read-only, as auditd leaves it.
      const modes = await Promise.all((await logFiles(m)).slice(0, -1).map(async (f) => (await fs.stat(f)).mode & 0o777));
      expect(new Set(modes)).toEqual(new Set([0o400]));
    } finally {
      await m.stop();
    }
  });

  it('with --audit-num-logs 3 keeps LOG, LOG.1 and LOG.2: the newest records, consecutive, none split', async () => {
    const m = await startDaemon({ args: ['--audit-max-size', String(MAX_MB), '--audit-num-logs', '3'] });
    try {
      const ws = Array.from({ length: 4 }, (_, i) => startWorker('msg', m.mountpoint, 40, i, `w${i}`));
      const events = await Promise.all(ws.map((w) => w.done));
      expect(events.map((e) => pick(e, 'ack').length)).toEqual([40, 40, 40, 40]);
      expect((await logFiles(m)).map((f) => path.basename(f))).toEqual(['audit.log.2', 'audit.log.1', 'audit.log']);
      const all = (await readRotated(m)).flat();
      expect(serialProblem(all)).toBe(null);
      // The newest record kept is some writer's last message, and no writer's messages have a gap.
      const kept = virtMessages(all);
      expect(events.map((e) => pick(e, 'ack').at(-1)!['ack'])).toContain(kept.at(-1));
      for (let w = 0; w < 4; w++) {
        const nums = kept.filter((t) => t.startsWith(`w${w}-`)).map((t) => Number(t.split('-')[1]));
        expect(nums).toEqual(nums.map((_, i) => nums[0]! + i));
      }
    } finally {
      await m.stop();
    }
  });
});
