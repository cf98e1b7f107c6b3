#!/usr/bin/env bats
# Permissions as a non-root host user (SPEC §4): the kernel's own checks (allow_other +
# default_permissions) on the modes and owners the tree reports give the result of ptrace
# read access on Linux: a user reads its own tasks' ns/, gets EACCES for anyone else's,
# reads every status, and cannot use nsctl (0600 root). The file creates a throw-away host
# user and always deletes it in teardown_file.

load helpers

setup_file() {
  throwaway_user_create nsproc-t
  nsproc_mount
  # The user's task, and a child it made (both uid TUID).
  UTASK=$("$NSCTL_BIN" clone 1 net)
  "$NSCTL_BIN" setcred "$UTASK" uid="$TUID" gid="$TGID" >/dev/null
  UCHILD=$("$NSCTL_BIN" clone "$UTASK" 0)
  export UTASK UCHILD
}

teardown_file() {
  nsproc_teardown_file
  throwaway_user_delete
}

@test "permissions: the host user reads its own task's ns/ (ls, readlink, stat -L, *_snum)" {
  run as_user ls "$MNT/$UTASK/ns"
  assert_equal "$status" 0
  assert_equal "${lines[*]}" "ipc ipc_snum mnt mnt_snum net net_snum pid pid_snum user user_snum uts uts_snum"
  assert_equal "$(as_user cat "$MNT/$UTASK/ns/net_snum")" "$(snum "$UTASK" net)"
  assert_equal "$(as_user readlink "$MNT/$UTASK/ns/net")" "$(readlink "$MNT/$UTASK/ns/net")"
  assert_equal "$(as_user stat -L -c %i "$MNT/$UTASK/ns/net")" "$(inum "$UTASK" net)"
  assert_equal "$(as_user cat "$MNT/$UCHILD/ns/uts_snum")" 2
}

@test "permissions: the host user gets Permission denied for root's tasks' ns/ (ls, readlink, stat -L, cat)" {
  run as_user ls "$MNT/1/ns"
  assert_equal "$status:$output" "2:ls: cannot open directory '$MNT/1/ns': Permission denied"
  run as_user readlink -v "$MNT/1/ns/net"
  assert_equal "$status:$output" "1:readlink: $MNT/1/ns/net: Permission denied"
  run as_user stat -L -c %i "$MNT/1/ns/net"
  assert_equal "$status:$output" "1:stat: cannot statx '$MNT/1/ns/net': Permission denied"
  run as_user cat "$MNT/1/ns/net_snum"
  assert_equal "$status:$output" "1:cat: $MNT/1/ns/net_snum: Permission denied"
  run as_user cat "$MNT/3/ns/mnt_snum"
  assert_equal "$status:$output" "1:cat: $MNT/3/ns/mnt_snum: Permission denied"
}

@test "permissions: the host user reads the status of any task and lists every pid" {
  assert_equal "$(as_user sed -n 's/^Name:\t//p' "$MNT/1/status")" init
  assert_equal "$(as_user sed -n 's/^Uid:\t//p' "$MNT/$UTASK/status")" "$TUID"$'\t'"$TUID"$'\t'"$TUID"$'\t'"$TUID"
  run as_user ls "$MNT"
  assert_contains " ${lines[*]} " " 1 2 3 $UTASK $UCHILD "
}

@test "permissions: the host user cannot write nsctl (bash: Permission denied; nsctl: EACCES)" {
  run as_user bash -c 'echo "exit $2" > "$1"' bash "$MNT/nsctl" "$UCHILD"
  assert_equal "$status:$output" "1:bash: line 1: $MNT/nsctl: Permission denied"
  run --separate-stderr as_user "$NSCTL_BIN" -m "$MNT" exit "$UCHILD"
  assert_equal "$status:$stderr" "1:nsctl: EACCES: cannot open $MNT/nsctl (root only)"
  run as_user cat "$MNT/nsctl"
  assert_equal "$status:$output" "1:cat: $MNT/nsctl: Permission denied"
  [[ -d $MNT/$UCHILD ]]
}

@test "permissions: root reads everything, the user's tasks included; ls -l shows the user as owner" {
  assert_equal "$(snum "$UTASK" net) $(snum 1 net)" "$(snum "$UTASK" net) 7"
  assert_equal "$(stat -c '%A %u:%g' "$MNT/$UTASK/ns" "$MNT/$UTASK/ns/net_snum" "$MNT/$UTASK/status" | tr '\n' ' ')" \
    "dr-x------ $TUID:$TGID -r-------- $TUID:$TGID -r--r--r-- $TUID:$TGID "
  assert_match "$(ls -l "$MNT/$UTASK/ns/net_snum")" "^-r-------- 1 $TUSER users 0 "
}

@test "permissions: setcred to another uid hands the task's ns/ over at once, both ways" {
  local t
  t=$(nsctl clone 1 0)
  run as_user cat "$MNT/$t/ns/ipc_snum"
  assert_equal "$status" 1
  nsctl setcred "$t" uid="$TUID" gid="$TGID" >/dev/null
  assert_equal "$(as_user cat "$MNT/$t/ns/ipc_snum")" 1
  nsctl setcred "$t" uid=0 gid=0 >/dev/null
  run as_user cat "$MNT/$t/ns/ipc_snum"
  assert_equal "$status:$output" "1:cat: $MNT/$t/ns/ipc_snum: Permission denied"
}

@test "permissions: a task of another non-root uid is just as closed to the host user" {
  local t
  t=$(nsctl clone 1 0)
  nsctl setcred "$t" uid=$((TUID + 1)) gid="$TGID" >/dev/null
  run as_user readlink -v "$MNT/$t/ns/uts"
  assert_equal "$status:$output" "1:readlink: $MNT/$t/ns/uts: Permission denied"
}
