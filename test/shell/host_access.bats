#!/usr/bin/env bats
# Host mode: who may read a process's ns/ is who the kernel lets read /proc/<pid>/ns
# (kernel/ptrace.c, PTRACE_MODE_READ_FSCREDS). Each case runs a process as a throw-away host
# user would meet it and compares that user's readlink of the mount's ns/net with its readlink
# of the kernel's own /proc/<pid>/ns/net. Also: a setuid-root program's records name the real
# uid in uid=. The user and the set-id copies are removed in teardown_file.

load helpers

setup_file() {
  throwaway_user_create nsproc-acc
  nsproc_mount --host
  # Set-id copies in a dir of root's that the user can reach (/tmp is not nosuid here).
  BIN=$(mktemp -d /tmp/nsproc-acc-bin.XXXXXX)
  chmod 755 "$BIN"
  cp /bin/sleep "$BIN/sleep-setgid"
  chmod 2755 "$BIN/sleep-setgid"
  cp /bin/sleep "$BIN/sleep-setuid-user"
  chown "$TUID" "$BIN/sleep-setuid-user"
  chmod 4755 "$BIN/sleep-setuid-user"
  cp /usr/bin/unshare "$BIN/unshare-setuid-root"
  chmod 4755 "$BIN/unshare-setuid-root"
  export BIN
}

teardown_file() {
  local p
  for p in $(cat "$BATS_FILE_TMPDIR/pids" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
  nsproc_teardown_file
  rm -rf "${BIN:-/nonexistent}"
  throwaway_user_delete
}

# spawn CMD…: starts CMD in the background (stdio closed), records its pid in P and for teardown.
spawn() {
  "$@" </dev/null >/dev/null 2>&1 &
  P=$!
  echo "$P" >>"$BATS_FILE_TMPDIR/pids"
}

# The user's answer for a ns/ link: ok or denied.
user_reads() { if as_user readlink "$1" >/dev/null 2>&1; then echo ok; else echo denied; fi; }

# ids: the Uid and Gid lines of a status file.
ids() { grep -E '^(Uid|Gid):' "$1" 2>/dev/null; }

# agrees_with_kernel WANT: once the process runs its own program (setpriv has exec'd it:
# between setpriv's setresuid and its exec the kernel refuses everyone, a state that ends),
# the kernel answers the user WANT (the process has made its changes) and the mount's status
# has the process's ids as they are now (nsproc has read it since), waits up to 10 s (a
# change without an event is seen at the next rescan) for the mount to answer WANT too.
# On a mismatch, says what each side showed.
agrees_with_kernel() {
  local want=$1 kernel mine i
  for i in $(seq 100); do
    kernel=$(user_reads "/proc/$P/ns/net")
    [[ $(cat "/proc/$P/comm" 2>/dev/null) != setpriv && $kernel == "$want" &&
      $(ids "$MNT/$P/status") == "$(ids "/proc/$P/status")" ]] && break
    sleep 0.1
  done
  for i in $(seq 100); do
    mine=$( [[ -e $MNT/$P ]] && user_reads "$MNT/$P/ns/net" || echo absent)
    [[ $mine == "$want" ]] && break
    sleep 0.1
  done
  if [[ $mine != "$want" || $kernel != "$want" ]]; then
    echo "comm: $(cat "/proc/$P/comm" 2>/dev/null); kernel ns/ owner: $(stat -c %u:%g:%a "/proc/$P/ns" 2>&1); nsproc ns/ owner: $(stat -c %u:%g:%a "$MNT/$P/ns" 2>&1)" >&2
    echo "kernel ids: $(ids "/proc/$P/status" | tr '\n\t' '  '); nsproc ids: $(ids "$MNT/$P/status" | tr '\n\t' '  ')" >&2
  fi
  assert_equal "kernel=$kernel nsproc=$mine" "kernel=$want nsproc=$want"
}

@test "host access: the user's own plain process: both answer" {
  spawn setpriv --reuid="$TUID" --regid="$TGID" --clear-groups sleep 300
  agrees_with_kernel ok
  assert_equal "$(stat -c %u:%g:%a "$MNT/$P/ns")" "$TUID:$TGID:500"
}

@test "host access: a setgid program the user runs: both refuse" {
  spawn setpriv --reuid="$TUID" --regid="$TGID" --clear-groups "$BIN/sleep-setgid" 300
  agrees_with_kernel denied
}

@test "host access: the user's setuid program run by another user: both refuse its owner" {
  spawn setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN/sleep-setuid-user" 300
  agrees_with_kernel denied
}

@test "host access: a process with the user's uid and another gid: both refuse" {
  spawn setpriv --reuid="$TUID" --regid=65534 --clear-groups sleep 300
  agrees_with_kernel denied
}

@test "host access: a process of the user that is not dumpable (PR_SET_DUMPABLE 0): both refuse" {
  spawn setpriv --reuid="$TUID" --regid="$TGID" --clear-groups /usr/bin/python3 -c 'import ctypes,time; ctypes.CDLL(None).prctl(4, 0, 0, 0, 0); time.sleep(300)'
  agrees_with_kernel denied
}

@test "host access: a root process that became the user without exec: both refuse" {
  spawn /usr/bin/python3 -c "import os,time; os.setgroups([]); os.setresgid($TGID,$TGID,$TGID); os.setresuid($TUID,$TUID,$TUID); time.sleep(300)"
  agrees_with_kernel denied
}

@test "host access: a process of the user with an ambient capability: both refuse" {
  spawn setpriv --reuid="$TUID" --regid="$TGID" --clear-groups --inh-caps=+net_raw --ambient-caps=+net_raw sleep 300
  agrees_with_kernel denied
}

@test "host access: the user's process in a user namespace of its own: both answer" {
  spawn setpriv --reuid="$TUID" --regid="$TGID" --clear-groups unshare -U sleep 300
  agrees_with_kernel ok
}

@test "host access: root's process: both refuse; its status is readable" {
  spawn sleep 300
  agrees_with_kernel denied
  run as_user grep -c '^Pid:' "$MNT/$P/status"
  assert_equal "$status:$output" "0:1"
}

@test "host records: a setuid-root unshare run by the user has the user's (real) uid in uid=" {
  spawn setpriv --reuid="$TUID" --regid="$TGID" --clear-groups "$BIN/unshare-setuid-root" -u sleep 300
  local id="" i
  for i in $(seq 100); do
    id=$(python3 -c 'import fcntl,struct,os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); print(format(struct.unpack("Q", fcntl.ioctl(fd, 0x8008b70d, bytes(8)))[0], "x"))' "/proc/$P/ns/uts" 2>/dev/null)
    [[ $(readlink "/proc/$P/exe") == /usr/bin/sleep ]] && grep -q "^type=AUDIT_NS_INIT_UTS .* utsns=$id " "$AUDIT_LOG" && break
    sleep 0.1
  done
  assert_equal "$(grep "^type=AUDIT_NS_INIT_UTS .* utsns=$id " "$AUDIT_LOG" | grep -o ' uid=[0-9]*')" " uid=$TUID"
  # nsctl ps's UID is the effective one, as ps(1)'s.
  assert_equal "$(nsctl ps -l -n -r -p "$P" | cut -d' ' -f4)" 0
}

# A process named (PR_SET_NAME, and the same argv[0]) "\e[2J\e[Hroot\tok", in a uts namespace of
# its own: lsns(8) prints its command line, nsctl its comm, which are the same bytes here.
@test "host names: nsctl lsns and ps escape a name's control bytes as util-linux lsns does, byte for byte" {
  command -v cc >/dev/null || skip "needs a C compiler"
  cat >"$BATS_TEST_TMPDIR/named.c" <<'C'
#define _GNU_SOURCE
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
static char name[] = "\033[2J\033[Hroot\tok";
int main(int argc, char **argv, char **envp) {
  if (argc < 1 || strcmp(argv[0], name) != 0) { char *args[] = { name, 0 }; execve("/proc/self/exe", args, envp); return 1; }
  prctl(PR_SET_NAME, name);
  if (unshare(CLONE_NEWUTS) != 0) return 1;
  pause();
  return 0;
}
C
  cc -o "$BATS_TEST_TMPDIR/named" "$BATS_TEST_TMPDIR/named.c"
  spawn "$BATS_TEST_TMPDIR/named"
  local ino="" i
  for i in $(seq 100); do
    ino=$(stat -L -c %i "/proc/$P/ns/uts" 2>/dev/null)
    [[ -n $ino && $ino != "$(stat -L -c %i /proc/self/ns/uts)" ]] && grep -q "^type=NS_INFO .* pid=$P " "$AUDIT_LOG" && break
    sleep 0.1
  done
  local mode kernel mine
  for mode in "" -r; do
    kernel=$(LC_ALL=C.UTF-8 lsns $mode -n -t uts -o NS,PID,COMMAND | grep "^ *$ino ")
    mine=$(nsctl lsns $mode -n -t uts -o NS,PID,COMMAND | grep "^ *$ino ")
    assert_equal "$mine" "$kernel" "lsns ${mode:-(text)}"
  done
  [[ $kernel == *'\x1b[2J\x1b[Hroot\x09ok' ]]
  run nsctl ps -l -n -p "$P"
  [[ $output == *'\x1b[2J\x1b[Hroot\x09ok' && $output != *$'\e'* ]]
}
