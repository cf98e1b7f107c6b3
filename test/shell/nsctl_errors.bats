#!/usr/bin/env bats
# Every error nsctl can report (SPEC §5): "nsctl: ERRNO: sentence" on stderr, nothing on
# stdout, exit status 1 (2 for usage errors of the script itself); and the text bash prints
# for the same failure when a command is written with `echo … > MNT/nsctl`
# ("write error: <strerror>"). docs/nsctl.md lists the same cases.

load helpers

setup_file() {
  nsproc_mount --clock "fixed:$SEED_CLONE_TIME"
  # Fixtures: a task of uid 1000 (no capabilities), a root task without capabilities, and
  # a task in a child user namespace.
  UNPRIV=$("$NSCTL_BIN" clone 1 0)
  "$NSCTL_BIN" setcred "$UNPRIV" uid=1000 gid=1000 >/dev/null
  NOCAPS=$("$NSCTL_BIN" clone 1 0)
  "$NSCTL_BIN" setcred "$NOCAPS" caps=none >/dev/null
  CHILDUSER=$("$NSCTL_BIN" clone 1 user)
  export UNPRIV NOCAPS CHILDUSER
}
teardown_file() { nsproc_teardown_file; }

teardown() {
  # A test that mounted a tmpfs for the audit log: stop that daemon first, then the tmpfs.
  if [[ -n ${LOGFS:-} ]]; then
    nsproc_unmount
    umount "$LOGFS" 2>/dev/null || umount -l "$LOGFS"
    rmdir "$LOGFS"
  fi
  if [[ -n ${OTHERFS:-} ]]; then umount "$OTHERFS" 2>/dev/null || umount -l "$OTHERFS"; rmdir "$OTHERFS"; fi
  if [[ -n ${BOUND:-} ]]; then umount "$BOUND" 2>/dev/null || umount -l "$BOUND"; BOUND=; fi
}

USAGE_EINVAL=(clone unshare setns exit pin unpin ns_info virt_control)

@test "nsctl errors: a line that is not a command is EINVAL (unknown command, wrong arity, bad numbers)" {
  # The list of commands goes on with whatever else the daemon knows (lsns, ps …).
  local cmds='(clone, unshare, setns, exit, pin, unpin, setcred, ns_info, virt_control'
  assert_nsctl_error EINVAL "unknown command 'foo' $cmds*" foo
  assert_nsctl_error EINVAL "unknown command 'toString' $cmds*" toString 1
  assert_nsctl_error EINVAL "usage: clone ACTOR FLAGS" clone 1
  assert_nsctl_error EINVAL "usage: clone ACTOR FLAGS" clone 1 net extra
  assert_nsctl_error EINVAL "usage: unshare ACTOR FLAGS" unshare
  assert_nsctl_error EINVAL "usage: setns ACTOR TARGET TYPE" setns 1 2
  assert_nsctl_error EINVAL "usage: exit ACTOR" exit 1 2
  assert_nsctl_error EINVAL "usage: pin ACTOR TYPE" pin 1
  assert_nsctl_error EINVAL "usage: unpin PIN" unpin
  assert_nsctl_error EINVAL "usage: ns_info ACTOR PID" ns_info 1
  assert_nsctl_error EINVAL "usage: virt_control ACTOR TEXT" virt_control 1
  assert_nsctl_error EINVAL "bad ACTOR 'abc': a pid is a positive decimal number" clone abc net
  assert_nsctl_error EINVAL "bad ACTOR '0': a pid is a positive decimal number" exit 0
  assert_nsctl_error EINVAL "bad ACTOR '2147483648': a pid is a positive decimal number" exit 2147483648
  assert_nsctl_error EINVAL "bad TARGET 'abc': a pid is a positive decimal number" setns 1 abc net
  assert_nsctl_error EINVAL "bad PID 'x': a pid is a positive decimal number" ns_info 1 x
  assert_nsctl_error EINVAL "bad pin id 'abc': expected pin:N" unpin abc
  assert_nsctl_error EINVAL "bad pin id 'pin:x': expected pin:N" setns 1 pin:x 0
  assert_echo_error "Invalid argument" "foo"
}

@test "nsctl errors: FLAGS and TYPE words that name no namespace type of the profile are EINVAL" {
  local v5='(profile v5 has net, uts, ipc, pid, user, mnt)'
  assert_nsctl_error EINVAL "unknown namespace flag 'bogus' $v5" clone 1 bogus
  assert_nsctl_error EINVAL "unknown namespace flag 'cgroup' $v5" clone 1 cgroup
  assert_nsctl_error EINVAL "unknown namespace flag 'NET' $v5" unshare 1 NET
  assert_nsctl_error EINVAL "flags 0x1 hold bits 0x1 that are not CLONE_NEW* flags of profile v5" clone 1 0x1
  assert_nsctl_error EINVAL "flags 0x02000080 hold bits 0x2000080 that are not CLONE_NEW* flags of profile v5" clone 1 0x02000080
  assert_nsctl_error EINVAL "'net,mnt' must name exactly one namespace type" pin 1 net,mnt
  assert_nsctl_error EINVAL "'net_for_children' is not a namespace entry" pin 1 net_for_children
  assert_nsctl_error EINVAL "'time_for_children' is not a namespace entry" setns 1 1 time_for_children
  assert_nsctl_error EINVAL "pin needs a TYPE, not 0" pin 1 0x0
  assert_nsctl_error EINVAL "setns with a pid TARGET needs a TYPE (0 is only for pin targets)" setns 1 1 0
}

@test "nsctl errors: setcred arguments are checked before anything changes (EINVAL), an unknown task is ESRCH" {
  assert_nsctl_error EINVAL "setcred needs at least one key=value (uid gid caps auid ses subj comm)" setcred 1
  assert_nsctl_error EINVAL "bad setcred argument 'uid': expected key=value" setcred 1 uid
  assert_nsctl_error EINVAL "setcred key 'uid' given twice" setcred 1 uid=1 uid=2
  assert_nsctl_error EINVAL "bad uid '-1': expected a decimal number" setcred 1 uid=-1
  assert_nsctl_error EINVAL "bad uid 'unset': expected a decimal number" setcred 1 uid=unset
  assert_nsctl_error EINVAL "uid must be 0..4294967294" setcred 1 uid=4294967295
  assert_nsctl_error EINVAL "unknown setcred key 'foo' (uid gid caps auid ses subj comm)" setcred 1 foo=1
  assert_nsctl_error EINVAL "unknown capability 'bogus'" setcred 1 caps=bogus
  assert_nsctl_error EINVAL "unknown capability 'perfmon'" setcred 1 caps=perfmon
  assert_nsctl_error EINVAL "capability mask 0x8000000000000000 has bits above CAP_LAST_CAP (37)" setcred 1 caps=0x8000000000000000
  assert_nsctl_error EINVAL "subj must be printable ASCII without spaces" setcred 1 subj=été
  assert_nsctl_error ESRCH "no task with pid 99999" setcred 99999 uid=1
  # Nothing above changed pid 1.
  assert_equal "$(status_field 1 Uid) $(status_field 1 CapEff)" $'0\t0\t0\t0 0000003fffffffff'
}

@test "nsctl errors: an actor or target that does not exist is ESRCH (No such process)" {
  assert_nsctl_error ESRCH "no actor with pid 99999" clone 99999 net
  assert_nsctl_error ESRCH "no actor with pid 99999" unshare 99999 net
  assert_nsctl_error ESRCH "no actor with pid 99999" setns 99999 1 net
  assert_nsctl_error ESRCH "no target task with pid 99999" setns 1 99999 net
  assert_nsctl_error ESRCH "no task with pid 99999" exit 99999
  assert_nsctl_error ESRCH "no actor with pid 99999" pin 99999 net
  assert_nsctl_error ESRCH "no actor with pid 99999" ns_info 99999 1
  assert_nsctl_error ESRCH "no target task with pid 99999" ns_info 1 99999
  assert_nsctl_error ESRCH "no actor with pid 99999" virt_control 99999 hello
  assert_echo_error "No such process" "exit 99999"
}

@test "nsctl errors: missing privilege is EPERM (Operation not permitted)" {
  assert_nsctl_error EPERM "pid $UNPRIV lacks CAP_SYS_ADMIN in its user namespace to create net namespaces" clone "$UNPRIV" net
  assert_nsctl_error EPERM "pid $NOCAPS lacks CAP_SYS_ADMIN in the uts namespace's owning user namespace or in its own" setns "$NOCAPS" 1 uts
  assert_nsctl_error EACCES "pid $UNPRIV may not open /proc/1/ns/uts: another user's task and no CAP_SYS_PTRACE over it" setns "$UNPRIV" 1 uts
  assert_nsctl_error EPERM "pid $UNPRIV lacks CAP_AUDIT_CONTROL" ns_info "$UNPRIV" 1
  assert_nsctl_error EPERM "pid $UNPRIV lacks CAP_AUDIT_WRITE" virt_control "$UNPRIV" hello
  assert_nsctl_error EPERM "pid 1 of the initial pid namespace cannot exit (Linux would panic)" exit 1
  assert_echo_error "Operation not permitted" "exit 1"
}

@test "nsctl errors: setns into a user namespace the actor has no CAP_SYS_ADMIN in is EPERM" {
  local other
  other=$(nsctl clone 1 user)
  # CHILDUSER is capable in its own user namespace only, not in a sibling one.
  assert_nsctl_error EPERM "pid $CHILDUSER lacks CAP_SYS_ADMIN in the target user namespace" setns "$CHILDUSER" "$other" user
}

@test "nsctl errors: ns_info from outside the initial pid namespace is EPERM (audit control requests come from there)" {
  local i
  i=$(nsctl clone 1 pid)
  assert_nsctl_error EPERM "pid $i is not in the initial pid namespace, where audit control requests must come from" ns_info "$i" 1
  # A VIRT_CONTROL message is no control request: it is accepted from there.
  assert_equal "$(nsctl virt_control "$i" hello)" ok
}

@test "nsctl errors: audit requests from outside the initial user namespace are ECONNREFUSED (Connection refused)" {
  assert_nsctl_error ECONNREFUSED "pid $CHILDUSER is not in the initial user namespace, and audit only listens there" ns_info "$CHILDUSER" 1
  assert_nsctl_error ECONNREFUSED "pid $CHILDUSER is not in the initial user namespace, and audit only listens there" virt_control "$CHILDUSER" hello
  assert_echo_error "Connection refused" "ns_info $CHILDUSER 1"
}

@test "nsctl errors: virt_control text with a quote or a control character is EINVAL" {
  assert_nsctl_error EINVAL "the message text may not contain quotes (') or control characters" virt_control 1 "it's"
  # A control byte is refused by the line parser before virt_control sees it.
  assert_nsctl_error EINVAL "line holds control characters or bytes that are not UTF-8" virt_control 1 $'a\tb\x01'
}

@test "nsctl errors: a command longer than 4096 bytes is EINVAL and nothing of it runs" {
  local long
  long=$(printf 'a%.0s' {1..5000})
  log_mark
  assert_nsctl_error EINVAL "line longer than 4096 bytes" virt_control 1 "$long"
  assert_new_records </dev/null
  # Just below the limit, the whole text reaches the record.
  long=${long:0:4000}
  assert_equal "$(nsctl virt_control 1 "$long")" ok
  assert_equal "$(new_records | head -n 1)" "type=VIRT_CONTROL msg=audit(+1): pid=1 $INIT_SUBJ msg='$long'"
}

@test "nsctl errors: bytes that are not UTF-8 are EINVAL" {
  run --separate-stderr bash -c 'printf "clone 1 0\xff\n" | "$1" -' bash "$NSCTL_BIN"
  assert_equal "$status:$output:$stderr" "1::nsctl: EINVAL: line holds control characters or bytes that are not UTF-8"
}

@test "nsctl errors: a batch stops at the failing line; the lines before it stay done, the ones after never run" {
  local a out
  log_mark
  run --separate-stderr bash -c 'printf "clone 1 uts\nexit 99999\nclone 1 ipc\n" | "$1" -' bash "$NSCTL_BIN"
  assert_equal "$status" 1
  a=$output
  assert_match "$a" '^[0-9]+$' "the first clone's pid"
  assert_equal "$stderr" "nsctl: ESRCH: no task with pid 99999"
  [[ -d $MNT/$a && ! -e $MNT/$((a + 1)) ]]
  assert_equal "$(new_records | cut -d' ' -f1 | tr '\n' ' ')" "type=AUDIT_NS_INIT_UTS type=NS_INFO "
}

@test "nsctl errors: blank lines and # comments in a batch run nothing and answer nothing" {
  local out
  out=$(printf '\n# a comment\n \t\nclone 1 0\n' | nsctl -)
  assert_match "$out" '^[0-9]+$'
}

@test "nsctl errors: the script's own usage errors exit 2; a missing mount is ENOENT (exit 1)" {
  run --separate-stderr "$NSCTL_BIN"
  assert_equal "$status" 2
  assert_contains "$stderr" "Usage: nsctl [-m MOUNTPOINT] COMMAND ARGS..."
  run --separate-stderr "$NSCTL_BIN" -m
  assert_equal "$status:$stderr" "2:nsctl: -m needs a MOUNTPOINT"
  run --separate-stderr "$NSCTL_BIN" - extra
  assert_equal "$status:$stderr" "2:nsctl: '-' takes no arguments"
  run --separate-stderr "$NSCTL_BIN" -m /nonexistent exit 4
  # This file's own mount is up: the message names it (a typo, most likely), with --list.
  assert_equal "$status" 1
  assert_match "$stderr" "^nsctl: ENOENT: no nsproc is mounted at /nonexistent \\(not a mount point; nsproc is mounted at: .*$MNT.*; see ./mount.sh --list\\); nothing was written$"
  assert_nsctl_error EINVAL "an argument holds a newline; one command is one line (use nsctl - for a batch)" exit $'4\nexit 5'
}

@test "nsctl errors: the serial counter exhausted is EOVERFLOW, and nothing is half-created" {
  nsproc_mount --serial-start 0xfffffffffffffffe
  nsctl clone 1 net >/dev/null
  log_mark
  assert_nsctl_error EOVERFLOW "the namespace serial number counter is exhausted (2^64-1 reached)" clone 1 net,uts
  assert_new_records </dev/null
  local last
  last=$(nsctl clone 1 uts)
  assert_equal "$(snum "$last" uts)" ffffffffffffffff
  assert_nsctl_error EOVERFLOW "the namespace serial number counter is exhausted (2^64-1 reached)" unshare 1 ipc
  assert_echo_error "Value too large for defined data type" "clone 1 net"
  # Tasks without new namespaces need no serial.
  assert_match "$(nsctl clone 1 0)" '^[0-9]+$'
}

@test "nsctl errors: no free pid below --pid-max is EAGAIN (Resource temporarily unavailable)" {
  # The smallest pid_max (301): boot has pids 1-3, so 297 more tasks fill pids 4-300.
  nsproc_mount --pid-max 301
  local i
  for ((i = 4; i <= 300; i++)); do echo "clone 1 0"; done | nsctl - >/dev/null
  assert_nsctl_error EAGAIN "no free pid below pid_max (301) in the child's pid namespaces" clone 1 0
  assert_echo_error "Resource temporarily unavailable" "clone 1 0"
}

@test "nsctl errors: a full audit log disk is ENOSPC; the write is undone and the log keeps whole lines" {
  LOGFS=$(mktemp -d "${TMPDIR:-/tmp}/nsproc-bats-logfs.XXXXXX")
  if ! mount -t tmpfs -o size=8k tmpfs "$LOGFS" 2>/dev/null; then
    rmdir "$LOGFS"; LOGFS=
    skip "cannot mount a tmpfs here (needs root)"
  fi
  NSPROC_TEST_AUDIT_LOG=$LOGFS/audit.log nsproc_mount
  local text size nlines
  text=$(printf 'x%.0s' {1..4000})
  nsctl virt_control 1 "$text" >/dev/null
  size=$(stat -c %s "$AUDIT_LOG") nlines=$(wc -l <"$AUDIT_LOG")
  run --separate-stderr bash -c 'printf "clone 1 net\nvirt_control 1 %s\n" "$2" | "$1" -' bash "$NSCTL_BIN" "$text"
  assert_equal "$status" 1
  assert_match "$stderr" '^nsctl: ENOSPC: .*; nothing in this write was applied$'
  assert_equal "$output" ""
  assert_equal "$(stat -c %s "$AUDIT_LOG") $(wc -l <"$AUDIT_LOG")" "$size $nlines" "log size and lines after ENOSPC"
  assert_equal "$(ls "$MNT" | tr '\n' ' ')" "1 2 3 nsctl self thread-self " "tasks after the undone clone"
  assert_echo_error "No space left on device" "virt_control 1 $text"
  # Smaller records still fit: the model goes on.
  assert_match "$(nsctl clone 1 net)" '^4$'
}

@test "nsctl talks only to an nsproc control file: a copy of nsctl with -m . or a tmpfs is refused, nothing written" {
  local d=$BATS_TEST_TMPDIR/d
  mkdir "$d"
  cp "$NSCTL_BIN" "$d/nsctl"
  cp -r "$NSPROC_ROOT/scripts" "$d/scripts"
  run --separate-stderr bash -c 'cd "$1" && ./nsctl -m . clone 1 0' bash "$d"
  assert_equal "$status:$output" "1:"
  assert_match "$stderr" "^nsctl: ENOENT: no nsproc is mounted at \\. \\(not a mount point; .*\\); nothing was written$"
  cmp "$NSCTL_BIN" "$d/nsctl"
  OTHERFS=$(mktemp -d "${TMPDIR:-/tmp}/nsproc-bats-other.XXXXXX")
  mount -t tmpfs tmpfs "$OTHERFS" || skip "cannot mount a tmpfs here"
  echo keep >"$OTHERFS/nsctl"
  run --separate-stderr "$NSCTL_BIN" -m "$OTHERFS" exit 4
  assert_equal "$status:$stderr" "1:nsctl: ENOENT: no nsproc is mounted at $OTHERFS (it is a tmpfs mount of tmpfs); nothing was written"
  assert_equal "$(cat "$OTHERFS/nsctl")" keep
  # The real mount still answers through a symlink to it.
  ln -s "$MNT" "$d/link"
  assert_match "$(nsctl -m "$d/link" clone 1 0)" '^[0-9]+$'
}

@test "nsctl refuses a file mounted over MNT/nsctl: the control file is hidden, nothing is written" {
  nsproc_mount
  echo keep >"$NSPROC_TMP/decoy"
  mount --bind "$NSPROC_TMP/decoy" "$MNT/nsctl" || skip "cannot bind-mount here"
  BOUND=$MNT/nsctl
  run --separate-stderr "$NSCTL_BIN" clone 1 0
  assert_equal "$status:$stderr" "1:nsctl: ENOENT: $MNT/nsctl is not the control file of the nsproc mount at $MNT; nothing was written"
  assert_equal "$(cat "$NSPROC_TMP/decoy")" keep
}
