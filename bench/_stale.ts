/**
 * The no-stale-view probe of R1 (SPEC §4, "fresh once acknowledged"): after
 * each nsctl command returns, stats, lookups, listings and reads from another
 * process (this one: the bench never serves a mount itself, so synchronous
 * calls are safe here) must show its effect. Everything is looked at before
 * the command too, so the kernel holds whatever it caches. Every command kind
 * is covered: clone, unshare, setns, setcred (uid, caps), pin/unpin, exit, an
 * init's exit killing its pid namespace, a batch the audit log refused (rolled
 * back: the old view must stay), and a reused pid (the daemon runs with a
 * small pid_max, see r1_read.ts).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

export interface StaleResult {
  readonly checks: number;
  readonly stale: number;
  /** The first few stale observations, for the report. */
  readonly examples: string[];
}

/** A daemon to probe: its mount, pid (for prlimit) and audit log (whose size bounds the refused write). */
export interface ProbeTarget { readonly mountpoint: string; readonly pid: number; readonly auditLog: string }

export function staleProbe(t: ProbeTarget, iterations: number): StaleResult {
  const mnt = t.mountpoint;
  const fd = fs.openSync(`${mnt}/nsctl`, 'r+');
  const buf = Buffer.alloc(1 << 20);
  /** One write; its answer lines, or the errno it failed with. */
  const write = (text: string): { lines: string[]; errno: string | null } => {
    let errno: string | null = null;
    try { fs.writeSync(fd, text); } catch (e) { errno = (e as NodeJS.ErrnoException).code ?? String(e); }
    const n = fs.readSync(fd, buf, 0, buf.length, null);
    return { lines: buf.subarray(0, n).toString().trim().split('\n').filter((l) => l !== ''), errno };
  };
  const cmd = (line: string): string => {
    const r = write(`${line}\n`);
    if (r.errno) throw new Error(`${line}: ${r.lines.join(' ')}`);
    return r.lines[0] ?? '';
  };
  const code = (f: () => unknown): string => {
    try { f(); return 'ok'; } catch (e) { return (e as NodeJS.ErrnoException).code ?? String(e); }
  };
  const gone = (f: () => unknown): boolean => code(f) === 'ENOENT';
  let checks = 0;
  const examples: string[] = [];
  let stale = 0;
  const expect = (ok: boolean, what: string) => {
    checks++;
    if (ok) return;
    stale++;
    if (examples.length < 5) examples.push(what);
  };
  /** Looks at everything the kernel may cache for `pid`. */
  const warm = (pid: string) => {
    const d = `${mnt}/${pid}`;
    for (const p of [d, `${d}/ns`, `${d}/ns/net`, `${d}/ns/net_snum`, `${d}/status`]) fs.lstatSync(p);
    fs.statSync(`${d}/ns/net`);
    fs.readdirSync(`${d}/ns`);
  };
  const listed = (pid: string) => fs.readdirSync(mnt).includes(pid);
  const exitedChecks = (pid: string, why: string) => {
    const d = `${mnt}/${pid}`;
    expect(gone(() => fs.statSync(d)), `${d} still there after ${why}`);
    expect(gone(() => fs.statSync(`${d}/ns/net_snum`)), `${d}/ns/net_snum still there after ${why}`);
    expect(gone(() => fs.readlinkSync(`${d}/ns/net`)), `${d}/ns/net still readable after ${why}`);
    expect(gone(() => fs.readFileSync(`${d}/status`)), `${d}/status still readable after ${why}`);
  };
  try {
    for (let i = 0; i < iterations; i++) {
      const listing = i % 20 === 0;
      const pid = cmd('clone 1 net');
      const d = `${mnt}/${pid}`;
      expect(fs.statSync(d).isDirectory(), `new ${d} missing`);
      if (listing) expect(listed(pid), `new ${pid} not listed`);
      warm(pid);
      const snum = fs.readFileSync(`${d}/ns/net_snum`, 'utf8');
      const link = fs.readlinkSync(`${d}/ns/net`);

      cmd(`unshare ${pid} net`);
      expect(fs.readFileSync(`${d}/ns/net_snum`, 'utf8') !== snum, `${d}/ns/net_snum still ${snum.trim()} after unshare`);
      expect(fs.readlinkSync(`${d}/ns/net`) !== link, `${d}/ns/net still ${link} after unshare`);
      expect(gone(() => fs.statSync(`${d}/ns/${link}`)), `old target ${d}/ns/${link} still resolves after unshare`);

      warm(pid);
      const link2 = fs.readlinkSync(`${d}/ns/net`);
      cmd(`setns ${pid} 1 net`);
      expect(fs.readlinkSync(`${d}/ns/net`) === fs.readlinkSync(`${mnt}/1/ns/net`), `${d}/ns/net not pid 1's after setns`);
      expect(fs.statSync(`${d}/ns/net`).ino === fs.statSync(`${mnt}/1/ns/net`).ino, `${d}/ns/net stat -L not pid 1's after setns`);
      expect(gone(() => fs.statSync(`${d}/ns/${link2}`)), `old target ${d}/ns/${link2} still resolves after setns`);

      warm(pid);
      cmd(`setcred ${pid} uid=1000 gid=1000`);
      expect(fs.lstatSync(`${d}/ns/net_snum`).uid === 1000, `${d}/ns/net_snum uid not 1000 after setcred`);
      expect(fs.statSync(`${d}/ns`).gid === 1000, `${d}/ns gid not 1000 after setcred`);
      expect(fs.statSync(d).uid === 1000, `${d} uid not 1000 after setcred`);
      cmd(`setcred ${pid} caps=0x1`);
      expect(/^CapEff:\t0000000000000001$/m.test(fs.readFileSync(`${d}/status`, 'utf8')), `${d}/status CapEff not 1 after setcred caps`);

      if (i % 10 === 0) {
        const pin = cmd(`pin ${pid} net`);
        expect(fs.readFileSync(`${d}/ns/net_snum`, 'utf8') === fs.readFileSync(`${mnt}/1/ns/net_snum`, 'utf8'), `${d}/ns/net_snum changed by pin`);
        cmd(`unpin ${pin}`);
        expect(fs.statSync(d).uid === 1000, `${d} changed by unpin`);
      }

      warm(pid);
      cmd(`exit ${pid}`);
      exitedChecks(pid, 'exit');
      if (listing) expect(!listed(pid), `exited ${pid} still listed`);

      if (i % 10 === 0) {
        // An init's exit kills its whole pid namespace.
        const init = cmd('clone 1 pid,net');
        const kids = write(`clone ${init} net\n`.repeat(5)).lines;
        for (const k of [init, ...kids]) warm(k);
        cmd(`exit ${init}`);
        for (const k of [init, ...kids]) exitedChecks(k, `its pid namespace's init ${init} exited`);
      }
    }
    refusedBatch(t, write, warm, expect);
    reusedPid(mnt, write, warm, expect);
  } finally {
    fs.closeSync(fd);
  }
  return { checks, stale, examples };

  /** A batch the log refuses (RLIMIT_FSIZE under the daemon, prlimit(1)): its setcred and exit are rolled back. */
  function refusedBatch(target: ProbeTarget, w: typeof write, look: typeof warm, check: typeof expect): void {
    if (code(() => execFileSync('prlimit', ['--version'], { stdio: 'ignore' })) !== 'ok') return;
    const pid = w('clone 1 net\n').lines[0]!;
    look(pid);
    const size = fs.statSync(target.auditLog).size;
    execFileSync('prlimit', ['--pid', String(target.pid), `--fsize=${size + 100}:unlimited`]);
    let r: ReturnType<typeof write>;
    try {
      r = w(`setcred ${pid} uid=1234\nexit ${pid}\n${'virt_control 1 refused\n'.repeat(8)}`);
    } finally {
      execFileSync('prlimit', ['--pid', String(target.pid), '--fsize=unlimited']);
    }
    check(r.errno !== null, `the batch meant to be refused was acknowledged`);
    const d = `${mnt}/${pid}`;
    check(code(() => fs.statSync(d)) === 'ok' && fs.statSync(d).uid === 0, `${d} not as before a refused batch`);
    check(listed(pid), `${pid} not listed after a refused batch`);
    w(`exit ${pid}\n`);
  }

  /** Fills the pid space, looks at every pid, exits them all: the next clone reuses one. */
  function reusedPid(m: string, w: typeof write, look: typeof warm, check: typeof expect): void {
    const created = w('clone 1 net\n'.repeat(1000)).lines.filter((l) => /^\d+$/.test(l));
    w(created.map((p) => `setcred ${p} uid=4242\n`).join(''));
    for (const p of created) look(p);
    w(created.map((p) => `exit ${p}\n`).join(''));
    const reused = w('clone 1 0\n').lines[0]!;
    check(created.includes(reused), `pid ${reused} was not reused (pid_max too large for the probe?)`);
    const d = `${m}/${reused}`;
    check(fs.statSync(d).uid === 0 && fs.statSync(`${d}/ns`).uid === 0, `reused ${d} shows the old task's owner`);
    check(fs.readlinkSync(`${d}/ns/net`) === fs.readlinkSync(`${m}/1/ns/net`), `reused ${d}/ns/net shows the old task's namespace`);
    w(`exit ${reused}\n`);
  }
}
