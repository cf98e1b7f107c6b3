/**
 * In-process models for the bench: a booted state driven through runBatch()
 * with a sink that drops events (the ceiling of R2, the builder of R1's
 * baseline dump), and the nsctl scripts that make the same state on a mount.
 */
import { runBatch, type EventSink } from '../src/control/run_batch.js';
import { boot } from '../src/model/boot.js';
import { ok } from '../src/model/errno.js';
import type { ModelState } from '../src/model/state.js';

/** An EventSink that accepts every batch and keeps nothing. */
export const NOOP_SINK: EventSink = { appendEvents: () => ok(undefined) };

/** A freshly booted v5 model. */
export function bootedState(): ModelState {
  const b = boot({ profile: 'v5' });
  if (!b.ok) throw new Error(`boot failed: ${b.error.detail}`);
  return b.value.state;
}

/** `count` clone lines of pid 1, in writes of at most `perWrite` lines. */
export function cloneScript(count: number, flags: string, perWrite: number): string[] {
  const writes: string[] = [];
  for (let done = 0; done < count; done += perWrite) {
    const n = Math.min(perWrite, count - done);
    writes.push(`clone 1 ${flags}\n`.repeat(n));
  }
  return writes;
}

/** Runs writes in-process; throws on the first failed command. Returns every output line. */
export function runWrites(s: ModelState, writes: readonly string[], sink: EventSink = NOOP_SINK): string[] {
  const out: string[] = [];
  for (const w of writes) {
    const r = runBatch(s, sink, w);
    if (r.error) throw new Error(`batch failed: ${r.error.errno}: ${r.error.detail}`);
    out.push(...r.output.split('\n').filter((l) => l !== ''));
  }
  return out;
}
