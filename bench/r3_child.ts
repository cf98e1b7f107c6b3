/**
 * One R3 size in a fresh process (so its peak RSS is its own): boots a model
 * and clones N tasks of pid 1 with FLAGS (the model's clone(), no parsing, no
 * log), then prints one JSON line: time, µs per task for each fifth of the
 * run, peak RSS, and heap bytes held per task after a full GC.
 *
 *   node --expose-gc dist/bench/r3_child.js N FLAGS
 */
import { clone } from '../src/model/ops/clone.js';
import { allTasks } from '../src/model/state.js';
import { bootedState } from './_model.js';

const [nText, flagsText] = process.argv.slice(2);
const n = Number(nText);
const flags = Number(flagsText);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc || !Number.isInteger(n) || n <= 0 || !Number.isInteger(flags)) {
  process.stderr.write('usage: node --expose-gc r3_child.js N FLAGS\n');
  process.exit(2);
}
const s = bootedState();
gc();
const heap0 = process.memoryUsage().heapUsed;
const fifth = Math.max(1, Math.floor(n / 5));
const slices: number[] = [];
const t0 = performance.now();
let last = t0;
for (let i = 1; i <= n; i++) {
  const r = clone(s, 1, flags);
  if (!r.ok) throw new Error(`clone ${i}: ${r.error.errno}: ${r.error.detail}`);
  if (i % fifth === 0) {
    const t = performance.now();
    slices.push(((t - last) * 1000) / fifth);
    last = t;
  }
}
const secs = (performance.now() - t0) / 1000;
gc();
const heap1 = process.memoryUsage().heapUsed;
process.stdout.write(`${JSON.stringify({
  n, flags, secs, usPerTask: (secs * 1e6) / n, slices,
  peakRssBytes: process.resourceUsage().maxRSS * 1024,
  heapBytesPerTask: (heap1 - heap0) / n,
  tasks: allTasks(s).size, namespaces: s.namespaces.size,
})}\n`);
