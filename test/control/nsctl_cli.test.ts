/**
 * The `nsctl` command (SPEC §5), run by bash on a real mount: results on
 * stdout, `nsctl: ERRNO: sentence` on stderr and status 1 on failure, stdin
 * batches, the mountpoint from -m or $NSPROC_MNT, and its --help.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type MountedDaemon } from '../helpers/mounted.js';
import { bash, bashOk, logText } from './_helpers.js';
import { COMMANDS } from '../../src/control/usage.js';

let m: MountedDaemon;
beforeAll(async () => { m = await startDaemon(); });
afterAll(async () => { await m?.stop(); });

/** Pids listed at the mount's root. */
async function pids(): Promise<number[]> {
  return (await fs.readdir(m.mountpoint)).filter((n) => /^\d+$/.test(n)).map(Number);
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
    // The control file would take the line as a comment and run nothing.
    ['a COMMAND starting with #', "nsctl '#clone' 1 0"],
  ])('exits 2 for a usage error: %s', async (_name, cmd) => {
    const r = await bash(m, `${cmd} </dev/null`);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toBe('');
  });

  it("'#clone' says why, runs nothing; in a batch a # line stays a comment", async () => {
    const before = await pids();
    const r = await bash(m, "nsctl '#clone' 1 0");
    expect([r.code, r.stdout, r.stderr]).toEqual([2, '', "nsctl: '#clone' is not a command: the control file takes a line starting with # as a comment\n"]);
    expect(await pids()).toEqual(before);
    expect((await bashOk(m, "printf '#clone 1 0\\nexit 99999\\n' | nsctl - 2>&1 || true"))).toBe('nsctl: ESRCH: no task with pid 99999\n');
  });
});

/** The VIRT_CONTROL lines of the log that came after `before` lines. */
async function newVirtControl(before: number): Promise<string[]> {
  return (await logText(m)).split('\n').slice(before).filter((l) => l.startsWith('type=VIRT_CONTROL '))
    .map((l) => l.replace(/^.* msg='/, "msg='"));
}

describe('nsctl arguments reach the control file meaning what they meant', () => {
  it.each([
    ['leading and trailing spaces of TEXT', `"  x  "`, "msg='  x  '"],
    ['several arguments joined with one space', 'a "b  c"', "msg='a b  c'"],
    ['UTF-8', `'héllo wörld'`, "msg='héllo wörld'"],
    ['backslashes and double quotes', `'a\\b "q" $x'`, `msg='a\\b "q" $x'`],
  ])('virt_control 1 TEXT keeps %s', async (_name, args, want) => {
    const before = (await logText(m)).split('\n').length - 1;
    expect(await bashOk(m, `nsctl virt_control 1 ${args}`)).toBe('ok\n');
    expect(await newVirtControl(before)).toEqual([want]);
  });

  it('the control file keeps TEXT\'s blanks too (the rest of the line after ACTOR and one blank)', async () => {
    const before = (await logText(m)).split('\n').length - 1;
    await bashOk(m, "printf 'virt_control 1   x  \\n' > $M/nsctl");
    expect(await newVirtControl(before)).toEqual(["msg='  x  '"]);
  });

  it.each([
    // printf %q under LC_ALL=C wrote $'\303\274', which the daemon does not read.
    ['ü', "lsns -t ü", "nsctl: EINVAL: lsns: unknown namespace type: ü\n"],
    ['a quote', `lsns -t "it's"`, "nsctl: EINVAL: lsns: unknown namespace type: it's\n"],
    ['a backslash and $', `lsns -t 'a\\b$x'`, "nsctl: EINVAL: lsns: unknown namespace type: a\\b$x\n"],
    ['a tab', `lsns -t "$(printf 'n\\tet')"`, "nsctl: EINVAL: lsns: unknown namespace type: n\tet\n"],
    ['an empty argument', `ps -p ''`, "nsctl: EINVAL: ps: invalid PID argument: ''\n"],
  ])('lsns/ps arguments arrive as written: %s', async (_name, cmd, want) => {
    const r = await bash(m, `nsctl ${cmd}`);
    expect([r.code, r.stderr]).toEqual([1, want]);
  });

  it.each([
    ['a control character in TEXT: the control file refuses the line', `virt_control 1 "$(printf 'a\\001b')"`, 'line holds control characters or bytes that are not UTF-8'],
    ['a tab in TEXT: the record cannot hold it', `virt_control 1 "$(printf 'a\\tb')"`, "the message text may not contain quotes (') or control characters"],
    ['bytes that are not UTF-8', `lsns -t "$(printf '\\374')"`, 'line holds control characters or bytes that are not UTF-8'],
    ['a blank inside a word the control file would split', "setcred 1 'comm=a b'", "argument 3 ('comm=a b') is empty or holds a blank, so the control file would read other words"],
    ['an empty word', "clone 1 ''", "argument 3 ('') is empty or holds a blank, so the control file would read other words"],
  ])('refuses with EINVAL and runs nothing: %s', async (_name, cmd, sentence) => {
    const before = await logText(m);
    const r = await bash(m, `nsctl ${cmd}`);
    expect([r.code, r.stdout, r.stderr]).toEqual([1, '', `nsctl: EINVAL: ${sentence}\n`]);
    expect(await logText(m)).toBe(before);
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
  it('documents every command the control file takes, each with an example', async () => {
    const r = await bash(m, 'nsctl --help');
    expect(r.code).toBe(0);
    const commands = Object.keys(COMMANDS);
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
