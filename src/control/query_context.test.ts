import { describe, expect, it } from 'vitest';
import { hostUserName, parsePasswd } from './query_context.js';

describe('parsePasswd()', () => {
  it('maps uids to login names; the first entry of a uid wins, as getpwuid(3) finds it', () => {
    const names = parsePasswd('root:x:0:0:root:/root:/bin/bash\n# comment\nbroken\ntoor:x:0:0::/:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n');
    expect([...names]).toEqual([[0, 'root'], [1000, 'alice']]);
  });
});

describe('hostUserName()', () => {
  it('names uid 0 from the host\'s /etc/passwd, and prints a uid without an entry as the number (lib/idcache.c)', () => {
    expect(hostUserName(0)).toBe('root');
    expect(hostUserName(4000000123)).toBe('4000000123');
  });
});
