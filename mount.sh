#!/usr/bin/env bash
# Start or stop the nsproc daemon (README.md, "A first session").
#
#   ./mount.sh [MOUNTPOINT] [options]   install deps and build if needed, start the daemon in
#                                       the background, wait until the mount answers, print
#                                       "mountpoint M", "pid P", "audit_log A", "daemon_log D"
#                                       and, on stderr, what the daemon noted while starting
#   ./mount.sh -u [MOUNTPOINT]          SIGTERM the daemon serving MOUNTPOINT, wait, unmount
#   ./mount.sh --list                   every running nsproc mount: mountpoint, pid, mode, audit log
#   ./mount.sh --help                   the daemon's options (all but MOUNTPOINT are passed on)
#
# MOUNTPOINT defaults to /tmp/nsproc. --foreground runs the daemon in this terminal (exec).
# Exit status: 0 done, 1 failure (e.g. MOUNTPOINT already served), 2 bad options.
#
# Files: the daemon's stdout+stderr go to $STATE_DIR/<mountpoint key>.log, its pid to
# $STATE_DIR/<key>.pid, where STATE_DIR is $NSPROC_STATE_DIR or $NSPROC_RUN_DIR/state. A state
# dir must be a directory owned by root and writable by no one else; files in it are made
# new (O_EXCL), never through a symlink.
# Environment: NSPROC_MOUNT_TIMEOUT (seconds to wait for the mount, default 30);
# NSPROC_DAEMON (tests only: another daemon script with the same command line).
set -euo pipefail
export LC_ALL=C
# The daemon runs as root: NODE_OPTIONS could open an inspector (--inspect) or load code
# (--require) into it. The daemon refuses an open inspector anyway; start it clean.
unset NODE_OPTIONS

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FUSE_BIN=$ROOT/node_modules/fuse-shared-library-linux/libfuse/bin
DAEMON=${NSPROC_DAEMON:-$ROOT/dist/src/cli/daemon.js}
TIMEOUT=${NSPROC_MOUNT_TIMEOUT:-30}
BUILD_STAMP=$ROOT/dist/.nsproc-build-ok

note() { printf 'nsproc: %s\n' "$*" >&2; }
die() { local status=$1; shift; note "$@"; exit "$status"; }

# NSPROC_DEFAULT_MOUNTPOINT, NSPROC_RUN_DIR (made from the TypeScript side, as the usage text
# scripts/usage-mount.txt is: no build needed).
# shellcheck source=scripts/_generated.bash
source "$ROOT/scripts/_generated.bash"
# Root's own places (0700): the mountpoint locks, and the state (pid files, daemon logs).
LOCK_DIR=$NSPROC_RUN_DIR
STATE_DIR=${NSPROC_STATE_DIR:-$LOCK_DIR/state}
# mount_info, mount_type, is_nsproc_mount, nsproc_mounts: shared with nsctl.
# shellcheck source=scripts/_mounts.bash
source "$ROOT/scripts/_mounts.bash"

# --- prerequisites -----------------------------------------------------------------------

# need_node, need_deps, need_build: shared with ./nstrail.
# shellcheck source=scripts/_prereqs.bash
source "$ROOT/scripts/_prereqs.bash"
# shellcheck source=scripts/_debian_fetch.bash
source "$ROOT/scripts/_debian_fetch.bash"

# --remote with no audisp-remote on the machine: Debian's audispd-plugins, unpacked into the
# checkout's own .deps/ ($NSPROC_DEPS_DIR), never installed; prints the directory to pass.
need_audisp_remote() {
  local dir=${NSPROC_DEPS_DIR:-$ROOT/.deps}/audispd-plugins lock
  mkdir -p "$dir"
  exec {lock}>"$dir.lock"
  flock "$lock"
  if [[ ! -f $dir/.done ]]; then
    note "--remote: no audisp-remote here; fetching Debian's audispd-plugins into $dir (unpacked, not installed)"
    debian_fetch "$dir" audispd-plugins || die 1 "--remote needs audisp-remote (Debian package audispd-plugins), and it could not be fetched: $DEBIAN_FETCH_ERROR; install it, or give --audisp-remote PROGRAM|DIR"
  fi
  exec {lock}>&-
  printf '%s\n' "$dir/root"
}

need_fuse_device() {
  [[ -c /dev/fuse ]] && return 0
  note "/dev/fuse is missing: loading the fuse module (modprobe fuse)"
  modprobe fuse 2>/dev/null || true
  if [[ ! -c /dev/fuse ]]; then
    note "creating /dev/fuse (mknod /dev/fuse c 10 229)"
    mknod -m 0666 /dev/fuse c 10 229 || die 1 "cannot create /dev/fuse: run as root, or give the container the fuse device"
  fi
}

# --- mounts and daemons ------------------------------------------------------------------

# The absolute path the kernel will show: symlinks in the parent resolved, and the
# mountpoint itself if it is a symlink (the daemon follows it too: run_daemon.ts).
canonical() {
  local p=$1
  [[ $p == /* ]] || p=$PWD/$p
  while [[ $p == */ && $p != / ]]; do p=${p%/}; done
  [[ -L $p ]] && { realpath -m -- "$p"; return; }
  [[ $p == / ]] && { echo /; return; }
  local parent
  parent=$(realpath -m -- "$(dirname -- "$p")")
  echo "${parent%/}/$(basename -- "$p")"
}

# The pids serving the FUSE mount at $1, whatever started them: the processes holding a
# /dev/fuse descriptor of its connection (fdinfo "fuse_connection:" is the mount's minor
# device number). Empty for a dead mount.
mount_daemons() {
  local dev conn fd
  dev=$(mount_info "$1"); dev=${dev%% *}
  [[ $dev == 0:* ]] || return 0
  conn=${dev#0:}
  # find fails on processes that end meanwhile; what it found still counts.
  { find /proc/[0-9]*/fd -lname /dev/fuse 2>/dev/null || true; } | while IFS= read -r fd; do
    if grep -qx "fuse_connection:[[:space:]]*$conn" "${fd%/fd/*}/fdinfo/${fd##*/}" 2>/dev/null; then
      fd=${fd#/proc/}; echo "${fd%%/*}"
    fi
  done | sort -un
}

# Alive and not a zombie (a zombie has let go of its mount and files).
is_alive() {
  local state
  [[ $1 =~ ^[0-9]+$ && -r /proc/$1/stat ]] || return 1
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [[ -n $state && $state != Z ]]
}

# A mount whose daemon died without auto_unmount answers ENOTCONN (or ECONNABORTED once aborted).
# Asked with a name that does not exist: the kernel never caches those (negative_timeout=0), so
# the lookup reaches the daemon, where the mountpoint's own attributes may come from the cache.
is_dead_mount() {
  local out
  out=$(timeout -k 1 5 stat -- "$1/.nsproc-alive-probe" 2>&1 >/dev/null) && return 1
  [[ $out == *'Transport endpoint is not connected'* || $out == *'Software caused connection abort'* ]]
}

lazy_unmount() {
  "$FUSE_BIN/fusermount" -uz "$1" 2>/dev/null && return 0
  command -v fusermount >/dev/null && fusermount -uz "$1" 2>/dev/null && return 0
  umount -l "$1"
}

# A directory root writes its state or locks into must be root's own, or another user could
# read it, fill it, or plant a symlink there for root to write through: the directory itself
# (not a symlink) owned by this uid and writable by no one else, and every directory above it
# owned by root or this uid and, if others may write to it, sticky (as /tmp). Made 0700 when
# missing.
need_own_dir() {
  local dir=$1 what=$2 owner mode up
  [[ -e $dir || -L $dir ]] || mkdir -p -m 0700 -- "$dir" || die 1 "cannot create the $what $dir"
  [[ -L $dir ]] && die 1 "the $what $dir is a symlink: not writing through it (remove it, or set NSPROC_STATE_DIR to a directory of root's)"
  [[ -d $dir ]] || die 1 "the $what $dir is not a directory (remove it, or set NSPROC_STATE_DIR to a directory of root's)"
  read -r owner mode < <(stat -c '%u %a' -- "$dir")
  (( owner == EUID )) || die 1 "the $what $dir belongs to uid $owner, not to uid $EUID: another user could plant files there, so it is not used (remove it, or set NSPROC_STATE_DIR to a directory of root's)"
  (( (8#$mode & 8#022) == 0 )) || die 1 "the $what $dir is writable by group or others (mode $mode): not used (chmod go-w it, or set NSPROC_STATE_DIR to a directory of root's)"
  up=$(realpath -- "$dir")
  while [[ $up != / ]]; do
    up=$(dirname -- "$up")
    read -r owner mode < <(stat -c '%u %a' -- "$up")
    if (( owner != 0 && owner != EUID )) || (( (8#$mode & 8#022) != 0 && (8#$mode & 8#1000) == 0 )); then
      die 1 "the $what $dir is inside $up (uid $owner, mode $mode), which another user can change: not used (set NSPROC_STATE_DIR to a directory of root's)"
    fi
  done
}

# State file names are derived from the mountpoint: readable part + checksum.
state_key() {
  local name sum
  name=$(printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_' | cut -c1-80)
  sum=$(printf '%s' "$1" | cksum | cut -d' ' -f1)
  echo "$name.$sum"
}

# Alive and really the daemon of this pid file (pid files outlive SIGKILL, pids get
# reused): its command line carries "--pid-file PIDFILE". Zombies count as gone.
is_our_daemon() {
  local pid=$1 pidfile=$2
  is_alive "$pid" || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$pidfile"
}

pid_in() { [[ -s $1 ]] && tr -dc '0-9' <"$1" || true; }

# Waits up to $1 seconds for the processes $2… to go.
wait_all_gone() {
  local deadline=$((SECONDS + $1)) pid
  shift
  for pid in "$@"; do
    while is_alive "$pid"; do
      (( SECONDS < deadline )) || return 1
      sleep 0.1
    done
  done
}

# Stops the daemons $2… of mountpoint $1: SIGTERM (unmount, flush, exit), up to 10 s; then
# SIGKILL, up to 5 s. Fails, saying so, if one is still alive.
stop_daemons() {
  local mnt=$1
  shift
  kill -TERM "$@" 2>/dev/null || true
  wait_all_gone 10 "$@" && return 0
  note "daemon $* of $mnt did not stop within 10 s of SIGTERM: killing it (SIGKILL)"
  kill -KILL "$@" 2>/dev/null || true
  wait_all_gone 5 "$@" && return 0
  note "daemon $* of $mnt does not die"
  return 1
}

# One mount.sh at a time starts a daemon for a mountpoint, whatever its state dir: the lock
# is held from the first check until the mount answers (or the start failed), and the daemon
# does not inherit it. A second mount.sh waits, then finds the mount served and refuses.
# The holder removes the lock file when it is done, so a waiter checks that it locked the
# file that is still there (else it locked a removed one) and tries again.
MOUNT_LOCK=
lock_mountpoint() {
  local lock
  lock=$LOCK_DIR/$(state_key "$1").lock
  need_own_dir "$LOCK_DIR" "lock directory"
  while :; do
    exec 8>>"$lock"
    flock -w $((TIMEOUT + 15)) 8 || die 1 "another mount.sh has been starting a daemon at $1 for over $((TIMEOUT + 15)) s; not starting a second"
    [[ $(stat -L -c %d:%i /dev/fd/8) == "$(stat -c %d:%i "$lock" 2>/dev/null)" ]] && break
  done
  MOUNT_LOCK=$lock
  trap unlock_mountpoint EXIT
}

unlock_mountpoint() {
  [[ -n $MOUNT_LOCK ]] || return 0
  rm -f "$MOUNT_LOCK"
  MOUNT_LOCK=
  exec 8>&-
}

# --- commands ----------------------------------------------------------------------------

unmount_cmd() {
  (( $# <= 1 )) || die 2 "usage: ./mount.sh -u [MOUNTPOINT]"
  local mnt pidfile pid type pids
  mnt=$(canonical "${1:-$NSPROC_DEFAULT_MOUNTPOINT}")
  pidfile=$STATE_DIR/$(state_key "$mnt").pid
  pid=$(pid_in "$pidfile")
  type=$(mount_type "$mnt")
  # The daemon's last notes (the kernel audit rules it removed) are for this terminal.
  STOP_LOG=$STATE_DIR/$(state_key "$mnt").log STOP_LOG_SIZE=0
  [[ -f $STOP_LOG && ! -L $STOP_LOG ]] && STOP_LOG_SIZE=$(stat -c %s -- "$STOP_LOG")
  trap 'tell_stop_notes "$STOP_LOG" "$STOP_LOG_SIZE"' EXIT
  if [[ -z $type ]]; then
    # The mount went (umount by hand) but our daemon may live on: stop it.
    is_our_daemon "$pid" "$pidfile" || { rm -f "$pidfile"; die 1 "nothing is mounted at $mnt"; }
    stop_daemons "$mnt" "$pid" || exit 1
    rm -f "$pidfile"
    echo "stopped daemon $pid (its mount at $mnt was already gone)"
    return
  fi
  is_nsproc_mount "$mnt" || die 1 "$mnt is a $type mount, not nsproc: not touching it"
  # The mount says who serves it, whatever state dir or TMPDIR started the daemon.
  pids=$(mount_daemons "$mnt")
  local i
  if [[ -n $pids ]]; then
    # shellcheck disable=SC2086 # one word per pid
    stop_daemons "$mnt" $pids || exit 1
    # The daemon unmounts itself; after a SIGKILL auto_unmount's helper does, a moment later.
    for ((i = 0; i < 30; i++)); do is_nsproc_mount "$mnt" || break; sleep 0.1; done
  fi
  # A dead mount (its daemon gone) is cleared lazily.
  if is_nsproc_mount "$mnt"; then lazy_unmount "$mnt" || true; fi
  is_nsproc_mount "$mnt" && die 1 "cannot unmount $mnt"
  rm -f "$pidfile"
  echo "unmounted $mnt"
}

# The kernel audit lines the daemon wrote to its log $1 past byte $2 (while stopping), on stderr.
tell_stop_notes() {
  [[ -f $1 && ! -L $1 ]] || return 0
  tail -c +$(($2 + 1)) -- "$1" | grep -e '^nsproc: kernel audit rules' -e '^nsproc: could not undo' >&2 || true
}

# Leaves $mnt ready to mount on: clears a dead mount, refuses a live one.
prepare_mountpoint() {
  local mnt=$1 pidfile=$2 type pid
  type=$(mount_type "$mnt")
  pid=$(pid_in "$pidfile")
  if [[ -n $type ]]; then
    if is_dead_mount "$mnt"; then
      note "clearing a dead mount at $mnt (its daemon is gone)"
      lazy_unmount "$mnt" || die 1 "cannot clear the dead mount at $mnt"
    elif is_nsproc_mount "$mnt"; then
      pid=$(mount_daemons "$mnt" | tr '\n' ' '); pid=${pid% }
      die 1 "$mnt is already served by nsproc${pid:+ (pid $pid)}; stop it first: ./mount.sh -u $mnt"
    else
      die 1 "$mnt is already a mount point ($type); choose another MOUNTPOINT"
    fi
  elif is_our_daemon "$pid" "$pidfile"; then
    note "stopping daemon $pid: its mount at $mnt is gone"
    stop_daemons "$mnt" "$pid" || exit 1
  fi
  [[ -e $mnt && ! -d $mnt ]] && die 1 "$mnt is not a directory; choose a directory as MOUNTPOINT"
  mkdir -p -- "$mnt" || die 1 "cannot create the mountpoint $mnt"
  [[ -d $mnt ]] || die 1 "$mnt is not a directory"
  # libfuse refuses a non-empty mountpoint anyway; say so before starting anything.
  [[ -z $(ls -A -- "$mnt") ]] || die 1 "$mnt is not empty; choose an empty directory as MOUNTPOINT"
}

# Polls until the pid file is written and MOUNTPOINT/nsctl answers; fails with the log tail.
wait_for_mount() {
  local bg=$1 mnt=$2 pidfile=$3 log=$4 deadline=$((SECONDS + TIMEOUT)) status
  while :; do
    if [[ -s $pidfile && $(mount_type "$mnt") == fuse.nsproc ]] && timeout -k 1 5 stat -- "$mnt/nsctl" >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$bg" 2>/dev/null; then
      status=0; wait "$bg" || status=$?
      note "the daemon exited (status $status) before the mount answered. Its log ($log) ends:"
      tail -n 20 "$log" >&2
      exit 1
    fi
    if (( SECONDS >= deadline )); then
      note "the mount at $mnt did not answer within $TIMEOUT s; stopping the daemon. Its log ($log) ends:"
      tail -n 20 "$log" >&2
      kill -TERM "$bg" 2>/dev/null || true
      exit 1
    fi
    sleep 0.1
  done
}

mount_cmd() {
  local arg
  # The daemon's parser is the one list of options: ask it what they resolve to.
  local conf mnt audit key pidfile log bg pid
  conf=$(node "$DAEMON" --dry-run "$@") || exit $?
  if [[ $(sed -n 's/^audisp_remote=//p' <<<"$conf") == missing ]]; then
    local audisp
    audisp=$(need_audisp_remote) || exit 1
    set -- --audisp-remote "$audisp" "$@"
  fi
  mnt=$(canonical "$(sed -n 's/^mountpoint=//p' <<<"$conf")")
  audit=$(sed -n 's/^audit_log=//p' <<<"$conf")
  key=$(state_key "$mnt")
  pidfile=$STATE_DIR/$key.pid
  log=$STATE_DIR/$key.log
  need_fuse_device
  lock_mountpoint "$mnt"
  prepare_mountpoint "$mnt" "$pidfile"
  need_own_dir "$STATE_DIR" "state directory"
  rm -f -- "$pidfile" "$log"
  for arg in "$@"; do
    # The mount lock is let go here: the daemon lives on in this terminal.
    [[ $arg == --foreground ]] && { unlock_mountpoint; exec node "$DAEMON" --pid-file "$pidfile" "$@"; }
  done
  # setsid: own session, so the terminal's ^C and hangup do not reach it. The log is made new
  # (noclobber: O_EXCL), never opened through whatever is there.
  set -C
  nohup setsid node "$DAEMON" --pid-file "$pidfile" "$@" </dev/null >"$log" 2>&1 8>&- &
  bg=$!
  set +C
  wait_for_mount "$bg" "$mnt" "$pidfile" "$log"
  unlock_mountpoint
  pid=$(pid_in "$pidfile")
  printf 'mountpoint %s\npid %s\naudit_log %s\ndaemon_log %s\n' "$mnt" "$pid" "$audit" "$log"
  # Host mode (--host) says what it found and where serials come from.
  sed -n 's/^nsproc: host mode: /host /p' "$log"
  # What else the daemon noted while starting (kernel audit off, no rule loaded, rules added,
  # a log cut after a crash …) is for this terminal too, not only for its log.
  grep -v -e '^nsproc: mounted at ' -e '^nsproc: host mode: ' -- "$log" >&2 || true
}

# Every running nsproc mount, one line each: mountpoint, pid, mode, audit log. The mode and
# log come from the daemon itself (nsctl status); a daemon that does not answer within 5 s
# shows "-".
list_cmd() {
  (( $# == 0 )) || die 2 "usage: ./mount.sh --list"
  local mnt pids status
  {
    printf 'MOUNTPOINT\tPID\tMODE\tAUDIT_LOG\n'
    while IFS= read -r mnt; do
      pids=$(mount_daemons "$mnt" | paste -sd,)
      status=$(NSCTL_TIMEOUT=5 "$ROOT/nsctl" -m "$mnt" status 2>/dev/null) || status=
      printf '%s\t%s\t%s\t%s\n' "$mnt" "${pids:--}" "$(sed -n 's/^mode //p' <<<"$status")" "$(sed -n 's/^audit_log //p' <<<"$status")"
    done < <(nsproc_mounts)
  } | awk -F'\t' '{ for (i = 1; i <= NF; i++) { if ($i == "") $i = "-"; c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } n = NR }
    END { for (r = 1; r <= n; r++) { line = ""; for (i = 1; i < 4; i++) line = line sprintf("%-" w[i] "s  ", c[r, i]); print line c[r, 4] } }'
}

# FUSE with allow_other, the shipped fusermount (not setuid), /dev/fuse, the lock dir and
# signals to a root daemon all need root: say so before anything fails half-way.
need_root() {
  (( EUID == 0 )) || die 1 "mount.sh needs root (uid 0), not uid $EUID: it mounts with FUSE allow_other and the shipped fusermount, which is not setuid"
}

main() {
  local arg
  for arg in "$@"; do
    # The usage text needs no root, no packages and no build.
    [[ $arg == --help || $arg == -h ]] && { cat "$ROOT/scripts/usage-mount.txt"; exit 0; }
  done
  if [[ ${1:-} == -u || ${1:-} == --unmount ]]; then
    shift
    need_root
    unmount_cmd "$@"
    return
  fi
  if [[ ${1:-} == --list ]]; then
    shift
    need_root
    list_cmd "$@"
    return
  fi
  need_root
  need_node
  need_deps
  need_build
  mount_cmd "$@"
}

main "$@"
