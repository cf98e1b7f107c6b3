#!/usr/bin/env bash
# Long run of the garbage-input fuzzer (test/robustness/fuzz.test.ts) against a real mount.
#
#   scripts/fuzz-long.sh DURATION [SEED]      e.g. scripts/fuzz-long.sh 2h
#
# Runs rounds of NSPROC_FUZZ_ROUND seconds (default 300), each on a fresh daemon with a new
# seed (SEED, SEED+1, …; default: from the clock), until DURATION (90, 90s, 30m, 2h) has
# passed. Stops at the first failing round and prints the command that replays it.
# Needs root and /dev/fuse, like the test suite. Exit status: 0 all rounds passed, 1 a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_duration.bash

[[ $# -ge 1 && $# -le 2 ]] || { sed -n '2,10p' "$0" >&2; exit 2; }
total=$(duration_seconds "$1")
seed=${2:-$(( $(date +%s) % 1000000007 ))}
round=${NSPROC_FUZZ_ROUND:-300}
export NSPROC_TEST_RUN=${NSPROC_TEST_RUN:-long-$$}
build_all

end=$((SECONDS + total))
n=0
while (( SECONDS < end )); do
  left=$((end - SECONDS))
  secs=$(( left < round ? left : round ))
  (( secs >= 5 )) || break
  n=$((n + 1))
  echo "== fuzz round $n: seed $seed, $secs s"
  if ! NSPROC_FUZZ_SEED=$seed NSPROC_FUZZ_SECONDS=$secs node_modules/.bin/vitest run test/robustness/fuzz.test.ts; then
    echo "FAILED in round $n. Replay: NSPROC_FUZZ_SEED=$seed NSPROC_FUZZ_SECONDS=$secs node_modules/.bin/vitest run test/robustness/fuzz.test.ts" >&2
    exit 1
  fi
  seed=$((seed + 1))
done
echo "fuzz: $n rounds passed in $SECONDS s"
