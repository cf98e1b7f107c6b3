/**
 * nstrail's command line: at most one selector, output options, the logs. Usage errors are
 * a sentence (exit 2), never an exception.
 */
import { parseNsSelector, parsePidSelector, type Selector } from './selector.js';

export interface TrailOptions {
  readonly selector: Selector;
  /** --node (repeatable): only these nodes' records; null: all. */
  readonly nodes: ReadonlySet<string> | null;
  readonly json: boolean;
  readonly utc: boolean;
  /** --svg FILE: also draw the trail there. */
  readonly svg: string | null;
  readonly logs: readonly string[];
}

export type ParsedArgs = { readonly help: true } | { readonly usage: string } | TrailOptions;

export const USAGE = `Usage: nstrail [SELECTOR] [options] LOG...

One container's namespace trail across hosts, boots and migrations, from nsproc's audit logs
(and an aggregating auditd's, with node= lines from many hosts). With no selector: one line
per container of the input.

LOG       a log file; a rotated set (LOG LOG.1 LOG.2 ..., read oldest first whatever the
          order given); - for stdin
          e.g.  nstrail --uuid 5c2a3d1e-8f4b-4c6d-9e7f-0a1b2c3d4e5f /var/log/audit/audit.log*

Selectors (at most one):
  --uuid UUID                 the container an orchestrator's VIRT_CONTROL names by uuid=,
                              on every host it ran on (migrations joined)
                              e.g.  nstrail --uuid 5c2a3d1e-8f4b-4c6d-9e7f-0a1b2c3d4e5f fleet.log
  --container ID              a container id (NSPROC_CONTAINER, host mode) or vm name
                              (VIRT_CONTROL vm=), or a unique prefix of one, as docker takes it
                              e.g.  nstrail --container 3f4e9a fleet.log
  --ns NODE:BOOT:TYPE:SERIAL  one namespace: BOOT a boot_id or a unique prefix of one (empty:
                              the node's only boot; ?N: its N-th boot without DAEMON_START),
                              NODE empty for a log without node names, SERIAL in hex
                              e.g.  nstrail --ns hostA:1111:net:c fleet.log;  nstrail --ns ::net:c audit.log
  --pid NODE:PID              the namespaces of process PID at its last NS_INFO on NODE
                              e.g.  nstrail --pid hostA:4 fleet.log

Options:
  --node NODE                 only NODE's records (repeatable); with no selector, print
                              those records as they are (as ausearch --node NODE --raw does),
                              a record seen twice once
                              e.g.  nstrail --node hostA fleet.log;  nstrail --uuid U --node hostB fleet.log
  --json                      one JSON object per line (node, boot_id, time, serial, event,
                              namespaces as {type, serial, inum}, pid, auid, container, uuid, ...)
                              e.g.  nstrail --uuid U --json fleet.log | jq -c 'select(.event == "entered")'
  --utc                       times in UTC (default: the local time zone; JSON is always UTC)
                              e.g.  nstrail --utc fleet.log
  --svg FILE                  also draw the trail as a standalone SVG timeline in FILE (one
                              lane per node and boot, a bar per namespace, a mark per process
                              that entered, an arrow per migration); needs a selector
                              e.g.  nstrail --uuid U --svg trail.svg fleet.log
  -h, --help                  this text

Exit status: 0 a trail (or summary) was printed; 1 the selector matched nothing (stderr says
what the input held); 2 usage errors and unreadable logs. Lines that are not records, cut or
garbled lines and records seen twice are counted in one closing line on stderr.
`;

/**
 * @param argv the arguments after the program name
 * @example
 * parseArgs(['--uuid', 'U', 'a.log']); // { selector: { kind: 'uuid', uuid: 'U' }, nodes: null, json: false, utc: false, logs: ['a.log'] }
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  let selector: Selector = { kind: 'summary' };
  const nodes = new Set<string>();
  let json = false;
  let utc = false;
  let svg: string | null = null;
  const logs: string[] = [];
  const setSelector = (s: Selector | { error: string }, opt: string): string | null => {
    if ('error' in s) return s.error;
    if (selector.kind !== 'summary') return `${opt}: one selector at a time (--${selector.kind} was given already)`;
    selector = s;
    return null;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    const takes = ['--uuid', '--container', '--ns', '--pid', '--node', '--svg'].includes(name);
    let value = '';
    if (takes) {
      if (eq > 0) value = a.slice(eq + 1);
      else if (i + 1 < argv.length) value = argv[++i]!;
      else return { usage: `${name} needs a value` };
      if (value === '') return { usage: `${name} needs a value` };
    } else if (eq > 0) return { usage: `${name} takes no value` };
    let err: string | null = null;
    switch (name) {
      case '-h': case '--help': return { help: true };
      case '--json': json = true; break;
      case '--utc': utc = true; break;
      case '--uuid': err = setSelector({ kind: 'uuid', uuid: value.toLowerCase() }, name); break;
      case '--container': err = setSelector({ kind: 'container', prefix: value }, name); break;
      case '--ns': err = setSelector(parseNsSelector(value), name); break;
      case '--pid': err = setSelector(parsePidSelector(value), name); break;
      case '--node': nodes.add(value); break;
      case '--svg': svg = value; break;
      case '--': logs.push(...argv.slice(i + 1)); i = argv.length; break;
      default:
        if (a.startsWith('-') && a !== '-') return { usage: `unknown option '${a}'` };
        logs.push(a);
    }
    if (err !== null) return { usage: err };
  }
  if (logs.length === 0) return { usage: 'no LOG given (use - for stdin)' };
  if (svg !== null && (selector as Selector).kind === 'summary') return { usage: '--svg draws one trail: give a selector (--uuid, --container, --ns or --pid)' };
  return { selector, nodes: nodes.size > 0 ? nodes : null, json, utc, svg, logs };
}
