/**
 * SPEC §6 durability on a real mount: a command's records are in the log
 * file when its write returns; `--audit-flush sync` fsyncs before that; and
 * when the log cannot be written (a full tmpfs) the command fails with
 * ENOSPC, the model is unchanged and the log holds no partial line.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { makeTempDir, removeTempDir, run, startDaemon, waitFor, type MountedDaemon } from '../helpers/mounted.js';
import { bash, bashOk, parseRecord, readRecords } from './_helpers.js';

/** Writes one command through an open control file (async, from this process) and returns its answer. */
async function command(m: MountedDaemon, line: string): Promise<{ answer: string; errno: string | null }> {
  const fh = await fs.open(path.join(m.mountpoint, 'nsctl'), 'r+');
  try {
    let errno: string | null = null;
    await fh.write(`${line}\n`).catch((e: NodeJS.ErrnoException) => { errno = e.code ?? 'unknown'; });
    const buf = Buffer.alloc(1 << 16);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return { answer: buf.subarray(0, bytesRead).toString(), errno };
  } finally {
    await fh.close();
  }
}

async function pids(m: MountedDaemon): Promise<string[]> {
  return (await fs.readdir(m.mountpoint)).filter((n) => /^\d+$/.test(n));
}

describe('records are on file when the write returns', () => {
  let m: MountedDaemon;
  beforeAll(async () => { m = await startDaemon(); });
  afterAll(async () => { await m?.stop(); });

  it('every command: the log read right after the write ends with its records', async () => {
    for (let i = 0; i < 40; i++) {
      const { answer, errno } = await command(m, 'clone 1 net');
      expect(errno).toBeNull();
      const pid = answer.trim();
      const log = await fs.readFile(m.auditLog, 'utf8');
      expect(log.endsWith('\n')).toBe(true);
      const last = log.split('\n').at(-2)!;
      expect(parseRecord(last).type).toBe('NS_INFO');
      expect(last).toContain(`: pid=${pid} `);
      const exit = await command(m, `exit ${pid}`);
      expect(exit.answer).toBe('ok\n');
      expect((await fs.readFile(m.auditLog, 'utf8')).split('\n').at(-2)).toMatch(/^type=AUDIT_NS_DEL_NET /);
    }
  });
});

describe('--audit-flush sync', () => {
  it('acknowledges a command after its records are written and fsynced', async () => {
    const m = await startDaemon({ args: ['--audit-flush', 'sync'] });
    try {
      // strace shows the fsync(2) of the log between the control file's write and its reply.
      const trace = path.join(m.dir, 'strace.txt');
      const tracer = spawn('strace', ['-f', '-e', 'trace=fsync,fdatasync', '-o', trace, '-p', String(m.pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
      let said = '';
      tracer.stderr.on('data', (b: Buffer) => (said += b.toString()));
      const gone = new Promise((r) => tracer.once('exit', r));
      const attached = await waitFor(async () => /attached|Operation not permitted|ptrace/.test(said), 5_000);
      try {
        const out = await bashOk(m, 'nsctl clone 1 net,mnt');
        const log = await fs.readFile(m.auditLog, 'utf8');
        expect(log.split('\n').at(-2)).toContain(`NS_INFO msg=audit(`);
        expect(log.split('\n').at(-2)).toContain(`pid=${out.trim()} `);
      } finally {
        tracer.kill('SIGINT');
        await gone;
      }
      // Without ptrace (a locked-down container) only the content check above holds.
      if (!attached || !/attached/.test(said)) return;
      expect(await fs.readFile(trace, 'utf8')).toMatch(/fsync\(\d+\)\s+= 0/);
    } finally {
      await m.stop();
    }
  });
});

describe('a log that cannot be written', () => {
  let dir: string;
  let tmpfs: string;
  let m: MountedDaemon | undefined;

  beforeAll(async () => {
    dir = await makeTempDir();
    tmpfs = path.join(dir, 'tmpfs');
    await fs.mkdir(tmpfs);
    const r = await run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', tmpfs]);
    if (r.code !== 0) throw new Error(`mount tmpfs: ${r.stderr}`);
    m = await startDaemon({ args: ['--audit-log', path.join(tmpfs, 'audit.log')] });
  });
  afterAll(async () => {
    await m?.stop();
    await run('umount', [tmpfs]);
    if ((await fs.readFile('/proc/self/mounts', 'utf8')).includes(tmpfs)) await run('umount', ['-l', tmpfs]);
    await removeTempDir(dir);
  });

  it('fails with ENOSPC, changes nothing and leaves whole lines only; works again once there is space', async () => {
    const d = m!;
    const log = path.join(tmpfs, 'audit.log');
    // Fill the file system (head fails at ENOSPC, which is the point).
    await run('bash', ['-c', `head -c 1M /dev/zero > ${tmpfs}/fill`]);

    // A batch whose records cannot fit: nothing of it stays, in the tree or the log.
    const treeBefore = await pids(d);
    const logBefore = await fs.readFile(log);
    const batch = Array.from({ length: 200 }, () => 'clone 1 net,mnt').join('\n');
    const r = await bash(d, `nsctl - <<'EOF'\n${batch}\nEOF`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^nsctl: ENOSPC: \S[^\n]*\n$/);
    expect(await pids(d)).toEqual(treeBefore);
    expect((await fs.readFile(log)).equals(logBefore)).toBe(true);

    // Single commands: the page the log already has may take a few; then ENOSPC, with the same guarantees.
    let failed: { answer: string; errno: string | null } | undefined;
    let before: { tree: string[]; log: Buffer } = { tree: [], log: Buffer.alloc(0) };
    for (let i = 0; i < 100 && !failed; i++) {
      before = { tree: await pids(d), log: await fs.readFile(log) };
      const c = await command(d, 'clone 1 net,mnt,uts,ipc');
      if (c.errno) failed = c;
    }
    expect(failed?.errno).toBe('ENOSPC');
    expect(failed?.answer).toMatch(/^error: ENOSPC: \S[^\n]*\n$/);
    expect(await pids(d)).toEqual(before.tree);
    const after = await fs.readFile(log);
    expect(after.equals(before.log)).toBe(true);
    expect(after.at(-1)).toBe(0x0a);
    const echo = await bash(d, 'echo "clone 1 net,mnt,uts,ipc" > $M/nsctl');
    expect(echo.stderr).toContain('write error: No space left on device');

    // Space again: the next command works and its serial follows the last logged one.
    await fs.rm(path.join(tmpfs, 'fill'));
    const lastSerial = parseRecord(after.toString().split('\n').at(-2)!).serial;
    const pid = (await bashOk(d, 'nsctl clone 1 net')).trim();
    expect(await pids(d)).toContain(pid);
    const recs = await readRecords({ ...d, auditLog: log });
    const fresh = recs.filter((x) => x.serial > lastSerial);
    expect(fresh.map((x) => x.serial)).toEqual([lastSerial + 1, lastSerial + 2]);
    expect(fresh.map((x) => x.type)).toEqual(['AUDIT_NS_INIT_NET', 'NS_INFO']);
  });
});
