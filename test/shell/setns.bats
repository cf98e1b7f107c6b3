#!/usr/bin/env bats
# setns (SPEC §3): joining a namespace named by a task's ns/ entry or by a pin.

load helpers

setup_file() { nsproc_mount --clock "fixed:$SEED_CLONE_TIME"; }
teardown_file() { nsproc_teardown_file; }

@test "setns net: the task joins the target's net namespace (readlink, stat -L, net_snum equal), NS_INFO follows" {
  local a b n
  a=$(nsctl clone 1 net)
  b=$(nsctl clone 1 0)
  n=$(snum "$a" net)
  log_mark
  assert_equal "$(nsctl setns "$b" "$a" net)" ok
  assert_equal "$(readlink "$MNT/$b/ns/net")" "$(readlink "$MNT/$a/ns/net")"
  assert_equal "$(stat -L -c %i "$MNT/$b/ns/net")" "$(stat -L -c %i "$MNT/$a/ns/net")"
  assert_equal "$(snum "$b" net)" "$n"
  assert_new_records <<EOF
type=NS_INFO msg=audit(+1): pid=$b netns=$n utsns=2 ipcns=1 pidns=4 userns=3 mntns=5
EOF
}

@test "setns: leaving a namespace as its last task frees it (DEL before NS_INFO)" {
  local a old
  a=$(nsctl clone 1 uts)
  old=$(snum "$a" uts)
  log_mark
  nsctl setns "$a" 1 uts >/dev/null
  assert_new_records <<EOF
type=AUDIT_NS_DEL_UTS msg=audit(+1): pid=$a $INIT_SUBJ utsns=$old res=1
type=NS_INFO msg=audit(+2): pid=$a netns=7 utsns=2 ipcns=1 pidns=4 userns=3 mntns=5
EOF
}

@test "setns into the namespace it is already in: ok, and nothing is logged" {
  local a
  a=$(nsctl clone 1 0)
  log_mark
  assert_equal "$(nsctl setns "$a" 1 net)" ok
  assert_new_records </dev/null
}

@test "setns TYPE accepts a name, a CLONE_NEW* name and a one-bit hex flag" {
  local a b
  a=$(nsctl clone 1 ipc,uts,mnt)
  b=$(nsctl clone 1 0)
  printf 'setns %s %s ipc\nsetns %s %s CLONE_NEWUTS\nsetns %s %s 0x00020000\n' "$b" "$a" "$b" "$a" "$b" "$a" | nsctl - >/dev/null
  assert_equal "$(snum "$b" ipc) $(snum "$b" uts) $(snum "$b" mnt)" "$(snum "$a" ipc) $(snum "$a" uts) $(snum "$a" mnt)"
}

@test "setns pid: only pid_for_children changes; the next child is in the target pid namespace" {
  local i a g
  i=$(nsctl clone 1 pid)
  a=$(nsctl clone 1 0)
  log_mark
  nsctl setns "$a" "$i" pid >/dev/null
  assert_equal "$(snum "$a" pid)" 4
  g=$(nsctl clone "$a" 0)
  assert_equal "$(snum "$g" pid)" "$(snum "$i" pid)"
  assert_equal "$(status_field "$g" NSpid)" "$g"$'\t'2
  assert_new_records <<EOF
type=NS_INFO msg=audit(+1): pid=$a netns=7 utsns=2 ipcns=1 pidns=4 userns=3 mntns=5
EOF
}

@test "setns pid into an ancestor pid namespace: EINVAL" {
  local i
  i=$(nsctl clone 1 pid)
  assert_nsctl_error EINVAL "the target pid namespace is neither pid $i's own nor a descendant of it" setns "$i" 1 pid
}

@test "setns user into the caller's own user namespace: EINVAL" {
  local a
  a=$(nsctl clone 1 0)
  assert_nsctl_error EINVAL "pid $a is already in that user namespace" setns "$a" 1 user
}

@test "setns user: the task joins a child user namespace and gets every capability there" {
  local u a
  u=$(nsctl clone 1 user)
  a=$(nsctl clone 1 0)
  nsctl setns "$a" "$u" user >/dev/null
  assert_equal "$(snum "$a" user)" "$(snum "$u" user)"
  assert_equal "$(status_field "$a" CapEff)" 0000003fffffffff
}

@test "setns with TYPE not matching the pinned namespace: EINVAL" {
  local a p
  a=$(nsctl clone 1 net)
  p=$(nsctl pin "$a" net)
  assert_nsctl_error EINVAL "the target is a net namespace, not uts" setns "$a" "$p" uts
  nsctl unpin "$p" >/dev/null
}

@test "setns with a pid TARGET and TYPE 0: EINVAL (0 is for pin targets)" {
  assert_nsctl_error EINVAL "setns with a pid TARGET needs a TYPE (0 is only for pin targets)" setns 1 1 0
}

@test "setns by a task without CAP_SYS_ADMIN: EPERM" {
  local a u
  a=$(nsctl clone 1 net)
  u=$(nsctl clone 1 0)
  nsctl setcred "$u" caps=none >/dev/null
  assert_nsctl_error EPERM "pid $u lacks CAP_SYS_ADMIN in the net namespace's owning user namespace or in its own" setns "$u" "$a" net
}

@test "setns mnt with CAP_SYS_ADMIN but without CAP_SYS_CHROOT: EPERM" {
  local a u
  a=$(nsctl clone 1 mnt)
  u=$(nsctl clone 1 0)
  nsctl setcred "$u" caps=sys_admin >/dev/null
  assert_nsctl_error EPERM "pid $u lacks CAP_SYS_CHROOT in its own user namespace" setns "$u" "$a" mnt
  assert_equal "$(nsctl setns "$u" "$a" uts)" ok
}

@test "setns to another user's task: EACCES (no ptrace read access to open its ns/ entry)" {
  local a u
  a=$(nsctl clone 1 net)
  u=$(nsctl clone 1 0)
  nsctl setcred "$u" uid=1000 gid=1000 >/dev/null
  assert_nsctl_error EACCES "pid $u may not open /proc/$a/ns/net: another user's task and no CAP_SYS_PTRACE over it" setns "$u" "$a" net
}
