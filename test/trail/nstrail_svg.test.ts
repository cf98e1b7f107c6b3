/**
 * `nstrail --svg FILE`: the trail of the golden fleet fixture drawn as a standalone SVG that
 * an XML parser reads: one lane per (node, boot), one bar per namespace, the admin's entry
 * and the migration.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FLEET = path.join(ROOT, 'test/fixtures/trail/fleet.log');
const WEB = '5c2a3d1e-8f4b-4c6d-9e7f-0a1b2c3d4e5f';
let dir: string;

function nstrail(args: readonly string[]) {
  const r = spawnSync(path.join(ROOT, 'nstrail'), args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Lanes (by title), bars (by label), marks and arrows, as python's XML parser reads the file. */
function parsed(file: string): { lanes: string[]; bars: string[]; marks: number; arrows: number } {
  const py = `
import sys, json, xml.etree.ElementTree as ET
ns = '{http://www.w3.org/2000/svg}'
root = ET.parse(sys.argv[1]).getroot()
out = {'lanes': [], 'bars': [], 'marks': 0, 'arrows': 0}
for g in root.iter(ns + 'g'):
    c = g.get('class')
    texts = [t.text for t in g.iter(ns + 'text')]
    if c == 'lane': out['lanes'].append(texts[0] + ' ' + texts[1])
    elif c == 'bar': out['bars'].append(texts[0])
    elif c in ('mark', 'arrow'): out[c + 's'] += 1
print(json.dumps(out))`;
  return JSON.parse(execFileSync('python3', ['-c', py, file], { encoding: 'utf8' })) as ReturnType<typeof parsed>;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nstrail-svg-'));
  nstrail(['--help']);
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('nstrail --svg', () => {
  it('draws the migrated container: two lanes, its ten namespaces, the admin\'s entry, one migration arrow', () => {
    const file = path.join(dir, 'web.svg');
    const r = nstrail(['--uuid', WEB, '--svg', file, FLEET]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('1 migration');
    const p = parsed(file);
    expect(p.lanes).toEqual(['hostA boot 11111111-2222-4333-8444-555555555555', 'hostB boot 66666666-7777-4888-9999-000000000000']);
    expect(p.bars.sort()).toEqual(['ipc:a', 'ipc:a', 'mnt:8', 'mnt:8', 'net:c', 'net:c', 'pid:b', 'pid:b', 'uts:9', 'uts:9']);
    expect([p.marks, p.arrows]).toEqual([1, 1]);
  });

  it('needs a selector, and says so (exit 2)', () => {
    const r = nstrail(['--svg', path.join(dir, 'x.svg'), FLEET]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--svg draws one trail: give a selector');
    expect(fs.existsSync(path.join(dir, 'x.svg'))).toBe(false);
  });

  it('an unwritable FILE is exit 2 with the errno, after the text trail', () => {
    const r = nstrail(['--uuid', WEB, '--svg', path.join(dir, 'no/such/dir.svg'), FLEET]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot write .*no\/such\/dir\.svg: ENOENT/);
  });
});
