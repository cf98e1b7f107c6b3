/**
 * Test fixture: the record lines of the V5 cover letter (seed/), verbatim —
 * including the mail's doubled `type=type=` — and the model events that must
 * produce them. Used by the format and log writer tests only.
 */
import type { ActorInfo, ModelEvent } from '../model/events.js';
import { profileTypes, type NsName } from '../model/nstypes.js';
import type { AuditStamp } from './format.js';

/** The seed's record lines, in the order the mail gives them. */
export const SEED_LINES: readonly string[] = [
  'type=NS_INFO msg=audit(1408577535.306:82): netns=8 utsns=2 ipcns=1 pidns=4 userns=3 mntns=5',
  'type=AUDIT_NS_INIT_UTS msg=audit(1408577534.868:5): pid=1 uid=0 auid=4294967295 ses=4294967295 subj=kernel old_utsns=0 utsns=2 res=1',
  'type=AUDIT_NS_INIT_USER msg=audit(1408577534.868:6): pid=1 uid=0 auid=4294967295 ses=4294967295 subj=kernel old_userns=0 userns=3 res=1',
  'type=AUDIT_NS_INIT_PID msg=audit(1408577534.868:7): pid=1 uid=0 auid=4294967295 ses=4294967295 subj=kernel old_pidns=0 pidns=4 res=1',
  'type=AUDIT_NS_INIT_MNT msg=audit(1408577534.868:8): pid=1 uid=0 auid=4294967295 ses=4294967295 subj=kernel old_mntns=0 mntns=5 res=1',
  'type=AUDIT_NS_INIT_IPC msg=audit(1408577534.868:9): pid=1 uid=0 auid=4294967295 ses=4294967295 subj=kernel old_ipcns=0 ipcns=1 res=1',
  'type=AUDIT_NS_INIT_NET msg=audit(1408577533.500:10): pid=1 uid=0 auid=4294967295 ses=4294967295 subj=kernel old_netns=0 netns=7 res=1',
  'type=type=AUDIT_NS_INIT_NET msg=audit(1408577535.306:81): pid=481 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:init_t:s0 old_netns=7 netns=8 res=1',
  'type=type=AUDIT_NS_INIT_MNT msg=audit(1408577535.307:83): pid=481 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:init_t:s0 old_mntns=5 mntns=9 res=1',
  'type=type=AUDIT_NS_DEL_MNT msg=audit(1408577552.221:85): pid=481 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:init_t:s0 mntns=9 res=1',
];

/** The pid the seed's NS_INFO line is about (the cloning task's, 481). */
export const SEED_NS_INFO_PID = 481;

/**
 * A seed line as nsproc writes it (SPEC §6): `type=` once, and NS_INFO with
 * `pid=` first ("Log AUDIT_NS_INFO with PID").
 */
export function expectedLine(seedLine: string): string {
  const once = seedLine.replace(/^type=type=/, 'type=');
  return once.startsWith('type=NS_INFO ') ? once.replace('): ', `): pid=${SEED_NS_INFO_PID} `) : once;
}

const v5 = profileTypes('v5');
/** A v5 type row by name. */
export const nsType = (name: NsName) => v5.byName.get(name)!;

/** Boot's actor (SPEC §6). */
export const KERNEL: ActorInfo = { pid: 1, uid: 0, auid: 4294967295, ses: 4294967295, subj: 'kernel' };
/** The seed's cloning task. */
export const INIT_481: ActorInfo = { pid: 481, uid: 0, auid: 4294967295, ses: 4294967295, subj: 'system_u:system_r:init_t:s0' };

/** An AUDIT_NS_INIT event. */
export function created(name: NsName, snum: bigint, oldSnum: bigint, actor: ActorInfo): ModelEvent {
  return { kind: 'ns-created', type: nsType(name), snum, oldSnum, actor };
}

/** The six boot events, in boot audit order (UTS USER PID MNT IPC NET). */
export function bootEvents(): ModelEvent[] {
  return v5.bootAudit.map((t) => created(t.name, BigInt(t.bootSerial), 0n, KERNEL));
}

/** The namespaces of a task that cloned a new net namespace (seed NS_INFO). */
export function seedNsInfo(pid: number): ModelEvent & { kind: 'ns-info' } {
  const snums: Record<string, bigint> = { net: 8n, uts: 2n, ipc: 1n, pid: 4n, user: 3n, mnt: 5n };
  return { kind: 'ns-info', pid, namespaces: v5.types.map((t) => ({ type: t, snum: snums[t.name]! })) };
}

/** An audit stamp from its three numbers. */
export const stamp = (sec: number, msec: number, serial: number): AuditStamp => ({ sec, msec, serial });

/** Each seed line's event and stamp, in SEED_LINES order. */
export const SEED_CASES: readonly { readonly name: string; readonly event: ModelEvent; readonly stamp: AuditStamp }[] = [
  { name: 'NS_INFO after clone', event: seedNsInfo(SEED_NS_INFO_PID), stamp: stamp(1408577535, 306, 82) },
  // The seed's NET record is stamped earlier than the others (1408577533.500).
  ...v5.bootAudit.map((t, i) => ({
    name: `boot ${t.name}`,
    event: created(t.name, BigInt(t.bootSerial), 0n, KERNEL),
    stamp: t.name === 'net' ? stamp(1408577533, 500, 5 + i) : stamp(1408577534, 868, 5 + i),
  })),
  { name: 'clone NET', event: created('net', 8n, 7n, INIT_481), stamp: stamp(1408577535, 306, 81) },
  { name: 'clone MNT', event: created('mnt', 9n, 5n, INIT_481), stamp: stamp(1408577535, 307, 83) },
  { name: 'DEL MNT', event: { kind: 'ns-freed', type: nsType('mnt'), snum: 9n, actor: INIT_481 }, stamp: stamp(1408577552, 221, 85) },
];
