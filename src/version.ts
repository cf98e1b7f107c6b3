import { readFileSync } from 'node:fs';

/**
 * nsproc's version, as DAEMON_START's `ver=` names it. package.json is its one owner: read at
 * load from the repository root, one level above src/ (tests) or two above dist/src/ (built).
 */
export const NSPROC_VERSION: string = readVersion();

function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'nsproc' && typeof pkg.version === 'string') return pkg.version;
    } catch { /* not at this level */ }
  }
  throw new Error('package.json of nsproc not found above src/version');
}
