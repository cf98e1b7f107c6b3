/**
 * The running kernel, for side-by-side checks of the modern profile (Linux
 * 6.18 here). Small python3 ctypes programs make the raw syscalls (unshare(2),
 * setns(2), fork(2)) without an execve(2) in between, which unshare(1) and
 * nsenter(1) cannot: execve moves a task into its time_for_children
 * (fs/exec.c → kernel/nsproxy.c:exec_task_namespaces()), which would hide
 * what unshare(CLONE_NEWTIME) itself does. Each check skips (reason printed)
 * when not root on Linux ≥ 6.18 with python3.
 */
import { readFile } from 'node:fs/promises';
import { run } from '../helpers/mounted.js';

/** Why live checks cannot run here, or null. */
export async function liveSkipReason(): Promise<string | null> {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not running as root';
  const [maj, min] = (await readFile('/proc/sys/kernel/osrelease', 'utf8')).split('.').map(Number);
  if (maj! < 6 || (maj === 6 && min! < 18)) return 'the kernel is older than 6.18 (fixed mnt/net inode numbers)';
  if ((await run('python3', ['-c', 'import ctypes'])).code !== 0) return 'python3 is not available';
  if ((await readFile('/proc/2/comm', 'utf8').catch(() => '')).trim() !== 'kthreadd') return 'pid 2 is not kthreadd (not the initial pid namespace)';
  return null;
}

const PRELUDE = `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWTIME = 0x80
def links(pid='self'):
    return ' '.join(os.readlink(f'/proc/{pid}/ns/{e}') for e in ('time', 'time_for_children'))
def check(r):
    if r != 0:
        e = ctypes.get_errno(); sys.exit(f'errno {e}: {os.strerror(e)}')
`;

/** Runs a python3 program (after the prelude above); resolves with its stdout lines. */
export async function python(body: string): Promise<string[]> {
  const r = await run('python3', ['-c', PRELUDE + body]);
  if (r.code !== 0) throw new Error(`python3 failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim().split('\n');
}
