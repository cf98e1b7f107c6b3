import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { locateAudispRemote } from './audisp_process.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsproc-audisp-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function unpacked(name: string, libDirs: readonly string[]): string {
  const root = path.join(dir, name);
  fs.mkdirSync(path.join(root, 'sbin'), { recursive: true });
  fs.writeFileSync(path.join(root, 'sbin/audisp-remote'), '');
  for (const l of libDirs) fs.mkdirSync(path.join(root, l), { recursive: true });
  return root;
}

describe('locateAudispRemote()', () => {
  it('takes an unpacked package: its sbin/audisp-remote, its multiarch library directories first', () => {
    const root = unpacked('full', ['lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu', 'usr/lib/udev']);
    const found = locateAudispRemote(root, '');
    expect(found).toMatchObject({ binary: path.join(root, 'sbin/audisp-remote') });
    expect(typeof found === 'string' ? found : found.libraryPath?.split(':').slice(0, 2))
      .toEqual([path.join(root, 'lib/x86_64-linux-gnu'), path.join(root, 'usr/lib/x86_64-linux-gnu')]);
  });
  it('takes audispd-plugins unpacked alone (no lib/: its libraries are the system\'s)', () => {
    const root = unpacked('alone', []);
    expect(locateAudispRemote(root, '')).toMatchObject({ binary: path.join(root, 'sbin/audisp-remote') });
  });
  it('says what is missing: a path that is nothing, a directory without the program, nothing in PATH', () => {
    expect(locateAudispRemote(path.join(dir, 'none'), '')).toBe(`audisp-remote (Debian package audispd-plugins) is needed for --remote: --audisp-remote ${path.join(dir, 'none')} is neither the program nor a directory`);
    fs.mkdirSync(path.join(dir, 'empty'));
    expect(locateAudispRemote(path.join(dir, 'empty'), '')).toMatch(/has no sbin\/audisp-remote \(unpack audispd-plugins there: dpkg-deb -x audispd-plugins_\*\.deb /);
    const inPath = locateAudispRemote(undefined, path.join(dir, 'empty'));
    if (typeof inPath === 'string') expect(inPath).toMatch(/not found in PATH, \/sbin or \/usr\/sbin/);
  });
  it('finds the program in PATH', () => {
    const root = unpacked('inpath', []);
    expect(locateAudispRemote(undefined, `/nonexistent:${path.join(root, 'sbin')}`)).toEqual({ binary: path.join(root, 'sbin/audisp-remote'), libraryPath: null });
  });
});
