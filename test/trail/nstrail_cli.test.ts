/**
 * ./nstrail as a user runs it: the golden trail of the fleet fixture (made by three model
 * daemons with fixed clocks and boot ids, test/shell/trail_fleet.bash; test/shell/nstrail.bats
 * checks that they still write exactly these bytes), its JSON, the summary, time zones,
 * rotated sets and stdin, exit codes and --help.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIX = path.join(ROOT, 'test/fixtures/trail');
const FLEET = path.join(FIX, 'fleet.log');
const WEB = '5c2a3d1e-8f4b-4c6d-9e7f-0a1b2c3d4e5f';

function nstrail(args: readonly string[], o: { tz?: string; input?: string } = {}) {
  const r = spawnSync(path.join(ROOT, 'nstrail'), args, {
    cwd: ROOT, encoding: 'utf8', input: o.input ?? '', env: { ...process.env, TZ: o.tz ?? 'UTC', LC_ALL: 'C' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const golden = (name: string) => fs.readFileSync(path.join(FIX, name), 'utf8');

// ./nstrail builds dist/ when a source is newer (and says so on stderr): do it before the tests.
beforeAll(() => { nstrail(['--help']); }, 120_000);

describe('nstrail golden output (test/fixtures/trail)', () => {
  it('--uuid --utc: the text trail across hostA and hostB', () => {
    expect(nstrail(['--uuid', WEB, '--utc', FLEET])).toEqual({ status: 0, stdout: golden('fleet.uuid.txt'), stderr: '' });
  });

  it('--uuid --json: the same facts, one object per line', () => {
    const r = nstrail(['--uuid', WEB, '--json', FLEET]);
    expect(r.stdout).toBe(golden('fleet.uuid.jsonl'));
    const o = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(new Set(o.map((x) => x.node))).toEqual(new Set(['hostA', 'hostB']));
    expect(o.filter((x) => x.event === 'entered' && x.auid === 1000)).toHaveLength(1);
    expect(o.filter((x) => x.event === 'migrated')).toHaveLength(1);
  });

  it('is the trail docs/trail.md shows across hosts', () => {
    expect(fs.readFileSync(path.join(ROOT, 'docs/trail.md'), 'utf8')).toContain(`\`\`\`text\n${golden('fleet.uuid.txt')}\`\`\`\n`);
  });

  it('no selector: one line per container', () => {
    expect(nstrail(['--utc', FLEET])).toEqual({ status: 0, stdout: golden('fleet.summary.txt'), stderr: '' });
  });

  it('prints times in the reader\'s zone with its offset, and the same instants in UTC', () => {
    const local = nstrail(['--uuid', WEB, FLEET], { tz: 'Asia/Kolkata' }).stdout;
    expect(local).toContain('2014-08-21T05:02:15.306+05:30  hostA');
    const shape = (s: string, time: RegExp) => s.replace(time, 'T').replace(/ +/g, ' ');
    expect(shape(local, /\d{4}-\d\d-\d\dT[\d:.]+\+05:30/g)).toBe(shape(golden('fleet.uuid.txt'), /\d{4}-\d\d-\d\dT[\d:.]+Z/g));
  });
});

describe('nstrail --uuid reads only the nodes that name the uuid', () => {
  const ID = 'ab'.repeat(32);
  const lines = fs.readFileSync(FLEET, 'utf8').trimEnd().split('\n');
  const write = (name: string, ls: readonly string[]) => {
    const p = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nstrail-scope-')), name);
    fs.writeFileSync(p, `${ls.join('\n')}\n`);
    return p;
  };
  // Read from stdin, which cannot be read twice, nstrail reads every node: the whole input's answer.
  const whole = (p: string, args: readonly string[]) => nstrail([...args, '-'], { input: fs.readFileSync(p, 'utf8') });

  it('other nodes\' lines, damaged ones too, change nothing of the trail', () => {
    const noise = Array.from({ length: 50 }, (_, i) => (i % 10 === 9 ? 'node=hostZ type=NS_INF' : `node=hostZ type=NS_INFO msg=audit(1408577600.${String(i).padStart(3, '0')}:${i + 5}): pid=9 netns=7`));
    const p = write('noisy.log', [...lines.slice(0, 10), ...noise, ...lines.slice(10)]);
    const r = nstrail(['--uuid', WEB, '--utc', p]);
    expect(r).toMatchObject({ status: 0, stdout: golden('fleet.uuid.txt') });
    expect(whole(p, ['--uuid', WEB, '--utc']).stdout).toBe(r.stdout);
  });

  it('a container host mode also named by its id (NSPROC_CONTAINER) is read on every node that id is on', () => {
    const at = lines.findIndex((l) => l.startsWith('node=hostA type=NS_INFO msg=audit(1408577535.306:18)'));
    const own = `node=hostA type=NSPROC_CONTAINER msg=audit(1408577535.306:18): pid=4 runtime=docker container=${ID} cgroup="/system.slice/docker-${ID}.scope" netns=c utsns=9 ipcns=a pidns=b userns=3 mntns=8`;
    const elsewhere = `node=hostD type=NSPROC_CONTAINER msg=audit(1408577800.000:5): pid=77 runtime=docker container=${ID} cgroup="/system.slice/docker-${ID}.scope" netns=40 utsns=41 ipcns=42 pidns=43 userns=3 mntns=44`;
    const p = write('byid.log', [...lines.slice(0, at + 1), own, ...lines.slice(at + 1), elsewhere]);
    const r = nstrail(['--uuid', WEB, '--utc', p]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('3 hosts');
    expect(r.stdout).toMatch(/\n2014-08-20T23:36:40\.000Z {2}hostD /);
    expect(whole(p, ['--uuid', WEB, '--utc'])).toEqual(r);
  });
});

describe('nstrail input', () => {
  it('reads a rotated set oldest first, whatever order it is given in, and - for stdin', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nstrail-'));
    try {
      const lines = fs.readFileSync(FLEET, 'utf8').split(/(?<=\n)/);
      fs.writeFileSync(path.join(dir, 'audit.log.2'), lines.slice(0, 20).join(''));
      fs.writeFileSync(path.join(dir, 'audit.log.1'), lines.slice(20, 40).join(''));
      fs.writeFileSync(path.join(dir, 'audit.log'), lines.slice(40).join(''));
      const set = ['audit.log', 'audit.log.1', 'audit.log.2'].map((f) => path.join(dir, f));
      expect(nstrail(['--uuid', WEB, '--utc', ...set]).stdout).toBe(golden('fleet.uuid.txt'));
      expect(nstrail(['--uuid', WEB, '--utc', '-'], { input: lines.join('') }).stdout).toBe(golden('fleet.uuid.txt'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--node NODE alone prints that node\'s records as they are, once', () => {
    const hostB = fs.readFileSync(FLEET, 'utf8').split('\n').filter((l) => l.startsWith('node=hostB ')).join('\n');
    const twice = `${fs.readFileSync(FLEET, 'utf8')}${hostB}\n`;
    const r = nstrail(['--node', 'hostB', '-'], { input: twice });
    expect(r.stdout).toBe(`${hostB}\n`);
    expect(r.stderr).toMatch(/17 duplicate records \(counted once\)/);
  });

  it('counts bad lines in one closing line on stderr, and still prints the trail', () => {
    const bad = `${fs.readFileSync(FLEET, 'utf8')}\0\0garbage\nhello\nnode=hostA type=NS_INFO msg=audit(14`;
    const r = nstrail(['--uuid', WEB, '--utc', '-'], { input: bad });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(golden('fleet.uuid.txt'));
    expect(r.stderr).toBe('nstrail: 70 records read; 1 line of binary garbage, 1 line that is no record, 1 record cut at the end of a file\n');
  });
});

describe('nstrail exit status and help', () => {
  it.each([
    ['a uuid not in the input', ['--uuid', 'nope', FLEET], 1, /^nstrail: no container with uuid nope in the input \(it held 70 records of 3 nodes/],
    ['an unknown option', ['--bogus', FLEET], 2, /unknown option '--bogus'/],
    ['two selectors', ['--uuid', WEB, '--pid', 'hostA:4', FLEET], 2, /one selector at a time/],
    ['a bad --ns', ['--ns', 'hostA:net:c', FLEET], 2, /--ns takes NODE:BOOT:TYPE:SERIAL/],
    ['no LOG', ['--uuid', WEB], 2, /no LOG given/],
    ['a missing log', ['/nonexistent/audit.log'], 2, /cannot read \/nonexistent\/audit.log: ENOENT/],
  ])('%s: exit status and a sentence', (_name, args, status, err) => {
    const r = nstrail(args);
    expect(r.status).toBe(status);
    expect(r.stderr).toMatch(err);
  });

  it('--help lists every option with an example', () => {
    const r = nstrail(['--help']);
    expect(r.status).toBe(0);
    for (const opt of ['--uuid', '--container', '--ns', '--pid', '--node', '--json', '--utc']) {
      expect(r.stdout).toMatch(new RegExp(`\\n  ${opt}[^\\n]*\\n(?:[^\\n]*\\n)*?\\s+e\\.g\\.  nstrail [^\\n]*${opt}`));
    }
  });
});
