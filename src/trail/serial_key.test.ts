import { describe, expect, it } from 'vitest';
import { serialKey } from './serial_key.js';

describe('serialKey', () => {
  it.each([
    ['c', 12], ['4000000a', 0x4000000a], ['fffffffffffff', 0xfffffffffffff], ['ffffffffffffffff', 'ffffffffffffffff'],
    ['', null], ['C', null], ['1g', null], ['12345678901234567', null],
  ] as const)('%s is %s', (text, key) => {
    expect(serialKey(`x=${text}`, 2, 2 + text.length)).toBe(key);
  });
});
