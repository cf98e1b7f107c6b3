#!/usr/bin/env bats
# pin / unpin (SPEC §3): a reference that keeps a namespace alive with no task in it, as
# an open ns file or a bind mount does on Linux.

load helpers

setup_file() { nsproc_mount --clock "fixed:$SEED_CLONE_TIME"; }
teardown_file() { nsproc_teardown_file; }

@test "pin keeps a net namespace alive after its last task exits: no DEL until unpin" {
  local c p n
  c=$(nsctl clone 1 net)
  n=$(snum "$c" net)
  p=$(nsctl pin "$c" net)
  assert_match "$p" '^pin:[0-9]+$'
  log_mark
  nsctl exit "$c" >/dev/null
  assert_new_records </dev/null
  [[ ! -e $MNT/$c ]]
  log_mark
  assert_equal "$(nsctl unpin "$p")" ok
  # The DEL record names the task that pinned it, as the seed's DEL names the last user.
  assert_new_records <<EOF
type=AUDIT_NS_DEL_NET msg=audit(+1): pid=$c $INIT_SUBJ netns=$n res=1
EOF
}

@test "pin: a task can join a pinned namespace that has no task, with TYPE 0 or its own type" {
  local c p n a b
  c=$(nsctl clone 1 uts)
  n=$(snum "$c" uts)
  p=$(nsctl pin "$c" uts)
  nsctl exit "$c" >/dev/null
  a=$(nsctl clone 1 0)
  b=$(nsctl clone 1 0)
  nsctl setns "$a" "$p" 0 >/dev/null
  nsctl setns "$b" "$p" uts >/dev/null
  assert_equal "$(snum "$a" uts) $(snum "$b" uts)" "$n $n"
  # The pin is not the last reference any more: unpin frees nothing.
  log_mark
  nsctl unpin "$p" >/dev/null
  assert_new_records </dev/null
  nsctl exit "$a" >/dev/null
  log_mark
  nsctl exit "$b" >/dev/null
  assert_new_records <<EOF
type=AUDIT_NS_DEL_UTS msg=audit(+1): pid=$b $INIT_SUBJ utsns=$n res=1
EOF
}

@test "pin ids count up and are never reused; unpin twice: EBADF" {
  local a b
  a=$(nsctl pin 1 net)
  nsctl unpin "$a" >/dev/null
  b=$(nsctl pin 1 net)
  assert_equal "${b#pin:}" "$(( ${a#pin:} + 1 ))"
  nsctl unpin "$b" >/dev/null
  assert_nsctl_error EBADF "no pin with id ${b#pin:}" unpin "$b"
  assert_nsctl_error EBADF "no pin with id ${b#pin:}" setns 1 "$b" 0
  assert_echo_error "Bad file descriptor" "unpin $b"
}

@test "pin pid_for_children keeps an unshared pid namespace alive" {
  local c p n
  c=$(nsctl clone 1 0)
  nsctl unshare "$c" pid >/dev/null
  p=$(nsctl pin "$c" pid_for_children)
  n=$(tail -n 2 "$AUDIT_LOG" | sed -n 's/^type=AUDIT_NS_INIT_PID .* pidns=\([0-9a-f]*\) res=1$/\1/p')
  log_mark
  nsctl exit "$c" >/dev/null
  assert_new_records </dev/null
  nsctl unpin "$p" >/dev/null
  assert_new_records <<EOF
type=AUDIT_NS_DEL_PID msg=audit(+1): pid=$c $INIT_SUBJ pidns=$n res=1
EOF
}

@test "pin: a pinned user namespace keeps its owner alive; unpin frees both, child first" {
  local c u n p
  c=$(nsctl clone 1 user)
  u=$(snum "$c" user)
  nsctl unshare "$c" net >/dev/null
  n=$(snum "$c" net)
  p=$(nsctl pin "$c" net)
  nsctl exit "$c" >/dev/null
  log_mark
  nsctl unpin "$p" >/dev/null
  assert_new_records <<EOF
type=AUDIT_NS_DEL_NET msg=audit(+1): pid=$c $INIT_SUBJ netns=$n res=1
type=AUDIT_NS_DEL_USER msg=audit(+2): pid=$c $INIT_SUBJ userns=$u res=1
EOF
}

@test "pin with TYPE 0: EINVAL; pin of a task that does not exist: ESRCH" {
  assert_nsctl_error EINVAL "pin needs a TYPE, not 0" pin 1 0
  assert_nsctl_error ESRCH "no actor with pid 99999" pin 99999 net
}
