/**
 * mountVfs() over FUSE, end to end: the fake tree (test/fixtures/fake_vfs.ts)
 * is served by a daemon in a child process, and everything is checked from
 * here with async child processes, the way users see it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_DAEMON, isMounted, run, sh, startDaemon, type MountedDaemon } from './helpers/mounted.js';

let m: MountedDaemon;
const p = (rel: string) => `${m.mountpoint}/${rel}`;

beforeAll(async () => {
  m = await startDaemon({ daemon: FAKE_DAEMON });
});

afterAll(async () => {
  await m?.stop();
});

describe('mountVfs() reading', () => {
  it('readlink prints the link text the Vfs returns', async () => {
    expect((await run('readlink', [p('1/ns/net')])).stdout).toBe('net:[4026531993]\n');
  });

  it('cat prints a file the Vfs renders', async () => {
    expect((await run('cat', [p('1/status')])).stdout).toBe('Name:\tinit\nPid:\t1\n');
  });

  it('cat of a file whose read returns EINVAL prints "Invalid argument"', async () => {
    const r = await run('cat', [p('1/ns/net')]);
    expect([r.code, r.stderr.includes('Invalid argument')]).toEqual([1, true]);
  });

  it('cat of a missing file prints "No such file or directory"', async () => {
    expect((await run('cat', [p('nope')])).stderr).toContain('No such file or directory');
  });

  it.each([
    ['stat -c %i', ['-c', '%i'], '1/status', '1001'],
    ['stat -L -c %i on a link (the namespace inode)', ['-L', '-c', '%i'], '1/ns/net', '4026531993'],
    ['stat -L -c %F on a link', ['-L', '-c', '%F'], '1/ns/net', 'regular empty file'],
    ['stat -c %a of ns/', ['-c', '%a'], '1/ns', '500'],
  ])('%s shows what getattr returns (use_ino)', async (_name, args, rel, want) => {
    expect((await run('stat', [...args, p(rel)])).stdout.trim()).toBe(want);
  });

  it('readdir lists . and .. first, then the Vfs names', async () => {
    expect((await run('ls', ['-a', '-U', p('1')])).stdout.split('\n').filter(Boolean)).toEqual(['.', '..', 'status', 'ns']);
  });

  it('ls -l of ns/ shows the link and its target', async () => {
    expect((await run('ls', ['-l', p('1/ns')])).stdout).toMatch(/^lrwxrwxrwx .* net -> net:\[4026531993\]$/m);
  });

  // ls -i stats every name; only a direct readdir shows d_ino.
  it('readdir reports d_ino from the Vfs attrs', async () => {
    const r = await run('python3', ['-c', `import os; print(sorted((e.name, e.inode()) for e in os.scandir(${JSON.stringify(p('1'))})))`]);
    if (r.code === null) return; // no python3 here
    expect(r.stdout.trim()).toBe("[('ns', 1002), ('status', 1001)]");
  });
});

describe('mountVfs() writing', () => {
  it('echo x > nsctl works (getattr, open, truncate, write)', async () => {
    const r = await sh(`echo x > ${p('nsctl')}`);
    expect([r.code, r.stderr]).toEqual([0, '']);
  });

  it('a write and a read on one open file reach the same Vfs handle', async () => {
    const r = await sh(`exec 3<>${p('nsctl')}; echo hello >&3; cat <&3`);
    expect(r.stdout).toBe('wrote 6\n');
  });

  it('one 100 KiB write(2) reaches the Vfs as one write call', async () => {
    const js = `const fs=require('fs'); const fd=fs.openSync(${JSON.stringify(p('nsctl'))},'r+');
      fs.writeSync(fd, Buffer.alloc(102400, 65)); const b=Buffer.alloc(256);
      process.stdout.write(b.subarray(0, fs.readSync(fd, b, 0, 256, null)));`;
    expect((await run(process.execPath, ['-e', js])).stdout).toBe('wrote 102400\n');
  });

  it.each([
    ['touch of a new name', 'touch', 'new', 'Permission denied'],
    ['mkdir', 'mkdir', 'd', 'Permission denied'],
    ['rm', 'rm -f', '1/status', 'Read-only file system'],
    ['chmod', 'chmod 777', '1/status', 'Read-only file system'],
    ['chown', 'chown 1', '1/status', 'Read-only file system'],
    ['mv', 'mv', '1/status 1/x', 'Read-only file system'],
  ])('%s is refused as on a read-only /proc', async (_name, cmd, rel, message) => {
    const args = rel.split(' ').map(p).join(' ');
    expect((await sh(`${cmd} ${args}`)).stderr).toContain(message);
  });
});

describe('mountVfs() failures', () => {
  it('a throwing read answers EIO, logs one line, and the daemon goes on', async () => {
    const r = await run('cat', [p('boom')]);
    expect(r.stderr).toContain('Input/output error');
    expect(m.output()).toMatch(/^nsproc: read \/boom: internal error, answered EIO: Error: boom: a broken handler$/m);
    expect((await run('cat', [p('1/ns/net_snum')])).stdout).toBe('7\n');
  });

  it('a throwing getattr answers EIO', async () => {
    expect((await run('stat', [p('kaboom')])).stderr).toContain('Input/output error');
  });

  const asNobody = process.getuid?.() === 0;
  it.skipIf(!asNobody)('another user gets EACCES under ns/ 0500 (allow_other + default_permissions)', async () => {
    const r = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'cat', p('1/ns/net_snum')]);
    if (r.code === null) return; // no setpriv here
    expect(r.stderr).toContain('Permission denied');
    expect((await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'cat', p('1/status')])).code).toBe(0);
  });
});

describe('MountedFs.unmount()', () => {
  it('SIGTERM unmounts, exits 0 and leaves no mount', async () => {
    const other = await startDaemon({ daemon: FAKE_DAEMON });
    expect(await isMounted(other.mountpoint)).toBe(true);
    const status = await other.stop();
    expect([status, await isMounted(other.mountpoint), other.output()]).toEqual([0, false, expect.stringContaining('SIGTERM: unmounting')]);
  });
});
