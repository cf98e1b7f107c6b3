#!/usr/bin/env bash
# The whole suite (npm test) under fixed clocks, time zones and locales that are not the
# machine's, to show that no test depends on the date, the time of day, the zone or the
# locale (issue 11: a docs example failed on days 1-9 of every month).
#
#   scripts/clock-locale-matrix.sh [ROW...]      e.g. scripts/clock-locale-matrix.sh 2
#
# Rows (default: all), each a full `npm test` started at that local wall-clock time with
# Debian's faketime (start-at form: the clock runs on from there, in every process):
#   1  2027-01-01 00:00:05   TZ=Asia/Kolkata       (UTC+05:30)  LC_ALL=de_DE.UTF-8
#   2  2027-02-05 23:59:58   TZ=America/St_Johns   (UTC-03:30)  LC_ALL=tr_TR.UTF-8
#   3  2027-12-31 12:00:00   TZ=Pacific/Kiritimati (UTC+14)     LC_ALL=de_DE.UTF-8
# Each row's output goes to $TMPDIR/nsproc-matrix-ROW.log; one summary line per row; exit 1
# if any row failed. Needs what npm test needs (root, /dev/fuse), plus:
#   apt-get install -y faketime locales
#   sed -i 's/^# *\(de_DE\|tr_TR\)\.UTF-8/\1.UTF-8/' /etc/locale.gen && locale-gen
# About 4 minutes per row on an idle 2-core machine.
set -uo pipefail
cd "$(dirname "$0")/.."

ROWS=(
  '2027-01-01 00:00:05|Asia/Kolkata|de_DE.UTF-8'
  '2027-02-05 23:59:58|America/St_Johns|tr_TR.UTF-8'
  '2027-12-31 12:00:00|Pacific/Kiritimati|de_DE.UTF-8'
)

command -v faketime >/dev/null || { echo "faketime is missing: apt-get install -y faketime" >&2; exit 2; }
# locale -a spells UTF-8 as utf8.
have_locale() { locale -a 2>/dev/null | grep -qix "${1%%.*}.utf-\?8"; }

pick=("$@")
((${#pick[@]} > 0)) || pick=($(seq 1 ${#ROWS[@]}))
failed=()
for r in "${pick[@]}"; do
  [[ $r =~ ^[0-9]+$ ]] && ((r >= 1 && r <= ${#ROWS[@]})) || { echo "no row '$r' (1-${#ROWS[@]})" >&2; exit 2; }
  IFS='|' read -r clock tz loc <<<"${ROWS[r - 1]}"
  have_locale "$loc" || { echo "locale $loc is not generated (see the comment at the top of $0)" >&2; exit 2; }
  log=${TMPDIR:-/tmp}/nsproc-matrix-$r.log
  start=$SECONDS
  TZ=$tz LANG=$loc LC_ALL=$loc faketime -m "$clock" npm test >"$log" 2>&1
  status=$?
  plain=$(sed 's/\x1b\[[0-9;]*m//g' "$log")
  vitest=$(grep -E '^ *Tests ' <<<"$plain" | tr -s ' ')
  printf 'row %s  %s %s %s  exit %s  %ss  vitest:%s  bats: %s ok, %s not ok  (%s)\n' "$r" "$clock" "$tz" "$loc" \
    "$status" $((SECONDS - start)) "${vitest:- none}" "$(grep -c '^ok ' <<<"$plain")" "$(grep -c '^not ok ' <<<"$plain")" "$log"
  ((status == 0)) || failed+=("$r")
done
if ((${#failed[@]} > 0)); then
  echo "FAILED rows: ${failed[*]}" >&2
  exit 1
fi
echo "every row passed"
