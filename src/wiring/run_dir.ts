/**
 * Root's own directory for a daemon's files (SPEC §7: 0700, never another user's): mount.sh's
 * mountpoint locks and, by default, its state (pid files, daemon logs), and what
 * --kernel-audit-rules changed. Under /run, "cleared at the beginning of the boot process"
 * (FHS 3.0 §3.15), as the kernel's audit rules are. The one owner of the path: mount.sh takes
 * it from scripts/_generated.bash (shell_text.ts).
 */
export const RUN_DIR = '/run/nsproc';

/** mount.sh's state directory unless $NSPROC_STATE_DIR names another. */
export const DEFAULT_STATE_DIR = `${RUN_DIR}/state`;

/** Where a run with --kernel-audit-rules notes what it changed (src/kaudit/rules.ts installRules()). */
export const KERNEL_AUDIT_STATE = `${RUN_DIR}/kernel-audit-rules`;
