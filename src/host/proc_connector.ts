/**
 * The netlink proc connector (drivers/connector/cn_proc.c,
 * include/uapi/linux/cn_proc.h): the kernel multicasts one message per fork,
 * exec, uid/gid change, comm change and exit to listeners of CN_IDX_PROC
 * (CAP_NET_ADMIN). It has no namespace event and drops messages when the
 * socket's buffer is full (recv(2) then fails with ENOBUFS once).
 * Its reads never wait: the worker thread sleeps in poll(2) on {@link ProcConnector.fd}.
 */
import { fail, ok, type Result } from '../model/errno.js';
import {
  AF_NETLINK, MSG_DONTWAIT, SO_RCVBUFFORCE, SOCK_DGRAM, SOL_SOCKET, bind, close, recv, send, setIntOption, socket,
} from '../sys/libc.js';
import { NLMSG_DONE, decodeMessages, encodeMessage } from '../sys/netlink.js';

const NETLINK_CONNECTOR = 11;
const CN_IDX_PROC = 1;
const CN_VAL_PROC = 1;
const PROC_CN_MCAST_LISTEN = 1;
const CN_MSG_LEN = 20;
/** struct proc_event (after struct cn_msg): what, cpu, timestamp_ns, then event_data. */
const EVENT_DATA = CN_MSG_LEN + 16;

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

/** One datagram's events; `empty`: nothing queued now; `overrun`: events were lost (ENOBUFS). */
export type Received = { readonly kind: 'events'; readonly events: ProcEvent[] } | { readonly kind: 'empty' } | { readonly kind: 'overrun' };

export class ProcConnector {
  private readonly buf = Buffer.alloc(64 * 1024);
  /** @param fd the socket, for poll(2) (sys/wakeup.ts) */
  private constructor(readonly fd: number) {}

  /**
   * Opens a listening socket, or the errno the kernel refused it with
   * (EPERM without CAP_NET_ADMIN, EPROTONOSUPPORT without CONFIG_PROC_EVENTS).
   */
  static open(): Result<ProcConnector> {
    const so = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_CONNECTOR);
    if (!so.ok) return refused('socket(AF_NETLINK, NETLINK_CONNECTOR)', so);
    const s = so.value;
    // A deep buffer makes overruns rare in a fork storm; they stay possible, and are handled.
    setIntOption(s, SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20);
    const addr = Buffer.alloc(12); // struct sockaddr_nl: family, pad, pid (0: the kernel picks), groups
    addr.writeUInt16LE(AF_NETLINK, 0);
    addr.writeUInt32LE(CN_IDX_PROC, 8);
    const b = bind(s, addr);
    if (!b.ok) {
      close(s);
      return refused('bind', b);
    }
    const cn = Buffer.alloc(CN_MSG_LEN + 4); // struct cn_msg, then the op
    cn.writeUInt32LE(CN_IDX_PROC, 0);
    cn.writeUInt32LE(CN_VAL_PROC, 4);
    cn.writeUInt16LE(4, 16); // cn_msg.len: the op that follows
    cn.writeUInt32LE(PROC_CN_MCAST_LISTEN, CN_MSG_LEN);
    const w = send(s, encodeMessage(NLMSG_DONE, 0, 0, cn));
    if (!w.ok) {
      close(s);
      return refused('PROC_CN_MCAST_LISTEN', w);
    }
    return ok(new ProcConnector(s));
  }

  /** The next datagram's events, without waiting. */
  receive(): Result<Received> {
    const r = recv(this.fd, this.buf, MSG_DONTWAIT);
    if (!r.ok) {
      if (r.error.errno === 'ENOBUFS') return ok({ kind: 'overrun' });
      if (r.error.errno === 'EAGAIN' || r.error.errno === 'EINTR') return ok({ kind: 'empty' });
      return refused('recv', r);
    }
    return ok({ kind: 'events', events: parseMessages(this.buf.subarray(0, r.value)) });
  }

  close(): void {
    close(this.fd);
  }
}

/** A failed call's errno, in host mode's sentence for it. */
function refused<T>(what: string, r: Extract<Result<unknown>, { ok: false }>): Result<T> {
  return fail(r.error.errno, `proc connector: ${what} failed with ${r.error.errno}`);
}

/** The proc events in one datagram (netlink messages back to back, each NLMSG_ALIGNed). */
export function parseMessages(b: Buffer): ProcEvent[] {
  const out: ProcEvent[] = [];
  for (const { payload: p } of decodeMessages(b)) {
    if (p.length < EVENT_DATA + 8) continue;
    const what = p.readUInt32LE(CN_MSG_LEN);
    if (what === PROC_EVENT.fork && p.length >= EVENT_DATA + 16) {
      out.push({ what, pid: p.readUInt32LE(EVENT_DATA), tgid: p.readUInt32LE(EVENT_DATA + 4), childPid: p.readUInt32LE(EVENT_DATA + 8), childTgid: p.readUInt32LE(EVENT_DATA + 12) });
    } else if (what !== 0 && what !== PROC_EVENT.fork) {
      out.push({ what, pid: p.readUInt32LE(EVENT_DATA), tgid: p.readUInt32LE(EVENT_DATA + 4) });
    }
  }
  return out;
}
