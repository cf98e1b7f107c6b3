#!/usr/bin/env bats
# Whose records a log holds (node names and boot ids): every line begins node=NAME when a
# name format is set, DAEMON_START names the boot, each file of a rotated set begins with
# DAEMON_ROTATE carrying the same identity, and a plain log stays as it always was.

load helpers

BOOT=0d4c2a6e-3b1f-4e8a-9c57-2f6b1d8e4a90

teardown() { nsproc_unmount_all; }

@test "--name hostA --boot-id: DAEMON_START first (serial 4, boot_id), then the seed's boot records 5..10, every line node=hostA" {
  nsproc_mount --name hostA --boot-id "$BOOT" --clock "fixed:$SEED_BOOT_TIME"
  p=$(nsctl clone 1 net)
  nsctl exit "$p" >/dev/null
  run grep -vc '^node=hostA type=[A-Z_]* msg=audit(' "$AUDIT_LOG"
  assert_equal "$output" 0 "lines without node=hostA"
  first=$(head -n 1 "$AUDIT_LOG")
  assert_match "$first" "^node=hostA type=DAEMON_START msg=audit\($SEED_BOOT_TIME:4\): op=start ver=0\.1\.0 format=raw kernel=model-v5 ns_serials=model boot_id=$BOOT auid=4294967295 pid=1 uid=0 ses=4294967295 subj=kernel res=success$"
  # Boot's records are the seed's: serials 5..10 in the seed's order.
  run sed -n '2,7{s/^node=hostA type=\([A-Z_]*\) msg=audit([0-9.]*:\([0-9]*\)).*/\1 \2/;p}' "$AUDIT_LOG"
  assert_equal "${lines[*]}" "AUDIT_NS_INIT_UTS 5 AUDIT_NS_INIT_USER 6 AUDIT_NS_INIT_PID 7 AUDIT_NS_INIT_MNT 8 AUDIT_NS_INIT_IPC 9 AUDIT_NS_INIT_NET 10" "boot records"
}

@test "--clock fixed: and --boot-id make a named log reproducible byte for byte" {
  nsproc_mount --name hostA --boot-id "$BOOT" --clock "fixed:$SEED_CLONE_TIME"
  nsctl clone 1 net,mnt >/dev/null
  first_log=$AUDIT_LOG
  nsproc_mount --name hostA --boot-id "$BOOT" --clock "fixed:$SEED_CLONE_TIME"
  nsctl clone 1 net,mnt >/dev/null
  run cmp "$first_log" "$AUDIT_LOG"
  assert_equal "$status" 0 "cmp of the two logs"
}

@test "without --boot-id each start names a boot of its own" {
  nsproc_mount --name hostA
  a=$(grep -o 'boot_id=[0-9a-f-]*' "$AUDIT_LOG")
  nsproc_mount --name hostA
  b=$(grep -o 'boot_id=[0-9a-f-]*' "$AUDIT_LOG")
  assert_match "$a" '^boot_id=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
  [[ $a != "$b" ]] || { echo "two starts gave the same $a" >&2; return 1; }
}

@test "a plain log (no name, no boot id) has no DAEMON_START and no node=: boot's records first" {
  nsproc_mount
  run grep -c 'DAEMON_\|^node=' "$AUDIT_LOG"
  assert_equal "$output" 0 "DAEMON_ or node= lines"
  assert_match "$(head -n 1 "$AUDIT_LOG")" '^type=AUDIT_NS_INIT_UTS msg=audit\([0-9.]+:5\): '
}

@test "--name-format hostname and numeric name the node as auditd would" {
  nsproc_mount --name-format hostname
  assert_match "$(head -n 1 "$AUDIT_LOG")" "^node=$(hostname) type=DAEMON_START "
  want=$(getent ahosts "$(hostname)" | head -n 1 | awk '{print $1}')
  nsproc_mount --name-format numeric
  assert_match "$(head -n 1 "$AUDIT_LOG")" "^node=$want type=DAEMON_START "
}

@test "SIGUSR1 and rotation by size: every file of the set begins with DAEMON_ROTATE and the same boot_id, serials consecutive" {
  nsproc_mount --name hostA --boot-id "$BOOT" --audit-max-size 0.002 --audit-num-logs 4
  for i in 1 2 3; do printf 'clone 1 net\nclone 1 mnt\n' | nsctl - >/dev/null; done
  kill -USR1 "$(cat "$NSPROC_STATE_DIR"/*.pid)"
  for ((i = 0; i < 50; i++)); do [[ -s $AUDIT_LOG ]] && break; sleep 0.1; done
  nsctl clone 1 uts >/dev/null
  local files=() f
  for f in "$AUDIT_LOG".3 "$AUDIT_LOG".2 "$AUDIT_LOG".1 "$AUDIT_LOG"; do [[ -f $f ]] && files+=("$f"); done
  (( ${#files[@]} >= 2 )) || { echo "no rotation happened: ${files[*]}" >&2; return 1; }
  for f in "${files[@]:1}"; do
    assert_match "$(head -n 1 "$f")" "^node=hostA type=DAEMON_ROTATE msg=audit\([0-9.]+:[0-9]+\): op=rotate-logs ver=0\.1\.0 format=raw kernel=model-v5 ns_serials=model boot_id=$BOOT "
  done
  run bash -c 'cat "$@" | sed "s/.*msg=audit([0-9.]*:\([0-9]*\)).*/\1/" | uniq' _ "${files[@]}"
  local prev=
  for s in "${lines[@]}"; do
    [[ -z $prev ]] || assert_equal "$s" $((prev + 1)) "serial after $prev"
    prev=$s
  done
}

@test "bad identity options are usage errors (exit 2), nothing started" {
  local bad
  for bad in "--name=host A" "--name=a'b" "--boot-id=not-a-uuid" "--name-format=short" "--name-format=user"; do
    run "$MOUNT_SH" "$BATS_TEST_TMPDIR/never" --audit-log "$BATS_TEST_TMPDIR/never.log" "$bad"
    assert_equal "$status" 2 "mount.sh $bad"
    [[ ! -e $BATS_TEST_TMPDIR/never.log ]] || { echo "mount.sh $bad wrote a log" >&2; return 1; }
  done
}

@test "every line of a --name-format hostname log parses with ausearch, and --node selects it" {
  fetch_ausearch || skip "ausearch unavailable: $AUSEARCH_MISSING"
  nsproc_mount --name-format hostname
  printf 'clone 1 net,mnt\nvirt_control 1 virt=lxc op=start reason=booted vm="web" uuid=5c2a3d1e-8f4b-4c6d-9e7f-0a1b2c3d4e5f vm-pid=4\n' | nsctl - >/dev/null
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw
  assert_equal "$status" 0 "ausearch --raw"
  assert_equal "$output" "$(cat "$AUDIT_LOG")" "ausearch --raw output"
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw --node "$(hostname)"
  assert_equal "$output" "$(cat "$AUDIT_LOG")" "ausearch --node $(hostname)"
  run --separate-stderr ausearch -if "$AUDIT_LOG" --raw --node not-this-host
  assert_equal "$status" 1 "ausearch --node not-this-host finds nothing"
}
