/**
 * Where the tree is mounted unless told otherwise: the one owner of the default, for the
 * daemon's options, the queries' PATH column, and (through scripts/_generated.bash, made
 * from it) mount.sh and nsctl.
 */
export const DEFAULT_MOUNTPOINT = '/tmp/nsproc';
