#!/usr/bin/env bats
# Unmodified tools over the model: in a private mount namespace (unshare -m) the tree is bound
# over /proc, and util-linux lsns, ls and find read it as they read the kernel's /proc.

load helpers

setup_file() { nsproc_mount --clock "fixed:$SEED_CLONE_TIME"; }
teardown_file() { nsproc_teardown_file; }

setup() {
  command -v lsns >/dev/null || skip "util-linux lsns is not installed"
}

# under_proc CMD ARGS…: CMD in a private mount namespace with the tree bound over /proc
# (unshare -m makes the mount private: the machine's /proc is untouched).
under_proc() {
  unshare -m sh -c 'mount --bind "$1" /proc && shift && exec "$@"' sh "$MNT" "$@"
}

# util-linux lsns over the tree; a UTF-8 locale, as nsctl lsns draws its trees.
real_lsns() { LC_ALL=C.UTF-8 under_proc lsns "$@"; }

# Rows without tree art, sorted: what a tree and a flat list of the same namespaces share.
rows() { sed 's/[│├└─]//g; s/^ *//; s/  */ /g' | sort; }

# Both listings agree in every mode the issue names; -T as rows (lsns cannot draw its owner
# tree: the owners come from ioctls on namespace files, which the tree cannot answer).
assert_lsns_agree() {
  local args
  for args in "" "-J" "-t net" "-p $1" "-t uts -p $1"; do
    # shellcheck disable=SC2086 # the options are words
    assert_equal "$(real_lsns $args)" "$(nsctl lsns $args)" "lsns $args ($2)"
  done
  assert_equal "$(real_lsns -T | rows)" "$(nsctl lsns -T | rows)" "lsns -T rows ($2)"
  # An empty last column: util-linux pads the row less than nsctl lsns does (blanks at the end only).
  assert_equal "$(real_lsns -o +NETNSID | sed 's/ *$//')" "$(nsctl lsns -o +NETNSID | sed 's/ *$//')" "lsns -o +NETNSID ($2)"
}

@test "own tools: util-linux lsns over the bound tree prints what nsctl lsns prints, after clone, unshare, setns and exit" {
  local a b u
  assert_lsns_agree 1 boot
  a=$(nsctl clone 1 net,uts)
  b=$(nsctl clone "$a" pid)
  u=$(nsctl clone 1 user,net)
  assert_lsns_agree "$b" clone
  nsctl unshare "$b" ipc,mnt >/dev/null
  assert_lsns_agree "$b" unshare
  nsctl setns "$b" 1 net >/dev/null
  assert_lsns_agree "$b" setns
  nsctl exit "$a" >/dev/null
  assert_lsns_agree "$b" exit
  nsctl exit "$b" >/dev/null
  nsctl exit "$u" >/dev/null
  assert_lsns_agree 1 "exit of the last task of its namespaces"
}

@test "own tools: a shell loop over /proc/[0-9]*/ns/net_snum gives every task's serial" {
  nsctl clone 1 net >/dev/null
  nsctl clone 1 0 >/dev/null
  # shellcheck disable=SC2016 # expanded by the inner shell, under the bind mount
  assert_equal "$(under_proc sh -c 'for f in /proc/[0-9]*/ns/net_snum; do p=${f#/proc/}; echo "${p%%/*} $(cat "$f")"; done' | sort -n)" \
    "$(nsctl ps -l -r | awk 'NR > 1 { print $1, $5 }' | sort -n)"
}

@test "own tools: ls -l /proc/*/ns shows every link; find /proc -name '*_snum' finds every serial file" {
  local out pids
  pids=$(nsctl ps -l -r | awk 'NR > 1 { print $1 }' | wc -l)
  out=$(under_proc sh -c 'ls -l /proc/*/ns')
  assert_equal "$(grep -c ' net -> net:\[' <<<"$out")" "$((pids + 2))" "net links (the pids, self and thread-self)"
  assert_equal "$(under_proc find /proc -name '*_snum' | wc -l)" "$((pids * 6))" "*_snum files (six per task in v5)"
  assert_equal "$(under_proc find /proc -name net_snum -path '/proc/1/*')" /proc/1/ns/net_snum
}

@test "own tools: /proc/self is the --self task; nsctl self PID moves it at once; following it after that task exited: ENOENT" {
  local c
  c=$(nsctl clone 1 net)
  assert_equal "$(under_proc readlink /proc/self /proc/thread-self | tr '\n' ' ')$(under_proc cat /proc/thread-self/comm)" "1 1 init"
  assert_equal "$(nsctl self "$c")" ok
  assert_equal "$(under_proc readlink /proc/self) $(under_proc cat /proc/self/ns/net_snum)" "$c $(snum "$c" net)"
  nsctl exit "$c" >/dev/null
  run under_proc cat /proc/self/stat
  assert_equal "$output" "cat: /proc/self/stat: No such file or directory"
  assert_nsctl_error ESRCH "no task with pid $c" self "$c"
  nsctl self 1 >/dev/null
}

@test "own tools: stat, comm and cmdline are fresh once a command is acknowledged, with the kernel's caches on" {
  local c
  c=$(nsctl clone 1 0)
  stat -c %u "$MNT/$c/stat" "$MNT/$c/comm" >/dev/null # the kernel now caches their entries
  nsctl setcred "$c" uid=1000 gid=1000 comm=worker >/dev/null
  assert_equal "$(stat -c %u:%g "$MNT/$c/stat" "$MNT/$c/comm" "$MNT/$c/cmdline" | tr '\n' ' ')" "1000:1000 1000:1000 1000:1000 "
  assert_equal "$(cut -d' ' -f1-4 "$MNT/$c/stat") $(cat "$MNT/$c/comm") $(tr '\0' '|' <"$MNT/$c/cmdline")" "$c (worker) S 1 worker worker|"
  nsctl exit "$c" >/dev/null
  run stat -c %u "$MNT/$c/stat"
  assert_equal "$output" "stat: cannot statx '$MNT/$c/stat': No such file or directory"
}
