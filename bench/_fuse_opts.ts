/**
 * The FUSE options nsproc mounts with, as one `-o` string for the C
 * baseline. Built by fuse-native's own option code from the adapter's
 * fuseOptions() (the function the daemon mounts with), so the two mounts
 * get the same options by construction; only fsname and subtype differ, so
 * the baseline's mount is never taken for nsproc's (type fuse.nsbase).
 */
import { fuseOptions, type MountOptions } from '../src/procfs/fuse_adapter.js';
import { loadFuseNative } from '../src/procfs/fuse_native.js';

/** fuse-native's `-o…` argument for these mount options, e.g. `allow_other,auto_unmount,…`. */
export function fuseOptionString(opts: MountOptions = {}): string {
  const Fuse = loadFuseNative();
  // Constructing does not mount; _fuseOptions() is what fuse-native passes to libfuse.
  const f = new Fuse('/nonexistent', {}, fuseOptions(opts)) as unknown as { _fuseOptions(): string };
  return f._fuseOptions().replace(/^-o/, '');
}

/** The same options with fsname and subtype renamed. */
export function baselineOptionString(opts: MountOptions = {}): string {
  return fuseOptionString(opts).replace('fsname=nsproc', 'fsname=nsbase').replace('subtype=nsproc', 'subtype=nsbase');
}
