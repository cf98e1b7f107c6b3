/**
 * Issue 21 item 1, as a property: over a random (seeded) sequence of processes that start in a
 * new uts namespace, unshare uts again without exec, and exit, the kernel hands freed inodes to
 * new namespaces again and again. After every step, each live process's `uts_snum` in the tree
 * is the kernel's NS_GET_ID of its uts namespace (read by python3, not nsproc), and the log
 * keeps the pairing rule. Covers a new process joining a reused inode, too.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../bench/_prng.js';
import { startDaemon, waitFor, type MountedDaemon } from '../helpers/mounted.js';
import { pairingViolations, pyNsIds, records } from './_host.js';

const STEPS = 80;
const SEED = 0x5eed21;

/**
 * The driver: `spawn` forks a child into a new uts namespace (prints its pid), `unshare PID N`
 * has that child unshare uts N (1 or 2) times, `exit PID` ends it; each answers once done.
 * Twice in a row frees the middle namespace at once, and the third usually gets its inode.
 */
const DRIVER = `import ctypes,os,sys
l=ctypes.CDLL(None,use_errno=True)
kids={}
def child(r):
  assert l.unshare(0x04000000)==0
  os.write(ok_w,b'k')
  while True:
    c=os.read(r,1)
    if c in (b'1',b'2'):
      for _ in range(int(c)): assert l.unshare(0x04000000)==0
      os.write(ok_w,b'k')
    else:
      os._exit(0)
for line in sys.stdin:
  w=line.split()
  if w[0]=='spawn':
    r,wr=os.pipe(); ok_r,ok_w=os.pipe()
    p=os.fork()
    if p==0:
      os.close(wr); child(r)
    os.close(r); os.read(ok_r,1); kids[p]=(wr,ok_r); print(p,flush=True)
  elif w[0]=='unshare':
    wr,ok_r=kids[int(w[1])]; os.write(wr,w[2].encode()); os.read(ok_r,1); print('ok',flush=True)
  elif w[0]=='exit':
    wr,ok_r=kids.pop(int(w[1])); os.write(wr,b'x'); os.waitpid(int(w[1]),0); print('ok',flush=True)
for wr,_ in kids.values(): os.write(wr,b'x')
`;


describe('host mode: random uts churn against the kernel\'s ids (issue 21 item 1)', () => {
  let m: MountedDaemon;
  let driver: ChildProcessWithoutNullStreams;
  let answers: AsyncIterator<string>;
  beforeAll(async () => {
    m = await startDaemon({ args: ['--host', '--host-rescan-ms', '300'] });
    driver = spawn('python3', ['-c', DRIVER]);
    answers = createInterface({ input: driver.stdout })[Symbol.asyncIterator]();
  });
  afterAll(async () => {
    driver?.stdin.end();
    driver?.kill('SIGKILL');
    await m?.stop();
  });

  const ask = async (line: string): Promise<string> => {
    driver.stdin.write(`${line}\n`);
    const r = await answers.next();
    if (r.done) throw new Error(`the driver ended at '${line}'`);
    return r.value;
  };

  it(`${STEPS} steps of spawn / unshare without exec / exit: every live process's uts_snum is its kernel id`, async () => {
    const rand = prng(SEED);
    const live: number[] = [];
    const wrong: string[] = [];
    for (let step = 0; step < STEPS; step++) {
      const r = rand();
      let what: string;
      if (live.length === 0 || (r < 0.3 && live.length < 6)) {
        live.push(Number(await ask('spawn')));
        what = `spawn ${live.at(-1)}`;
      } else if (r < 0.7) {
        const pid = live[Math.floor(rand() * live.length)]!;
        const n = rand() < 0.5 ? 1 : 2;
        await ask(`unshare ${pid} ${n}`);
        what = `unshare ${pid} ×${n}`;
      } else {
        // An exit, and as often as not a new process at once: it may join the freed inode.
        const pid = live.splice(Math.floor(rand() * live.length), 1)[0]!;
        await ask(`exit ${pid}`);
        what = `exit ${pid}`;
        if (rand() < 0.5) {
          live.push(Number(await ask('spawn')));
          what += `, spawn ${live.at(-1)}`;
        }
      }
      const kernel = await pyNsIds(live.map((p) => `/proc/${p}/ns/uts`));
      const tree = () => Promise.all(live.map((p) => fs.readFile(`${m.mountpoint}/${p}/ns/uts_snum`, 'utf8').then((t) => t.trim(), () => '-')));
      let seen: string[] = [];
      await waitFor(async () => (seen = await tree()).every((s, i) => s === kernel[i]), 5_000);
      live.forEach((p, i) => { if (seen[i] !== kernel[i]) wrong.push(`step ${step} (${what}): pid ${p} uts_snum ${seen[i]}, kernel ${kernel[i]}`); });
      if (wrong.length > 0) break;
    }
    expect(wrong).toEqual([]);
    expect(pairingViolations(await records(m))).toEqual([]);
  }, 240_000);
});
