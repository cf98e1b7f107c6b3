#!/usr/bin/env bats
# The audit log as auditd's own search tool reads it (SPEC §6): Debian's ausearch, fetched
# with apt-get download and unpacked with dpkg -x (never installed, no daemon), searches a
# busy log written by a real mount. Also pins down what ausearch cannot do with record
# types it does not know (docs/audit.md, "Searching with ausearch").

load helpers

ROUNDS=40

setup_file() {
  nsproc_mount
  # A busy log: each round clones (INIT MNT, INIT NET, NS_INFO), unshares uts (INIT, NS_INFO),
  # asks for NS_INFO, sends a VIRT_CONTROL (two records, one serial), setns back (DEL UTS,
  # NS_INFO), exits with its net pinned (DEL MNT) and unpins (DEL NET): 12 records.
  # Pids and pin ids are known in advance on a fresh mount: round i is pid 3+i, pin:i.
  local i p batch
  for ((i = 1; i <= ROUNDS; i++)); do
    p=$((3 + i))
    batch+="clone 1 net,mnt"$'\n'"unshare $p uts"$'\n'"pin $p net"$'\n'"ns_info 1 $p"$'\n'
    batch+="virt_control 1 op=start vm=guest$i"$'\n'"setns $p 1 uts"$'\n'"exit $p"$'\n'"unpin pin:$i"$'\n'
    # Several writes, so the records carry more than one time stamp.
    if ((i % 10 == 0)); then printf '%s' "$batch" | "$NSCTL_BIN" - >/dev/null; batch=; fi
  done
  nsproc_unmount_daemon_only
}
teardown_file() { nsproc_teardown_file; }

# The log is complete once the daemon is gone; keep the temp dir (and the log) until teardown.
nsproc_unmount_daemon_only() { NSPROC_STATE_DIR=$NSPROC_TMP/state "$MOUNT_SH" -u "$MNT" >/dev/null; }

setup() {
  fetch_ausearch || skip "ausearch unavailable: $AUSEARCH_MISSING"
}

# The log's lines with audit serial $1.
log_lines_of() { grep -F "msg=audit(" "$AUDIT_LOG" | grep -E "^[^ ]+ msg=audit\([0-9]+\.[0-9]{3}:$1\):"; }

@test "ausearch --raw returns every record of a busy log, unchanged and in order" {
  assert_equal "$(wc -l <"$AUDIT_LOG")" $((6 + 12 * ROUNDS)) "records in the busy log"
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw
  assert_equal "$status:$stderr" "0:"
  assert_equal "$output" "$(cat "$AUDIT_LOG")" "ausearch --raw output"
}

@test "ausearch -a SERIAL finds each event of a sample: boot INIT, clone INIT, NS_INFO, DEL, the last one" {
  local s serials=(5 10) first_clone last
  first_clone=$(grep -m 1 '^type=AUDIT_NS_INIT_MNT .* old_mntns=5 ' "$AUDIT_LOG" | sed 's/.*:\([0-9]*\)): .*/\1/')
  last=$(tail -n 1 "$AUDIT_LOG" | sed 's/.*:\([0-9]*\)): .*/\1/')
  serials+=("$first_clone" "$((first_clone + 2))" "$(grep -m 1 '^type=AUDIT_NS_DEL_UTS' "$AUDIT_LOG" | sed 's/.*:\([0-9]*\)): .*/\1/')" "$last")
  for s in "${serials[@]}"; do
    run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -a "$s"
    assert_equal "$status" 0 "ausearch -a $s status"
    assert_equal "$output" "$(log_lines_of "$s")" "ausearch -a $s"
    assert_equal "${#lines[@]}" 1 "records with serial $s"
  done
}

@test "ausearch -a on a VIRT_CONTROL serial returns both lines: VIRT_CONTROL and its NS_INFO" {
  local s n=0
  for s in $(sed -n 's/^type=VIRT_CONTROL msg=audit([0-9.]*:\([0-9]*\)).*/\1/p' "$AUDIT_LOG"); do
    run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -a "$s"
    assert_equal "$output" "$(log_lines_of "$s")" "ausearch -a $s"
    assert_equal "$(cut -d' ' -f1 <<<"$output" | tr '\n' ' ')" "type=VIRT_CONTROL type=NS_INFO " "records of serial $s"
    n=$((n + 1))
  done
  assert_equal "$n" "$ROUNDS" "VIRT_CONTROL events"
}

@test "ausearch shows VIRT_CONTROL's NS_INFO as a second event with the same time:serial (--just-one keeps the first)" {
  local s
  s=$(sed -n '0,/^type=VIRT_CONTROL/s/^type=VIRT_CONTROL msg=audit([0-9.]*:\([0-9]*\)).*/\1/p' "$AUDIT_LOG")
  run --separate-stderr ausearch -if "$AUDIT_LOG" -a "$s"
  assert_equal "$(grep -c '^----$' <<<"$output")" 2 "events printed for serial $s"
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -a "$s" --just-one
  assert_equal "$(cut -d' ' -f1 <<<"$output")" "type=VIRT_CONTROL"
}

@test "ausearch -m: VIRT_CONTROL works; the model's type names are refused; a type number finds nothing" {
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -m VIRT_CONTROL
  assert_equal "$(grep -c '^type=VIRT_CONTROL ' <<<"$output")" "$ROUNDS"
  local name
  for name in NS_INFO AUDIT_NS_INIT_NET AUDIT_NS_DEL_MNT; do
    run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -m "$name"
    assert_equal "$status" 1 "ausearch -m $name"
    assert_match "$stderr" '^Valid message types are: ALL USER ' "ausearch -m $name"
  done
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -m 1329
  assert_equal "$status:$output:$stderr" "1::" "ausearch -m 1329 (--raw prints no <no matches>)"
}

@test "ausearch -p, -ui, -ua, -ul, -se match VIRT_CONTROL only, -sv nothing: fields of unknown record types are not parsed" {
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -p 1
  assert_equal "$(cut -d' ' -f1 <<<"$output" | sort -u)" "type=VIRT_CONTROL" "types found by -p 1"
  # pid 4 is named by NS_INFO and AUDIT_NS_DEL_* records only.
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -p 4
  assert_equal "$status:$output:$stderr" "1::" "ausearch -p 4"
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -ui 0
  assert_equal "$(cut -d' ' -f1 <<<"$output" | sort -u)" "type=VIRT_CONTROL" "types found by -ui 0"
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -ua 0
  assert_equal "$(cut -d' ' -f1 <<<"$output" | sort -u)" "type=VIRT_CONTROL" "types found by -ua 0"
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -ul 4294967295
  assert_equal "$(cut -d' ' -f1 <<<"$output" | sort -u)" "type=VIRT_CONTROL" "types found by -ul 4294967295"
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -se kernel
  assert_equal "$(cut -d' ' -f1 <<<"$output" | sort -u)" "type=VIRT_CONTROL" "types found by -se kernel"
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -sv yes
  assert_equal "$status:$output" "1:" "ausearch -sv yes"
}

@test "ausearch -ui/-ua 4294967295 (-1) means no uid filter: every record matches" {
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -ui 4294967295
  assert_equal "${#lines[@]}" "$(wc -l <"$AUDIT_LOG")" "records found by -ui 4294967295"
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -ua 4294967295
  assert_equal "${#lines[@]}" "$(wc -l <"$AUDIT_LOG")" "records found by -ua 4294967295"
}

@test "ausearch -ts/-te and -i work on every record (time, uid, auid, ses, res interpreted)" {
  # From yesterday, not today: the records may have been written just before a midnight.
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw -ts yesterday -te now
  assert_equal "${#lines[@]}" "$(wc -l <"$AUDIT_LOG")" "records from yesterday to now"
  run --separate-stderr ausearch -if "$AUDIT_LOG" -i -a 5
  assert_match "$output" 'type=AUDIT_NS_INIT_UTS msg=audit\([0-9/]+ [0-9:.]+:5\) : pid=1 uid=root auid=unset ses=unset subj=kernel old_utsns=0 utsns=2 res=yes'
}

@test "ausearch -i shows VIRT_CONTROL text only as key=value: free text with no '=' (spaces, UTF-8) prints as an empty msg=" {
  # The busy log's first VIRT_CONTROL, with other texts in its msg='…' (same format, serials 1001…).
  local first texts=("op=start vm=guest1" "a    b" "héllo wörld" "a b c=d") t n=1000 log=$BATS_TEST_TMPDIR/virt.log
  first=$(grep -m 1 '^type=VIRT_CONTROL ' "$AUDIT_LOG")
  for t in "${texts[@]}"; do
    n=$((n + 1))
    sed -e "s/:[0-9]*): /:$n): /" -e "s/ msg='.*'\$/ msg='$t'/" <<<"$first" >>"$log"
  done
  run --separate-stderr ausearch -if "$log" -i
  assert_equal "$(grep -o " subj=kernel msg=.*" <<<"$output" | sed 's/ *$//')" " subj=kernel msg='op=start vm=guest1'
 subj=kernel msg=
 subj=kernel msg=
 subj=kernel msg='a b c=d'"
  run --separate-stderr ausearch -if "$log" --raw
  assert_equal "$output" "$(cat "$log")"
}
