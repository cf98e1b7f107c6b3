/**
 * The no-stale-view probe of R1: after each nsctl command returns, reads and
 * lookups from another process (this one: the bench never serves a mount
 * itself, so synchronous calls are safe here) must show its effect. Every
 * path is read before the command too, so the kernel has whatever it caches.
 */
import * as fs from 'node:fs';

export interface StaleResult {
  readonly checks: number;
  readonly stale: number;
  /** The first few stale observations, for the report. */
  readonly examples: string[];
}

export function staleProbe(mnt: string, iterations: number): StaleResult {
  const fd = fs.openSync(`${mnt}/nsctl`, 'r+');
  const buf = Buffer.alloc(4096);
  const cmd = (line: string): string => {
    fs.writeSync(fd, `${line}\n`);
    const n = fs.readSync(fd, buf, 0, buf.length, null);
    const out = buf.subarray(0, n).toString().trim();
    if (out.startsWith('error')) throw new Error(`${line}: ${out}`);
    return out;
  };
  const gone = (f: () => unknown): boolean => {
    try { f(); return false; } catch (e) { return (e as NodeJS.ErrnoException).code === 'ENOENT'; }
  };
  let checks = 0;
  const examples: string[] = [];
  let stale = 0;
  const expect = (ok: boolean, what: string) => {
    checks++;
    if (ok) return;
    stale++;
    if (examples.length < 5) examples.push(what);
  };
  try {
    for (let i = 0; i < iterations; i++) {
      const listing = i % 20 === 0;
      const pid = cmd('clone 1 net');
      const d = `${mnt}/${pid}`;
      expect(fs.statSync(d).isDirectory(), `new ${d} missing`);
      if (listing) expect(fs.readdirSync(mnt).includes(pid), `new ${pid} not listed`);
      const snum = fs.readFileSync(`${d}/ns/net_snum`, 'utf8');
      const link = fs.readlinkSync(`${d}/ns/net`);
      expect(fs.statSync(`${d}/ns/net`).isFile(), `${d}/ns/net target does not resolve`);

      cmd(`unshare ${pid} net`);
      expect(fs.readFileSync(`${d}/ns/net_snum`, 'utf8') !== snum, `${d}/ns/net_snum still ${snum.trim()} after unshare`);
      expect(fs.readlinkSync(`${d}/ns/net`) !== link, `${d}/ns/net still ${link} after unshare`);
      expect(gone(() => fs.statSync(`${d}/ns/${link}`)), `old target ${d}/ns/${link} still resolves after unshare`);

      cmd(`setcred ${pid} uid=1000 gid=1000`);
      expect(fs.lstatSync(`${d}/ns/net_snum`).uid === 1000, `${d}/ns/net_snum uid not 1000 after setcred`);
      expect(fs.statSync(d).uid === 1000, `${d} uid not 1000 after setcred`);

      cmd(`exit ${pid}`);
      expect(gone(() => fs.statSync(d)), `${d} still there after exit`);
      expect(gone(() => fs.readlinkSync(`${d}/ns/net`)), `${d}/ns/net still readable after exit`);
      expect(gone(() => fs.readFileSync(`${d}/status`)), `${d}/status still readable after exit`);
      if (listing) expect(!fs.readdirSync(mnt).includes(pid), `exited ${pid} still listed`);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { checks, stale, examples };
}
