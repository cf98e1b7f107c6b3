import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderSvg, xmlEscape, type Timeline } from './svg_timeline.js';

/** What python's XML parser makes of the document: lanes, bars, marks, arrows, texts. */
function parse(svg: string): { lanes: string[]; bars: number; marks: number; arrows: number; texts: string[] } {
  const py = `
import sys, json, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
ns = '{http://www.w3.org/2000/svg}'
groups = root.iter(ns + 'g')
out = {'lanes': [], 'bars': 0, 'marks': 0, 'arrows': 0, 'texts': [t.text for t in root.iter(ns + 'text')]}
for g in root.iter(ns + 'g'):
    c = g.get('class')
    if c == 'lane': out['lanes'].append(g.get('data-lane'))
    elif c in ('bar', 'mark', 'arrow'): out[c + 's'] += 1
print(json.dumps(out))`;
  return JSON.parse(execFileSync('python3', ['-c', py], { input: svg, encoding: 'utf8' })) as ReturnType<typeof parse>;
}

const T = 1796000000000;
const timeline: Timeline = {
  title: 'uuid 5c2a3d1e <web> & co',
  lanes: [{ id: 'hostA/1111', title: 'hostA', subtitle: 'boot 11111111' }, { id: 'hostB/6666', title: 'hostB', subtitle: 'boot 66666666' }],
  bars: [
    { lane: 'hostA/1111', label: 'net:9', start: T, end: T + 5000, detail: 'created by pid 1' },
    { lane: 'hostA/1111', label: 'pid:a', start: T, end: T + 5000, detail: '' },
    { lane: 'hostB/6666', label: 'net:c', start: T + 6000, end: null, detail: 'alive at the end' },
  ],
  marks: [{ lane: 'hostA/1111', time: T + 2000, label: 'pid 7 auid=1000', detail: 'setns net' }],
  arrows: [{ from: 'hostA/1111', to: 'hostB/6666', start: T + 5000, end: T + 6000, label: 'migrated' }],
  formatTime: (ms) => new Date(ms).toISOString().slice(11, 19),
};

describe('renderSvg', () => {
  it('draws one lane per (node, boot), one bar per namespace, the marks and the migration, as XML a parser reads', () => {
    const p = parse(renderSvg(timeline));
    expect(p.lanes).toEqual(['hostA/1111', 'hostB/6666']);
    expect([p.bars, p.marks, p.arrows]).toEqual([3, 1, 1]);
    expect(p.texts).toEqual(expect.arrayContaining(['uuid 5c2a3d1e <web> & co', 'net:9', 'pid:a', 'net:c', 'pid 7 auid=1000', 'migrated', 'hostA', 'boot 66666666']));
    // An axis with times on it.
    expect(p.texts.filter((t) => /^\d\d:\d\d:\d\d$/.test(t)).length).toBeGreaterThanOrEqual(3);
  });

  it('stacks overlapping bars of one lane in rows, and dashes a namespace still alive', () => {
    const svg = renderSvg(timeline);
    const ys = [...svg.matchAll(/<g class="bar">.*\n<rect x="[\d.]+" y="(\d+)"/g)].map((m) => Number(m[1]));
    expect(new Set(ys.slice(0, 2)).size).toBe(2);
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(1);
  });

  it('renders an empty trail as a valid document', () => {
    expect(parse(renderSvg({ ...timeline, lanes: [], bars: [], marks: [], arrows: [] })).lanes).toEqual([]);
  });

  it('escapes what XML cannot hold, control bytes included', () => {
    expect(xmlEscape(`a<b>&"c'\x01`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;\uFFFD');
    const p = parse(renderSvg({ ...timeline, lanes: [{ id: 'x"y', title: 'n\x02', subtitle: '' }], bars: [], marks: [], arrows: [] }));
    expect(p.lanes).toEqual(['x"y']);
  });
});
