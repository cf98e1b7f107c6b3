/**
 * Start-up as the kernel's create_new_namespaces() and gVisor's pkg/cleanup do it: each step
 * that acquires something pushes its release; if a later step fails, what was acquired is
 * released last first, once, and the start fails with the step's own error. A system that
 * started keeps the stack: its close() is the same releases, in the same order.
 */

/** Undoes one acquisition (closes a log, stops a thread, removes rules). */
export type Release = () => void | Promise<void>;

/** A release that threw: what it released, and the error. */
export interface ReleaseFailure {
  readonly what: string;
  readonly error: unknown;
}

export class CleanupStack {
  /** Oldest first; releaseAll() pops. */
  private readonly releases: { readonly what: string; readonly release: Release }[] = [];

  /**
   * Records the release of what was just acquired: it runs before every release pushed earlier.
   * @param what names it in a failure ("the audit log lock")
   */
  push(what: string, release: Release): void {
    this.releases.push({ what, release });
  }

  /**
   * Runs every release, last pushed first, each once (the stack is empty afterwards); one that
   * throws does not keep the others from running.
   * @returns the releases that threw, in the order they ran (empty: all released)
   * @example
   * const cleanup = new CleanupStack();
   * cleanup.push('the lock', () => lock.release());
   * cleanup.push('the log', () => log.close());
   * await cleanup.releaseAll(); // closes the log, then releases the lock
   */
  async releaseAll(): Promise<ReleaseFailure[]> {
    const failures: ReleaseFailure[] = [];
    for (let r = this.releases.pop(); r !== undefined; r = this.releases.pop()) {
      try {
        await r.release();
      } catch (error) {
        failures.push({ what: r.what, error });
      }
    }
    return failures;
  }
}

/** A system that started: close() runs its releases and throws one error naming those that failed. */
export type Started<T> = T & { close(): Promise<void> };

/**
 * The wiring's one start-up shape: `build` acquires and pushes each release. If it throws, what
 * it had acquired is released (each failing release told through `say`) and its error is
 * rethrown; else the system returned closes by releasing everything.
 * @param say where a failing release during the unwinding is told (stderr)
 * @example
 * const sys = await startWithCleanup(say, (cleanup) => {
 *   const log = openLog();
 *   cleanup.push('the audit log', () => log.close());
 *   return { log };
 * });
 * await sys.close();
 */
export async function startWithCleanup<T extends object>(say: (line: string) => void, build: (cleanup: CleanupStack) => T | Promise<T>): Promise<Started<T>> {
  const cleanup = new CleanupStack();
  let built: T;
  try {
    built = await build(cleanup);
  } catch (e) {
    for (const f of await cleanup.releaseAll()) say(`nsproc: undoing the failed start: ${failureText(f)}`);
    throw e;
  }
  return {
    ...built,
    close: async () => {
      const failures = await cleanup.releaseAll();
      if (failures.length > 0) throw new Error(failures.map(failureText).join('; '));
    },
  };
}

function failureText(f: ReleaseFailure): string {
  return `${f.what}: ${f.error instanceof Error ? f.error.message : String(f.error)}`;
}
