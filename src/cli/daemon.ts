/**
 * The nsproc daemon: `node dist/src/cli/daemon.js [MOUNTPOINT] [options]`
 * (usually started by mount.sh). Serves the model that src/system.ts composes.
 */
import { createSystem } from '../system.js';
import { runDaemon } from './run_daemon.js';

const status = await runDaemon(process.argv.slice(2), async () => createSystem);
if (status !== 'serving') process.exit(status);
