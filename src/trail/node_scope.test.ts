import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodesWith } from './node_scope.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nstrail-scope-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, lines: readonly string[], newline = true) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, lines.join('\n') + (newline ? '\n' : ''));
  return p;
};
const U = 'uuid=5c2a3d1e-8f4b-4c6d-9e7f-0a1b2c3d4e5f';
const virt = (node: string | null, serial: number) => `${node === null ? '' : `node=${node} `}type=VIRT_CONTROL msg=audit(1.000:${serial}): pid=1 msg='virt=lxc op=start vm="web" ${U} vm-pid=4'`;
const other = (node: string, serial: number) => `node=${node} type=NS_INFO msg=audit(1.000:${serial}): pid=4 netns=c`;

describe('nodesWith()', () => {
  it('names the nodes of the lines that hold the needle, across files, and none else', () => {
    const a = file('a.log', [other('hostA', 1), virt('hostA', 2), other('hostC', 3)]);
    const b = file('b.log', [other('hostB', 1), virt('hostB', 2)]);
    expect(nodesWith([a, b], U)).toEqual(new Set(['hostA', 'hostB']));
    expect(nodesWith([a, b], 'uuid=nothing')).toEqual(new Set());
  });
  it('takes a line without node= as the node \'\', and a last line without its newline', () => {
    expect(nodesWith([file('c.log', [other('hostA', 1), virt(null, 2)], false)], U)).toEqual(new Set(['']));
  });
  it('finds lines, needles and node names that cross the end of a chunk (every chunk size from a line to three)', () => {
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) lines.push(i % 7 === 3 ? virt(`host${i}`, i) : other(`host${i}`, i));
    const p = file('d.log', lines);
    const want = new Set(lines.filter((l) => l.includes(U)).map((l) => l.slice(5, l.indexOf(' '))));
    const longest = Math.max(...lines.map((l) => l.length + 1));
    for (let chunk = longest; chunk <= 3 * longest; chunk++) expect(nodesWith([p], U, chunk), `chunk ${chunk}`).toEqual(want);
  });
  it('is null for stdin, which cannot be read twice', () => {
    expect(nodesWith(['-'], U)).toBeNull();
  });
});
