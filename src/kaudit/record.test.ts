import { describe, expect, it } from 'vitest';
import { formatKernelRecord, parseRecord } from './record.js';
import { recordTypeName } from './record_types.js';

// Records received from the multicast group on Linux 6.18 (`unshare -n true`, pid 8191).
const SYSCALL = 'audit(1796153311.663:16): arch=c000003e syscall=272 success=yes exit=0 a0=40000000 a1=7ffdc32f9890 a2=0 a3=8 items=0 ppid=7927 pid=8191 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="unshare" exe="/usr/bin/unshare" key="nsproc"';

describe('parseRecord', () => {
  it('reads the stamp of a SYSCALL record and keeps the text whole', () => {
    const r = parseRecord(1300, Buffer.from(SYSCALL));
    expect(r).toEqual({ type: 1300, sec: 1796153311, msec: 663, serial: 16, message: SYSCALL });
  });

  it('drops trailing NULs (kernels that counted the terminator)', () => {
    expect(parseRecord(1320, Buffer.from('audit(1.002:3): \0\0'))?.message).toBe('audit(1.002:3): ');
  });

  it.each([
    ['no stamp', 'type=1300 x'],
    ['a serial past 32 bits', 'audit(1.002:4294967296): x'],
    ['two-digit milliseconds', 'audit(1.02:3): x'],
  ])('refuses %s', (_name, text) => {
    expect(parseRecord(1300, Buffer.from(text))).toBeNull();
  });
});

describe('formatKernelRecord', () => {
  it('writes auditd raw lines: the name, the text as sent, a trailing space trimmed', () => {
    const line = (type: number, text: string) => formatKernelRecord(parseRecord(type, Buffer.from(text))!);
    expect(line(1300, SYSCALL)).toBe(`type=SYSCALL msg=${SYSCALL}`);
    expect(line(1320, 'audit(1796153311.663:16): ')).toBe('type=EOE msg=audit(1796153311.663:16):');
    expect(line(1329, 'audit(1.002:3): x')).toBe('type=UNKNOWN[1329] msg=audit(1.002:3): x');
  });
});

describe('recordTypeName', () => {
  it.each([
    [1300, 'SYSCALL'], [1302, 'PATH'], [1307, 'CWD'], [1309, 'EXECVE'], [1320, 'EOE'], [1327, 'PROCTITLE'],
    [1305, 'CONFIG_CHANGE'], [1335, 'EVENT_LISTENER'], [1400, 'AVC'], [1006, 'LOGIN'], [2000, 'KERNEL'], [1500, 'APPARMOR'],
    [1329, 'UNKNOWN[1329]'], [1000, 'UNKNOWN[1000]'], [9999, 'UNKNOWN[9999]'],
  ])('%i is %s', (n, name) => {
    expect(recordTypeName(n)).toBe(name);
  });
});
