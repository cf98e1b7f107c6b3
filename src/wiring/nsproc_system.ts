/**
 * What a system gives the daemon (src/cli/run_daemon.ts) to serve: the interface the wiring
 * (src/system.ts, src/host_system.ts) implements and the edge uses.
 */
import type { Vfs } from '../procfs/vfs.js';
import type { TreeInvalidation } from '../procfs/tree_invalidation.js';
import type { DaemonOptions } from './daemon_options.js';

/** What a system provides: the tree to serve, and close() to flush and close the audit log. */
export interface NsprocSystem {
  readonly vfs: Vfs;
  /** The tree's cache invalidation, connected to the mount once it is up (absent: the tree never changes). */
  readonly invalidation?: TreeInvalidation;
  /** Flushes and closes; host mode's may take a moment (its threads, the kernel audit rules it added). */
  close(): void | Promise<void>;
  /** SIGUSR1: rotate the audit log now; returns what happened, as one line. */
  rotateLog?(): string;
  /** A JSON-ready picture of the whole state, for tests (see src/cli/_debug.ts); read-only. */
  inspect?(): unknown;
  /** Counters since start, for the debug socket's `stats` (src/cli/_debug.ts). */
  counters?(): unknown;
}

/** Builds the system to serve; host mode's is ready once its first scan is done. */
export type CreateSystem = (opts: DaemonOptions) => NsprocSystem | Promise<NsprocSystem>;
