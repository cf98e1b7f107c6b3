import { describe, expect, it } from 'vitest';
import { booted, must, outcome } from '../_test_util.js';
import { clone } from './clone.js';
import { setSelf } from './self.js';

describe('setSelf()', () => {
  it('makes /proc/self name another live task', () => {
    const s = booted();
    const pid = must(clone(s, 1, 0)).pid;
    expect([s.procSelf, outcome(setSelf(s, pid)), s.procSelf]).toEqual([1, 'ok', pid]);
  });

  it('fails with ESRCH for a pid no task has, and changes nothing', () => {
    const s = booted();
    expect([outcome(setSelf(s, 99)), s.procSelf]).toEqual(['ESRCH', 1]);
  });
});
