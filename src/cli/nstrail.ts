/**
 * The `nstrail` program (the top-level ./nstrail script runs it): src/trail/main.ts with the
 * process's arguments, its exit status, and a reader that stops reading closing stdout
 * (`nstrail … | head`) ends quietly.
 */
import { main } from '../trail/main.js';

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
  process.stderr.write(`nstrail: internal error: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 70;
});
