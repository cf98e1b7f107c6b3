/**
 * The netlink proc connector (drivers/connector/cn_proc.c,
 * include/uapi/linux/cn_proc.h): the kernel multicasts one message per fork,
 * exec, uid/gid change, comm change and exit to listeners of CN_IDX_PROC
 * (CAP_NET_ADMIN). It has no namespace event and drops messages when the
 * socket's buffer is full (recv(2) then fails with ENOBUFS once).
 * Blocking: use it from a worker thread.
 */
import {
  AF_NETLINK, SO_RCVBUFFORCE, SOCK_DGRAM, SOL_SOCKET, bind, close, recv, send, setIntOption, setRecvTimeout, socket,
} from './sys/libc.js';

const NETLINK_CONNECTOR = 11;
const CN_IDX_PROC = 1;
const CN_VAL_PROC = 1;
const NLMSG_DONE = 3;
const PROC_CN_MCAST_LISTEN = 1;
const NLMSG_HDRLEN = 16;
const CN_MSG_LEN = 20;
/** struct proc_event: what, cpu, timestamp_ns, then event_data. */
const EVENT_DATA = NLMSG_HDRLEN + CN_MSG_LEN + 16;

/** enum proc_cn_event values nsproc reads. */
export const PROC_EVENT = { fork: 0x1, exec: 0x2, uid: 0x4, gid: 0x40, comm: 0x200, exit: 0x80000000 } as const;

/** A process event: `pid` is the thread the kernel reports, `tgid` its process; `child*` for forks. */
export interface ProcEvent {
  readonly what: number;
  readonly pid: number;
  readonly tgid: number;
  /** fork: the new task and its thread group (a thread when they differ). */
  readonly childPid?: number;
  readonly childTgid?: number;
}

export type RecvOutcome = { readonly kind: 'events'; readonly events: ProcEvent[] } | { readonly kind: 'timeout' } | { readonly kind: 'overrun' };

export class ProcConnector {
  private readonly buf = Buffer.alloc(64 * 1024);
  private constructor(private readonly fd: number) {}

  /**
   * Opens a listening socket; throws with the errno when the kernel refuses
   * (EPERM without CAP_NET_ADMIN, EPROTONOSUPPORT without CONFIG_PROC_EVENTS).
   * @param timeoutMs how long one {@link receive} waits
   */
  static open(timeoutMs: number): ProcConnector {
    const s = socketOrThrow();
    const fail = (what: string, errno: string): never => {
      close(s);
      throw new Error(`proc connector: ${what} failed with ${errno}`);
    };
    // A deep buffer makes overruns rare in a fork storm; they stay possible, and are handled.
    setIntOption(s, SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20);
    const t = setRecvTimeout(s, timeoutMs);
    if (!t.ok) fail('SO_RCVTIMEO', t.errno);
    const addr = Buffer.alloc(12); // struct sockaddr_nl: family, pad, pid (0: the kernel picks), groups
    addr.writeUInt16LE(AF_NETLINK, 0);
    addr.writeUInt32LE(CN_IDX_PROC, 8);
    const b = bind(s, addr);
    if (!b.ok) fail('bind', b.errno);
    const msg = Buffer.alloc(NLMSG_HDRLEN + CN_MSG_LEN + 4);
    msg.writeUInt32LE(msg.length, 0);
    msg.writeUInt16LE(NLMSG_DONE, 4);
    msg.writeUInt32LE(CN_IDX_PROC, NLMSG_HDRLEN);
    msg.writeUInt32LE(CN_VAL_PROC, NLMSG_HDRLEN + 4);
    msg.writeUInt16LE(4, NLMSG_HDRLEN + 16); // cn_msg.len: the op that follows
    msg.writeUInt32LE(PROC_CN_MCAST_LISTEN, NLMSG_HDRLEN + CN_MSG_LEN);
    const w = send(s, msg);
    if (!w.ok) fail('PROC_CN_MCAST_LISTEN', w.errno);
    return new ProcConnector(s);
  }

  /** One datagram's events, or a timeout, or an overrun (ENOBUFS: events were lost). */
  receive(): RecvOutcome {
    const r = recv(this.fd, this.buf);
    if (!r.ok) {
      if (r.errno === 'ENOBUFS') return { kind: 'overrun' };
      if (r.errno === 'EAGAIN' || r.errno === 'EINTR') return { kind: 'timeout' };
      throw new Error(`proc connector: recv failed with ${r.errno}`);
    }
    return { kind: 'events', events: parseMessages(this.buf.subarray(0, r.value)) };
  }

  close(): void {
    close(this.fd);
  }
}

function socketOrThrow(): number {
  const s = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_CONNECTOR);
  if (!s.ok) throw new Error(`proc connector: socket(AF_NETLINK, NETLINK_CONNECTOR) failed with ${s.errno}`);
  return s.value;
}

/** The proc events in one datagram (netlink messages back to back, each NLMSG_ALIGNed). */
export function parseMessages(b: Buffer): ProcEvent[] {
  const out: ProcEvent[] = [];
  for (let off = 0; off + NLMSG_HDRLEN <= b.length;) {
    const len = b.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > b.length) break;
    if (len >= EVENT_DATA && off + EVENT_DATA + 8 <= b.length) {
      const what = b.readUInt32LE(off + NLMSG_HDRLEN + CN_MSG_LEN);
      const d = off + EVENT_DATA;
      if (what === PROC_EVENT.fork) {
        out.push({ what, pid: b.readUInt32LE(d), tgid: b.readUInt32LE(d + 4), childPid: b.readUInt32LE(d + 8), childTgid: b.readUInt32LE(d + 12) });
      } else if (what !== 0) {
        out.push({ what, pid: b.readUInt32LE(d), tgid: b.readUInt32LE(d + 4) });
      }
    }
    off += (len + 3) & ~3;
  }
  return out;
}
