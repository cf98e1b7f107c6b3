/** The commands of the control file (SPEC §5), as parse.ts produces them. */
import type { NsType } from '../model/nstypes.js';
import type { CredChange } from '../model/ops/setcred.js';
import type { SetnsTarget } from '../model/ops/setns.js';
import type { LsnsQuery } from './lsns_args.js';
import type { PsQuery } from './ps.js';
import type { StatusQuery } from './status.js';

export type Command =
  | { readonly op: 'clone'; readonly actor: number; readonly flags: number }
  | { readonly op: 'unshare'; readonly actor: number; readonly flags: number }
  | { readonly op: 'setns'; readonly actor: number; readonly target: SetnsTarget; readonly type: NsType | null }
  | { readonly op: 'exit'; readonly actor: number }
  | { readonly op: 'pin'; readonly actor: number; readonly entry: string }
  | { readonly op: 'unpin'; readonly pin: number }
  | { readonly op: 'setcred'; readonly actor: number; readonly change: CredChange }
  | { readonly op: 'ns_info'; readonly actor: number; readonly pid: number }
  | { readonly op: 'virt_control'; readonly actor: number; readonly text: string }
  /** Which task the tree's `self` link names (model mode only). */
  | { readonly op: 'self'; readonly pid: number }
  /** Read-only queries: result lines, no events. */
  | { readonly op: 'lsns'; readonly query: LsnsQuery }
  | { readonly op: 'ps'; readonly query: PsQuery }
  | { readonly op: 'status'; readonly query: StatusQuery };

export type Op = Command['op'];

/** `pin:3` — how pin ids are printed and read, so they cannot be taken for pids. */
export function formatPinId(id: number): string {
  return `pin:${id}`;
}
