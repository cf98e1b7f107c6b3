#!/usr/bin/env bats
# Fresh once acknowledged (SPEC §4), with the kernel's caches on (the default 60 s entry and
# attribute timeouts): every test first makes the kernel cache what it will check (stat, ls,
# readlink, cat, as root and as a throw-away non-root host user), runs one kind of command,
# and checks from another process right after nsctl returned. The daemon invalidates the
# kernel's entry for every task the command changed before it answers (tree_invalidation.ts).
# pid_max is small so that a reused pid is cheap to reach.

load helpers

# gone PATH: stat, ls and cd all fail with "No such file or directory".
gone() {
  run stat -c %i "$1"
  assert_equal "$status:$output" "1:stat: cannot statx '$1': No such file or directory"
  run ls "$1"
  assert_equal "$status:$output" "2:ls: cannot access '$1': No such file or directory"
  run bash -c 'cd "$1"' bash "$1"
  assert_equal "$status:$output" "1:bash: line 1: cd: $1: No such file or directory"
}

# warm PID: look at everything the kernel may cache for PID, as root and as the test user.
warm() {
  stat "$MNT/$1" "$MNT/$1/ns" "$MNT/$1/ns/"{net,uts,net_snum} "$MNT/$1/status" >/dev/null
  stat -L "$MNT/$1/ns/net" >/dev/null
  ls "$MNT" "$MNT/$1/ns" >/dev/null
  cat "$MNT/$1/ns/net_snum" >/dev/null
  as_user stat "$MNT/$1/ns" >/dev/null
  as_user ls "$MNT/$1/ns" >/dev/null 2>&1 || true
}

listed() { ls "$MNT" | grep -qx "$1"; }

setup_file() {
  throwaway_user_create nsproc-t
  nsproc_mount --pid-max 400
}

teardown_file() {
  nsproc_teardown_file
  throwaway_user_delete
}

@test "freshness: clone — a pid looked up before it existed appears at once, listed" {
  local next t
  t=$(nsctl clone 1 0)
  next=$((t + 1))
  run stat "$MNT/$next"
  assert_equal "$status" 1
  assert_equal "$(nsctl clone 1 0)" "$next"
  [[ -d $MNT/$next/ns ]]
  listed "$next"
}

@test "freshness: unshare — readlink, stat -L and *_snum show the new namespace; the old target is gone" {
  local t old snum
  t=$(nsctl clone 1 0)
  warm "$t"
  old=$(readlink "$MNT/$t/ns/net")
  snum=$(snum "$t" net)
  nsctl unshare "$t" net >/dev/null
  [[ $(readlink "$MNT/$t/ns/net") != "$old" ]]
  assert_equal "$(stat -L -c %i "$MNT/$t/ns/net")" "$(inum "$t" net)"
  [[ $(snum "$t" net) != "$snum" ]]
  run stat "$MNT/$t/ns/$old"
  assert_equal "$status" 1
}

@test "freshness: setns — the links and *_snum show the target's namespace at once; the old target is gone" {
  local a b old
  a=$(nsctl clone 1 0)
  b=$(nsctl clone 1 uts)
  warm "$a"
  old=$(readlink "$MNT/$a/ns/uts")
  stat "$MNT/$a/ns/$old" >/dev/null
  nsctl setns "$a" "$b" uts >/dev/null
  run stat "$MNT/$a/ns/$old"
  assert_equal "$status" 1
  assert_equal "$(readlink "$MNT/$a/ns/uts")" "$(readlink "$MNT/$b/ns/uts")"
  assert_equal "$(stat -L -c %i "$MNT/$a/ns/uts")" "$(inum "$b" uts)"
  assert_equal "$(snum "$a" uts)" "$(snum "$b" uts)"
}

@test "freshness: exit — stat, ls, cd, readlink and cat fail with ENOENT at once; not listed" {
  local t
  t=$(nsctl clone 1 net)
  warm "$t"
  nsctl exit "$t" >/dev/null
  gone "$MNT/$t"
  gone "$MNT/$t/ns"
  run readlink -v "$MNT/$t/ns/net"
  assert_equal "$status:$output" "1:readlink: $MNT/$t/ns/net: No such file or directory"
  run cat "$MNT/$t/ns/net_snum"
  assert_equal "$status:$output" "1:cat: $MNT/$t/ns/net_snum: No such file or directory"
  ! listed "$t"
}

@test "freshness: exit of a pid namespace's init — every task it killed is gone at once" {
  local init kids k
  init=$(nsctl clone 1 pid)
  kids=$(printf 'clone %s 0\n' "$init" "$init" "$init" | nsctl -)
  kids="$kids $(nsctl clone "${kids%%$'\n'*}" 0)"
  for k in $init $kids; do warm "$k"; done
  nsctl exit "$init" >/dev/null
  for k in $init $kids; do
    gone "$MNT/$k"
    ! listed "$k"
  done
}

@test "freshness: setcred uid — the host user's access changes at once, both ways; caps show in status" {
  local t
  t=$(nsctl clone 1 0)
  warm "$t"
  run as_user ls "$MNT/$t/ns"
  assert_equal "$status:$output" "2:ls: cannot open directory '$MNT/$t/ns': Permission denied"
  nsctl setcred "$t" uid="$TUID" gid="$TGID" >/dev/null
  assert_equal "$(stat -c %u:%g "$MNT/$t" "$MNT/$t/ns" "$MNT/$t/ns/net_snum" | sort -u)" "$TUID:$TGID"
  assert_equal "$(as_user cat "$MNT/$t/ns/ipc_snum")" 1
  assert_equal "$(as_user readlink "$MNT/$t/ns/uts")" "$(readlink "$MNT/$t/ns/uts")"
  warm "$t"
  nsctl setcred "$t" uid=0 gid=0 caps=0x1 >/dev/null
  run as_user cat "$MNT/$t/ns/ipc_snum"
  assert_equal "$status:$output" "1:cat: $MNT/$t/ns/ipc_snum: Permission denied"
  run as_user ls "$MNT/$t/ns"
  assert_equal "$status" 2
  assert_equal "$(stat -c %u:%g "$MNT/$t/ns")" "0:0"
  assert_equal "$(status_field "$t" CapEff)" 0000000000000001
}

@test "freshness: setcred while another reader holds <pid>/ns busy — once it lets go, walks show the new owner within a second, not after the 60 s timeout" {
  local t i owner
  t=$(nsctl clone 1 0)
  warm "$t"
  # The kernel cannot drop a busy dentry; the next lookup of <pid> brings it back with the old owner.
  (cd "$MNT/$t/ns" && sleep 1) &
  sleep 0.3
  nsctl setcred "$t" uid="$TUID" gid="$TGID" >/dev/null
  wait
  for i in $(seq 20); do
    owner=$(stat -c %u:%g "$MNT/$t/ns")
    [[ $owner == "$TUID:$TGID" ]] && break
    sleep 0.05
  done
  assert_equal "$owner" "$TUID:$TGID"
  assert_equal "$(as_user readlink "$MNT/$t/ns/uts")" "$(readlink "$MNT/$t/ns/uts")"
}

@test "freshness: pin and unpin change nothing the tree shows; the pinned task's exit still shows at once" {
  local t pin snum
  t=$(nsctl clone 1 net)
  warm "$t"
  snum=$(snum "$t" net)
  pin=$(nsctl pin "$t" net)
  assert_equal "$(snum "$t" net)" "$snum"
  nsctl exit "$t" >/dev/null
  gone "$MNT/$t"
  nsctl unpin "$pin" >/dev/null
  gone "$MNT/$t"
}

@test "freshness: a reused pid shows the new task, not what the kernel cached for the old one" {
  local created p reused
  # Fill the pid space (pid_max 400): the batch stops at EAGAIN, keeping the clones before it.
  created=$(yes 'clone 1 0' | head -n 400 | nsctl - 2>/dev/null || true)
  [[ -n $created ]]
  # Hand them all to the host user and make the kernel cache that, then exit them in one write.
  nsctl - <<<"$(for p in $created; do echo "setcred $p uid=$TUID gid=$TGID"; done)" >/dev/null
  for p in $created; do echo "$MNT/$p/ns"; done | as_user xargs stat -c %u | sort -u | grep -qx "$TUID"
  nsctl - <<<"$(for p in $created; do echo "exit $p"; done)" >/dev/null
  reused=$(nsctl clone 1 0)
  [[ " $(echo $created) " == *" $reused "* ]]
  assert_equal "$(stat -c %u:%g "$MNT/$reused/ns")" "0:0"
  run as_user ls "$MNT/$reused/ns"
  assert_equal "$status:$output" "2:ls: cannot open directory '$MNT/$reused/ns': Permission denied"
}
