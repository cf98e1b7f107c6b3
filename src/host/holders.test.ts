import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nsfsMounts, nsfsName, nsHolders } from './holders.js';

describe('nsfsName()', () => {
  it.each<[string, ReturnType<typeof nsfsName>]>([
    ['net:[4026531993]', { type: 'net', inum: 4026531993 }],
    ['socket:[81234]', { type: 'socket', inum: 81234 }],
    ['anon_inode:[eventfd]', null],
    ['pipe:[]', null],
    ['/dev/null', null],
    ['net:[4026531993] (deleted)', null],
  ])('%s', (text, want) => expect(nsfsName(text)).toEqual(want));
});

/** A mountinfo text as the kernel writes it (proc(5)), nsfs mounts among others. */
const MOUNTINFO = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro',
  '25 22 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:13 - proc proc rw',
  '612 29 0:4 net:[4026532285] /run/netns/blue rw shared:300 - nsfs nsfs rw',
  '613 22 0:4 uts:[4026532290] /tmp/my\\040dir/uts rw,relatime - nsfs nsfs rw',
  '614 22 0:4 mnt:[4026532291] /tmp/tab\\011back\\134slash\\012nl rw master:1 propagate_from:2 - nsfs nsfs rw',
  '615 22 0:4 net:[4026532285] /run/netns/green rw shared:301 - nsfs nsfs rw',
  '616 22 0:40 / /tmp/nsfs-named\\040dir rw - tmpfs nsfs rw',
  '',
].join('\n');

describe('nsfsMounts()', () => {
  it('finds each nsfs mount with its type, inode and unescaped mount point (the @example)', () => {
    expect(nsfsMounts('612 29 0:4 net:[4026532285] /run/netns/a\\040b rw - nsfs nsfs rw\n')).toEqual([{ type: 'net', inum: 4026532285, path: '/run/netns/a b' }]);
  });

  it('keeps nsfs mounts only, in order, one per mount point (one namespace may be mounted twice)', () => {
    expect(nsfsMounts(MOUNTINFO)).toEqual([
      { type: 'net', inum: 4026532285, path: '/run/netns/blue' },
      { type: 'uts', inum: 4026532290, path: '/tmp/my dir/uts' },
      { type: 'mnt', inum: 4026532291, path: '/tmp/tab\tback\\slash\nnl' },
      { type: 'net', inum: 4026532285, path: '/run/netns/green' },
    ]);
  });

  it('nothing in a text without nsfs mounts, or an empty one', () => {
    expect([nsfsMounts(MOUNTINFO.split('\n').slice(0, 2).join('\n')), nsfsMounts('')]).toEqual([[], []]);
  });
});

describe('nsHolders()', () => {
  it('finds a namespace file this process holds open, through its fd', () => {
    const fd = fs.openSync('/proc/self/ns/uts', fs.constants.O_RDONLY);
    try {
      const mine = [...nsHolders(process.pid)].find((h) => h.path === `/proc/${process.pid}/fd/${fd}`);
      expect(mine).toEqual({ path: `/proc/${process.pid}/fd/${fd}`, type: 'uts', inum: fs.statSync('/proc/self/ns/uts').ino, via: process.pid });
    } finally {
      fs.closeSync(fd);
    }
  });

  it('finds a bind-mounted namespace (unshare --uts=FILE) at its mount point, a space in its name; not after umount', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsproc holders '));
    const file = path.join(dir, 'uts');
    fs.writeFileSync(file, '');
    let mounted = false;
    try {
      execFileSync('unshare', [`--uts=${file}`, 'true']);
      mounted = true;
      const mine = [...nsHolders(process.pid)].filter((h) => h.path === file);
      expect(mine).toEqual([{ path: file, type: 'uts', inum: fs.statSync(file).ino, via: process.pid }]);
    } finally {
      if (mounted) execFileSync('umount', [file]);
      fs.rmSync(dir, { recursive: true });
    }
    expect([...nsHolders(process.pid)].filter((h) => h.path === file)).toEqual([]);
  });
});
