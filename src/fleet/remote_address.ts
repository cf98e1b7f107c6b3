/**
 * `--remote HOST[:PORT]`: where audisp-remote sends the log (audisp-remote.conf(5)
 * `remote_server` and `port`). Checked when the options are parsed, so a bad value is a
 * usage error before anything starts; the name itself is resolved by audisp-remote.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** auditd.conf(5) tcp_listen_port and audisp-remote.conf(5) port: 60 unless told. */
const DEFAULT_REMOTE_PORT = 60;

/** An aggregator's address: `host` as audisp-remote's `remote_server` takes it (IPv6 without brackets). */
export interface RemoteAddress {
  readonly host: string;
  readonly port: number;
}

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, 253 bytes at most. */
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * @param text `HOST`, `HOST:PORT`, `[IPV6]` or `[IPV6]:PORT`
 * @returns the address, or a sentence saying what is wrong
 * @example
 * parseRemote('127.0.0.1:6060'); // { host: '127.0.0.1', port: 6060 }
 * parseRemote('[::1]');          // { host: '::1', port: 60 }
 * parseRemote('::1');            // 'an IPv6 address goes in brackets: [::1] or [::1]:PORT'
 */
export function parseRemote(text: string): RemoteAddress | string {
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    const [, host, port] = bracketed;
    if (!isIPv6(host!)) return `'${host}' in brackets is not an IPv6 address`;
    return withPort(host!, port);
  }
  if (text.startsWith('[')) return `'${text}' is not [IPV6] or [IPV6]:PORT`;
  const colons = text.split(':').length - 1;
  if (colons > 1) return `an IPv6 address goes in brackets: [${text}] or [${text}]:PORT`;
  const [host, port] = colons === 1 ? [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)] : [text, undefined];
  if (host === '') return 'the host is empty';
  // All digits and dots: meant as an IPv4 address, so it must be one (not a host name "1.2.3.400").
  if (/^[0-9.]+$/.test(host)) return isIPv4(host) ? withPort(host, port) : `'${host}' is not an IPv4 address`;
  if (host.length > 253 || !host.split('.').every((l) => LABEL.test(l))) {
    return `'${host}' is not a host name (letters, digits, inner hyphens, dot-separated labels of 1 to 63)`;
  }
  return withPort(host, port);
}

function withPort(host: string, port: string | undefined): RemoteAddress | string {
  if (port === undefined) return { host, port: DEFAULT_REMOTE_PORT };
  if (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return `the port must be 1..65535, not '${port}'`;
  return { host, port: Number(port) };
}
