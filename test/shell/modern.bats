#!/usr/bin/env bats
# Profile modern (SPEC §1): cgroup and time namespaces, pid_for_children and
# time_for_children entries, fixed initial inode numbers for every type, ENOSPC nesting.

load helpers

setup_file() { nsproc_mount --profile modern --clock "fixed:$SEED_CLONE_TIME"; }
teardown_file() { nsproc_teardown_file; }

@test "boot modern: ns/ lists ten links (with pid_for_children, time_for_children) and eight *_snum files" {
  assert_equal "$(ls -f "$MNT/1/ns" | tr '\n' ' ')" \
    ". .. net uts ipc pid pid_for_children user mnt cgroup time time_for_children net_snum uts_snum ipc_snum pid_snum user_snum mnt_snum cgroup_snum time_snum "
  [[ ! -e $MNT/1/ns/pid_for_children_snum ]]
}

@test "boot modern: every initial namespace has its fixed PROC_*_INIT_INO inode number" {
  local got= e
  for e in net uts ipc pid pid_for_children user mnt cgroup time time_for_children; do got+="$(readlink "$MNT/1/ns/$e") "; done
  assert_equal "$got" "net:[$PROC_NET_INIT_INO_MODERN] uts:[$PROC_UTS_INIT_INO] ipc:[$PROC_IPC_INIT_INO] pid:[$PROC_PID_INIT_INO] pid:[$PROC_PID_INIT_INO] user:[$PROC_USER_INIT_INO] mnt:[$PROC_MNT_INIT_INO_MODERN] cgroup:[$PROC_CGROUP_INIT_INO] time:[$PROC_TIME_INIT_INO] time:[$PROC_TIME_INIT_INO] "
  assert_equal "$(stat -L -c %i "$MNT/1/ns/cgroup") $(stat -L -c %i "$MNT/1/ns/time_for_children")" "$PROC_CGROUP_INIT_INO $PROC_TIME_INIT_INO"
  # kdevtmpfs's private mount namespace still comes from the dynamic allocator.
  assert_equal "$(readlink "$MNT/3/ns/mnt")" "mnt:[$PROC_DYNAMIC_FIRST]"
}

@test "boot modern: serials ipc=1 uts=2 user=3 pid=4 mnt=5 net=7 cgroup=8 time=9, and eight AUDIT_NS_INIT records" {
  local t got=
  for t in ipc uts user pid mnt net cgroup time; do got+="$t=$(snum 1 "$t") "; done
  assert_equal "$got" "ipc=1 uts=2 user=3 pid=4 mnt=5 net=7 cgroup=8 time=9 "
  assert_equal "$(head -n 8 "$AUDIT_LOG" | sed 's/ msg=audit([^)]*)://' | cut -d' ' -f1,7-)" "\
type=AUDIT_NS_INIT_UTS old_utsns=0 utsns=2 res=1
type=AUDIT_NS_INIT_USER old_userns=0 userns=3 res=1
type=AUDIT_NS_INIT_PID old_pidns=0 pidns=4 res=1
type=AUDIT_NS_INIT_MNT old_mntns=0 mntns=5 res=1
type=AUDIT_NS_INIT_IPC old_ipcns=0 ipcns=1 res=1
type=AUDIT_NS_INIT_NET old_netns=0 netns=7 res=1
type=AUDIT_NS_INIT_CGROUP old_cgroupns=0 cgroupns=8 res=1
type=AUDIT_NS_INIT_TIME old_timens=0 timens=9 res=1"
  assert_equal "$(sed -n 's/.*msg=audit([0-9.]*:\([0-9]*\)).*/\1/p' "$AUDIT_LOG" | head -n 8 | tr '\n' ' ')" "5 6 7 8 9 10 11 12 "
}

@test "clone all modern flags: creation order user mnt uts ipc pid cgroup net time; NS_INFO ends with cgroupns timens" {
  log_mark
  local c
  c=$(nsctl clone 1 user,mnt,uts,ipc,pid,cgroup,net,time)
  assert_equal "$(new_records | cut -d' ' -f1 | tr '\n' ' ')" \
    "type=AUDIT_NS_INIT_USER type=AUDIT_NS_INIT_MNT type=AUDIT_NS_INIT_UTS type=AUDIT_NS_INIT_IPC type=AUDIT_NS_INIT_PID type=AUDIT_NS_INIT_CGROUP type=AUDIT_NS_INIT_NET type=AUDIT_NS_INIT_TIME type=NS_INFO "
  assert_equal "$(new_records | tail -n 1)" \
    "type=NS_INFO msg=audit(+9): pid=$c netns=$(snum "$c" net) utsns=$(snum "$c" uts) ipcns=$(snum "$c" ipc) pidns=$(snum "$c" pid) userns=$(snum "$c" user) mntns=$(snum "$c" mnt) cgroupns=$(snum "$c" cgroup) timens=$(snum "$c" time)"
  # The new task runs in its new pid and time namespaces, which it also passes on.
  assert_equal "$(readlink "$MNT/$c/ns/pid_for_children")" "$(readlink "$MNT/$c/ns/pid")"
  assert_equal "$(readlink "$MNT/$c/ns/time_for_children")" "$(readlink "$MNT/$c/ns/time")"
}

@test "unshare pid (modern): pid_for_children changes, pid does not" {
  local c
  c=$(nsctl clone 1 0)
  nsctl unshare "$c" pid >/dev/null
  assert_equal "$(readlink "$MNT/$c/ns/pid")" "pid:[$PROC_PID_INIT_INO]"
  [[ $(readlink "$MNT/$c/ns/pid_for_children") != "pid:[$PROC_PID_INIT_INO]" ]]
  assert_equal "$(snum "$c" pid)" 4
  local g
  g=$(nsctl clone "$c" 0)
  assert_equal "$(readlink "$MNT/$g/ns/pid")" "$(readlink "$MNT/$c/ns/pid_for_children")"
}

@test "unshare time (modern): time_for_children changes, time does not; the child runs in the new one" {
  local c g
  c=$(nsctl clone 1 0)
  log_mark
  nsctl unshare "$c" time >/dev/null
  assert_equal "$(readlink "$MNT/$c/ns/time")" "time:[$PROC_TIME_INIT_INO]"
  assert_equal "$(snum "$c" time)" 9
  g=$(nsctl clone "$c" 0)
  assert_equal "$(readlink "$MNT/$g/ns/time")" "$(readlink "$MNT/$c/ns/time_for_children")"
  assert_equal "$(new_records | head -n 1)" "type=AUDIT_NS_INIT_TIME msg=audit(+1): pid=$c $INIT_SUBJ old_timens=9 timens=$(snum "$g" time) res=1"
}

@test "setns time (modern): time and time_for_children both change" {
  local a b
  a=$(nsctl clone 1 time)
  b=$(nsctl clone 1 0)
  nsctl setns "$b" "$a" time >/dev/null
  assert_equal "$(readlink "$MNT/$b/ns/time") $(readlink "$MNT/$b/ns/time_for_children")" \
    "$(readlink "$MNT/$a/ns/time") $(readlink "$MNT/$a/ns/time")"
}

@test "unshare cgroup (modern): the task moves to a new cgroup namespace" {
  local c
  c=$(nsctl clone 1 0)
  nsctl unshare "$c" CLONE_NEWCGROUP >/dev/null
  [[ $(snum "$c" cgroup) != 8 ]]
  (( $(stat -L -c %i "$MNT/$c/ns/cgroup") >= PROC_DYNAMIC_FIRST ))
}

@test "nesting (modern): user level 34 and pid level 33 fail with ENOSPC (No space left on device)" {
  local p=1 i
  for ((i = 1; i <= 33; i++)); do p=$(nsctl clone "$p" user); done
  assert_nsctl_error ENOSPC "a new user namespace would be at level 34, past the limit of 33" clone "$p" user
  assert_echo_error "No space left on device" "clone $p user"
  p=1
  for ((i = 1; i <= 32; i++)); do p=$(nsctl clone "$p" pid); done
  assert_nsctl_error ENOSPC "a new pid namespace would be at level 33, past the limit of 32" clone "$p" pid
}
