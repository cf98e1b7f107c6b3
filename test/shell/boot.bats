#!/usr/bin/env bats
# Boot state of profile v5 (SPEC §1, §2, §4, §6): what a fresh mount shows before any command.

load helpers

setup_file() { nsproc_mount --clock "fixed:$SEED_BOOT_TIME"; }
teardown_file() { nsproc_teardown_file; }

@test "boot v5: the tree lists self, thread-self, pids 1 2 3 and nsctl; self names init" {
  assert_equal "$(ls -f "$MNT" | tr '\n' ' ')" ". .. self thread-self 1 2 3 nsctl "
  assert_equal "$(readlink "$MNT/self") $(readlink "$MNT/thread-self")" "1 1"
  assert_equal "$(status_field 1 Name) $(status_field 2 Name) $(status_field 3 Name)" "init kthreadd kdevtmpfs"
}

@test "boot v5: pid 1's *_snum files read ipc=1 uts=2 user=3 pid=4 mnt=5 net=7, in hex with a newline" {
  local t got=
  for t in ipc uts user pid mnt net; do got+="$t=$(snum 1 "$t") "; done
  assert_equal "$got" "ipc=1 uts=2 user=3 pid=4 mnt=5 net=7 "
  assert_equal "$(od -An -c "$MNT/1/ns/net_snum" | tr -s ' ')" " 7 \n"
}

@test "boot v5: kdevtmpfs (pid 3) has its own mount namespace, serial 6, and shares the rest with init" {
  assert_equal "$(snum 3 mnt)" 6
  [[ $(inum 3 mnt) != "$(inum 1 mnt)" ]]
  local t
  for t in net uts ipc pid user; do
    assert_equal "$(readlink "$MNT/3/ns/$t")" "$(readlink "$MNT/1/ns/$t")" "pid 3's $t link"
  done
}

@test "boot v5: links read TYPE:[INUM]; uts ipc pid user have the fixed initial inode numbers, mnt and net dynamic ones" {
  assert_equal "$(readlink "$MNT/1/ns/uts")" "uts:[$PROC_UTS_INIT_INO]"
  assert_equal "$(readlink "$MNT/1/ns/ipc")" "ipc:[$PROC_IPC_INIT_INO]"
  assert_equal "$(readlink "$MNT/1/ns/pid")" "pid:[$PROC_PID_INIT_INO]"
  assert_equal "$(readlink "$MNT/1/ns/user")" "user:[$PROC_USER_INIT_INO]"
  # Boot allocates init's mnt, kdevtmpfs's mnt, then net from 0xF0000000 up.
  assert_equal "$(readlink "$MNT/1/ns/mnt")" "mnt:[$PROC_DYNAMIC_FIRST]"
  assert_equal "$(readlink "$MNT/3/ns/mnt")" "mnt:[$((PROC_DYNAMIC_FIRST + 1))]"
  assert_equal "$(readlink "$MNT/1/ns/net")" "net:[$((PROC_DYNAMIC_FIRST + 2))]"
}

@test "boot v5: stat -L on each link reports the namespace's inode number as a regular empty file" {
  local t
  for t in net uts ipc pid user mnt; do
    assert_equal "$(stat -L -c '%i %F' "$MNT/1/ns/$t")" "$(inum 1 "$t") regular empty file" "stat -L 1/ns/$t"
  done
}

@test "boot v5: opening through a link fails with ENOENT: there is no nsfs file to hand out" {
  run cat "$MNT/1/ns/net"
  assert_equal "$status" 1
  assert_equal "$output" "cat: $MNT/1/ns/net: No such file or directory"
}

@test "boot v5: a link's target name resolves inside ns/ but is not listed" {
  local target
  target=$(readlink "$MNT/1/ns/uts")
  assert_equal "$(stat -c %i "$MNT/1/ns/$target")" "$PROC_UTS_INIT_INO"
  run ls "$MNT/1/ns"
  [[ $output != *'['* ]]
}

@test "boot v5: ns/ lists the six links in ns_entries order, then the six *_snum files" {
  assert_equal "$(ls -f "$MNT/1/ns" | tr '\n' ' ')" \
    ". .. net uts ipc pid user mnt net_snum uts_snum ipc_snum pid_snum user_snum mnt_snum "
  assert_equal "$(ls -f "$MNT/1" | tr '\n' ' ')" ". .. status ns comm cmdline stat mountinfo "
}

@test "boot v5: modes and owners: ns/ 0500, *_snum 0400, links 0777, status and <pid>/ readable by all, nsctl 0600" {
  assert_equal "$(stat -c '%A %U:%G' "$MNT")" "dr-xr-xr-x root:root"
  assert_equal "$(stat -c '%A %U:%G' "$MNT/nsctl")" "-rw------- root:root"
  assert_equal "$(stat -c '%A %U:%G' "$MNT/1")" "dr-xr-xr-x root:root"
  assert_equal "$(stat -c '%A %U:%G' "$MNT/1/status")" "-r--r--r-- root:root"
  assert_equal "$(stat -c '%A %U:%G' "$MNT/1/ns")" "dr-x------ root:root"
  assert_equal "$(stat -c '%A %U:%G' "$MNT/1/ns/net")" "lrwxrwxrwx root:root"
  assert_equal "$(stat -c '%A %U:%G' "$MNT/1/ns/net_snum")" "-r-------- root:root"
  assert_equal "$(ls -l "$MNT/1/ns" | awk '$9 ~ /^net/ { $2 = $3 = $4 = $5 = $6 = $7 = $8 = ""; print }' | tr -s ' ' | tr '\n' ' ')" \
    "lrwxrwxrwx net -> net:[$((PROC_DYNAMIC_FIRST + 2))] -r-------- net_snum "
}

@test "boot v5: status of pid 1 shows Name, Pid, PPid, Uid, Gid, NSpid and all capabilities (proc(5) format)" {
  local f got=
  for f in Name Pid PPid Uid Gid NSpid CapEff; do got+="$f:$(status_field 1 "$f")"$'\n'; done
  assert_equal "$got" $'Name:init\nPid:1\nPPid:0\nUid:0\t0\t0\t0\nGid:0\t0\t0\t0\nNSpid:1\nCapEff:0000003fffffffff\n'
  assert_match "$(head -n 1 "$MNT/1/status")" $'^Name:\tinit$'
  assert_equal "$(status_field 2 PPid) $(status_field 3 PPid)" "0 2"
}

@test "boot v5: the audit log starts with the seed's six AUDIT_NS_INIT records (audit serials 5..10)" {
  local t=$SEED_BOOT_TIME
  assert_equal "$(cat "$AUDIT_LOG")" "\
type=AUDIT_NS_INIT_UTS msg=audit($t:5): pid=1 $INIT_SUBJ old_utsns=0 utsns=2 res=1
type=AUDIT_NS_INIT_USER msg=audit($t:6): pid=1 $INIT_SUBJ old_userns=0 userns=3 res=1
type=AUDIT_NS_INIT_PID msg=audit($t:7): pid=1 $INIT_SUBJ old_pidns=0 pidns=4 res=1
type=AUDIT_NS_INIT_MNT msg=audit($t:8): pid=1 $INIT_SUBJ old_mntns=0 mntns=5 res=1
type=AUDIT_NS_INIT_IPC msg=audit($t:9): pid=1 $INIT_SUBJ old_ipcns=0 ipcns=1 res=1
type=AUDIT_NS_INIT_NET msg=audit($t:10): pid=1 $INIT_SUBJ old_netns=0 netns=7 res=1"
  # Whole lines only, each ended by a newline.
  assert_equal "$(tail -c 1 "$AUDIT_LOG" | od -An -c | tr -d ' ')" '\n'
}

@test "boot v5: nothing but nsctl can be written, created or removed" {
  run bash -c 'echo x > "$1"' bash "$MNT/1/status"
  assert_equal "$output" "bash: line 1: $MNT/1/status: Permission denied"
  run bash -c 'echo x > "$1"' bash "$MNT/1/ns/net_snum"
  assert_equal "$output" "bash: line 1: $MNT/1/ns/net_snum: Permission denied"
  run touch "$MNT/new"
  assert_equal "$status" 1
  run mkdir "$MNT/9"
  assert_equal "$status" 1
  run rm -f "$MNT/1/status"
  assert_equal "$output" "rm: cannot remove '$MNT/1/status': Read-only file system"
  run chmod 777 "$MNT/1/ns"
  assert_equal "$output" "chmod: changing permissions of '$MNT/1/ns': Read-only file system"
  assert_equal "$(ls "$MNT" | tr '\n' ' ')" "1 2 3 nsctl self thread-self "
}

@test "boot v5: a pid that does not exist is ENOENT" {
  run cat "$MNT/4/status"
  assert_equal "$output" "cat: $MNT/4/status: No such file or directory"
  run ls "$MNT/99/ns"
  assert_equal "$status" 2
}
