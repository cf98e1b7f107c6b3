#!/usr/bin/env bats
# Host mode follows the hidepid= and gid= of the /proc it reads: in a private mount namespace
# (so the machine's /proc is never changed) a fresh proc is mounted hidepid=invisible,gid=G over
# /proc and the daemon runs there; a throw-away user then meets the kernel's /proc and nsproc's
# tree side by side. The namespace's last process is killed and the user deleted in teardown_file.

load helpers

# A supplementary group for the gid= case: a number is enough for setpriv and for the kernel.
HIDEPID_GID=4242

setup_file() {
  throwaway_user_create nsproc-hp
  unshare -m --propagation private sh -c "mount -t proc -o hidepid=invisible,gid=$HIDEPID_GID proc /proc && exec sleep 600" </dev/null >/dev/null 2>&1 &
  HOLDER=$!
  export HOLDER
  local i
  for i in $(seq 100); do in_ns grep -q 'hidepid=invisible' /proc/self/mountinfo 2>/dev/null && break; sleep 0.05; done
  # The daemon's mount exists in that namespace only: mount.sh (start and -u) runs there too.
  printf '#!/bin/sh\nexec nsenter -m -t %s -- %s "$@"\n' "$HOLDER" "$MOUNT_SH" >"$BATS_FILE_TMPDIR/mount-in-ns.sh"
  chmod 755 "$BATS_FILE_TMPDIR/mount-in-ns.sh"
  export MOUNT_SH=$BATS_FILE_TMPDIR/mount-in-ns.sh
  nsproc_mount --host
  sleep 300 </dev/null >/dev/null 2>&1 &
  RPID=$!
  setpriv --reuid="$TUID" --regid="$TGID" --clear-groups -- sleep 300 </dev/null >/dev/null 2>&1 &
  UPID=$!
  export RPID UPID
  for i in $(seq 200); do in_ns test -e "$MNT/$RPID/status" && in_ns test -e "$MNT/$UPID/status" && break; sleep 0.05; done
}

teardown_file() {
  kill "${UPID:-}" "${RPID:-}" 2>/dev/null || true
  nsproc_teardown_file
  kill "${HOLDER:-}" 2>/dev/null || true
  throwaway_user_delete
}

# in_ns CMD…: runs CMD in the private mount namespace.
in_ns() { nsenter -m -t "$HOLDER" -- "$@"; }

# The user's answer (ok or refused) for reading FILE in the private namespace; extra setpriv options first.
user_reads() {
  local file=$1
  shift
  if in_ns setpriv --reuid="$TUID" --regid="$TGID" "${@:---clear-groups}" -- cat "$file" >/dev/null 2>&1; then echo ok; else echo refused; fi
}

@test "hidepid: the user reads its own process's status in both" {
  assert_equal "kernel=$(user_reads "/proc/$UPID/status") nsproc=$(user_reads "$MNT/$UPID/status")" "kernel=ok nsproc=ok"
}

@test "hidepid: root's process is closed to the user in both (<pid>/ is root's, 0550 with the gid= group)" {
  assert_equal "kernel=$(user_reads "/proc/$RPID/status") nsproc=$(user_reads "$MNT/$RPID/status")" "kernel=refused nsproc=refused"
  assert_equal "$(in_ns stat -c %u:%g:%a "$MNT/$RPID")" "0:$HIDEPID_GID:550"
  run in_ns setpriv --reuid="$TUID" --regid="$TGID" --clear-groups -- cat "$MNT/$RPID/status"
  assert_equal "$output" "cat: $MNT/$RPID/status: Permission denied"
}

@test "hidepid: a member of the gid= group reads root's process's status in both" {
  assert_equal "kernel=$(user_reads "/proc/$RPID/status" --groups="$HIDEPID_GID") nsproc=$(user_reads "$MNT/$RPID/status" --groups="$HIDEPID_GID")" "kernel=ok nsproc=ok"
}

@test "hidepid: the machine's own /proc was not changed" {
  run grep -c ' /proc .*hidepid' /proc/self/mountinfo
  assert_equal "$output" 0
}
