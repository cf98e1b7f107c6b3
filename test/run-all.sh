#!/usr/bin/env bash
# What `npm test` runs: the dependencies if they are missing (npm ci), the TypeScript
# build, then vitest (unit and mount tests), then bats (test/shell/*.bats) when there are
# any. A failed build stops here; otherwise every suite runs and any failure fails the whole.
# Arguments go to vitest, e.g. `npm test -- test/mount_sh.test.ts`.
set -euo pipefail
cd "$(dirname "$0")/.."

# From a clean clone too: the dependencies, installed as mount.sh installs them (npm ci).
ROOT=$(pwd)
note() { printf 'nsproc: %s\n' "$*" >&2; }
die() { local status=$1; shift; note "$@"; exit "$status"; }
# shellcheck source=../scripts/_prereqs.bash
source scripts/_prereqs.bash
need_node
need_deps

echo "== build: tsc -p tsconfig.json, tsc -p test/tsconfig.json (fixtures), type-check all (tsconfig.check.json)"
node_modules/.bin/tsc -p tsconfig.json
node_modules/.bin/tsc -p test/tsconfig.json
# Type-check everything, the tests beside the code included (vitest itself does not).
node_modules/.bin/tsc -p tsconfig.check.json
# mount.sh's "built and up to date" stamp, so its tests do not rebuild.
touch dist/.nsproc-build-ok

failed=()
echo "== vitest"
node_modules/.bin/vitest run "$@" || failed+=(vitest)

if compgen -G 'test/shell/*.bats' >/dev/null; then
  echo "== bats test/shell"
  # Not node_modules/.bin/bats: the lock file records no bin for bats (it declares
  # directories.bin), so `npm ci` never creates that link.
  node_modules/bats/bin/bats test/shell || failed+=(bats)
fi

if (( ${#failed[@]} > 0 )); then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all tests passed"
