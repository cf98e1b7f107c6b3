#!/usr/bin/env bats
# unshare (SPEC §3): the actor itself moves into new namespaces; pid only for its children.

load helpers

setup_file() { nsproc_mount --clock "fixed:$SEED_CLONE_TIME"; }
teardown_file() { nsproc_teardown_file; }

@test "unshare uts: the task moves to a new uts namespace, its parent stays; INIT_UTS names the actor" {
  local c s
  c=$(nsctl clone 1 0)
  log_mark
  assert_equal "$(nsctl unshare "$c" uts)" ok
  s=$(snum "$c" uts)
  [[ $s != 2 ]]
  assert_equal "$(snum 1 uts)" 2
  [[ $(readlink "$MNT/$c/ns/uts") != "uts:[$PROC_UTS_INIT_INO]" ]]
  assert_new_records <<EOF
type=AUDIT_NS_INIT_UTS msg=audit(+1): pid=$c $INIT_SUBJ old_utsns=2 utsns=$s res=1
type=NS_INFO msg=audit(+2): pid=$c netns=7 utsns=$s ipcns=1 pidns=4 userns=3 mntns=5
EOF
}

@test "unshare uts by the last task in its uts namespace: INIT of the new one, DEL of the old one, then NS_INFO" {
  local c old new
  c=$(nsctl clone 1 uts)
  old=$(snum "$c" uts)
  log_mark
  nsctl unshare "$c" uts >/dev/null
  new=$(snum "$c" uts)
  assert_new_records <<EOF
type=AUDIT_NS_INIT_UTS msg=audit(+1): pid=$c $INIT_SUBJ old_utsns=$old utsns=$new res=1
type=AUDIT_NS_DEL_UTS msg=audit(+2): pid=$c $INIT_SUBJ utsns=$old res=1
type=NS_INFO msg=audit(+3): pid=$c netns=7 utsns=$new ipcns=1 pidns=4 userns=3 mntns=5
EOF
}

@test "unshare pid (v5): the task's pid link and pid_snum stay; its next child is pid 1 in the new pid namespace" {
  local c p g
  c=$(nsctl clone 1 0)
  log_mark
  nsctl unshare "$c" pid >/dev/null
  assert_equal "$(snum "$c" pid)" 4
  assert_equal "$(readlink "$MNT/$c/ns/pid")" "pid:[$PROC_PID_INIT_INO]"
  g=$(nsctl clone "$c" 0)
  p=$(snum "$g" pid)
  assert_equal "$(status_field "$g" NSpid)" "$g"$'\t'1
  assert_new_records <<EOF
type=AUDIT_NS_INIT_PID msg=audit(+1): pid=$c $INIT_SUBJ old_pidns=4 pidns=$p res=1
type=NS_INFO msg=audit(+2): pid=$c netns=7 utsns=2 ipcns=1 pidns=4 userns=3 mntns=5
EOF
}

@test "unshare pid twice: EINVAL, as copy_pid_ns() refuses a second one before a child is made" {
  local c
  c=$(nsctl clone 1 0)
  nsctl unshare "$c" pid >/dev/null
  assert_nsctl_error EINVAL "pid $c already unshared a pid namespace for its children (pid_for_children is not its own)" unshare "$c" pid
  assert_nsctl_error EINVAL "pid $c already unshared a pid namespace for its children (pid_for_children is not its own)" clone "$c" pid
}

@test "unshare user by an unprivileged task: new user namespace, every capability in it" {
  local c u
  c=$(nsctl clone 1 0)
  nsctl setcred "$c" uid=1000 gid=1000 >/dev/null
  log_mark
  nsctl unshare "$c" user >/dev/null
  u=$(snum "$c" user)
  assert_equal "$(status_field "$c" CapEff)" 0000003fffffffff
  assert_new_records <<EOF
type=AUDIT_NS_INIT_USER msg=audit(+1): pid=$c uid=1000 auid=4294967295 ses=4294967295 subj=kernel old_userns=3 userns=$u res=1
type=NS_INFO msg=audit(+2): pid=$c netns=7 utsns=2 ipcns=1 pidns=4 userns=$u mntns=5
EOF
  # Now it may unshare the rest inside its own user namespace.
  assert_equal "$(nsctl unshare "$c" net,mnt)" ok
}

@test "unshare 0: nothing changes and nothing is logged" {
  local c
  c=$(nsctl clone 1 0)
  log_mark
  assert_equal "$(nsctl unshare "$c" 0)" ok
  assert_new_records </dev/null
}

@test "unshare net by a task without CAP_SYS_ADMIN: EPERM, the task stays where it was" {
  local c
  c=$(nsctl clone 1 0)
  nsctl setcred "$c" uid=1000 >/dev/null
  log_mark
  assert_nsctl_error EPERM "pid $c lacks CAP_SYS_ADMIN in its user namespace to create net namespaces" unshare "$c" net
  assert_equal "$(snum "$c" net)" 7
  assert_new_records </dev/null
}
