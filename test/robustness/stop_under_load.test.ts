/**
 * Killing and stopping the daemon while four writer processes send commands.
 * Each writer prints a command's text only once its write returned (the
 * acknowledgement), so afterwards the log must hold every acknowledged record
 * exactly once, in whole lines, with consecutive serials; at most the one
 * command in flight per writer may be there unacknowledged.
 * - SIGKILL: no dead mount is left (auto_unmount), and ./mount.sh mounts the
 *   same mountpoint again at once. A SIGKILL during a write(2) of more than a
 *   page can leave the last record cut (the kernel stops between pages); that
 *   record was never acknowledged, and the next start cuts it off, so the log
 *   is whole lines again before anything is appended.
 * - SIGTERM: in-flight commands finish, the log is flushed, the mount goes,
 *   the pid file goes, exit status 0.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, isMounted, run, startDaemon, waitFor, type MountedDaemon } from '../helpers/mounted.js';
import { ctl, parseLog, serialProblem, virtMessages } from './_inspect.js';
import { pick, startWorker, type Worker, type WorkerEvent } from './_load.js';

const MOUNT_SH = path.join(REPO, 'mount.sh');
const WRITERS = 4;
/** Acknowledged commands per writer before the signal. */
const BURST = 40;

/** Starts the writers and resolves once each has BURST acknowledgements. */
async function burst(m: MountedDaemon): Promise<Worker[]> {
  const ws = Array.from({ length: WRITERS }, (_, i) => startWorker('msg', m.mountpoint, 0, i, `w${i}`));
  await Promise.all(ws.map((w) => w.acks(BURST)));
  return ws;
}

/**
 * Checks the log against what the writers were told: whole lines, consecutive
 * serials, each acknowledged message once; per writer its messages 1..k (k
 * acknowledged) plus at most message k+1 (run, but the answer never arrived).
 */
function checkLog(text: string, writers: readonly WorkerEvent[][]): void {
  const recs = parseLog(text);
  expect(serialProblem(recs, 5)).toBe(null);
  const logged = virtMessages(recs);
  expect(new Set(logged).size).toBe(logged.length);
  writers.forEach((events, i) => {
    const acked = pick(events, 'ack').map((e) => e['ack']);
    const mine = logged.filter((t) => t.startsWith(`w${i}-`));
    expect(acked.length).toBeGreaterThanOrEqual(BURST);
    expect(mine.slice(0, acked.length)).toEqual(acked);
    expect(mine.length - acked.length).toBeLessThanOrEqual(1);
    expect(mine).toEqual(mine.map((_, n) => `w${i}-${n + 1}`));
  });
}

describe('SIGKILL in the middle of a burst', () => {
  it('leaves no dead mount, loses no acknowledged record, and ./mount.sh works again at once', async () => {
    const m = await startDaemon();
    const state = path.join(m.dir, 'state');
    try {
      const ws = await burst(m);
      process.kill(m.pid, 'SIGKILL');
      expect(await m.exited).toBe(null);
      const events = await Promise.all(ws.map((w) => w.done));
      // Every writer stopped on an error (the daemon is gone), none crashed.
      expect(events.map((e) => [pick(e, 'err').length, pick(e, 'crashed').length])).toEqual(Array(WRITERS).fill([1, 0]));
      // Up to the last newline: the last record may be cut if the kill hit a write(2) between pages.
      const text = await fs.readFile(m.auditLog, 'utf8');
      checkLog(text.slice(0, text.lastIndexOf('\n') + 1), events);

      // At once: no waiting for auto_unmount before mount.sh runs.
      const env = { ...process.env, NSPROC_STATE_DIR: state };
      const up = await run(MOUNT_SH, [m.mountpoint, '--audit-log', m.auditLog], { cwd: m.dir, env, timeoutMs: 60_000 });
      expect([up.code, up.stderr]).toEqual([0, expect.not.stringContaining('failed')]);
      try {
        // The new daemon serves, and keeps serving once the old mount's auto_unmount ran.
        await new Promise((r) => setTimeout(r, 500));
        expect(await ctl(m.mountpoint, 'clone 1 0\n')).toEqual({ errno: null, output: '4\n', written: 10 });
        // The second boot appends to the same log: whole lines only.
        expect(parseLog(await fs.readFile(m.auditLog, 'utf8')).length).toBeGreaterThan(6);
      } finally {
        const down = await run(MOUNT_SH, ['-u', m.mountpoint], { cwd: m.dir, env, timeoutMs: 30_000 });
        expect(down.code).toBe(0);
      }
      expect(await isMounted(m.mountpoint)).toBe(false);
    } finally {
      await m.stop();
    }
  });

  it('auto_unmount removes the dead mount by itself', async () => {
    const m = await startDaemon();
    try {
      const ws = await burst(m);
      process.kill(m.pid, 'SIGKILL');
      await m.exited;
      await Promise.all(ws.map((w) => w.done));
      expect(await waitFor(async () => !(await isMounted(m.mountpoint)), 5_000)).toBe(true);
      // The mountpoint is a plain empty directory again.
      expect(await fs.readdir(m.mountpoint)).toEqual([]);
    } finally {
      await m.stop();
    }
  });
});

describe('a record cut by a crash', () => {
  it('is cut off when the daemon starts again on the same log, and the new records are whole lines', async () => {
    const a = await startDaemon();
    let b: MountedDaemon | undefined;
    try {
      expect((await ctl(a.mountpoint, 'clone 1 net\n')).errno).toBe(null);
      process.kill(a.pid, 'SIGKILL');
      await a.exited;
      // What the kernel leaves when SIGKILL stops a write(2) between two pages.
      const partial = 'type=NS_INFO msg=audit(1418222800.123:99): pid=4 netns=8 uts';
      await fs.appendFile(a.auditLog, partial);
      const whole = (await fs.readFile(a.auditLog, 'utf8')).slice(0, -partial.length);
      b = await startDaemon({ args: ['--audit-log', a.auditLog] });
      const text = await fs.readFile(a.auditLog, 'utf8');
      expect(text.startsWith(whole)).toBe(true);
      // Exactly the second boot's six records follow, none glued to the cut one.
      expect(parseLog(text.slice(whole.length)).map((r) => r.type)).toEqual(
        ['UTS', 'USER', 'PID', 'MNT', 'IPC', 'NET'].map((t) => `AUDIT_NS_INIT_${t}`));
      expect(b.output()).toContain(`ended inside a record (a crash during a write); cut off ${partial.length} bytes`);
    } finally {
      await b?.stop();
      await a.stop();
    }
  });

  const rounds = 2 * Number(process.env['NSPROC_SOAK_SCALE'] ?? 1);
  it(`SIGKILL during big batches (2200 commands, hundreds of KiB of records per write(2); ${rounds} rounds): acknowledged batches are whole, the next start leaves whole lines`, async () => {
    // 2200 commands per write(2): each batch appends hundreds of KiB of records in one write(2), a wide target.
    const payload = Buffer.from('virt_control 1 big-batch-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n'.repeat(2200));
    let cutSeen = 0;
    for (let round = 0; round < rounds; round++) {
      const m = await startDaemon();
      let again: MountedDaemon | undefined;
      try {
        let acked = 0;
        const writers = Array.from({ length: 3 }, async () => {
          for (;;) {
            const fh = await fs.open(path.join(m.mountpoint, 'nsctl'), 'r+').catch(() => null);
            if (!fh) return;
            try {
              const { bytesWritten } = await fh.write(payload);
              if (bytesWritten === payload.length) acked++;
            } catch {
              return;
            } finally {
              await fh.close().catch(() => undefined);
            }
          }
        });
        await new Promise((r) => setTimeout(r, 200 + 100 * round));
        process.kill(m.pid, 'SIGKILL');
        await m.exited;
        await Promise.all(writers);
        const text = await fs.readFile(m.auditLog, 'utf8');
        if (!text.endsWith('\n')) cutSeen++;
        // Every acknowledged batch is there whole: 2200 VIRT_CONTROL records each.
        const before = parseLog(text.slice(0, text.lastIndexOf('\n') + 1));
        expect(virtMessages(before).length).toBeGreaterThanOrEqual(2200 * acked);
        again = await startDaemon({ args: ['--audit-log', m.auditLog] });
        const after = parseLog(await fs.readFile(m.auditLog, 'utf8'));
        expect(after.slice(before.length).map((r) => r.type.slice(0, 14))).toEqual(Array(6).fill('AUDIT_NS_INIT_'));
      } finally {
        await again?.stop();
        await m.stop();
      }
    }
    if (cutSeen > 0) console.log(`SIGKILL cut a record in ${cutSeen} of ${rounds} rounds; each was removed at the next start`);
  }, 30_000 * Number(process.env['NSPROC_SOAK_SCALE'] ?? 1));
});

describe('SIGTERM under load', () => {
  it('finishes in-flight commands, flushes the log, unmounts, removes the pid file and exits 0', async () => {
    const m = await startDaemon();
    try {
      const ws = await burst(m);
      process.kill(m.pid, 'SIGTERM');
      const status = await Promise.race([m.exited, new Promise((r) => setTimeout(() => r('still running after 10 s'), 10_000))]);
      expect(status).toBe(0);
      expect(await isMounted(m.mountpoint)).toBe(false);
      await expect(fs.access(path.join(m.dir, 'daemon.pid'))).rejects.toThrow();
      const events = await Promise.all(ws.map((w) => w.done));
      expect(events.map((e) => pick(e, 'crashed').length)).toEqual(Array(WRITERS).fill(0));
      checkLog(await fs.readFile(m.auditLog, 'utf8'), events);
      expect(m.output()).toContain('SIGTERM: unmounting');
      expect(m.output()).not.toMatch(/failed|internal error|uncaught|unhandled/);
    } finally {
      await m.stop();
    }
  });
});
