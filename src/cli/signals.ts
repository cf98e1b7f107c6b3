/**
 * What the daemon does on each signal (README "Signals"), with auditd's
 * meanings where they fit (auditd(8)):
 *
 *   SIGTERM, SIGINT  unmount, flush and close the audit log, remove the pid file, exit 0
 *   SIGUSR1          rotate the audit log now (auditd: "immediately rotate the logs")
 *   SIGHUP           auditd reloads its configuration; nsproc has none to reload: one log
 *                    line, and it goes on serving (never the default: die, leaving the pid file)
 *   SIGUSR2          auditd resumes logging after a disk error; nsproc never suspends (a
 *                    full disk fails each command, SPEC §6): one log line, it goes on serving
 *
 * Node's own SIGUSR1 handler opens the inspector on 127.0.0.1:9229, which gives any local
 * user code execution in this (root) process. A JavaScript listener replaces that handler,
 * so {@link guardSignals} must run before anything else (src/cli/daemon.ts calls it first),
 * and the listeners are never removed: without one, SIGUSR1 would get its default action.
 */

/** The daemon's answers once it serves; until then the guarded signals are only logged. */
export interface ServingSignals {
  /** SIGTERM/SIGINT: stop and exit (called once). */
  stop(signal: NodeJS.Signals): void;
  /** SIGUSR1: rotate the audit log; returns the line to log. */
  rotate(): string;
}

const GUARDED = ['SIGUSR1', 'SIGHUP', 'SIGUSR2'] as const;

let serving: ServingSignals | null = null;
let guarded = false;
let stopping = false;

function log(line: string): void {
  process.stderr.write(`nsproc: ${line}\n`);
}

function onGuarded(signal: (typeof GUARDED)[number]): void {
  if (serving === null || stopping) return log(`${signal}: not serving yet (or stopping); ignored`);
  if (signal === 'SIGUSR1') return log(`SIGUSR1: ${serving.rotate()}`);
  if (signal === 'SIGHUP') return log('SIGHUP: no configuration to reload (options are fixed at start); still serving');
  log('SIGUSR2: logging was never suspended (a failed write fails its command only); still serving');
}

/**
 * Installs the listeners for SIGUSR1, SIGHUP and SIGUSR2 (idempotent). Call it first thing:
 * until it runs, SIGUSR1 opens Node's inspector and SIGHUP kills the process.
 * @example The daemon's entry point
 * guardSignals();
 * const { runDaemon } = await import('./run_daemon.js');
 */
export function guardSignals(): void {
  if (guarded) return;
  guarded = true;
  for (const s of GUARDED) process.on(s, () => onGuarded(s));
}

/**
 * From now on the signals act (see the module comment); SIGTERM and SIGINT stop the daemon.
 * @param actions what stopping and rotating do
 */
export function serveSignals(actions: ServingSignals): void {
  guardSignals();
  serving = actions;
  const stop = (sig: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: unmounting`);
    actions.stop(sig);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
