#!/usr/bin/env bats
# Host mode that follows the kernel's audit events instead of polling (SPEC §7): while the
# events name every clone, clone3, unshare and setns, a process that unshares without exec is
# read when its event comes, with the full rescan only a safety net (an hour here); when the
# rules go (auditctl -D, as an auditd reload does) nsproc adds its own again, or polls again
# when they were not its own; a loss in the stream is answered with a full rescan.
# Each test starts its own daemon (only one may own nsproc's rules) and stops it.

load helpers
load _kernel_audit

setup_file() { ka_setup_file; }
teardown_file() { ka_teardown_file nsproc-test; }
teardown() {
  [[ -z ${PY:-} ]] || { kill "$PY" 2>/dev/null || true; wait "$PY" 2>/dev/null || true; }
  nsproc_unmount_all
  auditctl -D -k nsproc-test >/dev/null 2>&1 || true
}

HOUR=3600000

# unshare_py: a python process that unshares its network namespace itself (ctypes, no exec)
# and sleeps; PY is its pid, once it is in the new namespace.
unshare_py() {
  python3 -c 'import ctypes, os, time
if ctypes.CDLL(None, use_errno=True).unshare(0x40000000) != 0: raise OSError(ctypes.get_errno(), "unshare")
time.sleep(30)' &
  PY=$!
  local i
  for ((i = 0; i < 200; i++)); do
    [[ $(readlink "/proc/$PY/ns/net") != "$(readlink /proc/self/ns/net)" ]] && return 0
    sleep 0.01
  done
  echo "python $PY never unshared" >&2
  return 1
}

# wait_tree_net PID ID: until MNT/PID/ns/net_snum is ID (10 s at most); prints the ms it took.
wait_tree_net() {
  local t0 i
  t0=$(date +%s%N)
  for ((i = 0; i < 1000; i++)); do
    [[ $(cat "$MNT/$1/ns/net_snum" 2>/dev/null) == "$2" ]] && { echo $((($(date +%s%N) - t0) / 1000000)); return 0; }
    sleep 0.01
  done
  echo "MNT/$1/ns/net_snum is $(cat "$MNT/$1/ns/net_snum" 2>&1), not $2, after 10 s" >&2
  return 1
}

daemon_log() { cat "$NSPROC_STATE_DIR"/*.log; }

@test "--kernel-audit-rules, full rescans an hour apart: a python process that unshares without exec is in the tree and the log when its event comes" {
  nsproc_mount --host --kernel-audit-rules --host-rescan-ms "$HOUR"
  assert_contains "$(cat "$NSPROC_TMP/mount.out")" "follows the kernel's audit events (they name every clone, clone3, unshare, setns), full rescan every 3600 s as a safety net"
  unshare_py
  id=$(py_ns_id "/proc/$PY/ns/net")
  ms=$(wait_tree_net "$PY" "$id")
  echo "# in the tree after ${ms} ms" >&3
  assert_match "$(grep 'type=AUDIT_NS_INIT_NET' "$AUDIT_LOG" | grep " pid=$PY ")" " netns=$id res=1$"
}

@test "auditctl -D -k nsproc (what an auditd reload does to every rule): nsproc adds its rules again, says so, logs it, and the next unshare is followed" {
  nsproc_mount --host --kernel-audit-rules --host-rescan-ms "$HOUR"
  # auditctl deletes the rules it listed one by one: nsproc must not take any from under it (exit 0).
  auditctl -D -k nsproc >/dev/null
  readded() { grep 'type=NSPROC_KERNEL_RULES' "$AUDIT_LOG" | sed -n 's/.* op=readd rules=\([0-9]*\) key=nsproc res=1$/\1/p' | awk '{ n += $1 } END { print n + 0 }'; }
  for ((i = 0; i < 100; i++)); do [[ $(readded) == 6 ]] && break; sleep 0.05; done
  assert_match "$(grep 'type=NSPROC_KERNEL_RULES' "$AUDIT_LOG" | head -n 1)" "^type=NSPROC_KERNEL_RULES msg=audit\([0-9.]+:[0-9]+\): op=readd rules=[1-6] key=nsproc res=1$"
  assert_equal "$(readded)" 6
  # nsctl status counts the times it added them back (one burst: once, or more if auditctl was slow).
  n=$(nsctl status | awk '$1 == "kernel_rules_readded" { print $2 }')
  [[ $n -ge 1 ]] || { echo "kernel_rules_readded is '$n'" >&2; return 1; }
  assert_equal "$(nsctl status | awk '$1 == "kernel_rules_owned" { print $2 }')" 6
  assert_contains "$(daemon_log)" "nsproc: kernel audit rules with the key nsproc were removed (auditctl -D, as an auditd reload does); added them again"
  run auditctl -l
  assert_contains "$output" "-a always,exit -F arch=b64 -S clone -F a0&0x7E020000 -F key=nsproc"
  assert_contains "$output" "-a always,exit -F arch=b32 -S setns,clone3 -F key=nsproc"
  unshare_py
  wait_tree_net "$PY" "$(py_ns_id "/proc/$PY/ns/net")" >/dev/null
  assert_match "$(grep '^type=SYSCALL' "$AUDIT_LOG" | grep " pid=$PY ")" ' syscall=272 success=yes .* key="nsproc"$'
}

@test "--kernel-audit over rules it does not own: it follows them; when they go it says so (NSPROC_KERNEL_RULES op=uncovered) and polls, and follows again when they are back" {
  auditctl -e 1 >/dev/null
  # b64 as nsproc's own rules filter them (clone and unshare only with a CLONE_NEW* flag), b32 every call.
  auditctl -a always,exit -F arch=b64 -S clone -F 'a0&0x7e020000' -k nsproc-test >/dev/null
  auditctl -a always,exit -F arch=b64 -S unshare -F 'a0&0x7e020080' -k nsproc-test >/dev/null
  auditctl -a always,exit -F arch=b64 -S clone3,setns -k nsproc-test >/dev/null
  auditctl -a always,exit -F arch=b32 -S clone,clone3,unshare,setns -k nsproc-test >/dev/null
  nsproc_mount --host --kernel-audit
  assert_contains "$(cat "$NSPROC_TMP/mount.out")" "follows the kernel's audit events (they name every clone, clone3, unshare, setns), full rescan every 60 s as a safety net"
  auditctl -D -k nsproc-test >/dev/null
  for ((i = 0; i < 100; i++)); do grep -q 'op=uncovered' "$AUDIT_LOG" && break; sleep 0.05; done
  assert_match "$(grep 'type=NSPROC_KERNEL_RULES' "$AUDIT_LOG")" "op=uncovered$"
  assert_contains "$(daemon_log)" "nsproc: kernel audit events no longer name every namespace syscall (no always,exit rule covers every namespace-making call of clone, clone3, unshare, setns of 64-bit (b64) processes): host mode polls again"
  assert_contains "$(daemon_log)" "nsproc: host mode now polls: full rescan every 1 s"
  # Polling: an unshare without an event is in the tree within the rescan.
  unshare_py
  wait_tree_net "$PY" "$(py_ns_id "/proc/$PY/ns/net")" >/dev/null
  auditctl -a always,exit -F arch=b64 -S clone,clone3,unshare,setns -k nsproc-test >/dev/null
  auditctl -a always,exit -F arch=b32 -S clone,clone3,unshare,setns -k nsproc-test >/dev/null
  for ((i = 0; i < 100; i++)); do grep -q 'op=covered' "$AUDIT_LOG" && break; sleep 0.05; done
  assert_contains "$(daemon_log)" "nsproc: host mode now follows the kernel's audit events"
}

@test "a loss in the kernel's audit stream (test hook: an overrun): NSPROC_KERNEL_LOST, a full rescan said and done, and the tree is right" {
  NSPROC_TEST_KAUDIT_OVERRUN=1 nsproc_mount --host --kernel-audit-rules --host-rescan-ms "$HOUR"
  unshare_py
  wait_tree_net "$PY" "$(py_ns_id "/proc/$PY/ns/net")" >/dev/null
  for ((i = 0; i < 100; i++)); do grep -q 'rescanning every process' <(daemon_log) && break; sleep 0.05; done
  assert_contains "$(grep 'type=NSPROC_KERNEL_LOST' "$AUDIT_LOG")" "reason=overrun"
  assert_contains "$(daemon_log)" "nsproc: the kernel's audit stream lost events (see NSPROC_KERNEL_LOST in the log); rescanning every process"
}
