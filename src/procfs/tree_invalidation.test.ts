import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EntryNotifier, NotifyFailure } from './notify_writer.js';
import { invalEntryMessage } from './notify_writer.js';
import { NOTIFY_WAIT_MS, REVIVE_NOTIFIES, REVIVE_NOTIFY_MS, TreeInvalidation } from './tree_invalidation.js';

/** A notifier that records what it was asked and answers when the test says. */
function fakeNotifier(answer: () => Promise<NotifyFailure[]> = async () => []) {
  const asked: string[][] = [];
  const n: EntryNotifier = {
    invalidateRootEntries: (names) => (asked.push([...names]), answer()),
    close: async () => undefined,
  };
  return { n, asked };
}

afterEach(() => { vi.useRealTimers(); });

describe('TreeInvalidation', () => {
  it('notifies only the changed pids a request named, once each, and answers null when there are none', async () => {
    const log: string[] = [];
    const tree = new TreeInvalidation((l) => log.push(l));
    const { n, asked } = fakeNotifier();
    tree.connect(n);
    tree.seen(4);
    tree.seen(4);
    tree.seen(9);
    expect(tree.invalidate({ pids: [5, 6] })).toBeNull();
    await tree.invalidate({ pids: [4, 5, 9] });
    // Notified once: until a request names them again, the kernel cannot hold them.
    expect(tree.invalidate({ pids: [4, 9] })).toBeNull();
    tree.seen(9);
    await tree.invalidate({ pids: [9] });
    expect([asked, log]).toEqual([[['4', '9'], ['9']], []]);
  });

  it('without a notifier (both timeouts 0) nothing is written and nothing waits', () => {
    const tree = new TreeInvalidation();
    tree.seen(4);
    expect(tree.invalidate({ pids: [4] })).toBeNull();
  });

  it('logs what the kernel refused (but ENOENT, which the writer never reports) and settles', async () => {
    const log: string[] = [];
    const tree = new TreeInvalidation((l) => log.push(l));
    tree.connect(fakeNotifier(async () => [{ name: '4', code: 'EBADF' }]).n);
    tree.seen(4);
    await tree.invalidate({ pids: [4] });
    expect(log).toEqual(["nsproc: dropping the kernel's entry for pid 4 failed (EBADF); it expires with the timeouts"]);
  });

  it(`settles after ${NOTIFY_WAIT_MS} ms with a logged line when the kernel does not confirm`, async () => {
    vi.useFakeTimers();
    const log: string[] = [];
    const tree = new TreeInvalidation((l) => log.push(l));
    tree.connect(fakeNotifier(() => new Promise(() => undefined)).n);
    for (const p of [1, 2, 3, 4, 5, 6, 7]) tree.seen(p);
    let settled = false;
    void tree.invalidate({ pids: [1, 2, 3, 4, 5, 6, 7] })!.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(NOTIFY_WAIT_MS - 1);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect([settled, log]).toEqual([true, [
      `nsproc: the kernel did not confirm dropping its cached entries for pid 1, 2, 3, 4, 5 and 2 more within ${NOTIFY_WAIT_MS} ms; answered the write anyway (the entries expire with the timeouts)`,
    ]]);
  });

  it('logs a dead writer thread and settles', async () => {
    const log: string[] = [];
    const tree = new TreeInvalidation((l) => log.push(l));
    tree.connect(fakeNotifier(async () => { throw new Error('the notify thread exited (status 1)'); }).n);
    tree.seen(4);
    await tree.invalidate({ pids: [4] });
    expect(log).toEqual(['nsproc: the cache invalidation thread failed: the notify thread exited (status 1)']);
  });
});

describe('invalEntryMessage()', () => {
  it('is fuse_out_header {len, FUSE_NOTIFY_INVAL_ENTRY, unique 0} + {parent, namelen, flags 0} + name + NUL', () => {
    expect(invalEntryMessage(1n, '42').toString('hex')).toBe([
      '23000000', '03000000', '0000000000000000', // len 35, error = notify code 3, unique 0
      '0100000000000000', '02000000', '00000000', // parent nodeid 1, namelen 2, flags 0
      '343200', // "42" NUL
    ].join(''));
  });
});

describe('TreeInvalidation: entries a busy walk kept', () => {
  it(`notifies a changed pid again ${REVIVE_NOTIFY_MS} ms after a request names it, ${REVIVE_NOTIFIES} times at most, within the cache timeout`, async () => {
    vi.useFakeTimers();
    const tree = new TreeInvalidation();
    const { n, asked } = fakeNotifier();
    tree.connect(n, 60);
    tree.seen(4);
    await tree.invalidate({ pids: [4] });
    // The lookup that brings back what a busy walk kept: one more notify once it has ended.
    tree.seen(4);
    tree.seen(4);
    await vi.advanceTimersByTimeAsync(REVIVE_NOTIFY_MS - 1);
    expect(asked).toEqual([['4']]);
    await vi.advanceTimersByTimeAsync(1);
    expect(asked).toEqual([['4'], ['4']]);
    for (let i = 0; i < 3; i++) {
      tree.seen(4);
      await vi.advanceTimersByTimeAsync(REVIVE_NOTIFY_MS);
    }
    expect(asked).toEqual([['4'], ['4'], ['4']]);
    // A new change starts over; after the cache timeout nothing the kernel kept is left to drop.
    await tree.invalidate({ pids: [4] });
    await vi.advanceTimersByTimeAsync(60_001);
    tree.seen(4);
    await vi.advanceTimersByTimeAsync(REVIVE_NOTIFY_MS);
    expect(asked).toEqual([['4'], ['4'], ['4'], ['4']]);
  });

  it('a pid nobody names again costs nothing more, and disconnecting drops what was scheduled', async () => {
    vi.useFakeTimers();
    const tree = new TreeInvalidation();
    const { n, asked } = fakeNotifier();
    tree.connect(n);
    tree.seen(4);
    tree.seen(5);
    await tree.invalidate({ pids: [4, 5] });
    tree.seen(5);
    tree.connect(null);
    await vi.advanceTimersByTimeAsync(REVIVE_NOTIFY_MS * 10);
    expect(asked).toEqual([['4', '5']]);
  });
});
