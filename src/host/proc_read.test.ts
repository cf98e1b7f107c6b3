import { describe, expect, it } from 'vitest';
import { parseStatus } from './proc_read.js';

const status = (uid: string, gid: string) => `Name:\tunshare\nPid:\t42\nPPid:\t1\nUid:\t${uid}\nGid:\t${gid}\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n`;

describe('parseStatus()', () => {
  it('keeps Uid: and Gid: as real, effective, saved and fs ids (a setuid-root program run by 1001: real 1001)', () => {
    const st = parseStatus(status('1001\t0\t0\t0', '100\t100\t100\t100'));
    expect([st.uids, st.gids]).toEqual([[1001, 0, 0, 0], [100, 100, 100, 100]]);
  });

  it('reads CapPrm: and CapEff:', () => {
    const st = parseStatus(status('0\t0\t0\t0', '0\t0\t0\t0'));
    expect([st.capPrm, st.capEff]).toEqual([0x1ffffffffffn, 0x1ffffffffffn]);
  });
});
