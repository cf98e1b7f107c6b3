# The kernel's audit settings are the machine's: a file whose tests change them takes a lock
# (another run of the suite waits), notes the enabled flag and the rules it finds, and puts
# them back in teardown_file, also after a failure. Used by kernel_audit*.bats:
#   setup_file() { ka_setup_file; … }   teardown_file() { ka_teardown_file; }

KA_LOCK=/run/lock/nsproc-kernel-audit-tests.lock

ka_setup_file() {
  [[ $EUID -eq 0 ]] || skip "needs root (kernel audit rules, CAP_AUDIT_READ)"
  fetch_ausearch || skip "ausearch unavailable: $AUSEARCH_MISSING"
  AUDITCTL_BIN=$(find "$AUDIT_TOOLS/root" -type f -name auditctl -path '*sbin/*' | head -n 1)
  export AUDITCTL_BIN
  exec {KA_FD}>"$KA_LOCK"
  flock -w 600 "$KA_FD" || skip "another run holds $KA_LOCK"
  export KA_FD
  auditctl -s >/dev/null 2>&1 || skip "no kernel audit here: $(auditctl -s 2>&1 | head -n 1)"
  KA_ENABLED_BEFORE=$(auditctl -s | awk '$1 == "enabled" { print $2 }')
  KA_RULES_BEFORE=$(auditctl -l)
  export KA_ENABLED_BEFORE KA_RULES_BEFORE
  [[ $KA_ENABLED_BEFORE != 2 ]] || skip "kernel audit is locked (enabled=2)"
  [[ $KA_RULES_BEFORE != *'key=nsproc'* ]] || skip "rules with the key nsproc are loaded already: $KA_RULES_BEFORE"
}

# Whatever happened: no rule of nsproc's (or KEY's, the test's own) left, the flag as found.
ka_teardown_file() {
  local keys=("nsproc" "$@") left=0 k n
  nsproc_teardown_file
  [[ -n ${KA_FD:-} ]] || return 0
  for k in "${keys[@]}"; do
    n=$(auditctl -l | grep -c "key=$k\$" || true)
    if ((n > 0)); then
      echo "rules with key $k were left:" >&2
      auditctl -l >&2
      auditctl -D -k "$k" >/dev/null
      ((left += n))
    fi
  done
  [[ -z ${KA_ENABLED_BEFORE:-} || $(auditctl -s | awk '$1 == "enabled" { print $2 }') == "$KA_ENABLED_BEFORE" ]] ||
    auditctl -e "$KA_ENABLED_BEFORE" >/dev/null
  ((left == 0))
}

auditctl() { LD_LIBRARY_PATH=$AUSEARCH_LIBS "$AUDITCTL_BIN" "$@"; }

# py_ns_id PATH: NS_GET_ID of a namespace file, in hex, read by python3 (not nsproc's code).
py_ns_id() {
  python3 -c "import fcntl,struct,os,sys
fd=os.open(sys.argv[1],os.O_RDONLY)
print(format(struct.unpack('Q',fcntl.ioctl(fd,0x8008b70d,b'\0'*8))[0],'x'))" "$1"
}
