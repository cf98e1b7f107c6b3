import { describe, expect, it } from 'vitest';
import { LSNS_COLUMNS, parseLsnsArgs, type LsnsQuery } from './lsns_args.js';

const DEFAULT = ['NS', 'TYPE', 'NPROCS', 'PID', 'USER', 'COMMAND'];

function parsed(args: string): LsnsQuery {
  const r = parseLsnsArgs(args);
  if (!r.ok) throw new Error(`${args}: ${r.error.detail}`);
  return r.value;
}

describe('parseLsnsArgs()', () => {
  it('appends with +LIST, and -t net adds NETNSID NSFS to the defaults (the @example)', () => {
    expect(parsed('-t net -o +PNS,SNUM').columns).toEqual(['NS', 'TYPE', 'NPROCS', 'PID', 'USER', 'NETNSID', 'NSFS', 'COMMAND', 'PNS', 'SNUM']);
  });

  // sys-utils/lsns.c:main(): which columns and which tree each command line gives.
  it.each<[string, string, readonly string[], LsnsQuery['tree']]>([
    ['no options: the defaults as a process tree', '', DEFAULT, 'process'],
    ['-l: the defaults, flat', '-l', DEFAULT, 'none'],
    ['-o LIST replaces the columns (the tree stays: lsns decides it before -o)', '-o NS,TYPE', ['NS', 'TYPE'], 'process'],
    ['column names are case-insensitive', '-o ns,Type,snum', ['NS', 'TYPE', 'SNUM'], 'process'],
    ['-o +LIST appends to the defaults', '-o +PPID,UID', [...DEFAULT, 'PPID', 'UID'], 'process'],
    ['the last -o wins', '-o NS -o TYPE', ['TYPE'], 'process'],
    ['--output-all: every column in table order, flat', '--output-all', LSNS_COLUMNS.map((c) => c.id), 'none'],
    ['--output-all with -o +LIST appends to all', '--output-all -o +NS', [...LSNS_COLUMNS.map((c) => c.id), 'NS'], 'none'],
    ['-t net: NETNSID and NSFS before COMMAND', '-t net', ['NS', 'TYPE', 'NPROCS', 'PID', 'USER', 'NETNSID', 'NSFS', 'COMMAND'], 'process'],
    ['-t uts: the defaults', '-t uts', DEFAULT, 'process'],
    ['-T: owner tree', '-T', DEFAULT, 'owner'],
    ['--tree=parent', '--tree=parent', DEFAULT, 'parent'],
    ['-Tprocess', '-Tprocess', DEFAULT, 'process'],
    ['-T=owner (lsns skips the =)', '-T=owner', DEFAULT, 'owner'],
    ['NAMESPACE: PID PPID USER COMMAND as a process tree', '4026531835', ['PID', 'PPID', 'USER', 'COMMAND'], 'process'],
    ['NAMESPACE with -l: flat', '-l 4026531835', ['PID', 'PPID', 'USER', 'COMMAND'], 'none'],
    ['NAMESPACE with -o +SNUM', '4026531835 -o +SNUM', ['PID', 'PPID', 'USER', 'COMMAND', 'SNUM'], 'process'],
  ])('parseLsnsArgs(): %s', (_name, args, columns, tree) => {
    const q = parsed(args);
    expect(q.columns, args).toEqual(columns);
    expect(q.tree, args).toBe(tree);
  });

  it.each<[string, string, Partial<LsnsQuery>]>([
    ['-t repeats and keeps order', '-t pid -t user -t pid', { types: ['pid', 'user'] }],
    ['-p PID', '-p 42', { pid: 42 }],
    ['--task=PID', '--task=42', { pid: 42 }],
    ['-p 0 is no filter (lsns: 0 = unset)', '-p 0', { pid: null }],
    ['NAMESPACE is an inode number', '4026531835', { nsid: 4026531835 }],
    ['-J -n -P', '-JnP', { json: true, noHeadings: true, persistent: true }],
    ['-r', '--raw', { raw: true }],
    ['-u and -W are accepted', '-u -W --notruncate --nowrap', { raw: false }],
    ['quoted words from nsctl (printf %q)', "-o +PNS\\,SNUM --tree\\=owner", { columns: [...DEFAULT, 'PNS', 'SNUM'] as LsnsQuery['columns'], tree: 'owner' }],
  ])('parseLsnsArgs(): %s', (_name, args, want) => {
    expect(parsed(args)).toMatchObject(want);
  });

  it.each([
    ['an unknown column', '-o NS,BOGUS'],
    ['an empty column name', '-o NS,'],
    ['an unknown type', '-t bogus'],
    ['an unknown tree', '--tree=sideways'],
    ['-T owner (the value must be attached: owner is a NAMESPACE, not a number)', '-T owner'],
    ['-J with -r', '-J -r'],
    ['-p with -P', '-p 1 -P'],
    ['-l with -T', '-l -T'],
    ['-p with NAMESPACE', '-p 1 4026531835'],
    ['a bad PID', '-p x'],
    ['a bad NAMESPACE', 'net'],
    ['two NAMESPACEs', '1 2'],
    ['an unknown option', '-x'],
    ['-Q (filters are not supported)', '-Q NS==1'],
    ['too many columns', `-o ${Array(31).fill('NS').join(',')}`],
    ['an unterminated quote', "-o 'NS"],
  ])('parseLsnsArgs() fails with EINVAL for %s', (_name, args) => {
    const r = parseLsnsArgs(args);
    expect(r.ok || r.error.errno, args).toBe('EINVAL');
  });
});
