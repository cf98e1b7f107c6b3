/**
 * Builds the bench's C programs with cc: the reader, the nsctl client and the
 * baseline libfuse2 file system, against the headers and the library that
 * fuse-shared-library-linux ships. That library's SONAME is libfuse.so.2 and
 * the package names the file libfuse.so, so bench/build/ gets a
 * libfuse.so.2 symlink and the baseline an rpath to it.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { BUILD_DIR, LIBFUSE, REPO, runOk } from './_proc.js';

export interface CPrograms {
  readonly reader: string;
  readonly ctlClient: string;
  readonly baselineFs: string;
  readonly unshareLoop: string;
}

const SRC = path.join(REPO, 'bench/c');

async function newer(out: string, src: string): Promise<boolean> {
  const [o, s] = await Promise.all([fs.stat(out).catch(() => null), fs.stat(src)]);
  return o !== null && o.mtimeMs >= s.mtimeMs;
}

async function cc(out: string, src: string, extra: readonly string[]): Promise<void> {
  if (await newer(out, src)) return;
  const tmp = `${out}.${process.pid}.tmp`;
  await runOk('cc', ['-O2', '-Wall', '-Wextra', '-o', tmp, src, ...extra]);
  await fs.rename(tmp, out);
}

/** Compiles what is missing or older than its source; returns the executables. */
export async function buildC(): Promise<CPrograms> {
  await fs.mkdir(BUILD_DIR, { recursive: true });
  const soLink = path.join(BUILD_DIR, 'libfuse.so.2');
  await fs.rm(soLink, { force: true });
  await fs.symlink(path.join(LIBFUSE, 'lib/libfuse.so'), soLink);
  const p: CPrograms = {
    reader: path.join(BUILD_DIR, 'reader'),
    ctlClient: path.join(BUILD_DIR, 'ctl_client'),
    baselineFs: path.join(BUILD_DIR, 'baseline_fs'),
    unshareLoop: path.join(BUILD_DIR, 'unshare_loop'),
  };
  await cc(p.unshareLoop, path.join(SRC, 'unshare_loop.c'), []);
  await cc(p.reader, path.join(SRC, 'reader.c'), []);
  await cc(p.ctlClient, path.join(SRC, 'ctl_client.c'), []);
  await cc(p.baselineFs, path.join(SRC, 'baseline_fs.c'), [
    '-D_FILE_OFFSET_BITS=64', `-I${path.join(LIBFUSE, 'include')}`,
    `-L${BUILD_DIR}`, '-l:libfuse.so.2', `-Wl,-rpath,${BUILD_DIR}`, '-lpthread',
  ]);
  return p;
}
