import { describe, expect, it } from 'vitest';
import { hostPrimaryGid, hostUserName, parsePasswd } from './query_context.js';

describe('parsePasswd()', () => {
  it('maps uids to login names and primary gids; the first entry of a uid wins, as getpwuid(3) finds it', () => {
    const users = parsePasswd('root:x:0:0:root:/root:/bin/bash\n# comment\nbroken\ntoor:x:0:0::/:/bin/sh\nalice:x:1000:100::/home/alice:/bin/sh\n');
    expect([...users]).toEqual([[0, { name: 'root', gid: 0 }], [1000, { name: 'alice', gid: 100 }]]);
  });
});

describe('hostUserName()', () => {
  it('names uid 0 from the host\'s /etc/passwd, and prints a uid without an entry as the number (lib/idcache.c)', () => {
    expect(hostUserName(0)).toBe('root');
    expect(hostUserName(4000000123)).toBe('4000000123');
  });
});

describe('hostPrimaryGid()', () => {
  it('gives root\'s primary gid from /etc/passwd, and undefined for a uid without an entry', () => {
    expect([hostPrimaryGid(0), hostPrimaryGid(4000000123)]).toEqual([0, undefined]);
  });
});
