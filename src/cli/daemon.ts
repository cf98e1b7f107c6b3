/**
 * The nsproc daemon: `node dist/src/cli/daemon.js [MOUNTPOINT] [options]`
 * (usually started by mount.sh). Serves the model that src/system.ts composes,
 * or with --host the running kernel that src/host_system.ts composes (loaded
 * only then: it brings the foreign-call module and the scanner thread).
 */
import { guardSignals } from './signals.js';

// Before anything else is loaded: until then SIGUSR1 would open Node's inspector (./signals.ts).
guardSignals();
const { runDaemon } = await import('./run_daemon.js');
const status = await runDaemon(process.argv.slice(2), async () => (opts) =>
  opts.host ? import('../host_system.js').then((m) => m.createHostSystem(opts)) : import('../system.js').then((m) => m.createSystem(opts)));
if (status !== 'serving') process.exit(status);
