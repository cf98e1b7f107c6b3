#!/usr/bin/env bats
# nstrail on the logs of real model daemons: a container's life on three hosts driven with
# nsctl (test/shell/trail_fleet.bash), read as one input — concatenated, or interleaved line by
# line as an aggregating auditd would receive them.

load helpers

WEB=5c2a3d1e-8f4b-4c6d-9e7f-0a1b2c3d4e5f
FIXTURES=$NSPROC_ROOT/test/fixtures/trail

setup_file() {
  FLEET_DIR=$(mktemp -d "${TMPDIR:-/tmp}/nstrail-bats.XXXXXX")
  export FLEET_DIR
  "$NSPROC_ROOT/test/shell/trail_fleet.bash" "$FLEET_DIR"
}

teardown_file() {
  rm -rf "$FLEET_DIR"
  nsproc_teardown_file
}

nstrail() { "$NSPROC_ROOT/nstrail" "$@"; }

@test "the golden fixture (test/fixtures/trail/fleet.log) is what three model daemons write today" {
  cat "$FLEET_DIR/hostA.log" "$FLEET_DIR/hostB.log" "$FLEET_DIR/hostC.log" >"$FLEET_DIR/fleet.log"
  run cmp "$FLEET_DIR/fleet.log" "$FIXTURES/fleet.log"
  assert_equal "$status" 0 "cmp with the fixture: $output"
}

@test "--uuid: hostA's namespaces and creator, the admin's setns (auid 1000), the migration, hostB's namespaces, in order" {
  run nstrail --utc --uuid "$WEB" "$FLEET_DIR/hostA.log" "$FLEET_DIR/hostB.log" "$FLEET_DIR/hostC.log"
  assert_equal "$status" 0 "exit status"
  # NODE and EVENT by their columns in the heading (SERIAL is empty on some lines).
  got=$(printf '%s\n' "$output" | awk '/^TIME / { n = index($0, "NODE"); e = index($0, "EVENT"); next }
    n { split(substr($0, n), a, " "); split(substr($0, e), b, " "); print a[1], b[1] }' | uniq | tr '\n' ' ')
  assert_equal "$got" "hostA created hostA virt hostA entered hostA virt hostA freed hostB created hostB migrated hostB virt hostB alive " "hosts and events"
  assert_contains "$output" "hostA  11111111  11      created   mnt:8 uts:9 ipc:a pid:b net:c made by pid 1"
  assert_contains "$output" "entered   pid 5 (auid 1000) entered net:c"
  assert_contains "$output" "migrated  from hostA boot 11111111: net:c → net:c"
  assert_contains "$output" "[pid-ns 4026531846 = pid:b]"
}

@test "interleaved line by line (as an aggregator receives them), the trail is the same" {
  paste -d '\n' "$FLEET_DIR/hostA.log" "$FLEET_DIR/hostB.log" "$FLEET_DIR/hostC.log" | grep -v '^$' >"$FLEET_DIR/mixed.log"
  run nstrail --utc --uuid "$WEB" "$FLEET_DIR/mixed.log"
  assert_equal "$output" "$(cat "$FIXTURES/fleet.uuid.txt")" "trail of the interleaved log"
}

@test "--json gives the same facts: both nodes, the admin's auid, the pid namespace's inode resolved to its serial" {
  run nstrail --json --uuid "$WEB" "$FLEET_DIR/hostA.log" "$FLEET_DIR/hostB.log"
  assert_equal "$status" 0 "exit status"
  assert_contains "$output" '"node":"hostA","boot_id":"11111111-2222-4333-8444-555555555555"'
  assert_contains "$output" '"node":"hostB","boot_id":"66666666-7777-4888-9999-000000000000"'
  assert_contains "$output" '"event":"entered","namespaces":[{"type":"net","serial":"c","inum":null}],"pid":5,"auid":1000'
  assert_contains "$output" '"event":"virt","namespaces":[{"type":"pid","serial":"b","inum":4026531846}]'
}

@test "inode reuse on hostC: two containers whose pid namespaces had one inode keep their own serials" {
  one=$(nstrail --utc --uuid 0b7e4c1a-2d3f-4a5b-8c6d-7e8f9a0b1c2d "$FLEET_DIR/hostC.log" | grep -o 'pid-ns [0-9]* = pid:[0-9a-f]*')
  two=$(nstrail --utc --uuid 9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f "$FLEET_DIR/hostC.log" | grep -o 'pid-ns [0-9]* = pid:[0-9a-f]*')
  assert_equal "${one% = *} ${two% = *}" "pid-ns 4026531843 pid-ns 4026531843" "the same inode"
  assert_equal "${one#* = } ${two#* = }" "pid:8 pid:a" "two serials"
}
