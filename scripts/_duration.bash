# Shared by the long-run scripts: DURATION as 90, 90s, 30m, 2h or 1d → seconds.
duration_seconds() {
  local d=$1
  [[ $d =~ ^([0-9]+)([smhd]?)$ ]] || { echo "bad duration '$d' (e.g. 600, 30m, 2h)" >&2; return 2; }
  local n=${BASH_REMATCH[1]}
  case ${BASH_REMATCH[2]} in
    ''|s) echo "$n" ;;
    m) echo $((n * 60)) ;;
    h) echo $((n * 3600)) ;;
    d) echo $((n * 86400)) ;;
  esac
}

# tsc for the daemon and the test fixtures (the load workers), as test/run-all.sh does.
build_all() {
  node_modules/.bin/tsc -p tsconfig.json
  node_modules/.bin/tsc -p test/tsconfig.json
  touch dist/.nsproc-build-ok
}
