import { describe, expect, it } from 'vitest';
import { parseSyscall } from './syscall_record.js';

const UNSHARE = 'audit(1796153311.663:16): arch=c000003e syscall=272 success=yes exit=0 a0=40000000 a1=7ffdc32f9890 a2=0 a3=8 items=0 ppid=7927 pid=8191 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="unshare" exe="/usr/bin/unshare" key="nsproc"';
const CLONE = 'audit(1796153311.651:10): arch=c000003e syscall=56 success=yes exit=8187 a0=1200011 a1=0 a2=0 a3=7fd2ea893a10 items=0 ppid=7926 pid=7927 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="bash" exe="/usr/bin/bash" key="nsproc"';

describe('parseSyscall', () => {
  it('reads an unshare record (measured on 6.18)', () => {
    expect(parseSyscall(UNSHARE)).toEqual({ arch: 0xc000003e, syscall: 272, success: true, exit: 0, pid: 8191, auid: 4294967295, uid: 0, comm: 'unshare', exe: '/usr/bin/unshare', name: 'unshare', keys: ['nsproc'], nsOp: 'unshare', nsFlags: 0x40000000 });
  });

  it('reads a clone: exit is the child pid; ppid= is not taken for pid=', () => {
    expect(parseSyscall(CLONE)).toMatchObject({ pid: 7927, exit: 8187, nsOp: 'clone', nsFlags: 0x1200011 });
  });

  it("reads setns's nstype from a1, and no flags for clone3 (a0 points to them)", () => {
    expect(parseSyscall('audit(1.002:3): arch=c000003e syscall=308 success=yes exit=0 a0=3 a1=40000000 pid=5')?.nsFlags).toBe(0x40000000);
    expect(parseSyscall('audit(1.002:3): arch=c000003e syscall=435 success=yes exit=9 a0=7ffd75dca1f0 a1=58 pid=5')?.nsFlags).toBeNull();
  });

  it.each([
    ['a 32-bit setns', 'arch=40000003 syscall=346 success=yes exit=0 pid=5', 'setns'],
    ['clone3 on either arch', 'arch=40000003 syscall=435 success=yes exit=9 pid=5', 'clone'],
    ['a failed unshare', 'arch=c000003e syscall=272 success=no exit=-1 pid=5', null],
    ['execve', 'arch=c000003e syscall=59 success=yes exit=0 pid=5', null],
    ['272 on i386 (not unshare there)', 'arch=40000003 syscall=272 success=yes exit=0 pid=5', null],
  ])('classifies %s', (_name, fields, op) => {
    expect(parseSyscall(`audit(1.002:3): ${fields} key=(null)`)?.nsOp).toBe(op);
  });

  it('reads no key, one key, and several keys (hex, joined by \\x01)', () => {
    const keys = (k: string) => parseSyscall(`audit(1.002:3): arch=c000003e syscall=1 pid=5 key=${k}`)?.keys;
    expect([keys('(null)'), keys('"nsproc"'), keys(Buffer.from('nsproc\x01exec').toString('hex').toUpperCase())])
      .toEqual([[], ['nsproc'], ['nsproc', 'exec']]);
  });

  it('refuses a record without arch, syscall or pid', () => {
    expect(parseSyscall('audit(1.002:3): syscall=1 pid=5')).toBeNull();
  });
});
