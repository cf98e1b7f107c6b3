import * as fs from 'node:fs';
import * as os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { NS_TYPES } from '../model/nstypes.js';
import { closeNsFd, nsGetId, nsInum, nsOwnerUid, nsRelative, probeHandles } from './nsfs.js';

const opened: number[] = [];
const open = (path: string) => {
  const fd = fs.openSync(path, fs.constants.O_RDONLY);
  opened.push(fd);
  return fd;
};
afterEach(() => {
  for (const fd of opened.splice(0)) fs.closeSync(fd);
});
/** Whether this process is in the initial user namespace (PROC_USER_INIT_INO: the host's, where the tests run as root). */
const inInitialUserNs = fs.statSync('/proc/self/ns/user').ino === NS_TYPES.find((t) => t.name === 'user')!.initInum.modern;
const [major, minor] = os.release().split('.').map(Number) as [number, number];
const linux618 = major > 6 || (major === 6 && minor >= 18);

describe('nsGetId()', () => {
  it('gives one id per namespace: the same through two opens, another for another namespace', () => {
    const [a, b, c] = [open('/proc/self/ns/uts'), open('/proc/self/ns/uts'), open('/proc/self/ns/net')];
    const [ida, idb, idc] = [nsGetId(a), nsGetId(b), nsGetId(c)];
    expect(ida.ok && idb.ok && idc.ok).toBe(true);
    expect(ida).toEqual(idb);
    expect(ida).not.toEqual(idc);
  });

  it('fails with ENOTTY on a file that is no namespace, naming the call', () => {
    const r = nsGetId(open('/proc/self/status'));
    expect(r).toMatchObject({ ok: false, error: { errno: 'ENOTTY' } });
    expect(!r.ok && r.error.detail).toMatch(/^ioctl\(2\): /);
  });
});

describe('nsRelative()', () => {
  it('owner: the user namespace that owns it (the one /proc/self/ns/user names)', () => {
    const r = nsRelative(open('/proc/self/ns/uts'), 'owner');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    try {
      expect(nsInum(r.value)).toBe(fs.statSync('/proc/self/ns/user').ino);
    } finally {
      closeNsFd(r.value);
    }
  });

  it('parent of a type without parents (uts) fails with EINVAL', () => {
    expect(nsRelative(open('/proc/self/ns/uts'), 'parent')).toMatchObject({ ok: false, error: { errno: 'EINVAL' } });
  });

  it.runIf(inInitialUserNs)('parent of the initial user namespace fails with EPERM (the top)', () => {
    expect(nsRelative(open('/proc/self/ns/user'), 'parent')).toMatchObject({ ok: false, error: { errno: 'EPERM' } });
  });
});

describe('nsOwnerUid()', () => {
  it.runIf(inInitialUserNs)('the initial user namespace is owned by uid 0', () => {
    expect(nsOwnerUid(open('/proc/self/ns/user'))).toBe(0);
  });

  it('a namespace that is no user namespace has no owner uid', () => {
    expect(nsOwnerUid(open('/proc/self/ns/uts'))).toBe(null);
  });
});

describe('nsInum()', () => {
  it('is the inode number the link names', () => {
    expect(`uts:[${nsInum(open('/proc/self/ns/uts'))}]`).toBe(fs.readlinkSync('/proc/self/ns/uts'));
  });
});

describe('probeHandles()', () => {
  it.runIf(linux618)('nsfs file handles open on Linux 6.18 and later', () => {
    expect(probeHandles()).toBe(true);
  });
});
