#!/usr/bin/env bats
# --kernel-audit (SPEC §8) on the running kernel, as root: the kernel's own syscall events in
# nsproc's log with NS_INFO and the INIT records of the namespaces they made, under the same
# audit(TIME:SERIAL), found by Debian's ausearch (fetched, never installed, as ausearch.bats).
#
# The kernel's audit settings are the machine's: this file takes a lock (another run of the
# suite waits), notes the enabled flag and the rules it finds, and puts them back in
# teardown_file, also after a failure. Processes that were forked before audit was ever
# enabled on this boot make no syscall records (kernel/auditsc.c:audit_alloc()), so every
# process a test looks at is started after the mount. Each lives a moment (sleep) so that the
# host scanner can read its namespaces; `unshare -n true` races its own exit.

load helpers

load _kernel_audit

setup_file() {
  ka_setup_file
  nsproc_mount --host --kernel-audit-rules
}

teardown_file() { ka_teardown_file; }

# The lines of the audit log with this audit(TIME:SERIAL).
event_lines() { grep -F "msg=audit($1):" "$AUDIT_LOG"; }
# The record types of those lines, space-separated.
event_types() { event_lines "$1" | sed 's/^type=\([^ ]*\) .*/\1/' | tr '\n' ' '; }

# wait_syscall NR PID: waits (10 s at most) for the SYSCALL record of syscall NR by PID and
# prints its TIME:SERIAL.
wait_syscall() {
  local i line
  for ((i = 0; i < 200; i++)); do
    line=$(grep -m 1 -E "^type=SYSCALL msg=audit\([0-9.:]+\): arch=c000003e syscall=$1 .* pid=$2 " "$AUDIT_LOG" || true)
    if [[ -n $line ]]; then
      sed 's/^type=SYSCALL msg=audit(\([0-9.:]*\)).*/\1/' <<<"$line"
      return 0
    fi
    sleep 0.05
  done
  echo "no SYSCALL record of syscall $1 by pid $2 in $AUDIT_LOG" >&2
  return 1
}

# new_netns_id PID: once PID is in a network namespace of its own (after its unshare), that
# namespace's id.
new_netns_id() {
  local i
  for ((i = 0; i < 200; i++)); do
    if [[ $(readlink "/proc/$1/ns/net") != "$(readlink /proc/self/ns/net)" ]]; then
      py_ns_id "/proc/$1/ns/net"
      return
    fi
    sleep 0.01
  done
  echo "pid $1 never left our network namespace" >&2
  return 1
}

@test "the daemon added nsproc's rules (b64 and b32: clone and unshare that ask for a namespace, every clone3 and setns) and enabled audit" {
  # mount.sh's terminal says what was added.
  assert_contains "$(cat "$NSPROC_TMP/mount.out")" "nsproc: kernel audit rules added (clone, clone3, unshare, setns; b64 and b32; key nsproc)"

  run auditctl -l
  local arch
  for arch in b64 b32; do
    assert_contains "$output" "-a always,exit -F arch=$arch -S clone -F a0&0x7E020000 -F key=nsproc"
    assert_contains "$output" "-a always,exit -F arch=$arch -S unshare -F a0&0x7E020080 -F key=nsproc"
    assert_contains "$output" "-a always,exit -F arch=$arch -S setns,clone3 -F key=nsproc"
  done
  assert_equal "$(auditctl -s | awk '$1 == "enabled" { print $2 }')" 1
}

@test "a plain fork (clone without CLONE_NEW*) makes no kernel event in the log; the same clone with CLONE_NEWNET does" {
  # perl's syscall(): clone(SIGCHLD) is a fork; clone(CLONE_NEWNET|SIGCHLD) a fork into a new netns.
  # The children live 3 s: on a loaded machine the daemon may read a child more than 1 s after its clone.
  local out parent plain newnet
  out=$(perl -e '$| = 1; for my $f (0x11, 0x40000011) { my $c = syscall(56, $f, 0, 0, 0, 0); if ($c == 0) { sleep 3; exit 0 } push @c, $c } print "$$ @c\n"; waitpid($_, 0) for @c')
  read -r parent plain newnet <<<"$out"
  wait_syscall 56 "$parent" >/dev/null
  assert_equal "$(grep -c -E "^type=SYSCALL .* syscall=56 success=yes exit=$plain .* pid=$parent " "$AUDIT_LOG")" 0 "clone events of the plain fork"
  assert_equal "$(grep -c -E "^type=SYSCALL .* syscall=56 success=yes exit=$newnet .* pid=$parent " "$AUDIT_LOG")" 1 "clone events of the fork into a new netns"
}

@test "unshare -n: SYSCALL (272, success=yes), INIT_NET, NS_INFO, PROCTITLE, EOE share one audit(TIME:SERIAL)" {
  unshare -n sleep 5 &
  local pid=$! stamp id
  id=$(new_netns_id "$pid")
  stamp=$(wait_syscall 272 "$pid")
  kill "$pid"
  wait "$pid" || true
  assert_equal "$(event_types "$stamp")" "SYSCALL AUDIT_NS_INIT_NET NS_INFO PROCTITLE EOE " "records of $stamp"
  assert_match "$(event_lines "$stamp" | head -n 1)" " syscall=272 success=yes exit=0 a0=40000000 .* pid=$pid .* key=\"nsproc\"$"
  assert_match "$(event_lines "$stamp" | grep '^type=AUDIT_NS_INIT_NET')" "pid=$pid uid=0 .* old_netns=[0-9a-f]+ netns=$id res=1$"
  assert_match "$(event_lines "$stamp" | grep '^type=NS_INFO')" "^type=NS_INFO msg=audit\($stamp\): pid=$pid netns=$id "
  echo "$pid $stamp" >"$BATS_FILE_TMPDIR/unshare"
}

@test "ausearch -p PID, -sc unshare, -k nsproc and -a SERIAL each return the unshare event with its NS_INFO and INIT_NET" {
  local pid stamp serial ev
  read -r pid stamp <"$BATS_FILE_TMPDIR/unshare"
  serial=${stamp#*:}
  ev=$(event_lines "$stamp")
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -p "$pid"
  assert_contains "$output" "$ev" "ausearch -p $pid"
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -a "$serial"
  assert_equal "$output" "$ev" "ausearch -a $serial"
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -sc unshare
  assert_contains "$output" "$ev" "ausearch -sc unshare"
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -k nsproc
  assert_contains "$output" "$ev" "ausearch -k nsproc"
  # -i: one event, the syscall by name, NS_INFO and INIT_NET inside it.
  run --separate-stderr ausearch -if "$AUDIT_LOG" -i -a "$serial"
  assert_equal "$(grep -c '^----$' <<<"$output")" 1 "events ausearch -i prints for $serial"
  assert_match "$output" "type=SYSCALL .* syscall=unshare success=yes exit=0 a0=CLONE_NEWNET "
  assert_contains "$output" "type=NS_INFO msg=audit("
  assert_contains "$output" "type=AUDIT_NS_INIT_NET msg=audit("
}

@test "setns (nsenter -n -t PID): SYSCALL 308 and NS_INFO naming the joined network namespace, one stamp" {
  unshare -n sleep 5 &
  local holder=$! id pid stamp
  sleep 0.3
  id=$(py_ns_id "/proc/$holder/ns/net")
  nsenter -n -t "$holder" sleep 3 &
  pid=$!
  stamp=$(wait_syscall 308 "$pid")
  kill "$pid" "$holder"
  wait "$pid" || true
  assert_match "$(event_types "$stamp")" "^SYSCALL (NS_INFO )+PROCTITLE EOE $" "records of $stamp"
  assert_match "$(event_lines "$stamp" | grep "^type=NS_INFO .* pid=$pid ")" " netns=$id "
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -sc setns -p "$pid"
  assert_contains "$output" "$(event_lines "$stamp")" "ausearch -sc setns -p $pid"
}

@test "clone with CLONE_NEWNET: the child's INIT_NET and NS_INFO in the parent's clone event" {
  # perl's syscall(): clone(CLONE_NEWNET|SIGCHLD) with no stack is a fork into a new netns.
  local out parent child stamp
  out=$(perl -e '$| = 1; my $c = syscall(56, 0x40000011, 0, 0, 0, 0); if ($c == 0) { sleep 3; exit 0 } print "$$ $c\n"; waitpid($c, 0)')
  read -r parent child <<<"$out"
  stamp=$(wait_syscall 56 "$parent")
  assert_match "$(event_lines "$stamp" | head -n 1)" " syscall=56 success=yes exit=$child a0=40000011 "
  assert_match "$(event_types "$stamp")" "^SYSCALL AUDIT_NS_INIT_NET NS_INFO NS_INFO PROCTITLE EOE $" "records of $stamp"
  assert_match "$(event_lines "$stamp" | grep '^type=AUDIT_NS_INIT_NET')" " pid=$child "
  assert_equal "$(event_lines "$stamp" | grep -c "^type=NS_INFO .*: pid=\($parent\|$child\) ")" 2 "NS_INFO of parent and child"
}

@test "clone with CLONE_NEWNET by pid 1 of a child pid namespace: the child (exit=2 there) found by its host pid, its INIT_NET in the clone event" {
  # /proc here is the host's, so /proc/self names each process by its host pid.
  local out parent child inner stamp
  out=$(unshare -pf perl -e '$| = 1; my $c = syscall(56, 0x40000011, 0, 0, 0, 0); if ($c == 0) { print readlink("/proc/self"), "\n"; sleep 3; exit 0 } print readlink("/proc/self"), " $c\n"; waitpid($c, 0)')
  read -r parent inner < <(awk 'NF == 2' <<<"$out")
  child=$(awk 'NF == 1' <<<"$out")
  assert_equal "$inner" 2 "the child's pid in its pid namespace"
  stamp=$(wait_syscall 56 "$parent")
  assert_match "$(event_lines "$stamp" | head -n 1)" " syscall=56 success=yes exit=2 a0=40000011 "
  assert_match "$(event_types "$stamp")" "^SYSCALL AUDIT_NS_INIT_NET NS_INFO NS_INFO PROCTITLE EOE $" "records of $stamp"
  assert_match "$(event_lines "$stamp" | grep '^type=AUDIT_NS_INIT_NET')" " pid=$child "
}

# unshare_burst N: N × `unshare -n true` from one parent, then waits (30 s at most) until the
# log holds their N unshare events. Sets BEFORE (the log's lines before), PARENT (the loop's
# pid: its unshares are told by their ppid), GOT (events logged) and LOST (NSPROC_KERNEL_LOST records).
unshare_burst() {
  local n=$1 i
  BEFORE=$(wc -l <"$AUDIT_LOG")
  bash -c 'echo $$ >"$1"; for ((i = 0; i < $2; i++)); do unshare -n true; done' _ "$BATS_TEST_TMPDIR/burst.pid" "$n"
  PARENT=$(<"$BATS_TEST_TMPDIR/burst.pid")
  # The daemon catches up (a busy machine delays it).
  for ((i = 0; i < 300; i++)); do
    GOT=$(tail -n "+$((BEFORE + 1))" "$AUDIT_LOG" | grep -c "^type=SYSCALL .* syscall=272 .* ppid=$PARENT pid=" || true)
    LOST=$(tail -n "+$((BEFORE + 1))" "$AUDIT_LOG" | grep -c '^type=NSPROC_KERNEL_LOST ' || true)
    ((GOT >= n)) && break
    sleep 0.1
  done
}

@test "a burst of unshares: each has its event in the log, or the loss is recorded (NSPROC_KERNEL_LOST)" {
  local n=200 got lost
  unshare_burst "$n"
  got=$GOT lost=$LOST
  echo "burst: $got of $n unshare events logged, $lost loss records" >&3
  ((got == n || lost > 0))
}

@test "200 × unshare -n true: every unshare event carries its INIT_NET or NSPROC_NS_UNSEEN types=net, never neither" {
  local n=200 before parent got lost out
  unshare_burst "$n"
  before=$BEFORE parent=$PARENT got=$GOT lost=$LOST
  # A kernel event is written whole, in one write: once its SYSCALL line is there, so is the rest.
  # Per unshare event of the loop: seen (INIT_NET inside it), unseen (the record), both, neither.
  out=$(tail -n "+$((before + 1))" "$AUDIT_LOG" | awk -v parent="$parent" '
    { s = $2; sub(/^msg=audit\(/, "", s); sub(/\):?$/, "", s) }
    $1 == "type=SYSCALL" && / syscall=272 / && $0 ~ (" ppid=" parent " pid=") { mine[s] = 1; order[++n] = s }
    $1 == "type=AUDIT_NS_INIT_NET" { init[s] = 1 }
    $1 == "type=NSPROC_NS_UNSEEN" && / syscall=unshare types=net comm="unshare" exe="[^"]*unshare"$/ { unseen[s] = 1 }
    END {
      for (i = 1; i <= n; i++) { s = order[i]; if (init[s] && unseen[s]) both++; else if (init[s]) seen++; else if (unseen[s]) un++; else { neither++; bad = bad " " s } }
      printf "%d %d %d %d%s\n", seen, un, both, neither, bad
    }')
  local seen unseen both neither
  read -r seen unseen both neither _ <<<"$out"
  echo "unseen: $got of $n unshare events logged ($lost loss records): INIT_NET $seen, NSPROC_NS_UNSEEN $unseen, both $both, neither $neither" >&3
  ((neither == 0)) || { echo "events with neither INIT_NET nor NSPROC_NS_UNSEEN: $out" >&2; false; }
  assert_equal "$both" 0 "events with both"
  ((got == n || lost > 0)) || { echo "$got of $n unshare events logged and no loss recorded" >&2; false; }
}

@test "kill -9, then a restart on the same log: leftover rules removed, the flag found restored, no audit(TIME:SERIAL) shared" {
  local out pid i
  nsproc_unmount_daemon_only 2>/dev/null || true
  out=$(NSPROC_STATE_DIR=$NSPROC_TMP/state "$MOUNT_SH" "$MNT" --audit-log "$AUDIT_LOG" --host --kernel-audit-rules)
  pid=$(awk '$1 == "pid" { print $2 }' <<<"$out")
  for ((i = 0; i < 20; i++)); do unshare -n -u true; done
  sleep 0.3
  kill -9 "$pid"
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  assert_equal "$(auditctl -l | grep -c 'key=nsproc')" 6 "rules left by the killed daemon"
  out=$(NSPROC_STATE_DIR=$NSPROC_TMP/state "$MOUNT_SH" "$MNT" --audit-log "$AUDIT_LOG" --host --kernel-audit-rules)
  assert_contains "$(cat "$(awk '$1 == "daemon_log" { print $2 }' <<<"$out")")" "removed 6 audit rules with the key nsproc that a killed nsproc had left"
  assert_equal "$(auditctl -l | grep -c 'key=nsproc')" 6 "rules while the new daemon runs"
  for ((i = 0; i < 20; i++)); do unshare -n -u true; done
  sleep 0.3
  # ./mount.sh -u says on its terminal what it removed.
  assert_contains "$(NSPROC_STATE_DIR=$NSPROC_TMP/state "$MOUNT_SH" -u "$MNT" 2>&1)" "nsproc: kernel audit rules removed (the 6 with the key nsproc this run added)"
  assert_equal "$(auditctl -l | grep -c 'key=nsproc' || true)" 0 "rules after its stop"
  assert_equal "$(auditctl -s | awk '$1 == "enabled" { print $2 }')" "$KA_ENABLED_BEFORE" "enabled flag after its stop"
  # Three runs wrote this log. Every stamp's lines are next to each other: one event each
  # (kernel events are written whole, nsproc's own have one record).
  run awk '{ s = $2; sub(/^msg=audit\(/, "", s); sub(/\):?$/, "", s)
             if (s != prev && (s in seen)) { print "stamp " s " on line " NR " again (first on line " seen[s] ")"; bad = 1 }
             if (!(s in seen)) seen[s] = NR; prev = s } END { exit bad }' "$AUDIT_LOG"
  assert_equal "$status:$output" "0:" "stamps seen twice"
  assert_equal "$(grep -c '^type=DAEMON_START ' "$AUDIT_LOG")" 3 "start markers"
}

@test "--kernel-audit alone changes no audit setting, and says so at start when audit is off" {
  nsproc_unmount_daemon_only 2>/dev/null || true
  local out rules_before
  rules_before=$(auditctl -l)
  out=$(NSPROC_STATE_DIR=$NSPROC_TMP/state "$MOUNT_SH" "$MNT" --audit-log "$AUDIT_LOG" --host --kernel-audit 2>"$NSPROC_TMP/terminal.err")
  local daemon_log
  daemon_log=$(awk '$1 == "daemon_log" { print $2 }' <<<"$out")
  nsproc_unmount_daemon_only
  if [[ $KA_ENABLED_BEFORE == 0 ]]; then
    assert_contains "$(cat "$daemon_log")" "kernel audit is off (enabled=0): no kernel events will come. To turn it on: auditctl -e 1"
    # …and on the terminal that started it, not only in the daemon log.
    assert_contains "$(cat "$NSPROC_TMP/terminal.err")" "kernel audit is off (enabled=0): no kernel events will come"
  fi
  [[ $rules_before == *always,exit* ]] || assert_contains "$(cat "$NSPROC_TMP/terminal.err")" "nsproc's own would be: auditctl -a always,exit"

  [[ $rules_before == *always,exit* ]] ||
    assert_contains "$(cat "$daemon_log")" "nsproc's own would be: auditctl -a always,exit -F arch=b64 -S clone -F 'a0&0x7e020000' -k nsproc; "
  assert_equal "$(auditctl -l)" "$rules_before" "rules"
  assert_equal "$(auditctl -s | awk '$1 == "enabled" { print $2 }')" "$KA_ENABLED_BEFORE" "enabled flag"
}

@test "without CAP_AUDIT_READ the daemon does not start, and says why" {
  command -v capsh >/dev/null || skip "no capsh to drop CAP_AUDIT_READ"
  run capsh --drop=cap_audit_read -- -c "NSPROC_STATE_DIR='$NSPROC_TMP/state-nocap' '$MOUNT_SH' '$NSPROC_TMP/mnt-nocap' --audit-log '$NSPROC_TMP/nocap.log' --host --kernel-audit"
  assert_equal "$status" 1 "mount.sh status"
  assert_contains "$output" "kernel audit: joining the audit multicast group was refused: nsproc needs root (CAP_AUDIT_CONTROL, and CAP_AUDIT_READ for the multicast group)"
}

nsproc_unmount_daemon_only() { NSPROC_STATE_DIR=$NSPROC_TMP/state "$MOUNT_SH" -u "$MNT" >/dev/null; }
