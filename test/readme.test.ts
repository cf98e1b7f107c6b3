/**
 * README.md and docs/ say what the code does (issue 23): the options table, boot's record
 * order, the lsns example, the by-hand undo of --kernel-audit-rules, bash's write-error prefix,
 * and `nsctl status` where a reader looks for the daemon's state.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPTION_NAMES } from '../src/cli/options.js';
import { runBatch } from '../src/control/run_batch.js';
import { AUDITCTL_UNDO } from '../src/kaudit/rules.js';
import { boot } from '../src/model/boot.js';
import { ok } from '../src/model/errno.js';
import { DEFAULT_STATE_DIR, RUN_DIR } from '../src/wiring/run_dir.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const read = (f: string): string => fs.readFileSync(path.join(ROOT, f), 'utf8');
const README = read('README.md');

describe('README.md', () => {
  it("lists every daemon option in mount.sh's options table", () => {
    const table = README.split('| option | meaning |')[1]!.split('\n\n')[0]!;
    const listed = new Set([...table.matchAll(/`(--[a-z-]+)/g)].map((m) => m[1]));
    expect(OPTION_NAMES.filter((o) => !listed.has(o))).toEqual([]);
  });

  it("gives boot's INIT records in the order boot writes them", () => {
    for (const profile of ['v5', 'modern'] as const) {
      const b = boot({ profile });
      if (!b.ok) throw new Error(b.error.detail);
      const order = b.value.events.map((e) => (e.kind === 'ns-created' ? e.type.name : '?'));
      const said = /at boot in the seed's order ([a-z ]+?) \(modern: then ([a-z ]+)\)/.exec(README);
      expect(said, 'README names the boot order').not.toBeNull();
      const words = [...said![1]!.split(' '), ...(profile === 'modern' ? said![2]!.split(' ') : [])];
      expect(words).toEqual(order);
    }
  });

  it("shows lsns -o +SNUM as ./nsctl prints it on a fresh mount", () => {
    const block = /^# (\.\/nsctl lsns -o \+SNUM) \| head -3\n((?:[^#\n`].*\n){3})/m.exec(README);
    expect(block, 'README has `# ./nsctl lsns -o +SNUM | head -3`').not.toBeNull();
    const b = boot({ profile: 'v5' });
    if (!b.ok) throw new Error(b.error.detail);
    const r = runBatch(b.value.state, { appendEvents: () => ok(undefined) }, 'lsns -o +SNUM\n',
      { mountpoint: '/tmp/nsproc', userName: (uid) => (uid === 0 ? 'root' : String(uid)) });
    expect(r.error).toBeNull();
    expect(block![2]).toBe(r.output.split('\n').slice(0, 3).join('\n') + '\n');
    expect(README).not.toMatch(/^# nsctl /m);
  });

  it("names the state dir mount.sh uses", () => {
    const sh = read('mount.sh');
    // mount.sh's run dir comes from the generated shell text, made from src/wiring/run_dir.ts.
    expect(read('scripts/_generated.bash')).toContain(`NSPROC_RUN_DIR='${RUN_DIR}'`);
    expect(sh).toMatch(/^LOCK_DIR=\$NSPROC_RUN_DIR$/m);
    expect(sh).toMatch(/^STATE_DIR=\$\{NSPROC_STATE_DIR:-\$LOCK_DIR\/state\}$/m);
    expect(README).toContain(`\`\${NSPROC_STATE_DIR:-${DEFAULT_STATE_DIR}}/\``);
    expect(README).not.toMatch(/nsproc-state-/);
  });

  it('has nsctl status in its nsctl section', () => {
    const section = README.split('## Driving the model: nsctl')[1]!.split('\n## ')[0]!;
    expect(section).toContain('status [-J]');
    expect(section).toContain('`nsctl status -J`');
  });
});

describe('README.md and docs/ agree', () => {
  it('undo --kernel-audit-rules by hand with the commands the daemon gives', () => {
    expect(README).toContain(`\`${AUDITCTL_UNDO}\`, the second only if audit was off before`);
    const audit = read('docs/audit.md');
    const undo = /To undo by hand[^\n]*\n\n```shell\n([^`]*)```\n\nthe second only if audit was off before/.exec(audit);
    expect(undo, 'docs/audit.md has the undo block').not.toBeNull();
    expect(undo![1]).toBe(`${AUDITCTL_UNDO}\n`);
  });

  it("say that bash's write-error prefix depends on how bash runs", () => {
    for (const f of ['README.md', 'docs/nsctl.md']) {
      expect(read(f), f).toMatch(/the prefix depends on how bash runs: a\s+script or `bash -c`/);
    }
  });

  it('point at nsctl status, not the test-only debug socket, for the daemon state', () => {
    const audit = read('docs/audit.md');
    expect(audit).not.toMatch(/debug socket/);
    expect(audit).toContain('`nsctl status`');
    expect(read('docs/nsctl.md')).toMatch(/```sh\n\.\/nsctl status/);
  });
});

describe('the audit tools and runs in one log', () => {
  it('README and docs/audit.md say where ausearch and auditctl come from, and that unpacked ones need LD_LIBRARY_PATH', () => {
    for (const text of [README, read('docs/audit.md')]) {
      expect(text).toContain('apt-get install auditd');
      expect(text).toContain('LD_LIBRARY_PATH');
    }
  });

  it('docs/audit.md says how runs in one log are told apart, and docs/host.md does not assume a new log', () => {
    expect(read('docs/audit.md')).toContain('ausearch -if audit.log -m DAEMON_START');
    expect(read('docs/host.md')).not.toMatch(/^head -1 audit\.log/m);
  });
});
