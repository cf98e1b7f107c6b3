#!/usr/bin/env bats
# --remote: every line of the log goes through auditd's own audisp-remote to an aggregating
# auditd, as written (node= included), and nothing is lost when the aggregator, audisp-remote
# or the daemon itself dies. The aggregator is Debian's auditd with local_events = no
# (_aggregator.bash): it never touches the kernel's audit settings.

load helpers
load _aggregator

setup() { aggregator_start; }
teardown() {
  nsproc_unmount_all
  aggregator_stop
}

remote_mount() { nsproc_mount --remote "127.0.0.1:$AGG_PORT" --audisp-remote "$AUDIT_TOOLS/root" "$@"; }
# remote_up NAME: a model daemon named NAME forwarding, and a first record of it at the aggregator.
remote_up() {
  remote_mount --name "$1"
  nsctl clone 1 net >/dev/null
  wait_for_lines "$AGG_LOG" "^node=$1 type=NS_INFO" 1
}

# sender_pid: the daemon's audisp-remote (its child, once it has exec'd), waited for.
sender_pid() {
  local daemon i p
  daemon=$(cat "$NSPROC_STATE_DIR"/*.pid)
  for ((i = 0; i < 100; i++)); do
    p=$(pgrep -P "$daemon" -x audisp-remote) && { echo "$p"; return 0; }
    sleep 0.1
  done
  echo "no audisp-remote child of the daemon $daemon" >&2
  return 1
}

# same_records LOG NODE: the aggregator holds LOG's lines, in LOG's order, each once or
# more (a line resent around a crash is the same line), and no other line of NODE.
same_records() {
  local log=$1 node=$2
  wait_for_distinct "$AGG_LOG" "^node=$node " "$(wc -l <"$log")" 60 || true
  diff <(cat "$log") <(grep "^node=$node " "$AGG_LOG" | awk '!seen[$0]++') ||
    { echo "the aggregator's node=$node lines differ from $log (< local, > aggregator)" >&2; return 1; }
}

@test "two model daemons and a host-mode daemon send to one aggregator: every record of each, in its order, with its node=" {
  remote_mount --name hostA
  a_log=$AUDIT_LOG a_mnt=$MNT
  remote_mount --name hostB
  b_log=$AUDIT_LOG b_mnt=$MNT
  remote_mount --host
  h_log=$AUDIT_LOG h_mnt=$MNT
  for ((i = 0; i < 20; i++)); do
    NSPROC_MNT=$a_mnt nsctl clone 1 net >/dev/null
    NSPROC_MNT=$b_mnt nsctl clone 1 uts,ipc >/dev/null
  done
  unshare -n true
  for m in "$a_mnt" "$b_mnt" "$h_mnt"; do NSPROC_STATE_DIR=${m%/mnt}/state "$MOUNT_SH" -u "$m" >/dev/null; done
  same_records "$a_log" hostA
  same_records "$b_log" hostB
  same_records "$h_log" "$(hostname)"
  # Each sender's first line is its DAEMON_START, naming its boot.
  for n in hostA hostB "$(hostname)"; do
    assert_match "$(grep -m 1 "^node=$n " "$AGG_LOG")" "^node=$n type=DAEMON_START msg=audit\([0-9.]+:[0-9]+\): op=start .* boot_id=[0-9a-f-]{36} "
  done
  [[ $(grep -o 'boot_id=[0-9a-f-]*' "$AGG_LOG" | sort -u | wc -l) -eq 3 ]] || { echo "not three boot ids" >&2; return 1; }
  # ausearch picks one host out of the aggregated log.
  run --separate-stderr ausearch --node hostB --raw -if "$AGG_LOG"
  assert_equal "$(grep -c '^node=hostB ' <<<"$output")" "$(grep -c '^node=hostB ' "$AGG_LOG")" "ausearch --node hostB"
  assert_equal "$(grep -vc '^node=hostB ' <<<"$output" || true)" 0 "lines of other nodes"
}

@test "the aggregator down for a while: records wait on disk and all arrive once it is back, more than audisp-remote's queue holds" {
  remote_up hostA
  aggregator_kill
  for ((i = 0; i < 30; i++)); do nsctl clone 1 uts >/dev/null; done
  # 6,000 records: beyond the queue's 4,096 entries, the rest waits in the local log.
  for ((i = 0; i < 3000; i++)); do echo 'clone 1 ipc'; done | nsctl - >/dev/null
  sleep 3
  aggregator_resume
  same_records "$AUDIT_LOG" hostA
}

@test "audisp-remote killed: restarted, said so in the daemon log, nothing lost" {
  remote_up hostA
  pid=$(sender_pid)
  for ((i = 0; i < 10; i++)); do nsctl clone 1 ipc >/dev/null; done
  kill -9 "$pid"
  for ((i = 0; i < 10; i++)); do nsctl clone 1 ipc >/dev/null; done
  same_records "$AUDIT_LOG" hostA
  assert_contains "$(cat "$NSPROC_STATE_DIR"/*.log)" "nsproc: remote: audisp-remote (pid $pid) was killed by SIGKILL; restarting it in"
  [[ $(sender_pid) != "$pid" ]]
}

@test "kill -9 of the daemon (and its audisp-remote) while the aggregator is down: the acknowledged records reach it after the next start" {
  remote_up hostA
  aggregator_kill
  for ((i = 0; i < 20; i++)); do nsctl clone 1 uts >/dev/null; done
  daemon=$(cat "$NSPROC_STATE_DIR"/*.pid)
  sender=$(sender_pid)
  kill -9 "$daemon" "$sender"
  while kill -0 "$daemon" 2>/dev/null; do sleep 0.1; done
  acknowledged=$(grep -c 'type=AUDIT_NS_INIT_UTS' "$AUDIT_LOG")
  aggregator_resume
  # The next start on the same log (and mount point) sends what the killed one could not.
  "$MOUNT_SH" "$MNT" --audit-log "$AUDIT_LOG" --name hostA --remote "127.0.0.1:$AGG_PORT" --audisp-remote "$AUDIT_TOOLS/root" >/dev/null
  nsctl clone 1 mnt >/dev/null
  wait_for_lines "$AGG_LOG" '^node=hostA type=AUDIT_NS_INIT_MNT.*old_mntns=5 ' 1
  uts=$(grep '^node=hostA ' "$AGG_LOG" | awk '!seen[$0]++' | grep -c 'type=AUDIT_NS_INIT_UTS')
  assert_equal "$uts" "$((acknowledged + 1))" "INIT_UTS lines (both boots) in the aggregator"
  same_records "$AUDIT_LOG" hostA
}

@test "bad --remote and --audisp-remote: usage errors (exit 2), nothing started" {
  local mnt=$BATS_TEST_TMPDIR/mnt
  for bad in 'a b' 'host:0' 'host:70000' '::1' '[nothost]' '300.1.1.1' ''; do
    run --separate-stderr "$MOUNT_SH" "$mnt" --remote "$bad"
    assert_equal "$status" 2 "--remote '$bad'"
    assert_contains "$stderr" "nsproc: --remote must be HOST, HOST:PORT or [IPV6]:PORT"
  done
  run --separate-stderr "$MOUNT_SH" "$mnt" --audisp-remote /usr/sbin/audisp-remote
  assert_equal "$status:$stderr" "2:nsproc: --audisp-remote is the program that --remote runs: it needs --remote"$'\n'"Try './mount.sh --help' for the options."
  [[ ! -e $mnt ]]
}

@test "audisp-remote missing: the start fails (exit 1) naming the package, nothing mounted" {
  local mnt=$BATS_TEST_TMPDIR/mnt
  # Its own state dir: the failed start leaves its daemon log there (for the reader), not in /run/nsproc.
  NSPROC_STATE_DIR=$BATS_TEST_TMPDIR/state run --separate-stderr "$MOUNT_SH" "$mnt" --audit-log "$BATS_TEST_TMPDIR/a.log" --remote "127.0.0.1:$AGG_PORT" --audisp-remote "$BATS_TEST_TMPDIR"
  assert_equal "$status" 1
  assert_contains "$stderr" "--remote: audisp-remote (Debian package audispd-plugins) is needed for --remote: $BATS_TEST_TMPDIR has no sbin/audisp-remote"
  ! is_mounted "$mnt"
}

@test "--remote with no audisp-remote on the machine: mount.sh fetches Debian's audispd-plugins into its deps dir (not installed), and the records arrive" {
  if command -v audisp-remote >/dev/null || [[ -x /sbin/audisp-remote || -x /usr/sbin/audisp-remote ]]; then
    skip "this machine has an audisp-remote of its own"
  fi
  export NSPROC_DEPS_DIR=$BATS_TEST_TMPDIR/deps
  nsproc_mount --name hostA --remote "127.0.0.1:$AGG_PORT"
  assert_contains "$(cat "$NSPROC_TMP/mount.out")" "nsproc: --remote: no audisp-remote here; fetching Debian's audispd-plugins into $NSPROC_DEPS_DIR/audispd-plugins (unpacked, not installed)"
  [[ -x $NSPROC_DEPS_DIR/audispd-plugins/root/sbin/audisp-remote ]]
  nsctl clone 1 net >/dev/null
  same_records "$AUDIT_LOG" hostA
  # The second start finds it there.
  nsproc_mount --name hostB --remote "127.0.0.1:$AGG_PORT"
  [[ $(cat "$NSPROC_TMP/mount.out") != *fetching* ]]
}
