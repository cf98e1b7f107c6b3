import { describe, expect, it } from 'vitest';
import { procMountOptions } from './proc_mount.js';

const line = (opts: string, fstype = 'proc', at = '/proc') => `78 54 0:46 / ${at} rw,relatime - ${fstype} proc ${opts}\n`;

describe('procMountOptions()', () => {
  const cases: [string, string, ReturnType<typeof procMountOptions>][] = [
    ['no hidepid', line('rw'), { hidepid: 0, gid: null }],
    ['hidepid=invisible,gid=', line('rw,gid=4,hidepid=invisible'), { hidepid: 2, gid: 4 }],
    ['hidepid=noaccess', line('rw,hidepid=noaccess'), { hidepid: 1, gid: null }],
    ['hidepid=ptraceable', line('rw,hidepid=ptraceable'), { hidepid: 4, gid: null }],
    ['numeric hidepid=2 (kernels before 5.8)', line('rw,hidepid=2'), { hidepid: 2, gid: null }],
    ['the mount on top wins', line('rw') + line('rw,gid=4,hidepid=invisible'), { hidepid: 2, gid: 4 }],
    ['another mount point is not /proc', line('rw,hidepid=2', 'proc', '/srv/proc'), { hidepid: 0, gid: null }],
    ['a tmpfs over /proc hides the proc below', line('rw,hidepid=2') + line('rw', 'tmpfs'), { hidepid: 0, gid: null }],
  ];
  for (const [what, text, want] of cases) it(what, () => expect(procMountOptions(text), what).toEqual(want));
});
