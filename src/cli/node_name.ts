/**
 * The node name every log line begins with, resolved at start the way auditd resolves
 * `name_format` (auditd.conf(5); src/auditd.c:resolve_node()): `hostname` is gethostname(),
 * `fqd` the canonical name getaddrinfo(AI_CANONNAME) gives for it, `numeric` the first
 * address it gives, `user` the `--name` string. Resolution goes through `getent ahosts`,
 * which makes exactly that getaddrinfo() call (AF_UNSPEC, AI_ADDRCONFIG | AI_CANONNAME) and
 * prints `ADDRESS STREAM CANONNAME` first — Node's dns module has no AI_CANONNAME.
 */
import { execFile } from 'node:child_process';
import * as os from 'node:os';
import { validNodeName } from '../audit/log_writer.js';
import type { NameFormat } from '../wiring/daemon_options.js';

/**
 * @param format the name format in force
 * @param name `--name` (used by `user` only)
 * @returns the node name, null for `none`, or a sentence saying why it cannot be resolved
 */
export async function resolveNodeName(format: NameFormat, name: string | undefined): Promise<{ node: string | null } | { error: string }> {
  if (format === 'none') return { node: null };
  if (format === 'user') return name === undefined ? { error: '--name-format user needs --name NAME' } : { node: name };
  const host = os.hostname();
  if (format === 'hostname') return checked(host, `the host name ${JSON.stringify(host)}`);
  const first = await getentFirst(host);
  if ('error' in first) return { error: `cannot resolve the host name ${host} for --name-format ${format}: ${first.error}` };
  return format === 'fqd' ? checked(first.canonical, `the canonical name of ${host}`) : checked(first.address, `the address of ${host}`);
}

function checked(node: string, what: string): { node: string } | { error: string } {
  return validNodeName(node) ? { node } : { error: `${what} (${JSON.stringify(node)}) cannot be a node name: it holds a blank, '=', a quote or a control character` };
}

/** The first line of `getent ahosts HOST`: `ADDRESS STREAM CANONNAME`. */
function getentFirst(host: string): Promise<{ address: string; canonical: string } | { error: string }> {
  return new Promise((resolve) => {
    execFile('getent', ['ahosts', host], { timeout: 10_000, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout) => {
      const [address, , canonical] = stdout.split('\n')[0]?.trim().split(/\s+/) ?? [];
      if (address !== undefined && address !== '' && canonical !== undefined) return resolve({ address, canonical });
      // getent exits 2 when the name is not found.
      resolve({ error: err === null ? 'no address' : err.code === 2 ? 'not found (getent ahosts)' : err.message });
    });
  });
}
