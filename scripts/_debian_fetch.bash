# debian_fetch DIR PKG…: Debian packages downloaded with `apt-get download` (after
# `apt-get update` when apt does not know one yet) and unpacked with `dpkg-deb -x` into
# DIR/root — never installed, no maintainer script runs. DIR/.done marks a complete fetch,
# so a second call does nothing. A package renamed for the 64-bit time_t transition is found
# as NAMEt64 too. Returns 1 with the reason in DEBIAN_FETCH_ERROR.
# Shared by mount.sh (audisp-remote for --remote) and the tests (test/shell/helpers.bash).

# The installable name of a Debian package: NAME, or NAMEt64 after the 64-bit time_t rename.
_debian_name() {
  local n
  for n in "$1" "$1t64"; do
    # Not through a pipe into grep -q: under pipefail apt-cache's SIGPIPE would fail it.
    [[ $(apt-cache policy "$n" 2>/dev/null) == *'Candidate: '[!\(]* ]] && { echo "$n"; return 0; }
  done
  return 1
}

debian_fetch() {
  local dir=$1 names=() n base out
  shift
  DEBIAN_FETCH_ERROR=
  [[ -f $dir/.done ]] && return 0
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
    { DEBIAN_FETCH_ERROR="apt-get and dpkg-deb are needed to fetch Debian packages"; return 1; }
  for base in "$@"; do
    if ! n=$(_debian_name "$base"); then
      apt-get update -qq >/dev/null 2>&1 || true
      n=$(_debian_name "$base") || { DEBIAN_FETCH_ERROR="apt knows no package $base (nor ${base}t64)"; return 1; }
    fi
    names+=("$n")
  done
  rm -rf "$dir/debs" "$dir/root"
  mkdir -p "$dir/debs" "$dir/root"
  # As root, apt would hand the download to the _apt user, who cannot write here.
  if ! out=$(cd "$dir/debs" && apt-get download -q -o APT::Sandbox::User=root "${names[@]}" 2>&1); then
    DEBIAN_FETCH_ERROR="apt-get download ${names[*]} failed: $(tail -n 1 <<<"$out")"
    return 1
  fi
  for n in "$dir"/debs/*.deb; do
    dpkg-deb -x "$n" "$dir/root" || { DEBIAN_FETCH_ERROR="dpkg-deb -x $n failed"; return 1; }
  done
  touch "$dir/.done"
}
