/**
 * `struct nlmsghdr` framing (uapi/linux/netlink.h), shared by every netlink
 * socket nsproc opens: the proc connector (src/host/proc_connector.ts) and
 * the audit sockets (src/kaudit/). Pure bytes; the socket calls are in ./libc.ts.
 */
export const NLMSG_HDRLEN = 16;
export const NLMSG_DONE = 3;
const align4 = (n: number): number => (n + 3) & ~3;

/** One netlink message: `struct nlmsghdr` and what follows it. */
export interface NlMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
  readonly payload: Buffer;
}

/**
 * One message; NLMSG_SPACE(): the whole message is padded to 4 bytes and the
 * padding counted in nlmsg_len, as libaudit does.
 */
export function encodeMessage(type: number, flags: number, seq: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(align4(NLMSG_HDRLEN + payload.length));
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(flags, 6);
  b.writeUInt32LE(seq >>> 0, 8);
  payload.copy(b, NLMSG_HDRLEN);
  return b;
}

/** The messages of one datagram (each NLMSG_ALIGNed); a truncated last one is dropped. */
export function decodeMessages(b: Buffer): NlMessage[] {
  const out: NlMessage[] = [];
  for (let off = 0; off + NLMSG_HDRLEN <= b.length;) {
    const len = b.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > b.length) break;
    out.push({
      type: b.readUInt16LE(off + 4), flags: b.readUInt16LE(off + 6), seq: b.readUInt32LE(off + 8),
      pid: b.readUInt32LE(off + 12), payload: b.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}
