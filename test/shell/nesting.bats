#!/usr/bin/env bats
# Nesting limits (SPEC §3), profile v5: 33 user namespace levels below the initial one,
# 32 pid namespace levels; deeper fails with the 3.17 kernel's errno (EUSERS for user,
# EINVAL for pid) and creates nothing. (Profile modern: ENOSPC, in modern.bats.)

load helpers

setup_file() { nsproc_mount --clock "fixed:$SEED_CLONE_TIME"; }
teardown_file() { nsproc_teardown_file; }

# nest FLAG N: clones a chain of N tasks from pid 1, each with FLAG; prints the last pid.
nest() {
  local flag=$1 n=$2 p=1 i
  for ((i = 1; i <= n; i++)); do p=$(nsctl clone "$p" "$flag") || return 1; done
  echo "$p"
}

@test "nesting user (v5): 33 levels below the initial user namespace, the 34th clone fails with EUSERS" {
  local deepest
  deepest=$(nest user 33)
  log_mark
  assert_nsctl_error EUSERS "a new user namespace would be at level 34, past the limit of 33" clone "$deepest" user
  assert_echo_error "Too many users" "clone $deepest user"
  assert_nsctl_error EUSERS "a new user namespace would be at level 34, past the limit of 33" unshare "$deepest" user
  assert_new_records </dev/null
  # The levels below still take new namespaces of other types.
  assert_match "$(nsctl clone "$deepest" net)" '^[0-9]+$'
}

@test "nesting pid (v5): 32 levels, the 33rd fails with EINVAL; the deepest task has 33 pid numbers, the last 1" {
  local deepest nspid
  deepest=$(nest pid 32)
  nspid=$(status_field "$deepest" NSpid)
  assert_equal "$(wc -w <<<"$nspid")" 33 "numbers in NSpid"
  assert_equal "${nspid##*$'\t'}" 1
  assert_equal "${nspid%%$'\t'*}" "$deepest"
  log_mark
  assert_nsctl_error EINVAL "a new pid namespace would be at level 33, past the limit of 32" clone "$deepest" pid
  assert_echo_error "Invalid argument" "clone $deepest pid"
  assert_nsctl_error EINVAL "a new pid namespace would be at level 33, past the limit of 32" unshare "$deepest" pid
  assert_new_records </dev/null
  # Tasks are still created at the deepest level: the next one is pid 2 there.
  assert_equal "$(status_field "$(nsctl clone "$deepest" 0)" NSpid | awk '{ print $NF }')" 2
}

@test "nesting: a refused user,net clone at the limit creates neither namespace (the next serial is unused)" {
  local deepest a b
  deepest=$(nest user 33)
  a=$(nsctl clone 1 uts)
  assert_nsctl_error EUSERS "a new user namespace would be at level 34, past the limit of 33" clone "$deepest" user,net
  b=$(nsctl clone 1 uts)
  assert_equal "$((16#$(snum "$b" uts)))" "$((16#$(snum "$a" uts) + 1))"
}
