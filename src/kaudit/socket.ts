/**
 * NETLINK_AUDIT sockets, through the one module of foreign calls (src/sys/libc.ts):
 * - {@link AuditControl}: requests to the kernel and their answers (AUDIT_GET, AUDIT_SET,
 *   the rule list, adding and deleting rules), as libaudit's audit_send() and
 *   audit_get_reply() do. Every recv(2) has a timeout, so a kernel that never answers is an
 *   error (ETIMEDOUT), never a hang.
 * - {@link AuditMulticast}: the read-only multicast group of every record the kernel emits
 *   (AUDIT_NLGRP_READLOG, CAP_AUDIT_READ), beside auditd or without it. Its reads never
 *   wait: its thread sleeps in poll(2) on {@link AuditMulticast.fd} (sys/wakeup.ts).
 * The kernel sends some answers from a kernel thread (kernel/audit.c:audit_send_reply(),
 * audit_send_list_thread()), so a reply may come before or after its acknowledgement.
 */
import { errnoFromNumber, fail, type ErrnoName, type Result } from '../model/errno.js';
import * as libc from '../sys/libc.js';
import {
  AUDIT_MSG, AUDIT_NLGRP_READLOG, NETLINK_AUDIT, NLMSG, ackError, decodeListedRule, decodeMessages, decodeStatus,
  encodeRequest, encodeSetEnabled, type AuditStatus, type ListedRule, type NlMessage,
} from './protocol.js';
import { parseRecord, type KernelRecord } from './record.js';

/** The calls this file makes; tests pass a fake kernel. */
export type NetlinkSys = Pick<typeof libc, 'socket' | 'bind' | 'send' | 'recv' | 'close' | 'setRecvTimeout' | 'setIntOption'>;


const SOCK_RAW = 3;
/** One recv(2) of a request waits this long; a request gives up after {@link REQUEST_MS}. */
const RECV_TIMEOUT_MS = 1000;
const REQUEST_MS = 3000;
const NLM_F_MULTI = 0x2;

/** Why a socket call failed, in words (the errno is kept beside it). */
function explain(call: string, errno: ErrnoName): string {
  switch (errno) {
    case 'EPROTONOSUPPORT':
      return 'this kernel has no audit support (CONFIG_AUDIT is off)';
    case 'EPERM':
      return `${call} was refused: nsproc needs root (CAP_AUDIT_CONTROL, and CAP_AUDIT_READ for the multicast group)`;
    case 'ECONNREFUSED':
      return `${call} was refused: the kernel answers audit requests only from the initial user and pid namespaces`;
    default:
      return `${call} failed with ${errno}`;
  }
}

/** A NETLINK_AUDIT socket bound to `groups`, with a receive timeout unless null. */
function openSocket(sys: NetlinkSys, groups: number, timeoutMs: number | null): Result<number> {
  const s = sys.socket(libc.AF_NETLINK, SOCK_RAW, NETLINK_AUDIT);
  if (!s.ok) return fail(s.error.errno, explain('socket(AF_NETLINK, NETLINK_AUDIT)', s.error.errno));
  const t = timeoutMs === null ? ({ ok: true, value: 0 } as const) : sys.setRecvTimeout(s.value, timeoutMs);
  const addr = Buffer.alloc(12); // struct sockaddr_nl: family, pad, pid (0: the kernel picks), groups
  addr.writeUInt16LE(libc.AF_NETLINK, 0);
  addr.writeUInt32LE(groups, 8);
  const b = t.ok ? sys.bind(s.value, addr) : t;
  if (!b.ok) {
    sys.close(s.value);
    return fail(b.error.errno, explain(groups ? 'joining the audit multicast group' : 'bind(2)', b.error.errno));
  }
  return { ok: true, value: s.value };
}

/** Requests to the kernel's audit subsystem (root: CAP_AUDIT_CONTROL). */
export class AuditControl {
  private seq = 0;
  private readonly buf = Buffer.alloc(64 * 1024);

  private constructor(private readonly sys: NetlinkSys, private readonly fd: number) {}

  static open(sys: NetlinkSys = libc): Result<AuditControl> {
    const s = openSocket(sys, 0, RECV_TIMEOUT_MS);
    return s.ok ? { ok: true, value: new AuditControl(sys, s.value) } : s;
  }

  /** AUDIT_GET: enabled, lost, backlog … */
  status(): Result<AuditStatus> {
    const r = this.request(AUDIT_MSG.get, Buffer.alloc(0), 'reply');
    return r.ok ? { ok: true, value: decodeStatus(r.value[0]!.payload) } : r;
  }

  /** AUDIT_SET enabled (auditctl -e 0|1); EPERM once audit is locked (enabled=2). */
  setEnabled(enabled: 0 | 1): Result<void> {
    return this.done(this.request(AUDIT_MSG.set, encodeSetEnabled(enabled), 'ack'));
  }

  /** AUDIT_LIST_RULES: every rule, with its key. */
  listRules(): Result<ListedRule[]> {
    const r = this.request(AUDIT_MSG.listRules, Buffer.alloc(0), 'list');
    return r.ok ? { ok: true, value: r.value.map((m) => decodeListedRule(m.payload)) } : r;
  }

  /** AUDIT_ADD_RULE; EEXIST when the same rule is already there. */
  addRule(rule: Buffer): Result<void> {
    return this.done(this.request(AUDIT_MSG.addRule, rule, 'ack'));
  }

  /** AUDIT_DEL_RULE of a rule given exactly as it was added or listed; ENOENT when there is none. */
  deleteRule(rule: Buffer): Result<void> {
    return this.done(this.request(AUDIT_MSG.delRule, rule, 'ack'));
  }

  close(): void {
    this.sys.close(this.fd);
  }

  private done(r: Result<NlMessage[]>): Result<void> {
    return r.ok ? { ok: true, value: undefined } : r;
  }

  /**
   * Sends one request and collects its answer: the acknowledgement (`ack`), that and the
   * one reply of the request's type (`reply`), or the reply messages up to NLMSG_DONE
   * (`list`). A negative acknowledgement fails with its errno.
   */
  private request(type: number, payload: Buffer, want: 'ack' | 'reply' | 'list'): Result<NlMessage[]> {
    const seq = ++this.seq;
    const name = `audit request ${type}`;
    const w = this.sys.send(this.fd, encodeRequest(type, seq, payload));
    if (!w.ok) return fail(w.error.errno, explain(name, w.error.errno));
    const replies: NlMessage[] = [];
    let acked = false;
    let complete = want === 'ack';
    const deadline = Date.now() + REQUEST_MS;
    while (!(acked && complete)) {
      if (Date.now() > deadline) return fail('ETIMEDOUT', `the kernel did not answer ${name} within ${REQUEST_MS} ms`);
      const r = this.sys.recv(this.fd, this.buf);
      if (!r.ok) {
        if (r.error.errno === 'EAGAIN' || r.error.errno === 'EINTR') continue;
        return fail(r.error.errno, explain(name, r.error.errno));
      }
      for (const m of decodeMessages(this.buf.subarray(0, r.value))) {
        if (m.seq !== seq) continue; // a late answer to an earlier request
        if (m.type === NLMSG.error) {
          const e = -ackError(m);
          if (e !== 0) return fail(errnoFromNumber(e), explain(name, errnoFromNumber(e)));
          acked = true;
        } else if (m.type === NLMSG.done) {
          complete = true;
        } else if (m.type === type) {
          // The next recv(2) reuses the buffer the payload points into.
          replies.push({ ...m, payload: Buffer.from(m.payload) });
          if (want === 'reply' || (m.flags & NLM_F_MULTI) === 0) complete = true;
        }
      }
    }
    return { ok: true, value: replies };
  }
}

/** What one recv(2) on the multicast group gave. */
export type Received =
  | { readonly kind: 'records'; readonly records: KernelRecord[] }
  /** Nothing queued now. */
  | { readonly kind: 'empty' }
  /** ENOBUFS: the socket's buffer was full and the kernel dropped records for this reader. */
  | { readonly kind: 'overrun' };

/** The audit multicast group (AUDIT_NLGRP_READLOG): every record the kernel emits. */
export class AuditMulticast {
  private readonly buf = Buffer.alloc(64 * 1024);

  /** @param fd the socket, for poll(2) */
  private constructor(private readonly sys: NetlinkSys, readonly fd: number) {}

  static open(sys: NetlinkSys = libc): Result<AuditMulticast> {
    const s = openSocket(sys, AUDIT_NLGRP_READLOG, null);
    if (!s.ok) return s;
    // A deep buffer rides out bursts (root may pass rmem_max with SO_RCVBUFFORCE); overruns stay possible and are counted.
    sys.setIntOption(s.value, libc.SOL_SOCKET, libc.SO_RCVBUFFORCE, 32 << 20);
    return { ok: true, value: new AuditMulticast(sys, s.value) };
  }

  /** The next datagram's records (unparsable messages are skipped), without waiting; or an overrun. */
  receive(): Result<Received> {
    const r = this.sys.recv(this.fd, this.buf, libc.MSG_DONTWAIT);
    if (!r.ok) {
      if (r.error.errno === 'ENOBUFS') return { ok: true, value: { kind: 'overrun' } };
      if (r.error.errno === 'EAGAIN' || r.error.errno === 'EINTR') return { ok: true, value: { kind: 'empty' } };
      return fail(r.error.errno, explain('recv(2) on the audit multicast group', r.error.errno));
    }
    const records: KernelRecord[] = [];
    for (const m of decodeMessages(this.buf.subarray(0, r.value))) {
      const rec = parseRecord(m.type, m.payload);
      if (rec) records.push(rec);
    }
    return { ok: true, value: { kind: 'records', records } };
  }

  close(): void {
    this.sys.close(this.fd);
  }
}
