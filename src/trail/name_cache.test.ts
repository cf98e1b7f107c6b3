import { describe, expect, it } from 'vitest';
import { NameCache } from './name_cache.js';

describe('NameCache', () => {
  it('name() gives the text between start and end', () => {
    expect(new NameCache().name('node=hostA type=NS_INFO', 5, 10)).toBe('hostA');
  });

  it('name() gives one string for a name seen again in another line, and tells names of one length apart', () => {
    const c = new NameCache();
    const a = c.name('node=hostA x', 5, 10);
    expect(c.name('zz node=hostA y', 8, 13)).toBe(a);
    expect([c.name('hostB', 0, 5), c.name('hostA', 0, 5), c.name('', 0, 0)]).toEqual(['hostB', 'hostA', '']);
  });
});
