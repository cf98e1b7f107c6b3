/**
 * Cgroup directories for host-mode tests (SPEC §9 container identity): made under this test
 * process's own cgroup, in the v2 hierarchy and in name=systemd's v1 one (whichever the machine
 * has), with processes moved into them; removed again, deepest first, once their processes
 * are gone. No container runtime is involved.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { waitFor } from '../helpers/mounted.js';

/** A cgroup hierarchy this process is in: where it is mounted, and this process's path in it. */
export interface Hierarchy { readonly mount: string; readonly own: string }

/** The v2 hierarchy and name=systemd's, from mountinfo and /proc/self/cgroup (cgroups(7)). */
export async function hierarchies(): Promise<{ v2: Hierarchy | null; systemd: Hierarchy | null }> {
  const mounts = (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n');
  const own = (await fs.readFile('/proc/self/cgroup', 'utf8')).split('\n');
  const find = (fstype: string, opt: string | null, line: RegExp): Hierarchy | null => {
    const m = mounts.find((l) => {
      const after = l.split(' - ')[1]?.split(' ');
      return after?.[0] === fstype && (opt === null || after[2]!.split(',').includes(opt));
    });
    const o = own.find((l) => line.test(l));
    return m && o ? { mount: m.split(' ')[4]!, own: o.replace(line, '') } : null;
  };
  return { v2: find('cgroup2', null, /^0::/), systemd: find('cgroup', 'name=systemd', /^[0-9]+:name=systemd:/) };
}

/** Directories below `base` (under this process's cgroup) in each hierarchy, remembered for {@link CgroupDirs.removeAll}. */
export class CgroupDirs {
  private readonly made: string[] = [];

  constructor(private readonly base: string, readonly hier: readonly Hierarchy[]) {}

  /** mkdir -p of `rel` under the base in every hierarchy (or `only` these). */
  async mkdirs(rel: string, only: readonly Hierarchy[] = this.hier): Promise<void> {
    for (const h of only) {
      let dir = path.join(h.mount, h.own);
      for (const part of [this.base, ...rel.split('/')]) {
        dir = path.join(dir, part);
        if (this.made.includes(dir)) continue;
        await fs.mkdir(dir);
        this.made.push(dir);
      }
    }
  }

  /** Moves `pid` into `rel` (cgroup.procs) in every hierarchy (or `only` these). */
  async move(pid: number, rel: string, only: readonly Hierarchy[] = this.hier): Promise<void> {
    for (const h of only) await fs.writeFile(path.join(h.mount, h.own, this.base, rel, 'cgroup.procs'), `${pid}\n`);
  }

  /** The path /proc/<pid>/cgroup shows for `rel` in hierarchy `h`. */
  cgroupPath(rel: string, h: Hierarchy): string {
    return path.posix.join(h.own, this.base, rel);
  }

  /** Removes every directory made, deepest first (a cgroup whose processes are all gone, zombies included, can go). */
  async removeAll(what: string): Promise<void> {
    for (const dir of this.made.reverse()) {
      await waitFor(async () => (await fs.rmdir(dir).then(() => true, (e: NodeJS.ErrnoException) => e.code === 'ENOENT')), 10_000)
        .catch(() => process.stderr.write(`${what}: could not remove ${dir}\n`));
    }
    this.made.length = 0;
  }
}
