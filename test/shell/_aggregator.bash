# An aggregating auditd for the fleet tests: Debian's auditd 3.0.9 (fetched with the
# ausearch packages, never installed) listening on a free loopback port with
# local_events = no, so it never talks to the kernel's audit system. Private config and
# log in a temp dir; aggregator_stop (from teardown) kills it and removes the dir.
#
#   aggregator_start            AGG_PORT, AGG_LOG, AUDIT_TOOLS (for --audisp-remote)
#   aggregator_kill / aggregator_resume   an outage and the end of it
#   wait_for_lines FILE REGEX N [SECONDS]  until FILE has N lines matching REGEX
#   wait_for_distinct FILE REGEX N [SECONDS]  the same, a line sent twice counted once

aggregator_start() {
  fetch_ausearch || skip "Debian's audit tools unavailable: $AUSEARCH_MISSING"
  AUDITD_BIN=$(find "$AUDIT_TOOLS/root" -type f -name auditd -path '*sbin/*' | head -n 1)
  [[ -x $AUDITD_BIN ]] || skip "no auditd in the unpacked auditd package"
  AGG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/nsproc-agg.XXXXXX")
  AGG_LOG=$AGG_DIR/audit.log
  AGG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir "$AGG_DIR/plugins.d"
  # auditd.conf(5); what an aggregator of a fleet sets, nothing of the local kernel's.
  cat >"$AGG_DIR/auditd.conf" <<CONF
local_events = no
write_logs = yes
log_file = $AGG_LOG
log_format = RAW
flush = DATA
num_logs = 2
max_log_file = 0
max_log_file_action = IGNORE
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
name_format = none
tcp_listen_port = $AGG_PORT
tcp_max_per_addr = 10
use_libwrap = no
transport = TCP
plugin_dir = $AGG_DIR/plugins.d
CONF
  chmod 0640 "$AGG_DIR/auditd.conf"
  AUDITD_LIBS=$AUSEARCH_LIBS:$(find "$AUDIT_TOOLS/root" -name 'libwrap.so.0' -printf '%h\n' | head -n 1)
  export AGG_DIR AGG_LOG AGG_PORT AUDITD_BIN AUDITD_LIBS
  aggregator_resume
}

aggregator_resume() {
  local i
  LD_LIBRARY_PATH=$AUDITD_LIBS setsid "$AUDITD_BIN" -n -c "$AGG_DIR" >>"$AGG_DIR/auditd.out" 2>&1 3>&- </dev/null &
  AGG_PID=$!
  for ((i = 0; i < 100; i++)); do
    (exec 9<>"/dev/tcp/127.0.0.1/$AGG_PORT") 2>/dev/null && return 0
    kill -0 "$AGG_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "the aggregator did not listen on $AGG_PORT:" >&2
  cat "$AGG_DIR/auditd.out" >&2
  return 1
}

aggregator_kill() {
  [[ -n ${AGG_PID:-} ]] || return 0
  kill -9 "$AGG_PID" 2>/dev/null || true
  wait "$AGG_PID" 2>/dev/null || true
  AGG_PID=
}

aggregator_stop() {
  aggregator_kill
  [[ -n ${AGG_DIR:-} ]] && rm -rf "$AGG_DIR"
  AGG_DIR=
}

wait_for_lines() {
  local file=$1 re=$2 want=$3 secs=${4:-20} i n=0
  for ((i = 0; i < secs * 10; i++)); do
    n=$(grep -c -- "$re" "$file" 2>/dev/null) || n=0
    ((n >= want)) && return 0
    sleep 0.1
  done
  echo "$file: $n lines match '$re' after ${secs}s, not $want" >&2
  return 1
}

# A line resent around a failure must not stand in for one still on its way (it did, under load).
wait_for_distinct() {
  local file=$1 re=$2 want=$3 secs=${4:-20} i n=0
  for ((i = 0; i < secs * 10; i++)); do
    n=$(grep -- "$re" "$file" 2>/dev/null | sort -u | wc -l)
    ((n >= want)) && return 0
    sleep 0.1
  done
  echo "$file: $n distinct lines match '$re' after ${secs}s, not $want" >&2
  return 1
}
