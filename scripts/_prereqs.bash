# Prerequisites of the top-level scripts (mount.sh, nstrail): node 20+, the dependencies
# installed, and dist/ built from the current sources. The caller sets ROOT and BUILD_STAMP
# and defines note MESSAGE and die STATUS MESSAGE.

need_node() {
  command -v node >/dev/null || die 1 "node (20 or newer) is not installed"
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
    die 1 "node $(node --version) is too old: nsproc needs Node 20 or newer"
}

# npm ci when node_modules is missing or older than the lock file (npm writes
# node_modules/.package-lock.json on every install).
need_deps() {
  if [[ ! -d $ROOT/node_modules/fuse-native || $ROOT/package-lock.json -nt $ROOT/node_modules/.package-lock.json ]]; then
    note "installing dependencies (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund) >&2 || die 1 "npm ci failed (see above)"
  fi
}

# tsc when a source is newer than the last successful build. The stamp is written
# only after tsc succeeds, so a failed build is retried, never run.
needs_build() {
  [[ -f $BUILD_STAMP && -f $ROOT/dist/src/cli/daemon.js && -f $ROOT/dist/src/cli/nstrail.js ]] || return 0
  [[ $ROOT/tsconfig.json -nt $BUILD_STAMP || $ROOT/package-lock.json -nt $BUILD_STAMP ]] && return 0
  [[ -n $(find "$ROOT/src" -name '*.ts' ! -name '*.test.ts' -newer "$BUILD_STAMP" -print -quit) ]]
}

need_build() {
  mkdir -p "$ROOT/dist"
  # Two runs at once (mount.sh, nstrail) must not run tsc over each other.
  exec 9>"$ROOT/dist/.build.lock"
  if command -v flock >/dev/null; then flock 9; fi
  if needs_build; then
    note "building (tsc -p tsconfig.json)"
    (cd "$ROOT" && node_modules/.bin/tsc -p tsconfig.json) >&2 || die 1 "the TypeScript build failed (see above)"
    touch "$BUILD_STAMP"
  fi
  exec 9>&-
}
