/**
 * An aggregating auditd for the fleet benches (R7): Debian's auditd, unpacked by
 * ./_audit_tools.ts, on a free loopback port with local_events = no (it never talks to the
 * kernel's audit system), its config and log in the bench's scratch directory — the
 * aggregator test/shell/_aggregator.bash starts for the tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import type { AuditTools } from './_audit_tools.js';

export interface Aggregator {
  readonly port: number;
  readonly log: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const listening = (port: number) => new Promise<boolean>((resolve) => {
  const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
  c.on('error', () => resolve(false));
});

/** auditd -n -c DIR; `flush = INCREMENTAL_ASYNC`, `freq = 1`: every record reaches the file at once (its fdatasync off the way). */
export async function startAggregator(tools: AuditTools, dir: string): Promise<Aggregator> {
  const auditd = await tools.bin('auditd');
  if (auditd === null) throw new Error('no auditd in the unpacked auditd package');
  await fs.mkdir(path.join(dir, 'plugins.d'), { recursive: true });
  const port = await freePort();
  const log = path.join(dir, 'audit.log');
  const conf = [
    'local_events = no', 'write_logs = yes', `log_file = ${log}`, 'log_format = RAW', 'flush = INCREMENTAL_ASYNC', 'freq = 1',
    'num_logs = 2', 'max_log_file = 0', 'max_log_file_action = IGNORE', 'space_left = 2', 'space_left_action = IGNORE',
    'admin_space_left = 1', 'admin_space_left_action = IGNORE', 'disk_full_action = IGNORE', 'disk_error_action = IGNORE',
    'name_format = none', `tcp_listen_port = ${port}`, 'tcp_max_per_addr = 10', 'use_libwrap = no', 'transport = TCP',
    `plugin_dir = ${path.join(dir, 'plugins.d')}`,
  ];
  await fs.writeFile(path.join(dir, 'auditd.conf'), `${conf.join('\n')}\n`, { mode: 0o640 });
  const child: ChildProcess = spawn(auditd, ['-n', '-c', dir], { stdio: 'ignore', env: { ...process.env, LD_LIBRARY_PATH: tools.libraryPath } });
  for (let i = 0; i < 100 && !(await listening(port)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await listening(port))) {
    child.kill('SIGKILL');
    throw new Error(`auditd did not listen on ${port}`);
  }
  return {
    port, log,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      child.kill('SIGKILL');
    },
  };
}
