#!/usr/bin/env bats
# The fleet on one machine, as issue-free as a fleet gets: three model hosts and a host-mode
# daemon forward (--remote) to one aggregating auditd (_aggregator.bash), and nstrail reads the
# aggregator's log — lines of four nodes interleaved as they arrived.

load helpers
load _aggregator

WEB=5c2a3d1e-8f4b-4c6d-9e7f-0a1b2c3d4e5f
FIXTURES=$NSPROC_ROOT/test/fixtures/trail
ID=$(printf 'c0ffee%.0s' {1..10})abcd

setup() {
  aggregator_start
  CG=
  SLEEPER=
}

teardown() {
  [[ -n $SLEEPER ]] && { kill -9 "$SLEEPER" 2>/dev/null || true; wait "$SLEEPER" 2>/dev/null || true; }
  if [[ -n $CG ]]; then
    rmdir "$CG/docker-$ID.scope" "$CG" 2>/dev/null || echo "could not remove $CG" >&2
  fi
  nsproc_unmount_all
  aggregator_stop
}

nstrail() { "$NSPROC_ROOT/nstrail" "$@"; }

# The cgroup v2 directory this test's process is in (cgroups(7)): where the container's goes.
own_v2_cgroup() {
  local mnt
  mnt=$(awk '{ split($0, a, " - "); split(a[2], b, " "); if (b[1] == "cgroup2") { split(a[1], c, " "); print c[5]; exit } }' /proc/self/mountinfo)
  [[ -n $mnt ]] && printf '%s%s\n' "$mnt" "$(sed -n 's/^0:://p' /proc/self/cgroup)"
}

@test "three model hosts and a host-mode daemon forward to one aggregator: nstrail --uuid on its log is the golden trail; --container finds the host's container" {
  local base
  base=$(own_v2_cgroup) || skip "no cgroup v2 hierarchy here"
  nsproc_mount --host --host-rescan-ms 100 --remote "127.0.0.1:$AGG_PORT" --audisp-remote "$AUDIT_TOOLS/root"
  local host_log=$AUDIT_LOG host_mnt=$MNT
  # A "container" on the real host: a process in a docker-<id>.scope cgroup, in a network namespace of its own.
  CG=$base/nsproc-bats-$$
  mkdir -p "$CG/docker-$ID.scope"
  (echo "$BASHPID" >"$CG/docker-$ID.scope/cgroup.procs" && exec unshare -n sleep 60) 3>&- &
  SLEEPER=$!
  TRAIL_FLEET_DAEMON_ARGS="--remote 127.0.0.1:$AGG_PORT --audisp-remote $AUDIT_TOOLS/root" \
    "$NSPROC_ROOT/test/shell/trail_fleet.bash" "$BATS_TEST_TMPDIR"
  wait_for_lines "$host_log" "type=NSPROC_CONTAINER .*container=$ID" 1
  NSPROC_STATE_DIR=${host_mnt%/mnt}/state "$MOUNT_SH" -u "$host_mnt" >/dev/null
  for n in hostA hostB hostC; do wait_for_distinct "$AGG_LOG" "^node=$n " "$(wc -l <"$BATS_TEST_TMPDIR/$n.log")" 60; done
  wait_for_distinct "$AGG_LOG" "^node=$(hostname) " "$(wc -l <"$host_log")" 60
  # Four nodes in one file, the aggregator's own lines between them.
  run nstrail --utc --uuid "$WEB" "$AGG_LOG"
  assert_equal "$output" "$(cat "$FIXTURES/fleet.uuid.txt")" "trail from the aggregator's log"
  run nstrail --json --container "${ID:0:12}" "$AGG_LOG"
  assert_equal "$status" 0 "nstrail --container: $output"
  assert_contains "$output" "\"node\":\"$(hostname)\""
  assert_contains "$output" "\"event\":\"container\""
  assert_contains "$output" "\"container\":\"$ID\""
  # With the kernel's ids (NS_GET_ID, Linux 6.18+) the serial is the one the kernel gives.
  if grep -q 'ns_serials=ns_get_id' "$host_log"; then
    net=$(python3 -c 'import fcntl, os, struct, sys; fd = os.open(sys.argv[1], os.O_RDONLY); print(format(struct.unpack("Q", fcntl.ioctl(fd, 0x8008b70d, bytes(8)))[0], "x"))' "/proc/$SLEEPER/ns/net")
    assert_contains "$output" "{\"type\":\"net\",\"serial\":\"$net\",\"inum\":null}"
  fi
}
