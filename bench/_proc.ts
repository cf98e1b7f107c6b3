/**
 * Processes and mounts for the bench. Every file system under test is served
 * by a child process: a process must never touch its own FUSE mount
 * synchronously (notes/fuse-native.md), and readers must be separate
 * processes anyway so that the numbers include the kernel round trip.
 * Every mount made here is undone by {@link Served.stop}, and
 * {@link clearMountsUnder} clears anything a crash left.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/ and dist/bench/ both resolve here). */
export const REPO = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return here.includes(`${path.sep}dist${path.sep}`) ? here.slice(0, here.lastIndexOf(`${path.sep}dist${path.sep}`)) : path.dirname(here);
})();
export const LIBFUSE = path.join(REPO, 'node_modules/fuse-shared-library-linux/libfuse');
export const FUSERMOUNT = path.join(LIBFUSE, 'bin/fusermount');
export const DAEMON = path.join(REPO, 'dist/src/cli/daemon.js');
export const BUILD_DIR = path.join(REPO, 'bench/build');

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `env` in the C locale: the bench parses what its programs print (bash's `time`, `strace -c`),
 * and in de_DE.UTF-8 they write 0,014 for 0.014.
 */
export function cLocale(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, LC_ALL: 'C' };
}

/** Runs a program to the end without a shell, in the C locale; never rejects on a non-zero exit. */
export function run(file: string, args: readonly string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 << 20, encoding: 'utf8', env: cLocale(opts.env) },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null;
        resolve({ code, stdout, stderr: err !== null && stderr === '' ? String(err) : stderr });
      });
  });
}

/** Runs a program and returns its stdout, or throws with its stderr. */
export async function runOk(file: string, args: readonly string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const r = await run(file, args, opts);
  if (r.code !== 0) throw new Error(`${path.basename(file)} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

export async function mountTargets(): Promise<string[]> {
  const text = await fs.readFile('/proc/self/mounts', 'utf8');
  return text.split('\n').filter((l) => l !== '').map((l) => l.split(' ')[1]!.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
}

export async function lazyUnmount(target: string): Promise<void> {
  if ((await run(FUSERMOUNT, ['-uz', target])).code === 0) return;
  await run('umount', ['-l', target]);
}

/** Clears every mount at or below `dir` (a crashed run's leftovers). */
export async function clearMountsUnder(dir: string): Promise<void> {
  for (const m of await mountTargets()) if (m === dir || m.startsWith(`${dir}/`)) await lazyUnmount(m);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A served mount: its process and how to stop it. */
export interface Served {
  readonly mountpoint: string;
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts a server process and resolves once `ready(output)` holds and the
 * mountpoint is a mount. Its stdout and stderr are collected.
 */
async function serve(file: string, args: readonly string[], mountpoint: string, ready: (out: string) => boolean, env?: NodeJS.ProcessEnv): Promise<Served> {
  await fs.mkdir(mountpoint, { recursive: true });
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let gone = false;
  void exited.then(() => (gone = true));
  const served: Served = { mountpoint, pid: child.pid ?? -1, output: () => out, stop: () => stopServer(child, exited, mountpoint) };
  const end = Date.now() + 30_000;
  while (!(ready(out) && (await mountTargets()).includes(mountpoint))) {
    if (gone || Date.now() > end) {
      await served.stop();
      throw new Error(`${path.basename(file)} did not mount ${mountpoint}:\n${out}`);
    }
    await sleep(20);
  }
  return served;
}

async function stopServer(child: ChildProcess, exited: Promise<void>, mountpoint: string): Promise<void> {
  const timeout = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms));
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    if ((await Promise.race([exited, timeout(10_000)])) === 'timeout') {
      child.kill('SIGKILL');
      await Promise.race([exited, timeout(5_000)]);
    }
  }
  if ((await mountTargets()).includes(mountpoint)) await lazyUnmount(mountpoint);
}

/**
 * The real nsproc daemon (dist/src/cli/daemon.js) on `mountpoint`, its audit
 * log in `dir`. Needs the build (npm run bench builds first).
 */
export async function startNsproc(dir: string, extraArgs: readonly string[] = []): Promise<Served & { auditLog: string }> {
  await fs.access(DAEMON).catch(() => { throw new Error(`${DAEMON} is missing: run npm run build first`); });
  const mountpoint = path.join(dir, 'nsproc');
  const auditLog = path.join(dir, 'audit.log');
  const s = await serve(process.execPath, [DAEMON, mountpoint, '--audit-log', auditLog, '--clock', 'fixed:1408577534.868', ...extraArgs],
    mountpoint, (o) => o.includes('nsproc: mounted at'));
  return { ...s, auditLog };
}

/** nsproc in host mode on `DIR/nsproc` (the real clock: --kernel-audit refuses a fixed one). */
export async function startNsprocHost(dir: string, extraArgs: readonly string[], env?: NodeJS.ProcessEnv): Promise<Served & { auditLog: string }> {
  const mountpoint = path.join(dir, 'nsproc');
  const auditLog = path.join(dir, 'audit.log');
  const s = await serve(process.execPath, [DAEMON, mountpoint, '--audit-log', auditLog, '--host', ...extraArgs],
    mountpoint, (o) => o.includes('nsproc: mounted at'), env);
  return { ...s, auditLog };
}

/** Runs a compiled bench script (dist/bench/NAME.js) as its own server. */
export async function startNodeServer(script: string, args: readonly string[], mountpoint: string): Promise<Served> {
  return serve(process.execPath, [script, ...args], mountpoint, (o) => o.includes('mounted'));
}

/** The C baseline file system with the dump file and FUSE options. */
export async function startBaseline(exe: string, dumpFile: string, mountpoint: string, fuseOpts: string): Promise<Served> {
  const env = { ...process.env, PATH: `${path.join(LIBFUSE, 'bin')}:${process.env['PATH'] ?? ''}` };
  return serve(exe, [dumpFile, mountpoint, '-f', '-o', fuseOpts], mountpoint, (o) => o.includes('nodes'), env);
}

/** A fresh scratch directory for one bench run. */
export async function scratchDir(base?: string): Promise<string> {
  const root = base ?? os.tmpdir();
  await fs.mkdir(root, { recursive: true });
  const dir = await fs.mkdtemp(path.join(root, 'nsproc-bench-'));
  // Other users must reach the mounts (allow_other); mkdtemp makes 0700.
  await fs.chmod(dir, 0o755);
  return dir;
}
