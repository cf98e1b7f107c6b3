/**
 * The one description of the control file's commands: each command's syntax (the daemon's
 * `usage:` errors, parse.ts) and the text `nsctl --help` prints. nsctl is a shell script
 * that must answer --help without a build: it prints the copy generated into
 * scripts/usage-nsctl.txt (src/cli/shell_text.ts), which a test keeps current.
 */
import { DEFAULT_MOUNTPOINT } from '../procfs/mountpoint.js';
import type { Op } from './command.js';

interface CommandDoc {
  readonly syntax: string;
  /** What `nsctl --help` says under the syntax, line by line (examples included). */
  readonly help: readonly string[];
  /** In the Queries part of the help (read-only: no records, nothing changes). */
  readonly query?: true;
}

/** In the order `nsctl --help` lists them. */
export const COMMANDS: { readonly [O in Op]: CommandDoc } = {
  clone: { syntax: 'clone ACTOR FLAGS', help: ['new child of ACTOR in new namespaces; prints its pid', 'e.g.  nsctl clone 1 net,mnt'] },
  unshare: { syntax: 'unshare ACTOR FLAGS', help: ['ACTOR moves into new namespaces (pid, time: for children only)', 'e.g.  nsctl unshare 4 uts'] },
  setns: { syntax: 'setns ACTOR TARGET TYPE', help: ["ACTOR joins TARGET's namespace of TYPE", 'e.g.  nsctl setns 5 4 net;  nsctl setns 5 pin:1 0'] },
  exit: { syntax: 'exit ACTOR', help: ["ACTOR exits; children go to its pid namespace's init", 'e.g.  nsctl exit 4'] },
  pin: { syntax: 'pin ACTOR TYPE', help: ["keep ACTOR's namespace of TYPE alive; prints a pin id", 'e.g.  nsctl pin 4 net'] },
  unpin: { syntax: 'unpin PIN', help: ['drop a pin                e.g.  nsctl unpin pin:1'] },
  setcred: { syntax: 'setcred ACTOR key=value…', help: ['uid= gid= caps= (all, none, 0xHEX or names) auid= ses= subj= comm=', 'e.g.  nsctl setcred 4 uid=1000 gid=1000'] },
  ns_info: { syntax: 'ns_info ACTOR PID', help: ['AUDIT_NS_INFO record for PID (ACTOR needs CAP_AUDIT_CONTROL)', 'e.g.  nsctl ns_info 1 4'] },
  virt_control: { syntax: 'virt_control ACTOR TEXT', help: ["AUDIT_VIRT_CONTROL record with ACTOR's NS_INFO (needs CAP_AUDIT_WRITE)", 'e.g.  nsctl virt_control 1 op=start vm=guest1'] },
  self: { syntax: 'self PID', help: ["the task the mount's self link names (no record)", 'e.g.  nsctl self 4'] },
  lsns: {
    query: true,
    syntax: 'lsns [options] [NAMESPACE]',
    help: [
      'util-linux lsns(8) over the model, plus a SNUM column',
      'e.g.  nsctl lsns -t net -o +SNUM;  nsctl lsns -T owner;  nsctl lsns -J',
      '    -t, --type TYPE         only namespaces of TYPE (repeatable)',
      '    -p, --task PID          only namespaces PID is in',
      '    -o, --output LIST       columns (comma-separated); +LIST appends to the defaults',
      '        --output-all        every column',
      '    -P, --persistent        only namespaces no task is in (pinned, *_for_children, owners)',
      '    -T, --tree[=REL]        tree by owner (default), parent or process',
      '    -l, --list   -n, --noheadings   -r, --raw   -J, --json   (-u, -W accepted, no effect)',
      '    NAMESPACE               an inode number (the NS column): list its tasks instead',
      '    Columns: NS TYPE PATH NPROCS PID PPID COMMAND UID USER NETNSID NSFS PNS ONS SNUM CONTAINER',
      '    Default: NS TYPE NPROCS PID USER COMMAND as a process tree (NETNSID NSFS too with -t net);',
      '    PID is the lowest pid in the namespace, COMMAND its comm, SNUM the serial in hex;',
      '    PATH is MOUNTPOINT/PID/ns/TYPE; NETNSID and NSFS are always empty; CONTAINER is',
      "    the PID's container (host mode, from its cgroup; empty outside one and in a model).",
    ],
  },
  ps: {
    query: true,
    syntax: 'ps [-l] [-n] [-r] [-J] [-p PID]',
    help: [
      "every task as a tree, with its namespaces' serials",
      'e.g.  nsctl ps -p 4 -l;  nsctl ps',
      '    PID PPID                pid and parent pid as the mount\'s directories name them',
      '    NSPID                   the pid in each pid namespace, outermost first (status NSpid)',
      "    UID                     the task's uid",
      '    NETNS UTSNS IPCNS PIDNS USERNS MNTNS (modern: CGROUPNS TIMENS)',
      '                            the serial (hex, as *_snum and audit records) of each namespace',
      '    PIDNS_FC (modern: TIMENS_FC)  the serial of pid_for_children / time_for_children',
      '    CONTAINER               host mode: the container id or name its cgroup names (else empty)',
      '    COMMAND                 comm, indented under its parent (-l: flat, by pid)',
      '    -p PID: that task and its descendants; -n, -r, -J as for lsns',
    ],
  },
  status: {
    query: true,
    syntax: 'status [-J]',
    help: [
      "the daemon's own state (root only), one 'key value' line each,",
      "-J: one JSON object; what auditctl -s is to the kernel's audit:",
      'mode profile serials started uptime_s pid audit_log audit_log_size',
      'records_written records_lost; host mode: processes namespaces rescans',
      'proc_connector_overruns namespaces_missed; --kernel-audit: kernel_events',
      'kernel_lost kernel_gaps kernel_rules_owned kernel_namespaces_unseen',
      'kernel_loss_rescans kernel_rules_readded;',
      '--remote: remote_state remote_backlog remote_restarts',
      'e.g.  nsctl status;  nsctl status -J',
    ],
  },
};

/** `usage: SYNTAX` of a command, as the daemon's EINVAL says it. */
export function commandSyntax(op: Op): string {
  return COMMANDS[op].syntax;
}

const HEAD = `Usage: nsctl [-m MOUNTPOINT] COMMAND ARGS...
       nsctl [-m MOUNTPOINT] -          (commands from stdin, one per line, run as one batch)

Mountpoint: -m MOUNTPOINT, else $NSPROC_MNT, else ${DEFAULT_MOUNTPOINT}.
Results go to stdout, one line per command; on failure "nsctl: ERRNO: sentence"
goes to stderr and the exit status is 1 (2 for usage errors). Exit status 0 means
every command ran and every answer was printed; an acknowledged command whose answer
was lost (the daemon died) exits 1. nsctl waits $NSCTL_TIMEOUT seconds (default 60,
0: for ever) for the daemon, then gives up with ETIMEDOUT.

FLAGS   CLONE_NEWNET|CLONE_NEWNS, net,mnt, 0x40020000, or 0 for none
TYPE    net uts ipc pid user mnt (modern: cgroup time), a CLONE_NEW* name,
        pid_for_children / time_for_children, or 0 (any; pin targets only)
TARGET  a pid, or a pin id as printed by pin (pin:N)
`;

const SYNTAX_WIDTH = 30;

/** A command's lines: the syntax, its help beside it (or under it when the syntax is long). */
function entry(c: CommandDoc): string[] {
  const [first, ...rest] = c.help;
  const syntax = `  ${c.syntax}`;
  const indent = ' '.repeat(SYNTAX_WIDTH);
  const head = syntax.length < SYNTAX_WIDTH ? [`${syntax.padEnd(SYNTAX_WIDTH)}${first}`] : [syntax, `${indent}${first}`];
  // Option and column lines are indented by 4 in the table; they sit 6 in, under the syntax.
  return [...head, ...rest.map((l) => (l.startsWith('    ') ? `  ${l}` : `${indent}${l}`))];
}

/** What `nsctl --help` prints. */
export function nsctlUsage(): string {
  const all = Object.values(COMMANDS);
  return [
    HEAD,
    'Commands:',
    ...all.filter((c) => !c.query).flatMap(entry),
    '',
    'Queries (read only: no audit records, nothing changes):',
    ...all.filter((c) => c.query).flatMap(entry),
    '',
  ].join('\n');
}
