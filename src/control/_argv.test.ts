import { describe, expect, it } from 'vitest';
import { getopt, splitWords, type OptSpec } from './_argv.js';

describe('splitWords()', () => {
  it('splits on blanks and keeps quoted words whole (the @example)', () => {
    expect(splitWords(`-o 'NS,TYPE' --tree=owner`)).toEqual({ ok: true, value: ['-o', 'NS,TYPE', '--tree=owner'] });
  });

  it.each([
    ['plain words', 'a b\tc', ['a', 'b', 'c']],
    ['runs of blanks', '  a   b  ', ['a', 'b']],
    ['nothing', '', []],
    ["'' is an empty word", "a '' b", ['a', '', 'b']],
    ['"" is an empty word', 'a "" b', ['a', '', 'b']],
    ['quotes join with letters', `x'y z'"w"`, ['xy zw']],
    ['backslash escapes a blank (printf %q)', 'a\\ b', ['a b']],
    ['backslash escapes a comma (printf %q)', '+PNS\\,SNUM', ['+PNS,SNUM']],
    ["backslash escapes a quote (printf %q of it's)", "it\\'s", ["it's"]],
    ['inside "…" a backslash escapes only $ ` " \\', '"a\\"b\\c"', ['a"b\\c']],
    ['inside \'…\' nothing is special', "'a\\b'", ['a\\b']],
    ['= stays in the word', '--tree=owner -T=parent', ['--tree=owner', '-T=parent']],
    ['UTF-8 passes through', '└─x', ['└─x']],
    // What nsctl sends for lsns/ps: each argument in '…', a quote inside as '\''.
    ["nsctl's quoting: 'it'\\''s' '' 'ü' 'a\tb'", "'it'\\''s' '' 'ü' 'a\tb'", ["it's", '', 'ü', 'a\tb']],
  ])('splitWords(): %s', (_name, text, want) => {
    expect(splitWords(text)).toEqual({ ok: true, value: want });
  });

  it.each([
    ['an unterminated single quote', "a 'b"],
    ['an unterminated double quote', 'a "b'],
    ['a trailing backslash', 'a \\'],
  ])('splitWords() fails with EINVAL for %s', (_name, text) => {
    const r = splitWords(text);
    expect(r.ok || r.error.errno).toBe('EINVAL');
  });
});

const SPECS: readonly OptSpec[] = [
  { short: 'n', long: 'noheadings', arg: 'none', key: 'n' },
  { short: 't', long: 'type', arg: 'required', key: 't' },
  { short: 'T', long: 'tree', arg: 'optional', key: 'T' },
  { short: 'o', long: 'output', arg: 'required', key: 'o' },
  { long: 'output-all', arg: 'none', key: 'output-all' },
];

type Got = [string, string | undefined][];

describe('getopt()', () => {
  it('takes clusters, attached and separate values, and operands anywhere (the @example)', () => {
    const r = getopt(['-nt', 'net', '--tree=owner', '42'], SPECS);
    expect(r.ok && r.value.opts.map((o) => [o.key, o.value])).toEqual([['n', undefined], ['t', 'net'], ['T', 'owner']]);
    expect(r.ok && r.value.operands).toEqual(['42']);
  });

  it.each<[string, string[], Got, string[]]>([
    ['a value attached to a short option', ['-tnet'], [['t', 'net']], []],
    ['a value in the next word', ['-t', 'net'], [['t', 'net']], []],
    ['a cluster ending in a value option', ['-nt', 'uts'], [['n', undefined], ['t', 'uts']], []],
    ['--long=value', ['--type=pid'], [['t', 'pid']], []],
    ['--long value', ['--type', 'pid'], [['t', 'pid']], []],
    ['an optional value only attached (-T owner: owner is an operand)', ['-T', 'owner'], [['T', undefined]], ['owner']],
    ['an optional value attached to the short option', ['-Tparent'], [['T', 'parent']], []],
    ['an optional value after = on the long option', ['--tree=process'], [['T', 'process']], []],
    ['a unique prefix of a long name', ['--no'], [['n', undefined]], []],
    ['an exact long name that is also a prefix of another', ['--output', 'NS'], [['o', 'NS']], []],
    ['-- ends options', ['--', '-n'], [], ['-n']],
    ['- alone is an operand', ['-'], [], ['-']],
    ['operands before options', ['123', '-n'], [['n', undefined]], ['123']],
  ])('getopt(): %s', (_name, args, opts, operands) => {
    const r = getopt(args, SPECS);
    expect(r.ok && r.value.opts.map((o) => [o.key, o.value])).toEqual(opts);
    expect(r.ok && r.value.operands).toEqual(operands);
  });

  it.each([
    ['an unknown short option', ['-x']],
    ['an unknown long option', ['--bogus']],
    ['an ambiguous prefix', ['--out']],
    ['a missing required value', ['-t']],
    ['a missing required long value', ['--type']],
    ['a value given to a flag', ['--noheadings=yes']],
  ])('getopt() fails with EINVAL for %s', (_name, args) => {
    const r = getopt(args, SPECS);
    expect(r.ok || r.error.errno).toBe('EINVAL');
  });
});
