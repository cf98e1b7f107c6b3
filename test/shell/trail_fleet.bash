#!/usr/bin/env bash
# A container's life on three model hosts, driven with nsctl as an orchestrator and an admin
# would, for nstrail's tests (test/shell/nstrail.bats, test/trail/golden.test.ts):
#   hostA: the orchestrator (pid 1) clones a container (pid, net, mnt, uts, ipc), announces it
#          in libvirt's words (op=start, op=init with pid-ns=INODE); an admin (auid 1000) makes
#          a uts namespace of its own and setns into the container's net; op=stop
#          reason=migrated; both exit.
#   hostB: the same uuid starts again, reason=migrated, in namespaces of hostB's boot; it is
#          still running at the end.
#   hostC: two containers one after the other, whose pid namespaces get the same inode (the
#          model gives a freed inode to the next namespace, as the kernel does).
# Usage: trail_fleet.bash OUTDIR   → OUTDIR/hostA.log hostB.log hostC.log (fixed clocks and boot
# ids: the same bytes on every run). Needs root (FUSE mounts); every mount is gone at exit.
# TRAIL_FLEET_DAEMON_ARGS: more options for every daemon (words), e.g. --remote to an aggregator.
set -euo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=$(realpath "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/trail-fleet.XXXXXX")
export NSPROC_STATE_DIR=$work/state
mounts=()
cleanup() {
  local m
  for m in "${mounts[@]}"; do "$ROOT/mount.sh" -u "$m" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

UUID_WEB=5c2a3d1e-8f4b-4c6d-9e7f-0a1b2c3d4e5f
UUID_ONE=0b7e4c1a-2d3f-4a5b-8c6d-7e8f9a0b1c2d
UUID_TWO=9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f

# host NAME BOOT_ID CLOCK: a fresh model daemon; nsctl talks to it from here on.
host() {
  local m=$work/$1
  mounts+=("$m")
  # shellcheck disable=SC2086 # words
  "$ROOT/mount.sh" "$m" --name "$1" --boot-id "$2" --clock "fixed:$3" --audit-log "$work/$1.log" ${TRAIL_FLEET_DAEMON_ARGS:-} >/dev/null
  export NSPROC_MNT=$m
}
nsctl() { "$ROOT/nsctl" "$@"; }
pid_inode() { stat -L -c %i "$NSPROC_MNT/$1/ns/pid"; }
virt() { nsctl virt_control 1 "virt=lxc $*" >/dev/null; }

host hostA 11111111-2222-4333-8444-555555555555 1408577535.306
c=$(nsctl clone 1 pid,net,mnt,uts,ipc)
virt "op=start reason=booted vm=\"web\" uuid=$UUID_WEB vm-pid=$c"
virt "op=init vm=\"web\" uuid=$UUID_WEB vm-pid=$c init-pid=$c pid-ns=$(pid_inode "$c")"
admin=$(nsctl clone 1 0)
nsctl setcred "$admin" auid=1000 ses=3 >/dev/null
nsctl unshare "$admin" uts >/dev/null
nsctl setns "$admin" "$c" net >/dev/null
virt "op=stop reason=migrated vm=\"web\" uuid=$UUID_WEB vm-pid=$c"
nsctl exit "$admin" >/dev/null
nsctl exit "$c" >/dev/null

host hostB 66666666-7777-4888-9999-000000000000 1408577600.100
c=$(nsctl clone 1 pid,net,mnt,uts,ipc)
virt "op=start reason=migrated vm=\"web\" uuid=$UUID_WEB vm-pid=$c"
virt "op=init vm=\"web\" uuid=$UUID_WEB vm-pid=$c init-pid=$c pid-ns=$(pid_inode "$c")"

host hostC aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee 1408577700.200
one=$(nsctl clone 1 pid,net)
virt "op=start reason=booted vm=\"one\" uuid=$UUID_ONE vm-pid=$one"
virt "op=init vm=\"one\" uuid=$UUID_ONE vm-pid=$one init-pid=$one pid-ns=$(pid_inode "$one")"
virt "op=stop reason=shutdown vm=\"one\" uuid=$UUID_ONE vm-pid=$one"
nsctl exit "$one" >/dev/null
two=$(nsctl clone 1 pid,net)
virt "op=start reason=booted vm=\"two\" uuid=$UUID_TWO vm-pid=$two"
virt "op=init vm=\"two\" uuid=$UUID_TWO vm-pid=$two init-pid=$two pid-ns=$(pid_inode "$two")"

for m in "${mounts[@]}"; do "$ROOT/mount.sh" -u "$m" >/dev/null; done
mounts=()
# The logs only: the daemons' lock files beside them stay in the work dir.
cp "$work/hostA.log" "$work/hostB.log" "$work/hostC.log" "$out/"
