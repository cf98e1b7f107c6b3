/**
 * The log's fleet identity (SPEC §9): `node=NAME ` on every line, and DAEMON_ROTATE at the
 * head of every new file after a rotation, repeating the last DAEMON_START's identity.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { DaemonStartEvent, ModelEvent } from '../model/events.js';
import { fixedClock } from './clock.js';
import { AuditLog, validNodeName, type AuditLogOptions, type KernelEntry } from './log_writer.js';
import { INIT_481, seedNsInfo } from './_seed_fixture.js';
import { readLines, serials, tempDir } from './_test_io.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});

function openLog(opts: Partial<AuditLogOptions> = {}): { log: AuditLog; path: string } {
  const t = tempDir();
  const r = AuditLog.open({ path: t.log, clock: fixedClock({ sec: 1796000000, msec: 5 }), ...opts });
  if (!r.ok) throw new Error(r.error.detail);
  cleanups.push(() => { r.value.close(); t.cleanup(); });
  return { log: r.value, path: t.log };
}

const BOOT = '0d4c2a6e-3b1f-4e8a-9c57-2f6b1d8e4a90';
const start: DaemonStartEvent = {
  kind: 'daemon-start', version: '0.1.0', kernel: 'model-v5', serialSource: 'model', bootId: BOOT, actor: INIT_481,
};
const info: ModelEvent = seedNsInfo(481);

describe('AuditLog with a node name', () => {
  it('begins every line with node=NAME, kernel events and own records included', () => {
    const { log, path } = openLog({ node: 'hostA' });
    const kernel: KernelEntry = {
      kind: 'kernel-event', stamp: { sec: 1796000000, msec: 7, serial: 42 },
      before: ['type=SYSCALL msg=audit(1796000000.007:42): arch=c000003e syscall=272 success=yes'], events: [info], after: ['type=EOE msg=audit(1796000000.007:42):'],
    };
    expect(log.appendEvents([start, info, kernel, { kind: 'own-record', typeName: 'NSPROC_KERNEL_LOST', fields: 'lost=1' }]).ok).toBe(true);
    const lines = readLines(path);
    expect(lines).toHaveLength(6);
    for (const l of lines) expect(l).toMatch(/^node=hostA type=[A-Z_]+ msg=audit\(\d+\.\d{3}:\d+\):/);
    expect(lines[0]).toBe(`node=hostA type=DAEMON_START msg=audit(1796000000.005:5): op=start ver=0.1.0 format=raw kernel=model-v5 ns_serials=model boot_id=${BOOT} `
      + 'auid=4294967295 pid=481 uid=0 ses=4294967295 subj=system_u:system_r:init_t:s0 res=success');
  });

  it('writes lines exactly as before without one (the default)', () => {
    const { log, path } = openLog();
    log.appendEvents([info]);
    expect(readFileSync(path, 'utf8')).toMatch(/^type=NS_INFO msg=audit\(1796000000\.005:5\): pid=481 /);
  });

  it.each([['a blank', 'host A'], ['=', 'a=b'], ['a quote', "o'k"], ['a double quote', 'a"b'], ['a backslash', 'a\\b'], ['a newline', 'a\nb'], ['nothing', ''], ['256 bytes', 'x'.repeat(256)]])(
    'refuses a node name with %s (EINVAL)', (_what, name) => {
      expect(validNodeName(name)).toBe(false);
      const t = tempDir();
      cleanups.push(t.cleanup);
      const r = AuditLog.open({ path: t.log, node: name });
      expect(r.ok ? 'opened' : r.error.errno).toBe('EINVAL');
    });

  it.each(['hostA', 'web-01.example.com', '10.0.0.7', 'fe80::1', 'x'.repeat(255), 'hôte'])('takes %s as a node name', (name) => {
    expect(validNodeName(name)).toBe(true);
  });
});

describe('AuditLog rotation with an identity', () => {
  it('a rotation by size begins the new file with DAEMON_ROTATE, serials consecutive across the set', () => {
    const { log, path } = openLog({ node: 'hostA', maxSizeBytes: 600, numLogs: 3 });
    log.appendEvents([start]);
    for (let i = 0; i < 6; i++) log.appendEvents([info, info]);
    const older = readLines(`${path}.1`);
    const current = readLines(path);
    expect(current[0]).toMatch(/^node=hostA type=DAEMON_ROTATE msg=audit\([^)]*\): op=rotate-logs ver=0\.1\.0 format=raw kernel=model-v5 ns_serials=model boot_id=0d4c2a6e-3b1f-4e8a-9c57-2f6b1d8e4a90 auid=4294967295 pid=481 /);
    expect(current.filter((l) => l.includes('DAEMON_'))).toHaveLength(1);
    const all = [...older, ...current];
    const s = serials(all);
    expect(s).toEqual(s.map((_, i) => s[0]! + i));
  });

  it('SIGUSR1\'s rotateNow() writes DAEMON_ROTATE into the new file at once', () => {
    const { log, path } = openLog({ numLogs: 2 });
    log.appendEvents([start, info]);
    expect(log.rotateNow()).toEqual({ ok: true, value: 'rotated' });
    const current = readLines(path);
    expect(current).toHaveLength(1);
    expect(current[0]).toMatch(/^type=DAEMON_ROTATE msg=audit\(1796000000\.005:7\): op=rotate-logs .* boot_id=0d4c2a6e-/);
    log.appendEvents([info]);
    expect(serials(readLines(path))).toEqual([7, 8]);
  });

  it('a log that never had a DAEMON_START rotates as before, with no DAEMON_ROTATE', () => {
    const { log, path } = openLog({ maxSizeBytes: 300, numLogs: 3 });
    for (let i = 0; i < 4; i++) log.appendEvents([info, info]);
    expect(log.rotateNow().ok).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('');
    expect(readFileSync(`${path}.1`, 'utf8')).not.toContain('DAEMON_ROTATE');
  });
});

describe('AuditLog.open() after a crash, with node names', () => {
  it('cuts off a last record cut short that begins node=', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const whole = 'node=hostA type=NS_INFO msg=audit(1796000000.005:5): pid=1 netns=7\n';
    writeFileSync(t.log, `${whole}node=hostA type=NS_INFO msg=audit(17960`);
    const r = AuditLog.open({ path: t.log, node: 'hostA' });
    if (!r.ok) throw new Error(r.error.detail);
    cleanups.push(() => r.value.close());
    expect(r.value.cutAtOpen).toBe('node=hostA type=NS_INFO msg=audit(17960'.length);
    expect(readFileSync(t.log, 'utf8')).toBe(whole);
  });
});
