#!/usr/bin/env bats
# clone (SPEC §3): new tasks in new namespaces, as seen in the tree and in the audit log.
# One mount for the file: every test names the pids that its own clones print.

load helpers

setup_file() { nsproc_mount --clock "fixed:$SEED_CLONE_TIME"; }
teardown_file() { nsproc_teardown_file; }

@test "clone net,mnt: mnt is created before net, then NS_INFO names the child" {
  log_mark
  local c m n
  c=$(nsctl clone 1 net,mnt)
  m=$(snum "$c" mnt) n=$(snum "$c" net)
  assert_equal "$((16#$n))" "$((16#$m + 1))" "net serial (one after mnt)"
  assert_new_records <<EOF
type=AUDIT_NS_INIT_MNT msg=audit(+1): pid=1 $INIT_SUBJ old_mntns=5 mntns=$m res=1
type=AUDIT_NS_INIT_NET msg=audit(+2): pid=1 $INIT_SUBJ old_netns=7 netns=$n res=1
type=NS_INFO msg=audit(+3): pid=$c netns=$n utsns=2 ipcns=1 pidns=4 userns=3 mntns=$m
EOF
}

@test "clone net,mnt: the records carry the --clock fixed: time and consecutive audit serials" {
  local before
  before=$(last_audit_serial)
  nsctl clone 1 net,mnt >/dev/null
  assert_equal "$(tail -n 3 "$AUDIT_LOG" | grep -o 'msg=audit([^)]*)' | tr '\n' ' ')" \
    "msg=audit($SEED_CLONE_TIME:$((before + 1))) msg=audit($SEED_CLONE_TIME:$((before + 2))) msg=audit($SEED_CLONE_TIME:$((before + 3))) "
}

@test "clone net,mnt: the child's links, snums and stat -L show new net and mnt, the rest shared with its parent" {
  local c t
  c=$(nsctl clone 1 net,mnt)
  for t in net mnt; do
    [[ $(snum "$c" "$t") != "$(snum 1 "$t")" ]]
    [[ $(readlink "$MNT/$c/ns/$t") != "$(readlink "$MNT/1/ns/$t")" ]]
    assert_equal "$(stat -L -c %i "$MNT/$c/ns/$t")" "$(inum "$c" "$t")" "stat -L $c/ns/$t"
    (( $(inum "$c" "$t") >= PROC_DYNAMIC_FIRST ))
  done
  for t in uts ipc pid user; do
    assert_equal "$(snum "$c" "$t")" "$(snum 1 "$t")" "$t serial"
    assert_equal "$(readlink "$MNT/$c/ns/$t")" "$(readlink "$MNT/1/ns/$t")" "$t link"
  done
  assert_equal "$(status_field "$c" PPid)" 1
  assert_match "$(ls -l "$MNT/$c/ns/net")" "^lrwxrwxrwx 1 root root 0 .* $MNT/$c/ns/net -> net:\[$(inum "$c" net)\]$"
}

@test "clone: CLONE_NEWNET|CLONE_NEWNS, 0x40020000 and net,mnt are the same flags" {
  local spec c
  for spec in 'CLONE_NEWNET|CLONE_NEWNS' 0x40020000 mnt,net; do
    log_mark
    c=$(nsctl clone 1 "$spec")
    assert_equal "$(new_records | cut -d' ' -f1 | tr '\n' ' ')" "type=AUDIT_NS_INIT_MNT type=AUDIT_NS_INIT_NET type=NS_INFO " "records of clone 1 $spec"
  done
}

@test "clone 0: a child in all its parent's namespaces, and no audit record" {
  log_mark
  local c t
  c=$(nsctl clone 1 0)
  for t in net uts ipc pid user mnt; do assert_equal "$(readlink "$MNT/$c/ns/$t")" "$(readlink "$MNT/1/ns/$t")"; done
  assert_new_records </dev/null
}

@test "clone: pids count up in the initial pid namespace, and a grandchild's PPid is its parent" {
  local a b g
  a=$(nsctl clone 1 0)
  b=$(nsctl clone 1 0)
  g=$(nsctl clone "$a" uts)
  assert_equal "$b $g" "$((a + 1)) $((a + 2))"
  assert_equal "$(status_field "$g" PPid)" "$a"
}

@test "clone all v5 flags: records in creation order user mnt uts ipc pid net, NS_INFO in table order" {
  log_mark
  local c u m s i p n
  c=$(nsctl clone 1 net,uts,ipc,pid,user,mnt)
  u=$(snum "$c" user) m=$(snum "$c" mnt) s=$(snum "$c" uts) i=$(snum "$c" ipc) p=$(snum "$c" pid) n=$(snum "$c" net)
  assert_equal "$((16#$m - 16#$u)) $((16#$s - 16#$u)) $((16#$i - 16#$u)) $((16#$p - 16#$u)) $((16#$n - 16#$u))" "1 2 3 4 5"
  assert_new_records <<EOF
type=AUDIT_NS_INIT_USER msg=audit(+1): pid=1 $INIT_SUBJ old_userns=3 userns=$u res=1
type=AUDIT_NS_INIT_MNT msg=audit(+2): pid=1 $INIT_SUBJ old_mntns=5 mntns=$m res=1
type=AUDIT_NS_INIT_UTS msg=audit(+3): pid=1 $INIT_SUBJ old_utsns=2 utsns=$s res=1
type=AUDIT_NS_INIT_IPC msg=audit(+4): pid=1 $INIT_SUBJ old_ipcns=1 ipcns=$i res=1
type=AUDIT_NS_INIT_PID msg=audit(+5): pid=1 $INIT_SUBJ old_pidns=4 pidns=$p res=1
type=AUDIT_NS_INIT_NET msg=audit(+6): pid=1 $INIT_SUBJ old_netns=7 netns=$n res=1
type=NS_INFO msg=audit(+7): pid=$c netns=$n utsns=$s ipcns=$i pidns=$p userns=$u mntns=$m
EOF
}

@test "clone pid: the child is pid 1 in its new pid namespace (status NSpid), its child pid 2" {
  local c g
  c=$(nsctl clone 1 pid)
  assert_equal "$(status_field "$c" NSpid)" "$c"$'\t'1
  assert_equal "$(status_field "$c" Pid)" "$c"
  g=$(nsctl clone "$c" 0)
  assert_equal "$(status_field "$g" NSpid)" "$g"$'\t'2
  assert_equal "$(snum "$g" pid)" "$(snum "$c" pid)"
}

@test "clone user by an unprivileged task: the child gets every capability in its new user namespace" {
  local u c g
  u=$(nsctl clone 1 0)
  nsctl setcred "$u" uid=1000 gid=1000 >/dev/null
  assert_equal "$(status_field "$u" CapEff)" 0000000000000000
  c=$(nsctl clone "$u" user)
  assert_equal "$(status_field "$c" CapEff)" 0000003fffffffff
  assert_equal "$(status_field "$c" Uid)" $'1000\t1000\t1000\t1000'
  # …so it may create other namespaces, owned by that user namespace.
  g=$(nsctl clone "$c" net,uts)
  [[ $(snum "$g" net) != "$(snum "$c" net)" ]]
}

@test "clone user,net by an unprivileged task: one call creates the user namespace first, then net in it" {
  local u c
  u=$(nsctl clone 1 0)
  nsctl setcred "$u" uid=1000 gid=1000 auid=1000 ses=3 subj=user_u:user_r:user_t:s0 >/dev/null
  log_mark
  c=$(nsctl clone "$u" net,user)
  assert_new_records <<EOF
type=AUDIT_NS_INIT_USER msg=audit(+1): pid=$u uid=1000 auid=1000 ses=3 subj=user_u:user_r:user_t:s0 old_userns=3 userns=$(snum "$c" user) res=1
type=AUDIT_NS_INIT_NET msg=audit(+2): pid=$u uid=1000 auid=1000 ses=3 subj=user_u:user_r:user_t:s0 old_netns=7 netns=$(snum "$c" net) res=1
type=NS_INFO msg=audit(+3): pid=$c netns=$(snum "$c" net) utsns=2 ipcns=1 pidns=4 userns=$(snum "$c" user) mntns=5
EOF
}

@test "clone net by a task without CAP_SYS_ADMIN: EPERM, and nothing is created (no record, no serial used)" {
  local u c1 c2
  u=$(nsctl clone 1 0)
  nsctl setcred "$u" uid=1000 gid=1000 >/dev/null
  c1=$(nsctl clone 1 uts)
  log_mark
  assert_nsctl_error EPERM "pid $u lacks CAP_SYS_ADMIN in its user namespace to create net namespaces" clone "$u" net
  assert_nsctl_error EPERM "pid $u lacks CAP_SYS_ADMIN in its user namespace to create mnt, uts, net namespaces" clone "$u" net,uts,mnt
  assert_new_records </dev/null
  c2=$(nsctl clone 1 uts)
  assert_equal "$((16#$(snum "$c2" uts)))" "$((16#$(snum "$c1" uts) + 1))" "serial after the refused clones"
}

@test "clone a batch through nsctl -: one result line per command, in order" {
  local a out
  a=$(nsctl clone 1 0)
  out=$(printf 'clone %s net\nclone %s 0\nsetcred %s comm=worker\n' "$a" "$a" "$a" | nsctl -)
  assert_equal "$out" "$((a + 1))"$'\n'"$((a + 2))"$'\nok'
  assert_equal "$(status_field "$a" Name)" worker
}
