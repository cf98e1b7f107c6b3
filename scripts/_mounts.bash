# The mount table as mount.sh and nsctl read it (/proc/self/mountinfo, proc(5)), shared by both.
# An nsproc mount is of type fuse.nsproc from source nsproc (src/procfs/fuse_adapter.ts).

# mountinfo(5) escapes space, tab, newline and backslash as octal: $1 as the table writes it.
mountinfo_escape() {
  local e=$1
  e=${e//\\/\\134}; e=${e// /\\040}; e=${e//$'\t'/\\011}; e=${e//$'\n'/\\012}
  printf '%s' "$e"
}

# "DEV TYPE SOURCE" of the topmost mount at the absolute path $1, empty if none.
mount_info() {
  M=$(mountinfo_escape "$1") awk '$5 == ENVIRON["M"] { i = 7; while ($i != "-") i++; m = $3 " " $(i + 1) " " $(i + 2) }
    END { if (m != "") print m }' /proc/self/mountinfo
}

# Type of the topmost mount at $1 ("fuse.nsproc" for ours), empty if none.
mount_type() { local info; info=$(mount_info "$1"); info=${info#* }; echo "${info%% *}"; }

# True if the topmost mount at $1 is nsproc's.
is_nsproc_mount() { [[ $(mount_info "$1") == *' fuse.nsproc nsproc' ]]; }

# Every mountpoint where nsproc is the topmost mount, one per line (mountinfo's order).
nsproc_mounts() {
  local m
  awk '{ i = 7; while ($i != "-") i++; top[$5] = ($(i + 1) == "fuse.nsproc" && $(i + 2) == "nsproc") } !seen[$5]++ { order[++n] = $5 }
    END { for (k = 1; k <= n; k++) if (top[order[k]]) print order[k] }' /proc/self/mountinfo |
    while IFS= read -r m; do printf '%b\n' "$m"; done
}
