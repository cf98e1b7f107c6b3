# Shared helpers of the shell suite (test/shell/*.bats, run by `npm test` after vitest).
#
# Every mount lives in a fresh temp dir ($NSPROC_TMP, mode 0755 so other host users can
# reach it) with its own audit log and mount.sh state dir. nsproc_mount records the dir in
# a per-file list, and nsproc_unmount_all (called from teardown_file by every file through
# nsproc_teardown_file) clears whatever a failing test left, so no mount outlives a run:
#   ./mount.sh -u MNT, then umount -l / fusermount -uz if anything is still mounted there.
#
# Usage in a .bats file:
#   load helpers
#   setup_file() { nsproc_mount --clock "fixed:$SEED_CLONE_TIME"; }   # one mount per file
#   teardown_file() { nsproc_teardown_file; }
#   @test "clone net,mnt: mnt is created before net" { log_mark; c=$(nsctl clone 1 net,mnt); … }

bats_require_minimum_version 1.5.0

NSPROC_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
MOUNT_SH=$NSPROC_ROOT/mount.sh
NSCTL_BIN=$NSPROC_ROOT/nsctl
FUSERMOUNT=$NSPROC_ROOT/node_modules/fuse-shared-library-linux/libfuse/bin/fusermount
export LC_ALL=C

# Times of the seed's records (seed/namespaces-log-per-task-v5-cover-letter.txt).
SEED_BOOT_TIME=1408577534.868
SEED_CLONE_TIME=1408577535.306
# The subject fields of every record written on behalf of pid 1 (boot's init).
INIT_SUBJ='uid=0 auid=4294967295 ses=4294967295 subj=kernel'
# Fixed inode numbers (SPEC §1) and the first dynamic one (0xF0000000).
PROC_UTS_INIT_INO=4026531838
PROC_IPC_INIT_INO=4026531839
PROC_PID_INIT_INO=4026531836
PROC_USER_INIT_INO=4026531837
PROC_CGROUP_INIT_INO=4026531835
PROC_TIME_INIT_INO=4026531834
PROC_NET_INIT_INO_MODERN=4026531833
PROC_MNT_INIT_INO_MODERN=4026531832
PROC_DYNAMIC_FIRST=4026531840

# The temp dirs this file mounted in (cleared at the end of the file; per file, so files run
# in parallel never clear each other's mounts).
_nsproc_dirs_file() { echo "${BATS_FILE_TMPDIR:-${BATS_RUN_TMPDIR:-/tmp}}/nsproc-mount-dirs"; }

# nsproc_mount [mount.sh options…]: mounts a fresh tree at $NSPROC_TMP/mnt with the audit
# log $NSPROC_TMP/audit.log. Exports MNT, AUDIT_LOG, NSPROC_TMP, NSPROC_MNT (for nsctl)
# and NSPROC_STATE_DIR (mount.sh's pid file and daemon log, kept in the temp dir).
nsproc_mount() {
  NSPROC_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nsproc-bats.XXXXXX")
  chmod 755 "$NSPROC_TMP"
  echo "$NSPROC_TMP" >>"$(_nsproc_dirs_file)"
  # NSPROC_TEST_AUDIT_LOG: put the log elsewhere (a small tmpfs, to test a full disk).
  export NSPROC_TMP MNT=$NSPROC_TMP/mnt AUDIT_LOG=${NSPROC_TEST_AUDIT_LOG:-$NSPROC_TMP/audit.log}
  export NSPROC_MNT=$MNT NSPROC_STATE_DIR=$NSPROC_TMP/state
  if ! "$MOUNT_SH" "$MNT" --audit-log "$AUDIT_LOG" "$@" >"$NSPROC_TMP/mount.out" 2>&1; then
    echo "mount.sh $MNT $* failed:" >&2
    cat "$NSPROC_TMP/mount.out" >&2
    return 1
  fi
}

# True if something is mounted exactly at $1.
is_mounted() {
  local target=$1
  awk -v t="$target" '$2 == t { found = 1 } END { exit !found }' /proc/self/mounts
}

# Unmounts whatever is mounted at $1/mnt (mount.sh -u, then lazily) and removes the dir $1.
_nsproc_clear_dir() {
  local dir=$1 mnt=$1/mnt
  [[ -d $dir ]] || return 0
  NSPROC_STATE_DIR=$dir/state "$MOUNT_SH" -u "$mnt" >/dev/null 2>&1 || true
  if is_mounted "$mnt"; then
    "$FUSERMOUNT" -uz "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
  fi
  # Never rm -r through a mount.
  if is_mounted "$mnt"; then
    echo "warning: $mnt is still mounted; leaving $dir" >&2
    return 1
  fi
  rm -rf "$dir"
}

# Stops the current mount ($NSPROC_TMP) and removes its temp dir.
nsproc_unmount() {
  [[ -n ${NSPROC_TMP:-} ]] || return 0
  _nsproc_clear_dir "$NSPROC_TMP"
}

# Clears every dir this run mounted in (the current one included).
nsproc_unmount_all() {
  local f dir status=0
  f=$(_nsproc_dirs_file)
  [[ -f $f ]] || return 0
  while IFS= read -r dir; do
    [[ -n $dir ]] && { _nsproc_clear_dir "$dir" || status=1; }
  done <"$f"
  : >"$f"
  return $status
}

nsproc_teardown_file() {
  nsproc_unmount_all
}

# --- a throw-away host user (root only) ----------------------------------------------------

# as_user CMD ARGS…: runs CMD as the test user (TUID/TGID), no supplementary groups.
as_user() { setpriv --reuid="$TUID" --regid="$TGID" --clear-groups -- "$@"; }

# throwaway_user_create PREFIX: creates the host user PREFIX<this run's pid> and exports
# TUSER, TUID and TGID; skips the file without root, useradd or setpriv. Users of PREFIX
# left by a run killed before its teardown are deleted first: those whose run is gone, and
# a stale one that carries this run's own pid.
throwaway_user_create() {
  [[ $(id -u) == 0 ]] || skip "needs root to create a host user"
  command -v useradd >/dev/null && command -v setpriv >/dev/null || skip "needs useradd and setpriv"
  local prefix=$1 u
  for u in $(sed -n "s/^\\(${prefix}[0-9]*\\):.*/\\1/p" /etc/passwd); do
    [[ $u != "$prefix$$" ]] && kill -0 "${u#"$prefix"}" 2>/dev/null || userdel "$u" 2>/dev/null || true
  done
  export TUSER=$prefix$$
  useradd -M -N -s /usr/sbin/nologin "$TUSER"
  export TUID TGID
  TUID=$(id -u "$TUSER") TGID=$(id -g "$TUSER")
}

# throwaway_user_delete: deletes the user throwaway_user_create made, if it made one.
throwaway_user_delete() { if [[ -n ${TUSER:-} ]]; then userdel "$TUSER"; fi; }

# nsctl against the current mount (NSPROC_MNT).
nsctl() { "$NSCTL_BIN" "$@"; }

# --- assertions (bats core has none) -----------------------------------------------------

# assert_equal ACTUAL EXPECTED [what]
assert_equal() {
  if [[ $1 != "$2" ]]; then
    {
      echo "${3:-value} differs"
      echo "-- expected:"; printf '%s\n' "$2"
      echo "-- actual:"; printf '%s\n' "$1"
      if [[ $1 == *$'\n'* || $2 == *$'\n'* ]]; then
        echo "-- diff (expected → actual):"
        diff <(printf '%s\n' "$2") <(printf '%s\n' "$1") || true
      fi
    } >&2
    return 1
  fi
}

# assert_match STRING REGEX [what]
assert_match() {
  if ! [[ $1 =~ $2 ]]; then
    printf '%s does not match /%s/:\n%s\n' "${3:-value}" "$2" "$1" >&2
    return 1
  fi
}

# assert_contains HAYSTACK NEEDLE [what]
assert_contains() {
  if [[ $1 != *"$2"* ]]; then
    printf '%s does not contain %q:\n%s\n' "${3:-value}" "$2" "$1" >&2
    return 1
  fi
}

# assert_nsctl_error ERRNO SENTENCE COMMAND ARGS…: nsctl fails with exit 1, prints nothing
# on stdout and exactly "nsctl: ERRNO: SENTENCE" on stderr. A SENTENCE ending in `*` is a
# prefix (the rest may vary).
assert_nsctl_error() {
  local errno=$1 sentence=$2
  shift 2
  run --separate-stderr "$NSCTL_BIN" "$@"
  assert_equal "$status" 1 "exit status of nsctl $*"
  if [[ $sentence == *'*' ]]; then
    assert_equal "${stderr:0:$((${#errno} + ${#sentence} + 8))}" "nsctl: $errno: ${sentence%'*'}" "stderr of nsctl $* (prefix)"
  else
    assert_equal "$stderr" "nsctl: $errno: $sentence" "stderr of nsctl $*"
  fi
  assert_equal "$output" "" "stdout of nsctl $*"
}

# assert_echo_error TEXT COMMAND-LINE: `echo COMMAND-LINE > MNT/nsctl` in bash fails and bash
# says "write error: TEXT" (strerror of the write's errno).
assert_echo_error() {
  local text=$1 line=$2
  run bash -c 'echo "$1" > "$2"' bash "$line" "$MNT/nsctl"
  assert_equal "$status" 1 "exit status of echo '$line' > nsctl"
  assert_equal "$output" "bash: line 1: echo: write error: $text" "bash's message for echo '$line' > nsctl"
}

# --- the audit log -----------------------------------------------------------------------

# Remembers where the audit log ends now; new_records shows what was written after.
log_mark() {
  LOG_MARK=$(wc -l <"$AUDIT_LOG")
  LOG_MARK_SERIAL=$(tail -n 1 "$AUDIT_LOG" | sed -n 's/.*msg=audit([0-9.]*:\([0-9]*\)).*/\1/p')
}

# The records written since log_mark, with `audit(SEC.MSEC:SERIAL)` shown as `audit(+K)`:
# K = SERIAL minus the last serial before the mark, so expected lines do not depend on
# what ran before (the time is checked on its own where it matters).
new_records() {
  tail -n "+$((LOG_MARK + 1))" "$AUDIT_LOG" |
    awk -v base="$LOG_MARK_SERIAL" '{
      if (match($0, /msg=audit\([0-9]+\.[0-9]+:[0-9]+\)/)) {
        stamp = substr($0, RSTART + 10, RLENGTH - 11); sub(/.*:/, "", stamp)
        $0 = substr($0, 1, RSTART - 1) "msg=audit(+" (stamp - base) ")" substr($0, RSTART + RLENGTH)
      }
      print
    }'
}

# assert_new_records <<EOF … EOF: the records since log_mark are exactly these lines.
assert_new_records() {
  local expected actual
  expected=$(cat)
  actual=$(new_records)
  assert_equal "$actual" "$expected" "audit records since log_mark"
}

# The last serial number in the audit log (the audit event counter, decimal).
last_audit_serial() {
  tail -n 1 "$AUDIT_LOG" | sed -n 's/.*msg=audit([0-9.]*:\([0-9]*\)).*/\1/p'
}

# --- the tree ----------------------------------------------------------------------------

# snum PID TYPE: the serial in PID's TYPE_snum (hex, no newline).
snum() { local v; v=$(<"$MNT/$1/ns/$2_snum") && printf '%s' "$v"; }
# inum PID ENTRY: the inode number in the link's text TYPE:[INUM].
inum() { local l; l=$(readlink "$MNT/$1/ns/$2") && l=${l##*[} && printf '%s' "${l%]}"; }
# status_field PID NAME: a field of MNT/PID/status (tabs kept between values).
status_field() { sed -n "s/^$2:\t//p" "$MNT/$1/status"; }

# --- Debian's ausearch, unpacked, never installed ----------------------------------------

# fetch_ausearch: makes `ausearch` (a function) run Debian's ausearch from auditd, with
# libauparse0 and libaudit1 beside it: `apt-get download` (after `apt-get update` if apt
# does not know the packages yet) and `dpkg -x` into a cache dir — nothing is installed and
# no daemon starts. The cache is $NSPROC_AUDIT_TOOLS, default $BATS_RUN_TMPDIR/audit-tools,
# shared by every file of one bats run. Returns 1 with the reason in $AUSEARCH_MISSING when
# apt cannot get the packages.
fetch_ausearch() {
  AUDIT_TOOLS=${NSPROC_AUDIT_TOOLS:-${BATS_RUN_TMPDIR:-/tmp}/audit-tools}
  AUSEARCH_MISSING=
  if [[ ! -f $AUDIT_TOOLS/.done ]]; then
    mkdir -p "$AUDIT_TOOLS"
    # One fetch at a time, even if files ever run in parallel.
    exec {lock}>"$AUDIT_TOOLS/.lock"
    flock "$lock"
    [[ -f $AUDIT_TOOLS/.done ]] || _fetch_audit_debs "$AUDIT_TOOLS" || { exec {lock}>&-; return 1; }
    exec {lock}>&-
  fi
  AUSEARCH_BIN=$(find "$AUDIT_TOOLS/root" -type f -name ausearch -path '*sbin/*' | head -n 1)
  AUSEARCH_LIBS=$(find "$AUDIT_TOOLS/root" -name 'libauparse.so.0' -printf '%h\n' | head -n 1)
  AUSEARCH_LIBS+=:$(find "$AUDIT_TOOLS/root" -name 'libaudit.so.1' -printf '%h\n' | head -n 1)
  [[ -x $AUSEARCH_BIN ]] || { AUSEARCH_MISSING="no ausearch in the unpacked auditd package"; return 1; }
  export AUSEARCH_BIN AUSEARCH_LIBS
}

# shellcheck source=../../scripts/_debian_fetch.bash
source "$NSPROC_ROOT/scripts/_debian_fetch.bash"

# audispd-plugins (audisp-remote) and libwrap0 (auditd links it): the fleet tests' aggregator.
_fetch_audit_debs() {
  debian_fetch "$1" auditd libauparse0 libaudit1 audispd-plugins libwrap0 || { AUSEARCH_MISSING=$DEBIAN_FETCH_ERROR; return 1; }
}

# ausearch ARGS…: the unpacked ausearch (after fetch_ausearch). It says on stderr that
# /etc/audit/auditd.conf does not exist; that line is dropped.
ausearch() {
  local err status=0
  err=$(mktemp "${TMPDIR:-/tmp}/ausearch-err.XXXXXX")
  LD_LIBRARY_PATH=$AUSEARCH_LIBS "$AUSEARCH_BIN" "$@" 2>"$err" || status=$?
  grep -v '^Config file /etc/audit/auditd.conf' "$err" >&2
  rm -f "$err"
  return $status
}
