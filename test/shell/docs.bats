#!/usr/bin/env bats
# Runs the examples of docs/*.md on a real mount and compares their output (docs/README.md
# describes the convention):
#   - a ```sh block is an example, run with bash from a directory that holds the audit log
#     (audit.log) and ./nsctl and ./nstrail links, as if from the repository root after ./mount.sh;
#   - the ```text block right after it (blank lines between are allowed) is its expected
#     output, stdout and stderr together; without one the block must exit 0;
#   - /tmp/nsproc (mount.sh's default mountpoint) in a block means the test's mount;
#   - each doc starts on a fresh mount `--clock fixed:1408577535.306`, and its examples run in
#     order on it; `<!-- example-mount: OPTIONS -->` before a block remounts fresh with OPTIONS
#     (plus that clock) for it and the blocks after it;
#   - a block that runs ausearch or auditd, or a mount with --remote, is skipped when Debian's
#     audit tools cannot be fetched; a mount with --remote runs their audisp-remote, and every
#     auditd an example starts is killed when the doc's examples end.
# Each example is its own test, named after its file and line.

load helpers

DOCS_DIR=$NSPROC_ROOT/docs
DOCS_CLOCK=fixed:$SEED_CLONE_TIME

# Prints the examples of every docs/*.md as records: file, line, mount options or "-", has
# expected output (0/1), code, expected — fields split by \x1f, records ended by \x1e.
docs_examples() {
  local f
  for f in "$DOCS_DIR"/*.md; do
    [[ -e $f ]] || continue
    awk -v file="${f#"$NSPROC_ROOT"/}" '
      function flush() {
        if (state == "after") { printf "%s\x1f%s\x1f%s\x1f0\x1f%s\x1f\x1e", file, line, opts, code; state = ""; opts = "-" }
      }
      BEGIN { state = ""; opts = "-"; pending = "-" }
      state == "code" { if ($0 ~ /^```[ \t]*$/) { state = "after" } else { code = code $0 "\n" } next }
      state == "text" {
        if ($0 ~ /^```[ \t]*$/) { printf "%s\x1f%s\x1f%s\x1f1\x1f%s\x1f%s\x1e", file, line, opts, code, text; state = ""; opts = "-" }
        else { text = text $0 "\n" }
        next
      }
      state == "after" && /^[ \t]*$/ { next }
      state == "after" && /^```text[ \t]*$/ { state = "text"; text = ""; next }
      { flush() }
      /^<!-- example-mount:.*-->/ { pending = $0; sub(/^<!-- example-mount:[ \t]*/, "", pending); sub(/[ \t]*-->.*$/, "", pending); if (pending == "") pending = "fresh"; next }
      /^```sh[ \t]*$/ { state = "code"; code = ""; line = NR; opts = pending; pending = "-"; next }
      END { flush() }
    ' "$f"
  done
}

EX_FILE=() EX_LINE=() EX_OPTS=() EX_HAS=() EX_CODE=() EX_EXPECT=()
while IFS=$'\x1f' read -r -d $'\x1e' _f _l _o _h _c _e; do
  EX_FILE+=("$_f") EX_LINE+=("$_l") EX_OPTS+=("$_o") EX_HAS+=("$_h") EX_CODE+=("$_c") EX_EXPECT+=("$_e")
done < <(docs_examples)

for _i in "${!EX_FILE[@]}"; do
  # bats evaluates the description: keep it free of $ ` " and backslashes.
  _d=${EX_CODE[_i]%%$'\n'*}
  _d=${_d//[\$\`\"\\]/}
  bats_test_function --description "${EX_FILE[_i]}:${EX_LINE[_i]} ${_d:0:70}" -- run_doc_example "$_i"
done

teardown_file() {
  local f=$BATS_FILE_TMPDIR/docs-auditd-pids
  if [[ -f $f ]]; then xargs -r kill -9 <"$f" 2>/dev/null || true; fi
  nsproc_teardown_file
}

# The mount the examples of one doc share, kept across tests in a state file.
_docs_state() { echo "$BATS_FILE_TMPDIR/docs-mount"; }

# Mounts fresh for example $1 when it starts a doc or carries an example-mount marker.
_docs_mount_for() {
  local i=$1 doc dir opts
  if [[ -s $(_docs_state) ]]; then IFS=$'\t' read -r doc dir <"$(_docs_state)"; fi
  if [[ ${doc:-} == "${EX_FILE[i]}" && ${EX_OPTS[i]} == - && -d ${dir:-} ]]; then
    export NSPROC_TMP=$dir MNT=$dir/mnt AUDIT_LOG=$dir/audit.log NSPROC_STATE_DIR=$dir/state NSPROC_MNT=$dir/mnt
    return 0
  fi
  [[ -n ${dir:-} ]] && _nsproc_clear_dir "$dir"
  opts=${EX_OPTS[i]}
  [[ $opts == - || $opts == fresh ]] && opts=
  if [[ $opts == *--remote* ]]; then
    fetch_ausearch || skip "Debian's audit tools unavailable: $AUSEARCH_MISSING"
    opts+=" --audisp-remote $AUDIT_TOOLS/root"
  fi
  # shellcheck disable=SC2086 # the marker's options are words
  if [[ $opts == *--clock* ]]; then nsproc_mount $opts; else nsproc_mount --clock "$DOCS_CLOCK" $opts; fi
  ln -s "$NSCTL_BIN" "$NSPROC_TMP/nsctl"
  ln -s "$NSPROC_ROOT/nstrail" "$NSPROC_TMP/nstrail"
  printf '%s\t%s\n' "${EX_FILE[i]}" "$NSPROC_TMP" >"$(_docs_state)"
}

run_doc_example() {
  local i=$1 code out status bin
  code=${EX_CODE[i]}
  _docs_mount_for "$i"
  bin=$NSPROC_TMP/bin
  if [[ $code == *ausearch* ]]; then
    fetch_ausearch || skip "ausearch unavailable: $AUSEARCH_MISSING"
    mkdir -p "$bin"
    # The same filter as the ausearch function of helpers.bash, as a program for bash -c.
    printf '%s\n' '#!/bin/bash' 'err=$(mktemp)' \
      "LD_LIBRARY_PATH=$(printf %q "$AUSEARCH_LIBS") $(printf %q "$AUSEARCH_BIN") \"\$@\" 2>\"\$err\"; s=\$?" \
      'grep -v "^Config file /etc/audit/auditd.conf" "$err" >&2; rm -f "$err"; exit $s' >"$bin/ausearch"
    chmod +x "$bin/ausearch"
  fi
  if [[ $code == *auditd* ]]; then
    fetch_ausearch || skip "auditd unavailable: $AUSEARCH_MISSING"
    mkdir -p "$bin"
    local auditd libs
    auditd=$(find "$AUDIT_TOOLS/root" -type f -name auditd -path '*sbin/*' | head -n 1)
    libs=$AUSEARCH_LIBS:$(find "$AUDIT_TOOLS/root" -name 'libwrap.so.0' -printf '%h\n' | head -n 1)
    # Its pid is noted (teardown_file kills what an example left running), then it is auditd.
    printf '%s\n' '#!/bin/bash' "echo \$\$ >>$(printf %q "$BATS_FILE_TMPDIR/docs-auditd-pids")" \
      "LD_LIBRARY_PATH=$(printf %q "$libs") exec $(printf %q "$auditd") \"\$@\"" >"$bin/auditd"
    chmod +x "$bin/auditd"
  fi
  code=${code//\/tmp\/nsproc/$MNT}
  status=0
  out=$(cd "$NSPROC_TMP" && PATH=$bin:$PATH bash -c "$code" 2>&1) || status=$?
  out=${out//$MNT//tmp/nsproc}
  if [[ ${EX_HAS[i]} == 1 ]]; then
    local expected=${EX_EXPECT[i]}
    expected=${expected%$'\n'}
    if [[ -n ${NSPROC_DOCS_PRINT:-} ]]; then printf '%s\n' "--- ${EX_FILE[i]}:${EX_LINE[i]}" "$out" >>"$NSPROC_DOCS_PRINT"; fi
    assert_equal "$out" "$expected" "output of the example at ${EX_FILE[i]}:${EX_LINE[i]}"
  else
    if ((status != 0)); then
      printf 'the example at %s:%s exited %s:\n%s\n' "${EX_FILE[i]}" "${EX_LINE[i]}" "$status" "$out" >&2
      return 1
    fi
  fi
}
