import { describe, expect, it } from 'vitest';
import { AUDIT_MSG, NLMSG, decodeMessages, encodeExitRule, encodeRequest } from './protocol.js';
import { AuditControl, type NetlinkSys } from './socket.js';

type Sys = NetlinkSys;
const okv = (value: number) => ({ ok: true as const, value });

/**
 * A kernel that answers each request with the datagrams `answer` gives, one per recv(2),
 * written into the caller's buffer as recv does.
 */
function fakeKernel(answer: (type: number, seq: number) => Buffer[]): Sys {
  const queue: Buffer[] = [];
  return {
    socket: () => okv(7), bind: () => okv(0), close: () => okv(0), setRecvTimeout: () => okv(0), setIntOption: () => okv(0),
    send: (_fd, buf) => {
      const [m] = decodeMessages(buf);
      queue.push(...answer(m!.type, m!.seq));
      return okv(buf.length);
    },
    recv: (_fd, buf) => {
      const d = queue.shift();
      if (!d) return { ok: false, error: { errno: 'EAGAIN', detail: 'recv(2): Resource temporarily unavailable' } };
      d.copy(buf);
      return okv(d.length);
    },
  } as Sys;
}

/** A reply message as the kernel builds it (no NLM_F_REQUEST; `multi` sets NLM_F_MULTI). */
function reply(type: number, seq: number, payload: Buffer, multi = false): Buffer {
  const m = encodeRequest(type, seq, payload);
  m.writeUInt32LE(16 + payload.length, 0); // the kernel counts no padding (nlmsg_put())
  m.writeUInt16LE(multi ? 0x2 : 0, 6);
  return m;
}
const ack = (seq: number, error = 0) => {
  const p = Buffer.alloc(20);
  p.writeInt32LE(error, 0);
  return reply(NLMSG.error, seq, p);
};

describe('AuditControl', () => {
  const b64 = encodeExitRule({ arch: 0xc000003e, syscalls: [272], key: 'nsproc' });
  const b32 = encodeExitRule({ arch: 0x40000003, syscalls: [310], key: 'other' });

  it('listRules keeps each rule of a multi-part answer, one datagram per rule (the receive buffer is reused)', () => {
    const sys = fakeKernel((type, seq) => (type === AUDIT_MSG.listRules
      ? [ack(seq), reply(type, seq, b64, true), reply(type, seq, b32, true), reply(NLMSG.done, seq, Buffer.alloc(4), true)]
      : []));
    const c = AuditControl.open(sys);
    if (!c.ok) throw new Error(c.error.detail);
    const r = c.value.listRules();
    expect(r.ok && r.value.map((x) => [x.key, x.data.equals(x.key === 'nsproc' ? b64 : b32)])).toEqual([['nsproc', true], ['other', true]]);
  });

  it('a negative acknowledgement fails with its errno; a reply may come after the acknowledgement', () => {
    const status = Buffer.alloc(44);
    status.writeUInt32LE(1, 4);
    const sys = fakeKernel((type, seq) => (type === AUDIT_MSG.addRule ? [ack(seq, -17)] : [ack(seq), reply(AUDIT_MSG.get, seq, status)]));
    const c = AuditControl.open(sys);
    if (!c.ok) throw new Error(c.error.detail);
    expect(c.value.addRule(b64)).toMatchObject({ ok: false, error: { errno: 'EEXIST' } });
    expect(c.value.status()).toMatchObject({ ok: true, value: { enabled: 1 } });
  });

  it('socket() refused as by a kernel without audit: EPROTONOSUPPORT and a sentence that says so', () => {
    const sys = { ...fakeKernel(() => []), socket: () => ({ ok: false, error: { errno: 'EPROTONOSUPPORT', detail: 'socket(2): Protocol not supported' } }) } as Sys;
    expect(AuditControl.open(sys)).toMatchObject({ ok: false, error: { errno: 'EPROTONOSUPPORT', detail: expect.stringContaining('CONFIG_AUDIT') } });
  });
});
