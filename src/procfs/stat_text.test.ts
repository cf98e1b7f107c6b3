import { describe, expect, it } from 'vitest';
import { booted, flagsOf, must, task } from '../model/_test_util.js';
import { clone } from '../model/ops/clone.js';
import { parseStat, renderStat } from './stat_text.js';

describe('renderStat()', () => {
  it('prints init as proc(5) orders it: pid (comm) state ppid …, 52 fields, then a newline', () => {
    const text = renderStat(task(booted(), 1));
    expect(text).toBe(`1 (init) S ${Array(16).fill(0).join(' ')} 1 ${Array(32).fill(0).join(' ')}\n`);
    expect(text.trimEnd().split(' ')).toHaveLength(52);
  });

  it('names the parent in field 4 and marks kernel threads with PF_KTHREAD in field 9', () => {
    const s = booted();
    const fields = (pid: number) => renderStat(task(s, pid)).split(' ');
    expect(fields(3).slice(0, 4)).toEqual(['3', '(kdevtmpfs)', 'S', '2']);
    expect(fields(3)[8]).toBe(String(0x00200000));
    const child = must(clone(s, 1, flagsOf(s, 'net'))).pid;
    expect(fields(child).slice(0, 4)).toEqual([String(child), '(init)', 'S', '1']);
    expect(fields(child)[8]).toBe('0');
  });
});

describe('parseStat()', () => {
  it('reads back a comm holding spaces and parentheses: the last ")" ends it, as procps reads it', () => {
    const s = booted();
    const pid = must(clone(s, 1, 0)).pid;
    // setcred takes single words; a host process (or prctl(PR_SET_NAME) on Linux) can name itself this.
    task(s, pid).comm = 'a) (b c)';
    const line = parseStat(renderStat(task(s, pid)));
    expect(line).toEqual({ pid, comm: 'a) (b c)', rest: expect.arrayContaining(['S']) as unknown });
    expect(line!.rest.slice(0, 2)).toEqual(['S', '1']);
    expect(line!.rest).toHaveLength(50);
  });

  it('gives null for a line without a comm', () => {
    expect(parseStat('')).toBeNull();
  });
});
