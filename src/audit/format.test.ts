import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ModelEvent } from '../model/events.js';
import { profileTypes } from '../model/nstypes.js';
import { formatRecords, formatStamp } from './format.js';
import { expectedLine, INIT_481, nsType, SEED_CASES, SEED_LINES, seedNsInfo, stamp } from './_seed_fixture.js';

const SEED_FILE = '/work/shared/seed/namespaces-log-per-task-v5-cover-letter.txt';

describe('formatRecords() against the seed', () => {
  it('formatRecords() example: the seed clone NET record', () => {
    const net = profileTypes('v5').byName.get('net')!;
    const actor = { pid: 481, uid: 0, auid: 4294967295, ses: 4294967295, subj: 'system_u:system_r:init_t:s0' };
    expect(formatRecords({ kind: 'ns-created', type: net, snum: 8n, oldSnum: 7n, actor }, stamp(1408577535, 306, 81))).toEqual([
      'type=AUDIT_NS_INIT_NET msg=audit(1408577535.306:81): pid=481 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:init_t:s0 old_netns=7 netns=8 res=1',
    ]);
  });

  it.runIf(existsSync(SEED_FILE))('the fixture holds the seed mail record lines verbatim', () => {
    const fromMail = readFileSync(SEED_FILE, 'utf8').split('\n').filter((l) => l.startsWith('type='));
    expect(SEED_LINES).toEqual(fromMail);
  });

  it('the seed cases cover every seed record line', () => {
    expect(SEED_CASES.length).toBe(SEED_LINES.length);
  });

  it.each(SEED_CASES.map((c, i) => [c.name, c, SEED_LINES[i]!] as const))(
    'formatRecords() writes the seed line byte for byte: %s',
    (_name, c, seedLine) => {
      expect(formatRecords(c.event, c.stamp)).toEqual([expectedLine(seedLine)]);
    },
  );

  it('expectedLine() writes type= once and puts pid= first in NS_INFO', () => {
    expect(expectedLine(SEED_LINES[0]!)).toBe(
      'type=NS_INFO msg=audit(1408577535.306:82): pid=481 netns=8 utsns=2 ipcns=1 pidns=4 userns=3 mntns=5',
    );
    expect(expectedLine(SEED_LINES[9]!).startsWith('type=AUDIT_NS_DEL_MNT ')).toBe(true);
  });
});

describe('formatStamp()', () => {
  it.each([
    ['pads msec to 3 digits', stamp(1408577535, 6, 81), '1408577535.006:81'],
    ['keeps 3-digit msec', stamp(1408577534, 868, 5), '1408577534.868:5'],
    ['prints msec 0 as 000', stamp(0, 0, 1), '0.000:1'],
    ['prints the serial in decimal', stamp(1, 1, 4294967295), '1.001:4294967295'],
  ])('formatStamp() %s', (_name, s, want) => {
    expect(formatStamp(s)).toBe(want);
  });
});

describe('formatRecords() fields', () => {
  const s = stamp(1700000000, 42, 300);

  it('formatRecords() prints namespace serials in lowercase hex without 0x', () => {
    const e: ModelEvent = { kind: 'ns-freed', type: nsType('ipc'), snum: 0xabcdefn, actor: INIT_481 };
    expect(formatRecords(e, s)[0]).toMatch(/ ipcns=abcdef res=1$/);
    const big: ModelEvent = { kind: 'ns-created', type: nsType('uts'), snum: 2n ** 64n - 1n, oldSnum: 255n, actor: INIT_481 };
    expect(formatRecords(big, s)[0]).toMatch(/ old_utsns=ff utsns=ffffffffffffffff res=1$/);
  });

  it('formatRecords() writes NS_INFO fields in the order the event gives them', () => {
    const m = profileTypes('modern');
    const e: ModelEvent = { kind: 'ns-info', pid: 7, namespaces: m.types.map((t, i) => ({ type: t, snum: BigInt(i + 10) })) };
    expect(formatRecords(e, s)).toEqual([
      'type=NS_INFO msg=audit(1700000000.042:300): pid=7 netns=a utsns=b ipcns=c pidns=d userns=e mntns=f cgroupns=10 timens=11',
    ]);
  });

  it('formatRecords() writes VIRT_CONTROL and its NS_INFO with the same audit(time:serial)', () => {
    const e: ModelEvent = { kind: 'virt-control', actor: INIT_481, text: 'op=start vm=guest1', info: seedNsInfo(481) };
    expect(formatRecords(e, s)).toEqual([
      "type=VIRT_CONTROL msg=audit(1700000000.042:300): pid=481 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:init_t:s0 msg='op=start vm=guest1'",
      'type=NS_INFO msg=audit(1700000000.042:300): pid=481 netns=8 utsns=2 ipcns=1 pidns=4 userns=3 mntns=5',
    ]);
  });

  const vc = (text: string): string => formatRecords({ kind: 'virt-control', actor: INIT_481, text, info: seedNsInfo(481) }, s)[0]!;

  it.each([
    ['replaces a newline with a space (auditd format_raw())', 'a\nb', "msg='a b'"],
    ['keeps an empty text', '', "msg=''"],
  ])('formatRecords() VIRT_CONTROL text: %s', (_name, text, want) => {
    expect(vc(text).endsWith(want)).toBe(true);
    expect(vc(text)).not.toContain('\n');
  });

});
