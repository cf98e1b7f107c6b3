import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errnoFromNumber } from '../model/errno.js';
import { AF_NETLINK, bind, close, ioctl, recv, setRecvTimeout, socket } from './libc.js';
import { NS_GET_ID, nsAlive, nsGetId, nsInum } from '../host/nsfs.js';

/** NS_GET_ID of a /proc/self/ns entry as python3's fcntl.ioctl sees it: an independent implementation. */
function pythonNsId(pid: number, entry: string): bigint {
  const py = `import fcntl,struct,os\nfd=os.open('/proc/${pid}/ns/${entry}',os.O_RDONLY)\nprint(struct.unpack('Q',fcntl.ioctl(fd,${NS_GET_ID},b'\\0'*8))[0])`;
  return BigInt(execFileSync('python3', ['-c', py], { encoding: 'utf8' }).trim());
}

describe('libc ioctl()', () => {
  it.each(['net', 'uts', 'ipc', 'pid', 'user', 'mnt', 'cgroup', 'time'])('ioctl(NS_GET_ID) on /proc/self/ns/%s gives what python3 fcntl.ioctl gives', (entry) => {
    const fd = fs.openSync(`/proc/self/ns/${entry}`, 'r');
    try {
      const r = nsGetId(fd);
      expect(r).toEqual({ ok: true, value: pythonNsId(process.pid, entry) });
    } finally {
      fs.closeSync(fd);
    }
  });

  it('ioctl() on a closed descriptor fails with EBADF', () => {
    expect(ioctl(0x7ffffff0, NS_GET_ID, Buffer.alloc(8))).toMatchObject({ ok: false, error: { errno: 'EBADF' } });
  });

  it('ioctl(NS_GET_ID) on a regular file fails with ENOTTY', () => {
    const fd = fs.openSync('/proc/self/status', 'r');
    try {
      expect(ioctl(fd, NS_GET_ID, Buffer.alloc(8))).toMatchObject({ ok: false, error: { errno: 'ENOTTY' } });
    } finally {
      fs.closeSync(fd);
    }
  });
});

describe('nsAlive()', () => {
  it('nsAlive() says alive for the daemon\'s own network namespace', () => {
    const fd = fs.openSync('/proc/self/ns/net', 'r');
    try {
      const id = nsGetId(fd);
      expect(id.ok && nsAlive(id.value, 0x40000000, nsInum(fd))).toBe('alive');
    } finally {
      fs.closeSync(fd);
    }
  });

  it('nsAlive() says freed (ESTALE) for a namespace that exited with its only process', () => {
    const id = BigInt(execFileSync('unshare', ['-u', 'python3', '-c',
      `import fcntl,struct,os\nfd=os.open('/proc/self/ns/uts',os.O_RDONLY)\nprint(struct.unpack('Q',fcntl.ioctl(fd,${NS_GET_ID},b'\\0'*8))[0], os.fstat(fd).st_ino)`],
    { encoding: 'utf8' }).trim().split(' ')[0]!);
    expect(nsAlive(id, 0x04000000, 0)).toBe('freed');
  });
});

describe('libc sockets', () => {
  it('socket() + bind() + recv() with SO_RCVTIMEO gives EAGAIN when nothing arrives', () => {
    const fd = socket(AF_NETLINK, 2 /* SOCK_DGRAM */, 0 /* NETLINK_ROUTE */);
    expect(fd.ok).toBe(true);
    if (!fd.ok) return;
    try {
      const addr = Buffer.alloc(12);
      addr.writeUInt16LE(AF_NETLINK, 0);
      expect(bind(fd.value, addr).ok).toBe(true);
      expect(setRecvTimeout(fd.value, 20).ok).toBe(true);
      expect(recv(fd.value, Buffer.alloc(64))).toMatchObject({ ok: false, error: { errno: 'EAGAIN' } });
    } finally {
      expect(close(fd.value).ok).toBe(true);
    }
  });

  it('errnoFromNumber() names Linux errno numbers', () => {
    expect([errnoFromNumber(116), errnoFromNumber(105), errnoFromNumber(25)]).toEqual(['ESTALE', 'ENOBUFS', 'ENOTTY']);
  });
});
