/**
 * nsctl never reports success for an answer it did not read (issue 11): a daemon that dies,
 * stops or falls silent after acknowledging a write, made deterministic with the test-only
 * NSPROC_TEST_FAULT hooks of src/cli/_debug.ts (no kill is raced). What nsctl printed and its
 * status are checked, and the audit log shows that the acknowledged commands did run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startDaemon, type MountedDaemon } from '../helpers/mounted.js';
import { bash, fieldsOf, readRecords } from './_helpers.js';

let m: MountedDaemon | undefined;
afterEach(async () => {
  // A stopped daemon must go on to stop; one that died is gone already.
  try { if (m) process.kill(m.pid, 'SIGCONT'); } catch { /* ESRCH */ }
  await m?.stop();
  m = undefined;
});

/** A daemon whose control file has the fault `FAULT /nsctl` (see src/cli/_debug.ts), or none. */
async function daemonWith(fault?: string): Promise<MountedDaemon> {
  m = await startDaemon(fault ? { env: { NSPROC_TEST_FAULT: `${fault} /nsctl` } } : {});
  return m;
}

/** The tasks the log has an NS_INFO record of (one follows every clone: the new task's namespaces). */
async function tasksLogged(d: MountedDaemon): Promise<string[]> {
  return (await readRecords(d)).filter((r) => r.type === 'NS_INFO').map((r) => fieldsOf(r)['pid']!);
}

describe('nsctl when the answer to an acknowledged write is lost', () => {
  it('nsctl COMMAND: the daemon dies before the answer is read → status 1, nothing on stdout, ENOTCONN "acknowledged … lost"', async () => {
    const d = await daemonWith('die-after-answers=0');
    const r = await bash(d, 'nsctl clone 1 net');
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^nsctl: ENOTCONN: .*the command was acknowledged \(its records are in the log\) but its answer was lost\n$/);
    expect(r.code).toBe(1);
    expect(await tasksLogged(d)).toEqual(['4']);
  });

  it('nsctl -: every answer read is printed, then how many of the batch were lost (blank lines and comments answer nothing)', async () => {
    const d = await daemonWith('die-after-answers=1');
    const r = await bash(d, "printf 'clone 1 0\\n\\n# a comment\\n  \\t\\nclone 1 net\\nclone 1 uts\\n' | nsctl -");
    expect(r.stdout).toBe('4\n');
    expect(r.stderr).toMatch(/^nsctl: ENOTCONN: .*the batch was acknowledged \(its records are in the log\) but 2 of its 3 answers were lost\n$/);
    expect(r.code).toBe(1);
    expect(await tasksLogged(d)).toEqual(['5', '6']);
  });

  it('nsctl -: answers that end early without an error (end of file) → status 1, EIO, how many are missing', async () => {
    const d = await daemonWith('eof-after-answers=2');
    const r = await bash(d, "printf 'clone 1 0\\nclone 1 0\\nclone 1 0\\n' | nsctl -");
    expect(r.stdout).toBe('4\n5\n');
    expect(r.stderr).toMatch(/^nsctl: EIO: .*the batch was acknowledged \(its records are in the log\) but 1 of its 3 answers were lost\n$/);
    expect(r.code).toBe(1);
  });

  it('nsctl COMMAND: an empty answer is not success → status 1, EIO', async () => {
    const d = await daemonWith('eof-after-answers=0');
    const r = await bash(d, 'nsctl clone 1 0');
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^nsctl: EIO: .*but its answer was lost\n$/);
    expect(r.code).toBe(1);
  });
});

describe('nsctl with a stopped daemon (SIGSTOP): gives up after NSCTL_TIMEOUT seconds', () => {
  it('stopped before the command: ETIMEDOUT, nothing was sent, and nothing runs when the daemon goes on', async () => {
    const d = await daemonWith();
    process.kill(d.pid, 'SIGSTOP');
    const r = await bash(d, 'NSCTL_TIMEOUT=1 nsctl clone 1 0');
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^nsctl: ETIMEDOUT: .* did not answer within 1 s .*nothing was sent\n$/);
    expect(r.code).toBe(1);
    process.kill(d.pid, 'SIGCONT');
    expect((await bash(d, 'nsctl clone 1 0')).stdout).toBe('4\n');
  });

  it('stopped after acknowledging: ETIMEDOUT, "acknowledged", and the command did run', async () => {
    const d = await daemonWith('stop-after-answers=0');
    const r = await bash(d, 'NSCTL_TIMEOUT=1 nsctl clone 1 net');
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^nsctl: ETIMEDOUT: .*the command was acknowledged \(its records are in the log\) but its answer did not come within 1 s\b.*\n$/);
    expect(r.code).toBe(1);
    expect(await tasksLogged(d)).toEqual(['4']);
  });

  it('NSCTL_TIMEOUT that is not a number of seconds is a usage error (status 2)', async () => {
    const d = await daemonWith();
    const r = await bash(d, 'NSCTL_TIMEOUT=soon nsctl clone 1 0');
    expect(r.stderr).toMatch(/^nsctl: NSCTL_TIMEOUT /);
    expect(r.code).toBe(2);
  });
});
