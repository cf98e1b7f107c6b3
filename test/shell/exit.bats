#!/usr/bin/env bats
# exit (SPEC §3): tasks go, namespaces with no reference left are freed, orphans are reparented.

load helpers

setup_file() { nsproc_mount --clock "fixed:$SEED_CLONE_TIME"; }
teardown_file() { nsproc_teardown_file; }

@test "exit: the task's directory is gone (ls, cat status: No such file or directory)" {
  local c
  c=$(nsctl clone 1 0)
  assert_equal "$(nsctl exit "$c")" ok
  run cat "$MNT/$c/status"
  assert_equal "$output" "cat: $MNT/$c/status: No such file or directory"
  run ls "$MNT"
  [[ " ${lines[*]} " != *" $c "* ]]
}

@test "exit: a status or *_snum file opened before is read as ESRCH, as on Linux (cat's fstat still answers)" {
  local c
  c=$(nsctl clone 1 0)
  exec 5<"$MNT/$c/status" 6<"$MNT/$c/ns/net_snum"
  nsctl exit "$c" >/dev/null
  run cat <&5
  assert_equal "$output" "cat: -: No such process"
  run cat <&6
  assert_equal "$output" "cat: -: No such process"
  exec 5<&- 6<&-
}

@test "exit: getdents(2) on a task's directory opened before gives ENOENT, as on Linux" {
  command -v python3 >/dev/null || skip "python3 makes the raw getdents64 call"
  local c
  c=$(nsctl clone 1 0)
  exec 7<"$MNT/$c/ns"
  nsctl exit "$c" >/dev/null
  # The directory's own open file (glibc's readdir() would take ENOENT as the end of the listing).
  run python3 -c 'import ctypes, os; n = ctypes.CDLL(None, use_errno=True).syscall(217, 7, ctypes.create_string_buffer(4096), 4096); print(n, os.strerror(ctypes.get_errno()))'
  exec 7<&-
  assert_equal "$output" "-1 No such file or directory"
}

@test "exit of the last task in net,mnt: DEL_MNT then DEL_NET, each naming the exiting task (the seed's DEL)" {
  local c m n
  c=$(nsctl clone 1 net,mnt)
  m=$(snum "$c" mnt) n=$(snum "$c" net)
  log_mark
  nsctl exit "$c" >/dev/null
  assert_new_records <<EOF
type=AUDIT_NS_DEL_MNT msg=audit(+1): pid=$c $INIT_SUBJ mntns=$m res=1
type=AUDIT_NS_DEL_NET msg=audit(+2): pid=$c $INIT_SUBJ netns=$n res=1
EOF
}

@test "exit of the last task in all six: DEL in exit order mnt uts ipc net pid, then user" {
  local c u m s i p n
  c=$(nsctl clone 1 net,uts,ipc,pid,user,mnt)
  u=$(snum "$c" user) m=$(snum "$c" mnt) s=$(snum "$c" uts) i=$(snum "$c" ipc) p=$(snum "$c" pid) n=$(snum "$c" net)
  log_mark
  nsctl exit "$c" >/dev/null
  assert_new_records <<EOF
type=AUDIT_NS_DEL_MNT msg=audit(+1): pid=$c $INIT_SUBJ mntns=$m res=1
type=AUDIT_NS_DEL_UTS msg=audit(+2): pid=$c $INIT_SUBJ utsns=$s res=1
type=AUDIT_NS_DEL_IPC msg=audit(+3): pid=$c $INIT_SUBJ ipcns=$i res=1
type=AUDIT_NS_DEL_NET msg=audit(+4): pid=$c $INIT_SUBJ netns=$n res=1
type=AUDIT_NS_DEL_PID msg=audit(+5): pid=$c $INIT_SUBJ pidns=$p res=1
type=AUDIT_NS_DEL_USER msg=audit(+6): pid=$c $INIT_SUBJ userns=$u res=1
EOF
}

@test "exit of one of two tasks in a namespace: no DEL record" {
  local a b
  a=$(nsctl clone 1 net)
  b=$(nsctl clone "$a" 0)
  log_mark
  nsctl exit "$a" >/dev/null
  assert_new_records </dev/null
  [[ $(snum "$b" net) != 7 ]]
}

@test "exit: children are reparented to the init of the pid namespace (PPid 1)" {
  local p c
  p=$(nsctl clone 1 0)
  c=$(nsctl clone "$p" 0)
  assert_equal "$(status_field "$c" PPid)" "$p"
  nsctl exit "$p" >/dev/null
  assert_equal "$(status_field "$c" PPid)" 1
}

@test "exit: orphans in a child pid namespace go to that namespace's init" {
  local i p c
  i=$(nsctl clone 1 pid)
  p=$(nsctl clone "$i" 0)
  c=$(nsctl clone "$p" 0)
  nsctl exit "$p" >/dev/null
  assert_equal "$(status_field "$c" PPid)" "$i"
}

@test "exit of pid 1 of a child pid namespace kills every task in it; creating a task there then fails with ENOMEM" {
  local i a b k
  i=$(nsctl clone 1 pid)
  a=$(nsctl clone "$i" 0)
  b=$(nsctl clone "$a" 0)
  k=$(nsctl clone 1 0)
  nsctl setns "$k" "$i" pid >/dev/null
  nsctl exit "$i" >/dev/null
  [[ ! -e $MNT/$a && ! -e $MNT/$b ]]
  assert_nsctl_error ENOMEM "the pid namespace for pid $k's children has no init any more (its pid 1 exited)" clone "$k" 0
  assert_echo_error "Cannot allocate memory" "clone $k 0"
}

@test "exit of a pid namespace's init with a child: the child's DEL_NET, then DEL_PID naming the init (reaped last)" {
  local i c p n
  i=$(nsctl clone 1 pid,net)
  c=$(nsctl clone "$i" 0)
  p=$(snum "$i" pid) n=$(snum "$i" net)
  log_mark
  nsctl exit "$i" >/dev/null
  assert_new_records <<EOF
type=AUDIT_NS_DEL_NET msg=audit(+1): pid=$c $INIT_SUBJ netns=$n res=1
type=AUDIT_NS_DEL_PID msg=audit(+2): pid=$i $INIT_SUBJ pidns=$p res=1
EOF
}

@test "exit: a freed namespace's inode number goes to the next new namespace, its serial never" {
  local a b ino s
  a=$(nsctl clone 1 ipc)
  ino=$(inum "$a" ipc) s=$(snum "$a" ipc)
  nsctl exit "$a" >/dev/null
  b=$(nsctl clone 1 ipc)
  assert_equal "$(inum "$b" ipc)" "$ino" "inode number of the next ipc namespace"
  assert_equal "$(stat -L -c %i "$MNT/$b/ns/ipc")" "$ino"
  (( 16#$(snum "$b" ipc) > 16#$s ))
}

@test "exit pid 1: EPERM (Linux would panic); exit of a kernel thread: EPERM" {
  assert_nsctl_error EPERM "pid 1 of the initial pid namespace cannot exit (Linux would panic)" exit 1
  assert_nsctl_error EPERM "pid 2 is a kernel thread (kthreadd), which does not exit on request" exit 2
  assert_nsctl_error EPERM "pid 3 is a kernel thread (kdevtmpfs), which does not exit on request" exit 3
}

@test "exit twice: ESRCH the second time" {
  local c
  c=$(nsctl clone 1 0)
  nsctl exit "$c" >/dev/null
  assert_nsctl_error ESRCH "no task with pid $c" exit "$c"
}
