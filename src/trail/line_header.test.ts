import { describe, expect, it } from 'vitest';
import { parseHeader } from './line_header.js';

describe('parseHeader', () => {
  it('reads node=, type= and the stamp, and where the fields begin', () => {
    const line = 'node=hostA type=NS_INFO msg=audit(1408577535.306:16): pid=4 netns=c';
    expect(parseHeader(line)).toEqual({ node: 'hostA', type: 'NS_INFO', sec: 1408577535, msec: 306, serial: 16, body: line.indexOf('pid=') });
  });

  it('reads a line without node= (a log of --name-format none)', () => {
    expect(parseHeader('type=EOE msg=audit(1.002:3):')).toMatchObject({ node: '', type: 'EOE', serial: 3 });
  });

  it('reads a line inside a chunk of lines, and nothing past its end', () => {
    const chunk = 'type=EOE msg=audit(1.002:3):\nnode=hostA type=NS_INFO msg=audit(1.002:4): pid=4\nnode=hostB type=NS_INFO\nmsg=audit(1.002:5): pid=5';
    const second = chunk.indexOf('node=hostA');
    expect(parseHeader(chunk, second, chunk.indexOf('\n', second))).toEqual({ node: 'hostA', type: 'NS_INFO', sec: 1, msec: 2, serial: 4, body: chunk.indexOf('pid=4') });
    const third = chunk.indexOf('node=hostB');
    expect(parseHeader(chunk, third, chunk.indexOf('\n', third))).toBe('truncated');
  });
});
