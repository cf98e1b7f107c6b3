import { describe, expect, it } from 'vitest';
import { parseRemote } from './remote_address.js';

describe('parseRemote()', () => {
  it('parseRemote() takes HOST:PORT as the JSDoc example shows', () => {
    expect(parseRemote('127.0.0.1:6060')).toEqual({ host: '127.0.0.1', port: 6060 });
  });

  const good: ReadonlyArray<readonly [string, string, number]> = [
    ['127.0.0.1', '127.0.0.1', 60],
    ['10.1.2.3:1', '10.1.2.3', 1],
    ['[::1]', '::1', 60],
    ['[::1]:65535', '::1', 65535],
    ['[fe80::1:2]:600', 'fe80::1:2', 600],
    ['localhost', 'localhost', 60],
    ['agg-1.example.org:6000', 'agg-1.example.org', 6000],
  ];
  it.each(good)('parseRemote(%j) is host %j port %d', (text, host, port) => {
    expect(parseRemote(text)).toEqual({ host, port });
  });

  const bad: ReadonlyArray<readonly [string, string]> = [
    ['', 'the host is empty'],
    [':60', 'the host is empty'],
    ['127.0.0.1:0', "the port must be 1..65535, not '0'"],
    ['127.0.0.1:65536', "the port must be 1..65535, not '65536'"],
    ['127.0.0.1:', "the port must be 1..65535, not ''"],
    ['127.0.0.1:x', "the port must be 1..65535, not 'x'"],
    ['127.0.0.1:-1', "the port must be 1..65535, not '-1'"],
    ['1.2.3.400', "'1.2.3.400' is not an IPv4 address"],
    ['::1', 'an IPv6 address goes in brackets: [::1] or [::1]:PORT'],
    ['[::g]', "'::g' in brackets is not an IPv6 address"],
    ['[127.0.0.1]', "'127.0.0.1' in brackets is not an IPv6 address"],
    ['[::1]60', "'[::1]60' is not [IPV6] or [IPV6]:PORT"],
    ['host name', "'host name' is not a host name (letters, digits, inner hyphens, dot-separated labels of 1 to 63)"],
    ['-agg', "'-agg' is not a host name (letters, digits, inner hyphens, dot-separated labels of 1 to 63)"],
    ['a..b', "'a..b' is not a host name (letters, digits, inner hyphens, dot-separated labels of 1 to 63)"],
    ['agg\n', "'agg\n' is not a host name (letters, digits, inner hyphens, dot-separated labels of 1 to 63)"],
  ];
  it.each(bad)('parseRemote(%j) is refused: %s', (text, why) => {
    expect(parseRemote(text)).toBe(why);
  });
});
