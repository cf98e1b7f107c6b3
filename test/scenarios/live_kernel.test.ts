/**
 * A few of the model's rules, checked against the running Linux kernel with
 * unshare(1), nsenter(1) and setpriv(1), and against the model (profile
 * `modern`, the rules of the kernel this runs on). Only what holds on both is
 * asserted: errno names, same-or-different namespace, the depth at which
 * nesting fails, and reparenting — never inode numbers.
 *
 * Runs as root on Linux; otherwise every case is skipped with the reason printed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile, readlink, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot } from '../../src/model/boot.js';
import { ERRNO, type ErrnoName } from '../../src/model/errno.js';
import { outcome, type Verdict } from '../../src/model/_test_util.js';
import type { NsName } from '../../src/model/nstypes.js';
import { clone } from '../../src/model/ops/clone.js';
import { exit } from '../../src/model/ops/exit.js';
import { setcred } from '../../src/model/ops/setcred.js';
import { setns } from '../../src/model/ops/setns.js';
import { unshare } from '../../src/model/ops/unshare.js';
import { allTasks, type ModelState } from '../../src/model/state.js';
import { cLocale } from '../helpers/mounted.js';

// ---- the live side ----

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program without a shell; never rejects. */
function run(file: string, args: readonly string[], timeoutMs = 15000): Promise<Ran> {
  return new Promise((resolve) => {
    // util-linux's messages are matched as C-locale strerror texts.
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8', env: cLocale() }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const TEXT_TO_ERRNO = new Map<string, ErrnoName>(Object.entries(ERRNO).map(([name, [, text]]) => [text, name as ErrnoName]));

/** `ok`, or the errno name behind util-linux's last "…: <strerror text>" line. */
function liveOutcome(r: Ran): Verdict | `unrecognised: ${string}` {
  if (r.code === 0) return 'ok';
  const last = r.stderr.trim().split('\n').at(-1) ?? '';
  const text = last.slice(last.lastIndexOf(': ') + 2);
  return TEXT_TO_ERRNO.get(text) ?? `unrecognised: ${last}`;
}

const UNPRIVILEGED = ['--reuid=65534', '--regid=65534', '--clear-groups'];

async function skipReason(): Promise<string | null> {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not running as root';
  for (const tool of ['unshare', 'nsenter', 'setpriv']) {
    if ((await run(tool, ['--version'])).code !== 0) return `${tool}(1) is not available`;
  }
  const max = await readFile('/proc/sys/user/max_user_namespaces', 'utf8').catch(() => '0');
  if (Number(max) < 40) return `user.max_user_namespaces is ${max.trim()}`;
  if ((await run('unshare', ['--user', '--net', 'true'])).code !== 0) return 'unshare --user --net fails even as root (sandboxed?)';
  return null;
}

const reason = await skipReason();
if (reason !== null) console.log(`test/scenarios/live_kernel.test.ts skipped: ${reason}`);
const hasPerl = reason === null && (await run('perl', ['-e', '1'])).code === 0;

// ---- the model side ----

function model(): ModelState {
  const r = boot({ profile: 'modern' });
  if (!r.ok) throw new Error(r.error.errno);
  return r.value.state;
}
const flag = (s: ModelState, ...names: NsName[]) => names.reduce((f, n) => f | s.types.byName.get(n)!.flag, 0);
function spawnTask(s: ModelState, parent = 1, flags = 0): number {
  const r = clone(s, parent, flags);
  if (!r.ok) throw new Error(r.error.errno);
  return r.value.pid;
}
/** setpriv --reuid=65534 …: a task that is not root and has no capabilities. */
function nobody(s: ModelState): number {
  const pid = spawnTask(s);
  setcred(s, pid, { uid: 65534, gid: 65534 });
  return pid;
}

describe.skipIf(reason !== null)('live kernel and model agree', () => {
  let target: ChildProcess;
  let dir: string;
  beforeAll(async () => {
    // pid 1 may be non-dumpable (its ns links unreadable even to root): use a task of our own as the target.
    target = spawn('sleep', ['600'], { stdio: 'ignore' });
    dir = await mkdtemp(join(tmpdir(), 'nsproc-live-'));
  });
  afterAll(async () => {
    if (target.pid !== undefined) process.kill(target.pid);
    await rm(dir, { recursive: true, force: true });
  });

  // clone(2)/unshare(2): EPERM without CAP_SYS_ADMIN.
  it('unprivileged unshare of a network namespace fails with EPERM', async () => {
    const live = liveOutcome(await run('setpriv', [...UNPRIVILEGED, 'unshare', '--net', 'true']));
    const s = model();
    expect({ live, model: outcome(unshare(s, nobody(s), flag(s, 'net'))) }).toEqual({ live: 'EPERM', model: 'EPERM' });
  });

  // user_namespaces(7): the new user namespace comes first and gives CAP_SYS_ADMIN for the rest.
  it('unprivileged unshare of a user and a network namespace together succeeds', async () => {
    const live = liveOutcome(await run('setpriv', [...UNPRIVILEGED, 'unshare', '--user', '--net', 'true']));
    const s = model();
    expect({ live, model: outcome(unshare(s, nobody(s), flag(s, 'user', 'net'))) }).toEqual({ live: 'ok', model: 'ok' });
  });

  // setns(2)/user_namespaces(7): joining the caller's own user namespace is EINVAL.
  it('joining one\'s own user namespace fails with EINVAL', async () => {
    const live = liveOutcome(await run('unshare', ['--user', 'sh', '-c', 'exec nsenter --user=/proc/$$/ns/user true']));
    const s = model();
    const a = spawnTask(s);
    unshare(s, a, flag(s, 'user'));
    const m = outcome(setns(s, a, { kind: 'task', pid: a, entry: 'user' }, s.types.byName.get('user')!));
    expect({ live, model: m }).toEqual({ live: 'EINVAL', model: 'EINVAL' });
  });

  // proc(5): opening another user's /proc/PID/ns/* needs PTRACE_MODE_READ access.
  it('an unprivileged task opening root\'s namespace fails with EACCES', async () => {
    const live = liveOutcome(await run('setpriv', [...UNPRIVILEGED, 'nsenter', `--net=/proc/${target.pid}/ns/net`, 'true']));
    const s = model();
    const m = outcome(setns(s, nobody(s), { kind: 'task', pid: 1, entry: 'net' }, null));
    expect({ live, model: m }).toEqual({ live: 'EACCES', model: 'EACCES' });
  });

  // setns(2): "EINVAL The caller tried to join an ancestor ... PID namespace".
  it('joining an ancestor pid namespace fails with EINVAL', async () => {
    const live = liveOutcome(await run('unshare', ['--pid', '--fork', 'nsenter', `--pid=/proc/${target.pid}/ns/pid`, 'true']));
    const s = model();
    const m = outcome(setns(s, spawnTask(s, 1, flag(s, 'pid')), { kind: 'task', pid: 1, entry: 'pid' }, null));
    expect({ live, model: m }).toEqual({ live: 'EINVAL', model: 'EINVAL' });
  });

  // pid_namespaces(7): unshare(CLONE_NEWPID) moves the caller's children, not the caller.
  it('unshare of a pid namespace without a fork leaves the caller\'s pid namespace and changes pid_for_children', async () => {
    const outer = await readlink('/proc/self/ns/pid');
    const r = await run('unshare', ['--pid', 'sh', '-c', 'readlink /proc/$$/ns/pid /proc/$$/ns/pid_for_children']);
    const [own, forChildren] = r.stdout.trim().split('\n');
    const s = model();
    const a = spawnTask(s);
    const before = allTasks(s).get(a)!.pidNs;
    unshare(s, a, flag(s, 'pid'));
    const t = allTasks(s).get(a)!;
    expect({
      live: { stays: own === outer, childrenElsewhere: forChildren !== outer },
      model: { stays: t.pidNs === before, childrenElsewhere: t.forChildren.pid !== before },
    }).toEqual({ live: { stays: true, childrenElsewhere: true }, model: { stays: true, childrenElsewhere: true } });
  });

  // pid_namespaces(7): once the init of a pid namespace is gone, fork(2) into it fails with ENOMEM.
  it.skipIf(!hasPerl)('fork into a pid namespace whose init exited fails with ENOMEM', async () => {
    const fork = 'my $p = fork; if (defined $p) { print "ok\\n" } else { print "errno=", $!+0, "\\n" }';
    const r = await run('unshare', ['--pid', 'sh', '-c', `/bin/true; exec perl -e '${fork}'`]);
    const n = Number(/errno=(\d+)/.exec(r.stdout)?.[1]);
    const live = Object.entries(ERRNO).find(([, [num]]) => num === n)?.[0] ?? r.stdout.trim();
    const s = model();
    const a = spawnTask(s);
    unshare(s, a, flag(s, 'pid'));
    exit(s, spawnTask(s, a));
    expect({ live, model: outcome(clone(s, a, 0)) }).toEqual({ live: 'ENOMEM', model: 'ENOMEM' });
  });

  // pid_namespaces(7): orphans are reparented to the init of their pid namespace, not to a grandparent.
  it('an orphan is reparented to the init of its pid namespace', async () => {
    const script = join(dir, 'orphan.sh');
    const pidFile = join(dir, 'orphan.pid');
    await writeFile(script, [
      'sh -c \'sleep 30 & echo $!\' > "$1"', // the middle shell starts the orphan-to-be and exits
      'sleep 0.3',
      'd=$(cat "$1")',
      'grep PPid /proc/$d/status',
      'kill $d',
    ].join('\n'));
    const r = await run('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', `sh ${script} ${pidFile}; true`]);
    const livePPid = Number(/PPid:\s*(\d+)/.exec(r.stdout)?.[1]);
    const s = model();
    const init = spawnTask(s, 1, flag(s, 'pid'));
    const middle = spawnTask(s, spawnTask(s, init));
    const orphan = spawnTask(s, middle);
    exit(s, middle);
    const modelPPid = allTasks(s).get(orphan)!.parent!.nrs.at(-1);
    expect({ live: livePPid, model: modelPPid }).toEqual({ live: 1, model: 1 });
  });

  // user_namespaces(7) and SPEC §3: 33 levels of user namespaces below the initial one, then ENOSPC.
  it('user namespaces nest 33 deep below the initial one; the 34th fails with ENOSPC', async () => {
    const levels = (n: number) => Array.from({ length: n }, () => ['unshare', '--map-root-user']).flat();
    const [ok33, fail34] = await Promise.all([run(levels(33)[0]!, [...levels(33).slice(1), 'true']), run('unshare', [...levels(34).slice(1), 'true'])]);
    const s = model();
    const a = spawnTask(s);
    const got: Verdict[] = [];
    for (let i = 0; i < 34; i++) got.push(outcome(unshare(s, a, flag(s, 'user'))));
    expect({ live: [liveOutcome(ok33), liveOutcome(fail34)], model: [got[32], got[33]] })
      .toEqual({ live: ['ok', 'ENOSPC'], model: ['ok', 'ENOSPC'] });
  }, 30000);

  // pid_namespaces(7) and SPEC §3: pid namespaces reach level 32, then ENOSPC.
  it('pid namespaces nest to level 32; level 33 fails with ENOSPC', async () => {
    const levels = (n: number) => Array.from({ length: n }, () => ['unshare', '--pid', '--fork']).flat();
    const [ok32, fail33] = await Promise.all([run('unshare', [...levels(32).slice(1), 'true']), run('unshare', [...levels(33).slice(1), 'true'])]);
    const s = model();
    let pid = spawnTask(s);
    const got: Verdict[] = [];
    for (let i = 0; i < 33; i++) {
      const r = clone(s, pid, flag(s, 'pid'));
      got.push(outcome(r));
      if (r.ok) pid = r.value.pid;
    }
    expect({ live: [liveOutcome(ok32), liveOutcome(fail33)], model: [got[31], got[32]] })
      .toEqual({ live: ['ok', 'ENOSPC'], model: ['ok', 'ENOSPC'] });
  }, 30000);
});
