import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Scanner } from './scanner.js';

describe('Scanner', () => {
  it('a thread read by its tid (a kernel-audit rescan of a clone3 child) is no process: not recorded, known as a thread', () => {
    const tid = fs.readdirSync('/proc/self/task').map(Number).find((t) => t !== process.pid)!;
    const s = new Scanner({ profile: 'modern', useIds: false, selfPid: process.pid });
    s.readProc(tid);
    s.readProc(process.pid);
    expect(s.take().flatMap((b) => b.procs.map((p) => p.pid))).toEqual([process.pid]);
    expect([s.isThread(tid), s.isThread(process.pid)]).toEqual([true, false]);
  });
});
