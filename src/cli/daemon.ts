/**
 * The nsproc daemon: `node dist/src/cli/daemon.js [MOUNTPOINT] [options]`
 * (usually started by mount.sh). Serves the model from src/system.ts.
 */
import { runDaemon, type CreateSystem } from './run_daemon.js';

// A variable specifier keeps the build independent of system.ts while it is
// being written; the shape is checked by the CreateSystem cast below.
const SYSTEM_MODULE: string = '../system.js';

async function loadSystem(): Promise<CreateSystem> {
  const mod = (await import(SYSTEM_MODULE)) as { createSystem: CreateSystem };
  return mod.createSystem;
}

const status = await runDaemon(process.argv.slice(2), loadSystem);
if (status !== 'serving') process.exit(status);
