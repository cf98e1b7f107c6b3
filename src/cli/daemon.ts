/**
 * The nsproc daemon: `node dist/src/cli/daemon.js [MOUNTPOINT] [options]`
 * (usually started by mount.sh). Serves the model that src/system.ts composes.
 */
import { guardSignals } from './signals.js';

// Before anything else is loaded: until then SIGUSR1 would open Node's inspector (./signals.ts).
guardSignals();
const { runDaemon } = await import('./run_daemon.js');
const status = await runDaemon(process.argv.slice(2), async () => (await import('../system.js')).createSystem);
if (status !== 'serving') process.exit(status);
