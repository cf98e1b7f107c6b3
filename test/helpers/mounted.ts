/**
 * Real mounts for tests. The daemon always runs in a SEPARATE process: a
 * process that reads its own FUSE mount synchronously hangs for good. The
 * test process only uses async fs calls and child processes against a mount.
 * Every mount lives under a fresh `nsproc-test-*` temp dir, and teardown
 * (plus the global teardown in ./global_setup.ts) never leaves one behind.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
/** The product daemon (needs `npm run build`). */
export const REAL_DAEMON = path.join(REPO, 'dist/src/cli/daemon.js');
/** The daemon lifecycle over test/fixtures/fake_vfs.ts (needs `tsc -p test/tsconfig.json`). */
export const FAKE_DAEMON = path.join(REPO, 'dist/test/fixtures/fake_daemon.js');
export const FUSERMOUNT = path.join(REPO, 'node_modules/fuse-shared-library-linux/libfuse/bin/fusermount');
/**
 * Temp dirs of this test run start with this; the global teardown clears
 * exactly these, so two runs on one machine never touch each other's mounts.
 */
export const TEMP_PREFIX = `nsproc-test-${process.env['NSPROC_TEST_RUN'] ?? process.pid}-`;

export interface ShResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment of a program whose output a test compares as text (strerror messages, stat's
 * file types, bash's "write error: …"): `env` in the C locale (or `locale`), as
 * test/shell/helpers.bash, so the suite passes whatever the machine's LANG/LC_ALL. Daemons keep
 * the caller's locale.
 */
export function cLocale(env: NodeJS.ProcessEnv = process.env, locale = 'C'): NodeJS.ProcessEnv {
  return { ...env, LC_ALL: locale };
}

/** How {@link run} and {@link sh} run a program; `locale` is its LC_ALL (default C). */
export interface RunOptions { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; locale?: string }

/**
 * Runs a program asynchronously, in the C locale ({@link cLocale}), and never rejects on a non-zero exit.
 * @example Reading a link on a mount
 * const r = await run('readlink', [`${m.mountpoint}/1/ns/net`]);
 * // r.stdout === 'net:[4026531993]\n'
 */
export function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<ShResult> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: opts.cwd, env: cLocale(opts.env, opts.locale), timeout: opts.timeoutMs ?? 20_000, encoding: 'utf8', maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string; signal?: NodeJS.Signals }) | null;
        const code = e === null ? 0 : typeof e.code === 'number' ? e.code : null;
        resolve({ code, signal: e?.signal ?? null, stdout, stderr: e !== null && code === null && stderr === '' ? String(e) : stderr });
      });
  });
}

/** Runs a bash script asynchronously (see {@link run}). */
export function sh(script: string, opts: RunOptions = {}): Promise<ShResult> {
  return run('bash', ['-c', script], opts);
}

/** Mount points in /proc/self/mounts (octal escapes undone) with their types. */
export async function mounts(): Promise<{ target: string; type: string }[]> {
  const text = await fs.readFile('/proc/self/mounts', 'utf8');
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
  return text.split('\n').filter((l) => l !== '').map((l) => {
    const f = l.split(' ');
    return { target: unescape(f[1]!), type: f[2]! };
  });
}

export async function isMounted(target: string): Promise<boolean> {
  return (await mounts()).some((m) => m.target === target);
}

/** Lazily unmounts, with the shipped fusermount first, then umount -l. */
export async function lazyUnmount(target: string): Promise<void> {
  if ((await run(FUSERMOUNT, ['-uz', target])).code === 0) return;
  await run('umount', ['-l', target]);
}

/** Polls `check` every 50 ms until it is true or `ms` passed; returns the last answer. */
export async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A temp dir under the OS temp dir whose name marks it for the global cleanup. */
export async function makeTempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), TEMP_PREFIX));
}

/** Removes a temp dir, but never while something is mounted inside it. */
export async function removeTempDir(dir: string): Promise<void> {
  for (const m of await mounts()) if (m.target === dir || m.target.startsWith(`${dir}/`)) await lazyUnmount(m.target);
  await fs.rm(dir, { recursive: true, force: true });
}

export interface MountedDaemon {
  readonly dir: string;
  readonly mountpoint: string;
  readonly auditLog: string;
  readonly pid: number;
  /** Everything the daemon printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves with the daemon's exit status once it is gone. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, wait, SIGKILL if needed, clear any mount left, remove the temp dir. */
  stop(): Promise<number | null>;
}

export interface StartOptions {
  /** Script to run with node; default the real daemon. */
  readonly daemon?: string;
  /** Extra daemon options (the mountpoint, --audit-log and --pid-file are set here). */
  readonly args?: readonly string[];
  readonly timeoutMs?: number;
  /** Extra environment variables for the daemon (e.g. the test-only hooks of src/cli/_debug.ts). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Starts a daemon in a child process on a fresh temp mountpoint with a fresh
 * audit log, and resolves once it printed "nsproc: mounted at".
 * @example Mounting the fake tree
 * const m = await startDaemon({ daemon: FAKE_DAEMON });
 * try { (await sh(`cat ${m.mountpoint}/1/status`)).stdout; } finally { await m.stop(); }
 */
export async function startDaemon(opts: StartOptions = {}): Promise<MountedDaemon> {
  const daemon = opts.daemon ?? REAL_DAEMON;
  await fs.access(daemon).catch(() => {
    throw new Error(`${daemon} is missing: build first (bash test/run-all.sh, or npx tsc -p tsconfig.json && npx tsc -p test/tsconfig.json)`);
  });
  const dir = await makeTempDir();
  const mountpoint = path.join(dir, 'mnt');
  const auditLog = path.join(dir, 'audit.log');
  // Other users must reach the mount for permission tests (mkdtemp makes 0700).
  await fs.chmod(dir, 0o755);
  await fs.mkdir(mountpoint);
  const child = spawn(process.execPath, [daemon, mountpoint, '--audit-log', auditLog, '--pid-file', path.join(dir, 'daemon.pid'), ...(opts.args ?? [])],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stopped: Promise<number | null> | undefined;
  const m: MountedDaemon = {
    dir, mountpoint, auditLog, pid: child.pid ?? -1, exited, output: () => out,
    stop: () => (stopped ??= stopDaemon(child, exited, dir, mountpoint)),
  };
  const ready = await Promise.race([
    waitFor(async () => out.includes('nsproc: mounted at'), opts.timeoutMs ?? 20_000),
    exited.then(() => false),
  ]);
  if (!ready) {
    await m.stop();
    throw new Error(`daemon did not mount at ${mountpoint}; it printed:\n${out}`);
  }
  return m;
}

async function stopDaemon(child: ChildProcess, exited: Promise<number | null>, dir: string, mountpoint: string): Promise<number | null> {
  const timeout = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms));
  child.kill('SIGTERM');
  let status = await Promise.race([exited, timeout(10_000)]);
  if (status === 'timeout') {
    child.kill('SIGKILL');
    status = await Promise.race([exited, timeout(5_000)]);
  }
  if (await isMounted(mountpoint)) await lazyUnmount(mountpoint);
  await removeTempDir(dir);
  return status === 'timeout' ? null : status;
}
