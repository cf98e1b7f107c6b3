import { describe, expect, it } from 'vitest';
import { orderLogs } from './log_order.js';

describe('orderLogs', () => {
  it('reads a rotated set oldest first (LOG.10 before LOG.2), whatever order the shell gave', () => {
    expect(orderLogs(['audit.log', 'audit.log.1', 'audit.log.10', 'audit.log.2'])).toEqual(['audit.log.10', 'audit.log.2', 'audit.log.1', 'audit.log']);
  });

  it('keeps other files, and stdin, where they were given', () => {
    expect(orderLogs(['b.log', '-', 'a.log.1', 'c', 'a.log'])).toEqual(['b.log', '-', 'a.log.1', 'a.log', 'c']);
  });
});
