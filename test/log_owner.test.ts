/**
 * Only the daemon may write its audit log (src/audit/log_owner.ts), on real daemons: a log,
 * or a rotated sibling, owned by another user or writable by group or others is refused
 * with a sentence that says how to fix it, and left as it was; so is a directory others can
 * write without the sticky bit. A new log is made 0600.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDaemon, type MountedDaemon } from './helpers/mounted.js';

const NOBODY = 65534;
const started: MountedDaemon[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const m of started.splice(0).reverse()) await m.stop();
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

async function logDir(mode = 0o700): Promise<{ dir: string; log: string }> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'nsproc-logowner-')));
  dirs.push(dir);
  await fs.chmod(dir, mode);
  return { dir, log: path.join(dir, 'audit.log') };
}

/** Starting a daemon on `log` fails; returns what it printed. */
async function refused(log: string): Promise<string> {
  const e: unknown = await startDaemon({ args: ['--audit-log', log] }).then(async (m) => { await m.stop(); return null; }, (err: unknown) => err);
  expect(e).toBeInstanceOf(Error);
  return (e as Error).message;
}

const uid = process.geteuid?.() ?? 0;
const FORGED = 'type=DAEMON_START msg=audit(1.000:1): forged\n';

describe('the audit log owner', () => {
  it('refuses a log another user owns, and leaves it as it was', async () => {
    const { log } = await logDir();
    await fs.writeFile(log, FORGED, { mode: 0o600 });
    await fs.chown(log, NOBODY, NOBODY);
    expect(await refused(log)).toContain(
      `EACCES: the audit log ${log} is owned by uid ${NOBODY}, not by this daemon's uid ${uid}; another user could rewrite its records (chown ${uid} ${log}, or use another --audit-log)`);
    expect(await fs.readFile(log, 'utf8')).toBe(FORGED);
  });

  it('refuses a log, or a rotated sibling, writable by group or others', async () => {
    const { log } = await logDir();
    await fs.writeFile(log, FORGED);
    await fs.chmod(log, 0o666);
    expect(await refused(log)).toContain(`EACCES: the audit log ${log} is writable by group or others (mode 0666); they could rewrite its records (chmod go-w ${log})`);
    await fs.chmod(log, 0o600);
    await fs.writeFile(`${log}.1`, FORGED);
    await fs.chmod(`${log}.1`, 0o620);
    expect(await refused(log)).toContain(`EACCES: the audit log ${log}.1 is writable by group or others (mode 0620)`);
    expect(await fs.readFile(log, 'utf8')).toBe(FORGED);
  });

  it('refuses a directory others can write without the sticky bit; with it, the new log is 0600', async () => {
    const { dir, log } = await logDir(0o777);
    expect(await refused(log)).toContain(`EACCES: the directory ${dir} of the audit log is writable by others without the sticky bit (mode 0777); they could replace the log (chmod o-w or +t ${dir})`);
    await expect(fs.access(log)).rejects.toThrow();
    await fs.chmod(dir, 0o1777);
    started.push(await startDaemon({ args: ['--audit-log', log] }));
    const st = await fs.stat(log);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.uid).toBe(uid);
  });
});
