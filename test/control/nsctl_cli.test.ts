/**
 * The `nsctl` command (SPEC §5), run by bash on a real mount: results on
 * stdout, `nsctl: ERRNO: sentence` on stderr and status 1 on failure, stdin
 * batches, the mountpoint from -m or $NSPROC_MNT, and its --help.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, startDaemon, type MountedDaemon } from '../helpers/mounted.js';
import { bash, bashOk } from './_helpers.js';

let m: MountedDaemon;
beforeAll(async () => { m = await startDaemon(); });
afterAll(async () => { await m?.stop(); });

/** Pids listed at the mount's root. */
async function pids(): Promise<number[]> {
  return (await fs.readdir(m.mountpoint)).filter((n) => /^\d+$/.test(n)).map(Number);
}

/** The commands parse.ts knows: the keys of its USAGE table. */
async function parseCommands(): Promise<string[]> {
  const src = await fs.readFile(path.join(REPO, 'src/control/parse.ts'), 'utf8');
  const table = /const USAGE[^{]*\{([^}]*)\}/.exec(src)![1]!;
  return [...table.matchAll(/^\s*([a-z_]+):/gm)].map((x) => x[1]!);
}

describe('nsctl COMMAND', () => {
  it('prints the result on stdout: a pid for clone, pin:N for pin, ok otherwise', async () => {
    const r = await bash(m, 'p=$(nsctl clone 1 0); echo $p; nsctl pin $p net; nsctl unshare $p uts; nsctl exit $p');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\npin:\d+\nok\nok\n$/);
  });

  it.each([
    ['ESRCH', 'exit 99999'],
    ['EINVAL', 'bogus 1'],
    ['EINVAL', 'clone 1 cgroup'],
    ['EPERM', 'exit 1'],
    ['EBADF', 'unpin pin:999'],
  ])('fails with "nsctl: %s: sentence" on stderr and status 1: nsctl %s', async (errno, cmd) => {
    const r = await bash(m, `nsctl ${cmd}`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^nsctl: ${errno}: \\S[^\\n]*\\n$`));
  });

  it('refuses an argument holding a newline (EINVAL) and runs nothing', async () => {
    const before = await pids();
    const r = await bash(m, `nsctl virt_control 1 "$(printf 'a\\nclone 1 0')"`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^nsctl: EINVAL: \S[^\n]*\n$/);
    expect(await pids()).toEqual(before);
  });

  it('takes the mountpoint from -m, -mDIR or $NSPROC_MNT, -m first', async () => {
    const r = await bashOk(m, `
      NSPROC_MNT=/nonexistent nsctl -m $M clone 1 0
      NSPROC_MNT=/nonexistent nsctl -m$M clone 1 0
      NSPROC_MNT=$M nsctl clone 1 0`);
    expect(r).toMatch(/^\d+\n\d+\n\d+\n$/);
  });

  it('says ENOENT with status 1 when nothing is mounted there', async () => {
    const r = await bash(m, 'nsctl -m /nonexistent clone 1 0');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nsctl: ENOENT: \S[^\n]*\n$/);
  });

  it('says EACCES with status 1, and nothing else, to a user who is not root', async () => {
    const r = await bash(m, 'setpriv --reuid=65534 --regid=65534 --clear-groups nsctl clone 1 0');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nsctl: EACCES: \S[^\n]*\n$/);
  });

  it.each([
    ['no command', 'nsctl'],
    ['-m without a directory', 'nsctl -m'],
    ['- with arguments', 'nsctl - x'],
    ['an empty command', 'nsctl ""'],
    ['a blank command', 'nsctl " " ""'],
  ])('exits 2 for a usage error: %s', async (_name, cmd) => {
    const r = await bash(m, `${cmd} </dev/null`);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toBe('');
  });
});

describe('nsctl when the daemon gives no answer', () => {
  it('a write that fails without an error line still says nsctl: ERRNO: on stderr, status 1', async () => {
    const d = await startDaemon({ env: { NSPROC_TEST_FAULT: 'write /nsctl' } });
    try {
      const r = await bash(d, 'nsctl clone 1 0');
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^nsctl: EIO: \S[^\n]*\n$/);
    } finally {
      await d.stop();
    }
  });
});

describe('nsctl --help', () => {
  it('documents every command of src/control/parse.ts, each with an example', async () => {
    const r = await bash(m, 'nsctl --help');
    expect(r.code).toBe(0);
    const commands = await parseCommands();
    expect(commands).toEqual(expect.arrayContaining(['clone', 'unshare', 'setns', 'exit', 'pin', 'unpin', 'setcred', 'ns_info', 'virt_control']));
    for (const c of commands) {
      expect(r.stdout, c).toMatch(new RegExp(`^  ${c} `, 'm'));
      expect(r.stdout, c).toMatch(new RegExp(`e\\.g\\.\\s+nsctl ${c}\\b`));
    }
  });

  it.each(['-h', '-m /nonexistent --help'])('nsctl %s prints the same help', async (args) => {
    const [a, b] = await Promise.all([bash(m, 'nsctl --help'), bash(m, `nsctl ${args}`)]);
    expect(b.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });
});

describe('nsctl - (stdin as one batch)', () => {
  it('prints one result per command', async () => {
    const out = await bashOk(m, `printf 'clone 1 0\\n# a comment\\n\\nclone 1 net\\n' | nsctl -`);
    expect(out).toMatch(/^\d+\n\d+\n$/);
  });

  it('stops at a failing line: earlier lines applied, later lines not run', async () => {
    const before = await pids();
    const r = await bash(m, `printf 'clone 1 0\\nexit 99999\\nclone 1 0\\nsetcred 1 comm=changed\\n' | nsctl -`);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^\d+\n$/);
    expect(r.stderr).toMatch(/^nsctl: ESRCH: \S[^\n]*\n$/);
    const after = await pids();
    expect(after.filter((p) => !before.includes(p))).toEqual([Number(r.stdout)]);
    expect(await fs.readFile(path.join(m.mountpoint, '1/status'), 'utf8')).toMatch(/^Name:\tinit\n/);
  });

  it('runs a batch larger than 128 KiB (20,000 lines) completely and in order', async () => {
    const base = Number(await bashOk(m, 'nsctl clone 1 0')) + 1;
    // Each exit needs the clone before it: any reordering or loss fails the batch.
    const lines: string[] = [];
    for (let k = 0; k < 10_000; k++) lines.push('clone 1 0', `exit ${base + k}`);
    const batch = path.join(m.dir, 'batch.txt');
    await fs.writeFile(batch, lines.join('\n') + '\n');
    expect((await fs.stat(batch)).size).toBeGreaterThan(128 * 1024);
    const r = await bash(m, `nsctl - < ${batch}`, 60_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout.split('\n').slice(0, -1);
    expect(out).toHaveLength(20_000);
    expect(out.every((o, i) => o === (i % 2 === 0 ? String(base + i / 2) : 'ok'))).toBe(true);
  });

  it('runs a batch of exactly 128 KiB without a final newline completely', async () => {
    const head = 'clone 1 0\n'.repeat(13_106);
    const text = `${head}clone    1 0`;
    expect(Buffer.byteLength(text)).toBe(128 * 1024);
    const batch = path.join(m.dir, 'exact.txt');
    await fs.writeFile(batch, text);
    const r = await bash(m, `nsctl - < ${batch}`, 60_000);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, -1)).toHaveLength(13_107);
    await bashOk(m, `printf 'exit %s\\n' ${r.stdout.split('\n').slice(0, -1).join(' ')} | nsctl - >/dev/null`, 60_000);
  });

  it('keeps UTF-8 text whole across the 128 KiB seams', async () => {
    const line = `virt_control 1 ${'é'.repeat(100)}\n`;
    const batch = path.join(m.dir, 'utf8.txt');
    await fs.writeFile(batch, line.repeat(1000));
    const r = await bash(m, `nsctl - < ${batch}`, 60_000);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ok\n'.repeat(1000));
    const log = await fs.readFile(m.auditLog, 'utf8');
    expect(log.split('\n').filter((l) => l.includes(`msg='${'é'.repeat(100)}'`))).toHaveLength(1000);
  });
});
