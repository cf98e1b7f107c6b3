#!/usr/bin/env bats
# Host mode (SPEC §7) as a non-root host user: a process the user runs has its ns/ owned by
# the user, who reads it (links, *_snum with the kernel's id); root's processes' ns/ give
# EACCES; status is readable by all. mount.sh --host says where serials come from. The file
# creates a throw-away host user and always deletes it in teardown_file.

load helpers

setup_file() {
  throwaway_user_create nsproc-h
  nsproc_mount --host
  # A process of the user, in a user namespace of its own (no privilege needed), and a root one.
  # setpriv itself in the background (not as_user, a function: $! would name a root subshell).
  setpriv --reuid="$TUID" --regid="$TGID" --clear-groups -- unshare -U sleep 300 </dev/null >/dev/null 2>&1 &
  UPID=$!
  sleep 300 </dev/null >/dev/null 2>&1 &
  RPID=$!
  export UPID RPID
  local i
  for i in $(seq 200); do
    grep -q "^type=NS_INFO .* pid=$UPID " "$AUDIT_LOG" && [[ -e $MNT/$RPID ]] && break
    sleep 0.05
  done
}

teardown_file() {
  kill "${UPID:-}" "${RPID:-}" 2>/dev/null || true
  nsproc_teardown_file
  throwaway_user_delete
}

pyid() {
  python3 -c 'import fcntl,struct,os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); print(format(struct.unpack("Q", fcntl.ioctl(fd, 0x8008b70d, bytes(8)))[0], "x"))' "$1"
}

@test "host: mount.sh --host prints where serials come from" {
  run grep '^host ' "$NSPROC_TMP/mount.out"
  assert_equal "$status" 0
  [[ $output == *'serials from the kernel (NS_GET_ID)'* ]]
}

@test "host: a user reads its own process's ns/ (owner uid/gid, links, the kernel's id in user_snum)" {
  assert_equal "$(stat -c %u:%g:%a "$MNT/$UPID/ns")" "$TUID:$TGID:500"
  assert_equal "$(as_user cat "$MNT/$UPID/ns/user_snum")" "$(pyid "/proc/$UPID/ns/user")"
  assert_equal "$(as_user readlink "$MNT/$UPID/ns/user")" "$(readlink "/proc/$UPID/ns/user")"
}

@test "host: a user gets Permission denied for root's process's ns/, and reads its status" {
  run as_user ls "$MNT/$RPID/ns"
  assert_equal "$status:$output" "2:ls: cannot open directory '$MNT/$RPID/ns': Permission denied"
  run as_user cat "$MNT/$RPID/ns/net_snum"
  assert_equal "$status:$output" "1:cat: $MNT/$RPID/ns/net_snum: Permission denied"
  run as_user grep -c '^Pid:' "$MNT/$RPID/status"
  assert_equal "$status:$output" "0:1"
}
