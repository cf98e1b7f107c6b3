#!/usr/bin/env bats
# mount.sh lifecycle (SPEC §4): start, refuse a second daemon, stop, recover from a dead
# mount, options. Each test mounts on its own temp dir; teardown always clears it.

load helpers

teardown() {
  if [[ -n ${FOREIGN_PID:-} ]]; then
    kill -TERM "$FOREIGN_PID" 2>/dev/null && wait "$FOREIGN_PID" 2>/dev/null
    is_mounted "$OTHERFS" && "$FUSERMOUNT" -uz "$OTHERFS"
    rmdir "$OTHERFS"
    OTHERFS=
  fi
  if [[ -n ${OTHERFS:-} ]]; then umount "$OTHERFS" 2>/dev/null || umount -l "$OTHERFS"; rmdir "$OTHERFS"; fi
  nsproc_unmount
}

# A fresh temp dir for a test that runs mount.sh itself (registered for the final cleanup).
fresh_tmp() {
  NSPROC_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nsproc-bats.XXXXXX")
  echo "$NSPROC_TMP" >>"$(_nsproc_dirs_file)"
  export NSPROC_TMP MNT=$NSPROC_TMP/mnt NSPROC_MNT=$NSPROC_TMP/mnt NSPROC_STATE_DIR=$NSPROC_TMP/state
}

# Mounts test/fixtures/foreign_fuse.ts (a FUSE file system that is not nsproc) at a new
# $OTHERFS; FOREIGN_PID serves it.
foreign_fuse_mount() {
  OTHERFS=$(mktemp -d "${TMPDIR:-/tmp}/nsproc-bats-other.XXXXXX")
  node "$NSPROC_ROOT/dist/test/fixtures/foreign_fuse.js" "$OTHERFS" >"$BATS_TEST_TMPDIR/foreign.out" 2>&1 &
  FOREIGN_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do grep -q mounted "$BATS_TEST_TMPDIR/foreign.out" && return 0; sleep 0.1; done
  cat "$BATS_TEST_TMPDIR/foreign.out" >&2
  return 1
}
teardown_file() { nsproc_teardown_file; }

# The daemon's pid, as mount.sh printed it.
daemon_pid() { sed -n 's/^pid //p' "$NSPROC_TMP/mount.out"; }

@test "mount.sh: prints mountpoint, pid, audit_log and daemon_log, and the mount answers when it returns" {
  nsproc_mount
  local pid
  pid=$(daemon_pid)
  assert_equal "$(sed 's/ .*//' "$NSPROC_TMP/mount.out" | tr '\n' ' ')" "mountpoint pid audit_log daemon_log "
  assert_equal "$(sed -n 's/^mountpoint //p;s/^audit_log //p' "$NSPROC_TMP/mount.out" | tr '\n' ' ')" "$MNT $AUDIT_LOG "
  assert_match "$pid" '^[0-9]+$'
  kill -0 "$pid"
  assert_equal "$(awk -v m="$MNT" '$2 == m { print $1, $3 }' /proc/self/mounts)" "nsproc fuse.nsproc"
  assert_equal "$(cat "$MNT/1/ns/net_snum")" 7
  assert_equal "$(wc -l <"$AUDIT_LOG")" 6
}

@test "mount.sh on a mountpoint nsproc already serves: refused with exit 1, the first daemon keeps serving" {
  nsproc_mount
  local pid
  pid=$(daemon_pid)
  run --separate-stderr "$MOUNT_SH" "$MNT" --audit-log "$AUDIT_LOG"
  assert_equal "$status" 1
  assert_equal "$stderr" "nsproc: $MNT is already served by nsproc (pid $pid); stop it first: ./mount.sh -u $MNT"
  assert_equal "$(nsctl clone 1 0)" 4
  assert_equal "$(wc -l <"$AUDIT_LOG")" 6 "boot records (no second boot)"
}

@test "mount.sh -u: the daemon stops and the mount goes; a second -u says nothing is mounted (exit 1)" {
  nsproc_mount
  local pid
  pid=$(daemon_pid)
  run --separate-stderr "$MOUNT_SH" -u "$MNT"
  assert_equal "$status:$output" "0:unmounted $MNT"
  ! is_mounted "$MNT"
  ! kill -0 "$pid" 2>/dev/null
  run --separate-stderr "$MOUNT_SH" -u "$MNT"
  assert_equal "$status:$stderr" "1:nsproc: nothing is mounted at $MNT"
}

@test "mount.sh after kill -9 of the daemon: auto_unmount removed the mount, and it mounts again at once" {
  nsproc_mount
  local pid i
  pid=$(daemon_pid)
  kill -KILL "$pid"
  for ((i = 0; i < 50; i++)); do is_mounted "$MNT" || break; sleep 0.1; done
  ! is_mounted "$MNT"
  run --separate-stderr "$MOUNT_SH" "$MNT" --audit-log "$AUDIT_LOG"
  assert_equal "$status" 0
  assert_equal "$(cat "$MNT/1/ns/uts_snum")" 2
}

@test "stale mount: daemon and its auto_unmount helper killed leave a dead mount; mount.sh clears it and mounts" {
  nsproc_mount
  local pid helper
  pid=$(daemon_pid)
  # libfuse's auto_unmount watcher is the daemon's fusermount child: without it the mount stays.
  helper=$(pgrep -P "$pid" -x fusermount)
  assert_match "$helper" '^[0-9]+$' "pid of the auto_unmount fusermount"
  kill -KILL "$helper"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  run stat "$MNT/1"
  assert_equal "$output" "stat: cannot statx '$MNT/1': Transport endpoint is not connected"
  run --separate-stderr "$MOUNT_SH" "$MNT" --audit-log "$AUDIT_LOG"
  assert_equal "$status" 0
  assert_equal "$stderr" "nsproc: clearing a dead mount at $MNT (its daemon is gone)"
  assert_equal "$(cat "$MNT/1/ns/net_snum")" 7
}

@test "mount.sh on a directory that is not empty, or already another mount: exit 1, nothing started" {
  NSPROC_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nsproc-bats.XXXXXX")
  echo "$NSPROC_TMP" >>"$(_nsproc_dirs_file)"
  MNT=$NSPROC_TMP/mnt
  export NSPROC_STATE_DIR=$NSPROC_TMP/state
  mkdir "$MNT" && touch "$MNT/file"
  run --separate-stderr "$MOUNT_SH" "$MNT" --audit-log "$NSPROC_TMP/audit.log"
  assert_equal "$status:$stderr" "1:nsproc: $MNT is not empty; choose an empty directory as MOUNTPOINT"
  [[ ! -e $NSPROC_TMP/audit.log ]]
  OTHERFS=$(mktemp -d "${TMPDIR:-/tmp}/nsproc-bats-other.XXXXXX")
  mount -t tmpfs tmpfs "$OTHERFS" || skip "cannot mount a tmpfs here"
  run --separate-stderr "$MOUNT_SH" "$OTHERFS"
  assert_equal "$status:$stderr" "1:nsproc: $OTHERFS is already a mount point (tmpfs); choose another MOUNTPOINT"
  run --separate-stderr "$MOUNT_SH" -u "$OTHERFS"
  assert_equal "$status:$stderr" "1:nsproc: $OTHERFS is a tmpfs mount, not nsproc: not touching it"
  is_mounted "$OTHERFS"
}

@test "mount.sh with a bad option: exit 2 with the reason, and nothing is mounted" {
  local mnt=${BATS_TEST_TMPDIR}/never
  run --separate-stderr "$MOUNT_SH" "$mnt" --profile v6
  assert_equal "$status:$stderr" $'2:nsproc: --profile must be v5 or modern, not \'v6\'\nTry \'./mount.sh --help\' for the options.'
  run --separate-stderr "$MOUNT_SH" "$mnt" --serial-start 0
  assert_equal "$status" 2
  assert_contains "$stderr" "--serial-start must be 1..2^64-1 in decimal or 0x hex, not '0'"
  run --separate-stderr "$MOUNT_SH" "$mnt" --clock fixed:abc
  assert_equal "$status" 2
  assert_contains "$stderr" "--clock must be real or fixed:EPOCH (seconds), not 'fixed:abc'"
  run --separate-stderr "$MOUNT_SH" "$mnt" --bogus
  assert_equal "$status" 2
  assert_contains "$stderr" "unknown option '--bogus'"
  local n
  for n in 1 7; do
    run --separate-stderr "$MOUNT_SH" "$mnt" --serial-start "$n"
    assert_equal "$status:$stderr" "2:nsproc: --serial-start must be at least 8 in v5 (boot uses 1..7), not $n"$'\n'"Try './mount.sh --help' for the options."
  done
  run --separate-stderr "$MOUNT_SH" "$mnt" --audit-log "$mnt/x.log"
  assert_equal "$status" 2
  assert_contains "$stderr" "nsproc: --audit-log $mnt/x.log is inside the mountpoint $mnt; put it outside"
  run --separate-stderr "$MOUNT_SH" "$mnt"$'\nx'
  assert_equal "$status" 2
  assert_contains "$stderr" 'nsproc: MOUNTPOINT must not hold a newline or another control character: "'"$mnt"'\nx"'
  [[ ! -e $mnt && ! -e $mnt$'\nx' ]]
}

@test "mount.sh needs root: another uid gets a clear message (exit 1) for mount and -u, and nothing is built or created" {
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/nsproc-bats-user.XXXXXX")
  chmod 755 "$dir"
  cp "$MOUNT_SH" "$dir/mount.sh"
  # What mount.sh sources beside it.
  mkdir "$dir/scripts" && cp "$(dirname "$MOUNT_SH")"/scripts/_*.bash "$dir/scripts/"
  run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups "$dir/mount.sh" "$dir/mnt"
  assert_equal "$status:$stderr" "1:nsproc: mount.sh needs root (uid 0), not uid 65534: it mounts with FUSE allow_other and the shipped fusermount, which is not setuid"
  run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups "$dir/mount.sh" -u "$dir/mnt"
  assert_equal "$status" 1
  assert_contains "$stderr" "mount.sh needs root"
  assert_equal "$(ls -A "$dir" | tr '\n' ' ')" "mount.sh scripts "
  assert_equal "$(ls -A "$dir/scripts")" "$(ls -A "$(dirname "$MOUNT_SH")"/scripts/_*.bash | xargs -n 1 basename)"
  rm -rf "$dir"
}

@test "mount.sh on a symlink to a directory: mounts on the directory; -u through the symlink stops it" {
  fresh_tmp
  mkdir "$NSPROC_TMP/real"
  ln -s real "$NSPROC_TMP/link"
  "$MOUNT_SH" "$NSPROC_TMP/link" --audit-log "$NSPROC_TMP/audit.log" >"$NSPROC_TMP/mount.out"
  assert_equal "$(sed -n 's/^mountpoint //p' "$NSPROC_TMP/mount.out")" "$NSPROC_TMP/real"
  assert_equal "$(cat "$NSPROC_TMP/link/1/ns/net_snum")" 7
  is_mounted "$NSPROC_TMP/real"
  run --separate-stderr "$MOUNT_SH" -u "$NSPROC_TMP/link"
  assert_equal "$status:$output" "0:unmounted $NSPROC_TMP/real"
  ! is_mounted "$NSPROC_TMP/real"
}

@test "mount.sh on a mountpoint with a space, a backslash and UTF-8 in its name: mounts, nsctl answers, -u stops it" {
  fresh_tmp
  MNT="$NSPROC_TMP/a b\\c ü"
  "$MOUNT_SH" "$MNT" --audit-log "$NSPROC_TMP/audit.log" >"$NSPROC_TMP/mount.out"
  assert_equal "$(sed -n 's/^mountpoint //p' "$NSPROC_TMP/mount.out")" "$MNT"
  assert_equal "$(nsctl -m "$MNT" clone 1 0)" 4
  run --separate-stderr "$MOUNT_SH" -u "$MNT"
  assert_equal "$status:$output" "0:unmounted $MNT"
  ! is_mounted "$MNT"
}

@test "mount.sh --profile modern --serial-start 0x100 --clock fixed:EPOCH: the options reach the daemon" {
  nsproc_mount --profile modern --serial-start 0x100 --clock fixed:1418222800.5
  local c
  assert_equal "$(cat "$MNT/1/ns/time_snum")" 9
  c=$(nsctl clone 1 net,uts)
  assert_equal "$(snum "$c" uts) $(snum "$c" net)" "100 101"
  assert_equal "$(grep -c 'msg=audit(1418222800.500:' "$AUDIT_LOG")" "$(wc -l <"$AUDIT_LOG")" "records stamped 1418222800.500"
  assert_equal "$(tail -n 1 "$AUDIT_LOG")" "type=NS_INFO msg=audit(1418222800.500:15): pid=$c netns=101 utsns=100 ipcns=1 pidns=4 userns=3 mntns=5 cgroupns=8 timens=9"
}

@test "mount.sh --audit-log relative: resolved against the caller's directory" {
  NSPROC_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nsproc-bats.XXXXXX")
  echo "$NSPROC_TMP" >>"$(_nsproc_dirs_file)"
  export MNT=$NSPROC_TMP/mnt NSPROC_STATE_DIR=$NSPROC_TMP/state NSPROC_MNT=$NSPROC_TMP/mnt
  (cd "$NSPROC_TMP" && "$MOUNT_SH" mnt --audit-log rel.log >"$NSPROC_TMP/mount.out")
  assert_equal "$(sed -n 's/^audit_log //p' "$NSPROC_TMP/mount.out")" "$NSPROC_TMP/rel.log"
  assert_equal "$(wc -l <"$NSPROC_TMP/rel.log")" 6
}

@test "a second boot on the same audit log: serials start over, boot records are appended again" {
  nsproc_mount --clock fixed:1408577534.868
  local c
  c=$(nsctl clone 1 net)
  assert_equal "$(snum "$c" net)" 8
  NSPROC_STATE_DIR=$NSPROC_TMP/state "$MOUNT_SH" -u "$MNT" >/dev/null
  "$MOUNT_SH" "$MNT" --audit-log "$AUDIT_LOG" --clock fixed:1408577534.868 >/dev/null
  c=$(nsctl clone 1 net)
  assert_equal "$(snum "$c" net)" 8 "the first new serial of the second boot"
  assert_equal "$(grep -c '^type=AUDIT_NS_INIT_UTS msg=audit(1408577534.868:5): ' "$AUDIT_LOG")" 2
  assert_equal "$(wc -l <"$AUDIT_LOG")" $((6 + 2 + 6 + 2))
}

@test "mount.sh -u on a foreign FUSE mount: refused with exit 1, left mounted; mount.sh and nsctl leave it alone too" {
  foreign_fuse_mount
  run --separate-stderr "$MOUNT_SH" -u "$OTHERFS"
  assert_equal "$status:$stderr" "1:nsproc: $OTHERFS is a fuse.foreign mount, not nsproc: not touching it"
  is_mounted "$OTHERFS"
  run --separate-stderr "$MOUNT_SH" "$OTHERFS"
  assert_equal "$status:$stderr" "1:nsproc: $OTHERFS is already a mount point (fuse.foreign); choose another MOUNTPOINT"
  run --separate-stderr "$NSCTL_BIN" -m "$OTHERFS" clone 1 0
  assert_equal "$status:$stderr" "1:nsctl: ENOENT: no nsproc is mounted at $OTHERFS (it is a fuse.foreign mount of foreign); nothing was written"
  is_mounted "$OTHERFS"
  kill -0 "$FOREIGN_PID"
}

@test "mount.sh -u finds the daemon from the mount, whatever state dir and TMPDIR started it, and waits until it is gone" {
  fresh_tmp
  NSPROC_STATE_DIR=$NSPROC_TMP/elsewhere TMPDIR=$NSPROC_TMP "$MOUNT_SH" "$MNT" --audit-log "$NSPROC_TMP/audit.log" >"$NSPROC_TMP/mount.out"
  local pid
  pid=$(daemon_pid)
  run --separate-stderr "$MOUNT_SH" -u "$MNT"
  assert_equal "$status:$output:$stderr" "0:unmounted $MNT:"
  ! is_mounted "$MNT"
  [[ ! -e /proc/$pid ]] || [[ $(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f1) == Z ]]
  [[ ! -e $NSPROC_TMP/elsewhere/$(basename "$(sed -n 's/^daemon_log //p' "$NSPROC_TMP/mount.out")" .log).pid ]]
}

@test "two mount.sh on one mountpoint at once (other state dirs, other logs): one mounts, the other fails clearly and leaves nothing" {
  fresh_tmp
  local i pids=() statuses win lose
  for i in 1 2; do
    NSPROC_STATE_DIR=$NSPROC_TMP/state$i "$MOUNT_SH" "$MNT" --audit-log "$NSPROC_TMP/audit$i.log" >"$NSPROC_TMP/out$i" 2>"$NSPROC_TMP/err$i" &
    pids+=($!)
  done
  for i in 1 2; do
    if wait "${pids[i - 1]}"; then win=$i; else statuses+="$i:$? "; lose=$i; fi
  done
  assert_match "${win:-}:${lose:-}" '^[12]:[12]$' "one winner, one loser (${statuses:-none failed})"
  local pid
  pid=$(sed -n 's/^pid //p' "$NSPROC_TMP/out$win")
  assert_equal "$statuses:$(cat "$NSPROC_TMP/err$lose")" "$lose:1 :nsproc: $MNT is already served by nsproc (pid $pid); stop it first: ./mount.sh -u $MNT"
  assert_equal "$(cat "$NSPROC_TMP/out$lose")" ""
  [[ ! -e $NSPROC_TMP/audit$lose.log && ! -e $NSPROC_TMP/state$lose/$(ls "$NSPROC_TMP/state$win" | grep '\.log$') ]]
  assert_equal "$(wc -l <"$NSPROC_TMP/audit$win.log")" 6
  assert_equal "$(grep -c 'nsproc: mounted at' "$(sed -n 's/^daemon_log //p' "$NSPROC_TMP/out$win")")" 1 "the winner's daemon log"
  assert_equal "$(nsctl clone 1 0)" 4
  assert_equal "$(pgrep -fc -- "--pid-file $NSPROC_TMP/state")" 1 "daemons of this mountpoint"
  # The mountpoint's lock file (named like the state files) is gone with the last mount.sh.
  local key
  key=$(basename "$(sed -n 's/^daemon_log //p' "$NSPROC_TMP/out$win")" .log)
  [[ ! -e /run/nsproc/$key.lock ]]
}

# Another user's plants, as a local user could make them (a uid no account has: nothing in /etc).
PLANTER=61237

@test "mount.sh refuses a state dir another user made first (planted in /tmp), and writes nothing into it" {
  fresh_tmp
  install -d -m 0755 -o "$PLANTER" -g "$PLANTER" "$NSPROC_STATE_DIR"
  run --separate-stderr "$MOUNT_SH" "$MNT" --audit-log "$NSPROC_TMP/audit.log"
  assert_equal "$status" 1
  assert_contains "$stderr" "the state directory $NSPROC_STATE_DIR belongs to uid $PLANTER, not to uid 0: another user could plant files there, so it is not used"
  assert_equal "$(ls -A "$NSPROC_STATE_DIR")" ""
  ! is_mounted "$MNT"
}

@test "mount.sh refuses a state dir that is a symlink, or writable by others, and one inside a directory another user can change" {
  fresh_tmp
  mkdir -m 0700 "$NSPROC_TMP/elsewhere"
  ln -s elsewhere "$NSPROC_STATE_DIR"
  run --separate-stderr "$MOUNT_SH" "$MNT" --audit-log "$NSPROC_TMP/audit.log"
  assert_equal "$status" 1
  assert_contains "$stderr" "is a symlink: not writing through it"
  assert_equal "$(ls -A "$NSPROC_TMP/elsewhere")" ""
  rm "$NSPROC_STATE_DIR"
  mkdir -m 0777 "$NSPROC_STATE_DIR"
  chmod 0777 "$NSPROC_STATE_DIR"
  run --separate-stderr "$MOUNT_SH" "$MNT" --audit-log "$NSPROC_TMP/audit.log"
  assert_equal "$status" 1
  assert_contains "$stderr" "is writable by group or others (mode 777): not used"
  rmdir "$NSPROC_STATE_DIR"
  install -d -m 0755 -o "$PLANTER" -g "$PLANTER" "$NSPROC_TMP/theirs"
  NSPROC_STATE_DIR=$NSPROC_TMP/theirs/state run --separate-stderr "$MOUNT_SH" "$MNT" --audit-log "$NSPROC_TMP/audit.log"
  assert_equal "$status" 1
  assert_contains "$stderr" "which another user can change: not used"
  ! is_mounted "$MNT"
}

@test "mount.sh refuses a mountpoint reached through another user's symlink: the directory it points to is not mounted over" {
  fresh_tmp
  mkdir "$NSPROC_TMP/target"
  ln -s target "$NSPROC_TMP/trap"
  chown -h "$PLANTER:$PLANTER" "$NSPROC_TMP/trap"
  run --separate-stderr "$MOUNT_SH" "$NSPROC_TMP/trap" --audit-log "$NSPROC_TMP/audit.log"
  assert_equal "$status" 1
  assert_contains "$stderr" "it goes through the symlink $NSPROC_TMP/trap, owned by uid $PLANTER, who could point it anywhere"
  ! is_mounted "$NSPROC_TMP/target"
}

@test "mount.sh --help and nsctl --help from a bare copy (no node_modules, no build): the usage at once, nothing installed or built" {
  local dir
  dir=$(mktemp -d)
  cp -r "$NSPROC_ROOT/mount.sh" "$NSPROC_ROOT/nsctl" "$NSPROC_ROOT/scripts" "$dir/"
  run --separate-stderr "$dir/mount.sh" --help
  assert_equal "$status:$stderr" "0:"
  assert_contains "$output" "Usage: ./mount.sh [MOUNTPOINT] [options]"
  run --separate-stderr "$dir/nsctl" lsns --help
  assert_equal "$status:$stderr" "0:"
  assert_contains "$output" "lsns [options] [NAMESPACE]"
  assert_equal "$(ls -A "$dir" | tr '\n' ' ')" "mount.sh nsctl scripts "
  rm -rf "$dir"
}

@test "mount.sh on a file: 'is not a directory' (not mkdir's 'File exists'), exit 1, nothing started" {
  fresh_tmp
  touch "$NSPROC_TMP/afile"
  run --separate-stderr "$MOUNT_SH" "$NSPROC_TMP/afile" --audit-log "$NSPROC_TMP/audit.log"
  assert_equal "$status" 1
  assert_equal "$(grep -v '^nsproc: building' <<<"$stderr")" "nsproc: $NSPROC_TMP/afile is not a directory; choose a directory as MOUNTPOINT"
  [[ ! -e $NSPROC_TMP/audit.log ]]
}

@test "mount.sh --list: a header, then each nsproc mount's mountpoint, daemon pid, mode and audit log; gone after -u" {
  nsproc_mount
  run --separate-stderr "$MOUNT_SH" --list
  assert_equal "$status:$stderr" "0:"
  assert_equal "$(head -n 1 <<<"$output" | tr -s ' ')" "MOUNTPOINT PID MODE AUDIT_LOG"
  assert_equal "$(awk -v m="$MNT" '$1 == m { print $2, $3, $4 }' <<<"$output")" "$(daemon_pid) model $AUDIT_LOG"
  "$MOUNT_SH" -u "$MNT" >/dev/null
  assert_equal "$("$MOUNT_SH" --list | awk -v m="$MNT" '$1 == m' )" ""
}
