#!/usr/bin/env bash
# Soak: the concurrency, kill/stop and rotation tests of test/robustness/, scaled up and
# repeated until DURATION has passed.
#
#   scripts/soak.sh DURATION [SCALE]      e.g. scripts/soak.sh 1h 20
#
# SCALE (default 10) multiplies the operations of test/robustness/concurrency.test.ts
# (8 readers x 250*SCALE reads, 4 writers x 120*SCALE commands). Each round also kills a
# daemon with SIGKILL and stops one with SIGTERM under a burst, and rotates a log under four
# writers (test/robustness/stop_under_load.test.ts, rotation.test.ts). DURATION: 90, 90s,
# 30m, 2h. Stops at the first failing round. Needs root and /dev/fuse.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_duration.bash

[[ $# -ge 1 && $# -le 2 ]] || { sed -n '2,12p' "$0" >&2; exit 2; }
total=$(duration_seconds "$1")
scale=${2:-10}
[[ $scale =~ ^[1-9][0-9]*$ ]] || { echo "SCALE must be a positive integer" >&2; exit 2; }
export NSPROC_TEST_RUN=${NSPROC_TEST_RUN:-long-$$}
build_all

end=$((SECONDS + total))
n=0
while (( SECONDS < end )); do
  n=$((n + 1))
  echo "== soak round $n (scale $scale), $((end - SECONDS)) s left"
  if ! NSPROC_SOAK_SCALE=$scale node_modules/.bin/vitest run \
      test/robustness/concurrency.test.ts test/robustness/stop_under_load.test.ts test/robustness/rotation.test.ts; then
    echo "FAILED in round $n. Replay: NSPROC_SOAK_SCALE=$scale node_modules/.bin/vitest run test/robustness/" >&2
    exit 1
  fi
done
echo "soak: $n rounds passed in $SECONDS s"
if grep -q "nsproc-test-$NSPROC_TEST_RUN-" /proc/mounts; then
  echo "soak: a test mount was left behind:" >&2
  grep "nsproc-test-$NSPROC_TEST_RUN-" /proc/mounts >&2
  exit 1
fi
exit 0
