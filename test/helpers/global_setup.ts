/**
 * vitest global setup: names this run (temp dirs carry the name) and, at the
 * end, stops any daemon and clears any mount a crashed or timed-out test left
 * under this run's temp dirs — so no run ever leaves a mount behind.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

export function setup(): () => Promise<void> {
  process.env['NSPROC_TEST_RUN'] ??= `${process.pid}`;
  return teardown;
}

async function teardown(): Promise<void> {
  // Imported late: TEMP_PREFIX reads NSPROC_TEST_RUN when the module loads.
  const { TEMP_PREFIX, lazyUnmount, mounts } = await import('./mounted.js');
  const root = path.join(os.tmpdir(), TEMP_PREFIX);
  for (const pidFile of await pidFiles(os.tmpdir(), TEMP_PREFIX)) await killDaemon(pidFile);
  for (const m of await mounts()) {
    if (!m.target.startsWith(root)) continue;
    process.stderr.write(`global teardown: clearing a mount left at ${m.target}\n`);
    await lazyUnmount(m.target);
  }
}

/** Pid files anywhere under this run's temp dirs (daemon.pid, mount.sh state dirs). */
async function pidFiles(tmp: string, prefix: string): Promise<string[]> {
  const dirs = (await fs.readdir(tmp)).filter((d) => d.startsWith(prefix)).map((d) => path.join(tmp, d));
  const found: string[] = [];
  for (const dir of dirs) {
    const entries = await fs.readdir(dir, { recursive: true }).catch(() => [] as string[]);
    found.push(...entries.filter((e) => e.endsWith('.pid')).map((e) => path.join(dir, e)));
  }
  return found;
}

async function killDaemon(pidFile: string): Promise<void> {
  const pid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  // A pid file can outlive its daemon; only kill a process that is one of ours.
  if (!cmdline.includes('daemon.js')) return;
  process.stderr.write(`global teardown: killing daemon ${pid} left running (${pidFile})\n`);
  process.kill(pid, 'SIGKILL');
}
