/**
 * The daemon's lifecycle, apart from which system it serves (so tests can run
 * it over a fake Vfs): parse options → create the system → mount → confirm
 * the mount answers → pid file and one "mounted" line → serve until SIGTERM
 * or SIGINT → unmount, close the system (flushes the audit log), exit 0.
 * The other signals are in ./signals.ts.
 */
import * as fs from 'node:fs/promises';
import * as inspector from 'node:inspector';
import * as path from 'node:path';
import { mountVfs, type MountedFs } from '../procfs/fuse_adapter.js';
import { auditLogInside, parseDaemonArgs } from './options.js';
import type { DaemonOptions } from '../wiring/daemon_options.js';
import type { CreateSystem, NsprocSystem } from '../wiring/nsproc_system.js';
import { debugHooksFromEnv, type DebugHooks } from './_debug.js';
import { resolveNodeName } from './node_name.js';
import { locateAudispRemote } from '../fleet/audisp_process.js';
import { serveSignals } from './signals.js';

/** Exit status for a daemon that could not start (bad options are 2). */
export const EXIT_START_FAILED = 1;

/**
 * Runs the daemon.
 * @param argv the daemon's arguments, e.g. `process.argv.slice(2)`
 * @param loadSystem gives the system factory; called only when the daemon will really start
 * @returns an exit status when there is nothing to serve (help, bad options, start failure),
 *   or 'serving': the process then lives until a signal ends it with status 0
 * @example Starting the daemon from an entry script
 * const r = await runDaemon(process.argv.slice(2), async () => (await import('../system.js')).createSystem);
 * if (r !== 'serving') process.exit(r);
 */
export async function runDaemon(argv: readonly string[], loadSystem: () => Promise<CreateSystem>): Promise<number | 'serving'> {
  const parsed = parseDaemonArgs(argv, process.cwd());
  if (parsed.kind === 'help') return say(process.stdout, parsed.text, 0);
  if (parsed.kind === 'error') return say(process.stderr, parsed.message, parsed.exitCode);
  const followed = await followSymlink(parsed.options.mountpoint);
  if (typeof followed !== 'string') return say(process.stderr, `nsproc: ${followed.refused}`, EXIT_START_FAILED);
  let opts = { ...parsed.options, mountpoint: followed };
  const inside = auditLogInside(opts.mountpoint, opts.auditLog);
  if (inside !== undefined) return say(process.stderr, `nsproc: ${inside}`, 2);
  // mount.sh reads these two lines to learn what the daemon will use.
  if (opts.dryRun) return say(process.stdout, dryRunLines(opts), 0);
  // An open inspector (node --inspect, NODE_OPTIONS) lets any local user run code in this
  // root process: never serve with one.
  if (inspector.url() !== undefined) {
    return say(process.stderr, 'nsproc: refusing to start: the Node inspector is open (--inspect in the command line or NODE_OPTIONS)', EXIT_START_FAILED);
  }
  // The node name every log line will begin with, looked up once, as auditd does at start.
  const named = await resolveNodeName(opts.nameFormat, opts.name);
  if ('error' in named) return say(process.stderr, `nsproc: ${named.error}`, EXIT_START_FAILED);
  opts = { ...opts, node: named.node };
  // Every path is absolute now; do not keep the caller's directory busy.
  process.chdir('/');

  let sys: NsprocSystem;
  try {
    sys = await (await loadSystem())(opts);
  } catch (e) {
    return say(process.stderr, `nsproc: cannot start the model: ${describe(e)}`, EXIT_START_FAILED);
  }
  // Test-only hooks (debug socket, injected faults); null unless the environment asks.
  const debug = debugHooksFromEnv(process.env, sys.vfs, sys.inspect?.bind(sys), sys.counters?.bind(sys));
  let mounted: MountedFs;
  try {
    mounted = await mountVfs(debug?.vfs ?? sys.vfs, opts.mountpoint, {
      force: true, attrTimeout: opts.attrTimeout, entryTimeout: opts.entryTimeout,
    });
    sys.invalidation?.connect(mounted.notifier, mounted.cacheSeconds);
    // Async stat only: a sync read of our own mount would hang this process for good.
    await fs.stat(opts.mountpoint);
  } catch (e) {
    await closeQuietly(sys);
    return say(process.stderr, `nsproc: cannot mount at ${opts.mountpoint}: ${describe(e)}`, EXIT_START_FAILED);
  }
  keepAliveOnErrors();
  await debug?.start();
  if (opts.pidFile !== undefined) await writePidFile(opts.pidFile);
  serveSignals({
    stop: () => void stop(mounted, sys, opts.pidFile, debug).finally(() => process.exit(0)),
    rotate: () => sys.rotateLog?.() ?? 'no audit log to rotate',
  });
  process.stdout.write(`nsproc: mounted at ${opts.mountpoint} (pid ${process.pid}, audit log ${opts.auditLog})\n`);
  return 'serving';
}

/**
 * What mount.sh asks before it starts the daemon: the paths, and with `--remote` and no
 * `--audisp-remote`, whether an audisp-remote is there to run (`missing`: mount.sh fetches one).
 */
function dryRunLines(opts: DaemonOptions): string {
  const lines = [`mountpoint=${opts.mountpoint}`, `audit_log=${opts.auditLog}`];
  if (opts.remote !== null && opts.audispRemote === undefined) {
    const found = locateAudispRemote(undefined, process.env['PATH'] ?? '');
    lines.push(`audisp_remote=${typeof found === 'string' ? 'missing' : found.binary}`);
  }
  return lines.join('\n');
}

/**
 * A symlink as MOUNTPOINT is followed (fusermount refuses to mount on one), so the kernel,
 * mount.sh and lsns's PATH column all name the directory. lstat only: a dead mount there
 * (ENOTCONN on stat) is left for the mount's `force` to clear. A symlink on the way that is
 * neither root's nor the daemon's uid's is refused: its owner could point it at any
 * directory, and root would mount over that one.
 */
async function followSymlink(p: string): Promise<string | { refused: string }> {
  const uid = process.getuid?.() ?? 0;
  const parts = p.split('/').filter((x) => x !== '');
  for (let i = 1; i <= parts.length; i++) {
    const at = `/${parts.slice(0, i).join('/')}`;
    const st = await fs.lstat(at).catch(() => null);
    if (st === null) break;
    if (st.isSymbolicLink() && st.uid !== 0 && st.uid !== uid) {
      return { refused: `refusing the mountpoint ${p}: it goes through the symlink ${at}, owned by uid ${st.uid}, who could point it anywhere; give the directory's real path` };
    }
  }
  const st = await fs.lstat(p).catch(() => null);
  return st?.isSymbolicLink() === true ? fs.realpath(p).catch(() => p) : p;
}

function say(stream: NodeJS.WriteStream, text: string, status: number): number {
  stream.write(`${text}\n`);
  return status;
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** An error outside a FUSE handler is logged, never fatal: the mount must not die silently. */
function keepAliveOnErrors(): void {
  process.on('uncaughtException', (e) => process.stderr.write(`nsproc: uncaught exception (still serving): ${errorLine(e)}\n`));
  process.on('unhandledRejection', (e) => process.stderr.write(`nsproc: unhandled rejection (still serving): ${errorLine(e)}\n`));
}

function errorLine(e: unknown): string {
  return (e instanceof Error ? (e.stack ?? e.message) : String(e)).replace(/\n\s*/g, ' | ');
}

async function stop(mounted: MountedFs, sys: NsprocSystem, pidFile: string | undefined, debug: DebugHooks | null): Promise<void> {
  try {
    await mounted.unmount();
  } catch (e) {
    process.stderr.write(`nsproc: unmount failed: ${describe(e)}\n`);
  }
  await closeQuietly(sys);
  await debug?.stop().catch(() => undefined);
  if (pidFile !== undefined) await removePidFile(pidFile);
}

async function closeQuietly(sys: NsprocSystem): Promise<void> {
  try {
    await sys.close();
  } catch (e) {
    process.stderr.write(`nsproc: closing the model failed: ${describe(e)}\n`);
  }
}

/**
 * Written whole (temp file + rename) so a reader never sees a partial pid. The temp file is
 * made new (O_EXCL: never through a symlink or into a file planted there), and the rename
 * replaces whatever PATH was without following it.
 */
async function writePidFile(file: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.rm(tmp, { force: true });
  await fs.writeFile(tmp, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
  await fs.rename(tmp, file);
}

async function removePidFile(file: string): Promise<void> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  if (text.trim() === String(process.pid)) await fs.rm(file, { force: true });
}
