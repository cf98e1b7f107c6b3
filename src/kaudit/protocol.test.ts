import { describe, expect, it } from 'vitest';
import {
  AUDIT_MSG, NLMSG, ackError, decodeListedRule, decodeMessages, decodeStatus, encodeExitRule, encodeRequest, encodeSetEnabled,
} from './protocol.js';

/**
 * The AUDIT_ADD_RULE payload Debian's auditctl 3.0.9 sent for
 * `auditctl -a exit,always -F arch=b64 -S unshare -S setns -S clone -S clone3 -k nsproc`
 * (strace -xx of sendto(2)), as its non-zero bytes: 1048 bytes, the key padded to 4.
 */
const AUDITCTL_B64_RULE: ReadonlyArray<[number, number]> = [
  [0, 4], [4, 2], [8, 2], [19, 1], [46, 1], [50, 16], [66, 8], [268, 11], [272, 210], [524, 62], [527, 192], [528, 6],
  [783, 64], [787, 64], [1036, 6], [1040, 110], [1041, 115], [1042, 112], [1043, 114], [1044, 111], [1045, 99],
];

/** …and for `auditctl -a always,exit -F arch=b64 -S clone -F 'a0&0x7e020000' -k nsproc-probe` (auditctl 3.0.9, 1052 bytes). */
const AUDITCTL_A0_MASK_RULE: ReadonlyArray<[number, number]> = [
  [0, 4], [4, 2], [8, 3], [19, 1], [268, 11], [272, 200], [276, 210], [524, 62], [527, 192], [530, 2], [531, 126], [532, 12],
  [783, 64], [787, 8], [791, 64], [1036, 12], [1040, 110], [1041, 115], [1042, 112], [1043, 114], [1044, 111], [1045, 99],
  [1046, 45], [1047, 112], [1048, 114], [1049, 111], [1050, 98], [1051, 101],
];

describe('encodeExitRule', () => {
  it('builds the bytes auditctl sends for the same rule (arch field, key field, one mask bit per syscall)', () => {
    const expected = Buffer.alloc(1046);
    for (const [at, v] of AUDITCTL_B64_RULE) expected[at] = v;
    const rule = encodeExitRule({ arch: 0xc000003e, syscalls: [272, 308, 56, 435], key: 'nsproc' });
    expect(rule).toEqual(expected);
    // auditctl's message pads the rule to 4 bytes and counts the padding (NLMSG_SPACE): 16 + 1048.
    const msg = encodeRequest(AUDIT_MSG.addRule, 2, rule);
    expect(msg.length).toBe(1064);
    expect(msg.readUInt32LE(0)).toBe(1064);
  });

  it('puts `-F a0&MASK` between the arch and the key as auditctl does (AUDIT_ARG0, AUDIT_BIT_MASK), and reads it back', () => {
    const expected = Buffer.alloc(1052);
    for (const [at, v] of AUDITCTL_A0_MASK_RULE) expected[at] = v;
    const rule = encodeExitRule({ arch: 0xc000003e, syscalls: [56], a0Mask: 0x7e020000, key: 'nsproc-probe' });
    expect(rule).toEqual(expected);
    expect(decodeListedRule(rule)).toMatchObject({ key: 'nsproc-probe', arch: 0xc000003e, a0Mask: 0x7e020000, narrowed: false });
  });

  it('sets i386 syscall numbers in the right mask words (clone 120, unshare 310, setns 346, clone3 435)', () => {
    const r = encodeExitRule({ arch: 0x40000003, syscalls: [120, 310, 346, 435], key: 'nsproc' });
    const word = (n: number) => r.readUInt32LE(12 + 4 * n);
    expect([word(3), word(9), word(10), word(13)]).toEqual([1 << 24, 1 << 22, 1 << 26, 1 << 19]);
    expect(r.readUInt32LE(12 + 256 * 2)).toBe(0x40000003);
  });
});

describe('decodeListedRule', () => {
  it('reads the key back from a rule, after any other text field before it', () => {
    const listed = decodeListedRule(encodeExitRule({ arch: 0xc000003e, syscalls: [272], key: 'nsproc' }));
    expect([listed.key, listed.alwaysExit]).toEqual(['nsproc', true]);
    // A watch rule as the kernel lists it: AUDIT_WATCH (105) "/etc" then AUDIT_FILTERKEY "k".
    const r = Buffer.alloc(1040 + 5);
    r.writeUInt32LE(2, 8);
    r.writeUInt32LE(105, 268); r.writeUInt32LE(4, 524);
    r.writeUInt32LE(210, 272); r.writeUInt32LE(1, 528);
    r.write('/etck', 1040);
    expect(decodeListedRule(r)).toMatchObject({ key: 'k', alwaysExit: false }); // flags 0: the user filter
  });

  it('gives null for a rule without a key, and keeps its own copy of the bytes', () => {
    const src = encodeExitRule({ arch: 0xc000003e, syscalls: [272], key: '' });
    src.writeUInt32LE(1, 8); // only the arch field
    const listed = decodeListedRule(src);
    expect(listed.key).toBeNull();
    src.fill(0);
    expect(listed.data.readUInt32LE(8)).toBe(1);
  });
});

describe('netlink framing', () => {
  it('encodeRequest asks for an acknowledgement (NLM_F_REQUEST|NLM_F_ACK) like audit_send()', () => {
    const m = encodeRequest(AUDIT_MSG.set, 7, encodeSetEnabled(1));
    expect([m.length, m.readUInt16LE(4), m.readUInt16LE(6), m.readUInt32LE(8)]).toEqual([60, 1001, 5, 7]);
    expect([m.readUInt32LE(16), m.readUInt32LE(20)]).toEqual([1, 1]); // mask AUDIT_STATUS_ENABLED, enabled
  });

  it('decodeMessages splits a datagram at 4-byte boundaries and drops a truncated tail', () => {
    const a = encodeRequest(NLMSG.error, 1, Buffer.from([0xfe, 0xff, 0xff, 0xff]));
    const b = encodeRequest(1300, 0, Buffer.from('audit(1.002:3): x'));
    const msgs = decodeMessages(Buffer.concat([a, b, b.subarray(0, 20)]));
    expect(msgs.map((m) => m.type)).toEqual([NLMSG.error, 1300]);
    expect(ackError(msgs[0]!)).toBe(-2);
    expect(msgs[1]!.payload.toString()).toBe('audit(1.002:3): x\0\0\0');
  });

  it('decodeStatus reads enabled, pid, backlog_limit, lost and backlog; a short (old kernel) reply reads 0', () => {
    const p = Buffer.alloc(44);
    [1, 2, 1, 4242, 0, 8192, 17, 3].forEach((v, i) => p.writeUInt32LE(v, 4 * i));
    expect(decodeStatus(p)).toEqual({ enabled: 2, pid: 4242, backlogLimit: 8192, lost: 17, backlog: 3 });
    expect(decodeStatus(p.subarray(0, 8)).lost).toBe(0);
  });
});
