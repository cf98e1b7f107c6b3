/**
 * What the trail does with each record type, decided from the `type=` name alone (before
 * any field is read). nsproc's namespace records come from the type table
 * (src/model/nstypes.ts); the kernel's own records other than SYSCALL only mark their event.
 */
import { auditField, NS_TYPES } from '../model/nstypes.js';

export type RecordKind = (
  | { readonly kind: 'init' | 'del'; readonly typeIdx: number }
  | { readonly kind: 'ns-info' | 'virt' | 'daemon' | 'container' | 'kernel-lost' | 'log-lost' | 'ns-unseen' | 'syscall' }
) & {
  /**
   * A number of its own per type name, for the records nsproc writes at most once of each
   * type in one event (NS_INFO, INIT, DEL: node_serials.ts tells their copies apart by it);
   * -1 for the others, whose text is hashed.
   */
  readonly id: number;
};

type Kind = RecordKind extends infer K ? (K extends RecordKind ? Omit<K, 'id'> : never) : never;

const FIXED: ReadonlyArray<readonly [string, Kind]> = [
  ['NS_INFO', { kind: 'ns-info' }],
  ['VIRT_CONTROL', { kind: 'virt' }],
  ['DAEMON_START', { kind: 'daemon' }],
  ['DAEMON_ROTATE', { kind: 'daemon' }],
  ['NSPROC_CONTAINER', { kind: 'container' }],
  ['NSPROC_KERNEL_LOST', { kind: 'kernel-lost' }],
  ['NSPROC_LOG_LOST', { kind: 'log-lost' }],
  ['NSPROC_NS_UNSEEN', { kind: 'ns-unseen' }],
  ['SYSCALL', { kind: 'syscall' }],
];

const KINDS = new Map<string, RecordKind>([
  ...FIXED,
  ...NS_TYPES.flatMap((t, typeIdx) => [
    [t.auditInit.name, { kind: 'init', typeIdx }] as const,
    [t.auditDel.name, { kind: 'del', typeIdx }] as const,
  ]),
].map(([name, k], id) => [name, { ...k, id: k.kind === 'init' || k.kind === 'del' || k.kind === 'ns-info' ? id : -1 } as RecordKind]));

/**
 * @param type a record's `type=` name
 * @returns what the trail reads of it, or null: a record of the kernel's that the trail only counts in its event
 * @example
 * recordKind('AUDIT_NS_INIT_NET'); // { kind: 'init', typeIdx: 0 }
 */
export function recordKind(type: string): RecordKind | null {
  return KINDS.get(type) ?? null;
}

/** Field name (`netns`) → type index in the table, for NS_INFO and NSPROC_CONTAINER. */
export const NS_FIELD = new Map<string, number>(NS_TYPES.map((t, i) => [auditField(t), i]));

/** The type names in table order, for output (`net`, `uts` …). */
export const TYPE_NAMES: readonly string[] = NS_TYPES.map((t) => t.name);
