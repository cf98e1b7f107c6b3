import { describe, expect, it } from 'vitest';
import { PROC_EVENT, parseMessages } from '../host/proc_connector.js';
import { NLMSG_DONE, decodeMessages, encodeMessage } from './netlink.js';

/** A proc connector datagram as cn_proc.c sends it: cn_msg (20 bytes), proc_event header (16), event data. */
function procEvent(what: number, data: number[]): Buffer {
  const p = Buffer.alloc(20 + 16 + 4 * data.length);
  p.writeUInt32LE(what, 20);
  data.forEach((v, i) => p.writeUInt32LE(v, 36 + 4 * i));
  return encodeMessage(NLMSG_DONE, 0, 0, p);
}

describe('netlink framing', () => {
  it('pads a message to 4 bytes, counts the padding in nlmsg_len, and decodes back', () => {
    const m = encodeMessage(1000, 5, 7, Buffer.from([1, 2, 3]));
    expect(m.length).toBe(20);
    expect(m.readUInt32LE(0)).toBe(20);
    const [d] = decodeMessages(Buffer.concat([m, encodeMessage(3, 0, 8, Buffer.alloc(0))]));
    expect(d).toMatchObject({ type: 1000, flags: 5, seq: 7 });
    expect([...d!.payload.subarray(0, 3)]).toEqual([1, 2, 3]);
  });

  it('drops a truncated last message', () => {
    const m = encodeMessage(1000, 0, 1, Buffer.alloc(8));
    expect(decodeMessages(Buffer.concat([m, m.subarray(0, 12)]))).toHaveLength(1);
  });

  it('reads proc connector fork and exit events back to back', () => {
    const b = Buffer.concat([procEvent(PROC_EVENT.fork, [10, 10, 11, 11]), procEvent(PROC_EVENT.exit, [11, 11, 0, 0])]);
    expect(parseMessages(b)).toEqual([
      { what: PROC_EVENT.fork, pid: 10, tgid: 10, childPid: 11, childTgid: 11 },
      { what: PROC_EVENT.exit, pid: 11, tgid: 11 },
    ]);
  });
});
