/**
 * A synthetic aggregated audit log of a fleet, for R8 (nstrail): H hosts (`node=hostNNN`),
 * each a model boot with its own boot_id (DAEMON_START, boot's INIT records), then a stream
 * of task churn (clone net → INIT_NET + NS_INFO, exit → DEL_NET) and container lives (an
 * orchestrator clones pid,net,mnt,uts,ipc; VIRT_CONTROL op=start/op=init with libvirt's
 * fields; an admin setns into its net; op=stop; the DELs), interleaved by time as an
 * aggregating auditd receives them. A few containers migrate: op=stop reason=migrated on one
 * host, op=start reason=migrated on the next, same uuid. Records are formatted by the log
 * writer's own formatter (src/audit/format.ts), so they are the daemon's lines.
 *
 * Deterministic for given options (a seeded generator, a fixed start time).
 */
import * as fs from 'node:fs';
import { formatRecords, type AuditStamp } from '../src/audit/format.js';
import type { ActorInfo, ModelEvent, NsInfoEvent } from '../src/model/events.js';
import { profileTypes, type NsType } from '../src/model/nstypes.js';
import { prng } from './_prng.js';

export interface FleetLogOptions {
  readonly records: number;
  readonly hosts: number;
  /** How many containers move from host to host (each once, to the next host). */
  readonly migrations: number;
  readonly seed?: number;
}

/** What the bench needs to know of the log it wrote. */
export interface FleetLog {
  readonly records: number;
  readonly bytes: number;
  /** A uuid that migrated (the `--uuid` to ask for), and a node that exists. */
  readonly migratedUuid: string;
  readonly node: string;
}

const T0 = 1796000000;
const TYPES = profileTypes('v5');
const type = (n: string): NsType => TYPES.byName.get(n)!;
const CONTAINER_TYPES = ['mnt', 'uts', 'ipc', 'pid', 'net'].map(type);
const KERNEL: ActorInfo = { pid: 1, uid: 0, auid: 4294967295, ses: 4294967295, subj: 'kernel' };
const ADMIN_AUID = 1000;

/** One host's counters: audit serial, namespace serial, pid; its initial namespaces. */
interface Host {
  readonly node: string;
  readonly bootId: string;
  serial: number;
  snum: bigint;
  pid: number;
  inum: number;
  readonly init: Map<string, bigint>;
}


function uuid(rand: () => number): string {
  const h = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Writes the log to `file`.
 * @returns what the bench needs to ask nstrail for
 */
export function writeFleetLog(file: string, o: FleetLogOptions): FleetLog {
  const rand = prng(o.seed ?? 1);
  const fd = fs.openSync(file, 'w', 0o600);
  let chunk: string[] = [];
  let chunkBytes = 0;
  let records = 0;
  let bytes = 0;
  let ms = 0;
  const flush = (): void => {
    const text = chunk.join('');
    fs.writeSync(fd, text);
    bytes += Buffer.byteLength(text);
    chunk = [];
    chunkBytes = 0;
  };
  const emit = (h: Host, events: readonly ModelEvent[]): void => {
    for (const e of events) {
      ms += 1;
      const stamp: AuditStamp = { sec: T0 + Math.floor(ms / 1000), msec: ms % 1000, serial: (h.serial = (h.serial + 1) >>> 0) };
      for (const l of formatRecords(e, stamp)) {
        chunk.push(`node=${h.node} `, l, '\n');
        chunkBytes += l.length + h.node.length + 7;
        records++;
      }
    }
    if (chunkBytes > 1 << 20) flush();
  };
  const info = (h: Host, pid: number, own: ReadonlyMap<string, bigint>): NsInfoEvent => ({
    kind: 'ns-info', pid, namespaces: TYPES.types.map((t) => ({ type: t, snum: own.get(t.name) ?? h.init.get(t.name)! })),
  });

  const hosts: Host[] = Array.from({ length: o.hosts }, (_, i) => ({
    node: `host${String(i).padStart(3, '0')}`, bootId: uuid(rand), serial: 3, snum: 8n, pid: 4, inum: 0xf0000000, init: new Map(),
  }));
  for (const h of hosts) {
    emit(h, [{ kind: 'daemon-start', version: '0.1.0', kernel: 'model-v5', serialSource: 'model', bootId: h.bootId, actor: KERNEL }]);
    const boot: [string, bigint][] = [['uts', 2n], ['user', 3n], ['pid', 4n], ['mnt', 5n], ['ipc', 1n], ['net', 7n]];
    for (const [t, s] of boot) h.init.set(t, s);
    emit(h, boot.map(([t, s]) => ({ kind: 'ns-created', type: type(t), snum: s, oldSnum: 0n, actor: KERNEL })));
  }

  // A container's life in steps, so that lives on many hosts interleave.
  type Step = () => void;
  const lives: Step[][] = [];
  const containerLife = (h: Host, id: string, name: string, reason: string, stopReason: string, next?: () => void): Step[] => {
    const vmPid = h.pid++;
    const own = new Map<string, bigint>();
    const actor: ActorInfo = { pid: 1, uid: 0, auid: 0, ses: 1, subj: 'unconfined' };
    const texts = (op: string, extra: string) => `virt=lxc op=${op}${extra} vm="${name}" uuid=${id} vm-pid=${vmPid}`;
    return [
      () => {
        const created: ModelEvent[] = CONTAINER_TYPES.map((t) => {
          const s = h.snum++;
          own.set(t.name, s);
          return { kind: 'ns-created', type: t, snum: s, oldSnum: h.init.get(t.name)!, actor };
        });
        emit(h, [...created, info(h, vmPid, own)]);
      },
      () => emit(h, [{ kind: 'virt-control', actor, text: texts('start', ` reason=${reason}`), info: info(h, 1, new Map()) }]),
      () => emit(h, [{ kind: 'virt-control', actor, text: `${texts('init', '')} init-pid=${vmPid} pid-ns=${h.inum++}`, info: info(h, 1, new Map()) }]),
      () => emit(h, [info(h, h.pid++, new Map([['net', own.get('net')!]]))]),
      () => emit(h, [{ kind: 'virt-control', actor, text: texts('stop', ` reason=${stopReason}`), info: info(h, 1, new Map()) }]),
      () => {
        emit(h, CONTAINER_TYPES.map((t) => ({ kind: 'ns-freed', type: t, snum: own.get(t.name)!, actor: { ...actor, pid: vmPid } })));
        next?.();
      },
    ];
  };
  const churn = (h: Host): Step[] => {
    const pid = h.pid++;
    const s = h.snum++;
    const actor: ActorInfo = { pid, uid: 0, auid: ADMIN_AUID, ses: 2, subj: 'unconfined' };
    return [
      () => emit(h, [{ kind: 'ns-created', type: type('net'), snum: s, oldSnum: h.init.get('net')!, actor }, info(h, pid, new Map([['net', s]]))]),
      () => emit(h, [{ kind: 'ns-freed', type: type('net'), snum: s, actor }]),
    ];
  };

  // The migrating containers: each starts on host i and moves to host i+1 once.
  let migratedUuid = '';
  for (let m = 0; m < o.migrations && o.hosts > 1; m++) {
    const id = uuid(rand);
    if (m === 0) migratedUuid = id;
    const from = hosts[m % o.hosts]!;
    const to = hosts[(m + 1) % o.hosts]!;
    lives.push(containerLife(from, id, `mig${m}`, 'booted', 'migrated', () => lives.push(containerLife(to, id, `mig${m}`, 'migrated', 'shutdown'))));
  }
  while (records < o.records) {
    // Keep about 4 lives per host under way; pick one at random to take its next step.
    while (lives.length < o.hosts * 4) {
      const h = hosts[Math.floor(rand() * o.hosts)]!;
      lives.push(rand() < 0.1 ? containerLife(h, uuid(rand), `c${h.pid}`, 'booted', 'shutdown') : churn(h));
    }
    const i = Math.floor(rand() * lives.length);
    const life = lives[i]!;
    life.shift()!();
    if (life.length === 0) lives.splice(i, 1);
  }
  flush();
  fs.closeSync(fd);
  return { records, bytes, migratedUuid, node: hosts[Math.min(1, o.hosts - 1)]!.node };
}
