import { describe, expect, it } from 'vitest';
import { CleanupStack, startWithCleanup } from './cleanup_stack.js';

/** A stack of releases that note their name in `ran`; `failing` names throw after noting. */
function stack(names: readonly string[], failing: readonly string[] = []): { cleanup: CleanupStack; ran: string[] } {
  const cleanup = new CleanupStack();
  const ran: string[] = [];
  for (const n of names) {
    cleanup.push(n, async () => {
      ran.push(n);
      if (failing.includes(n)) throw new Error(`${n} would not go`);
    });
  }
  return { cleanup, ran };
}

describe('CleanupStack', () => {
  it('releaseAll() releases the last acquired first', async () => {
    const { cleanup, ran } = stack(['lock', 'log', 'scanner']);
    expect(await cleanup.releaseAll()).toEqual([]);
    expect(ran).toEqual(['scanner', 'log', 'lock']);
  });

  it('releaseAll() releases each once: a second call releases nothing', async () => {
    const { cleanup, ran } = stack(['lock', 'log']);
    await cleanup.releaseAll();
    await cleanup.releaseAll();
    expect(ran).toEqual(['log', 'lock']);
  });

  it('releaseAll() goes on past a release that throws, and returns each failure with what it released', async () => {
    const { cleanup, ran } = stack(['lock', 'log', 'scanner'], ['log', 'scanner']);
    const failures = await cleanup.releaseAll();
    expect(ran).toEqual(['scanner', 'log', 'lock']);
    expect(failures.map((f) => [f.what, (f.error as Error).message])).toEqual([
      ['scanner', 'scanner would not go'], ['log', 'log would not go'],
    ]);
  });

  it('releaseAll() waits for a release that is asynchronous before the next', async () => {
    const cleanup = new CleanupStack();
    const ran: string[] = [];
    cleanup.push('lock', () => void ran.push('lock'));
    cleanup.push('forwarder', () => new Promise<void>((resolve) => setTimeout(() => { ran.push('forwarder'); resolve(); }, 10)));
    await cleanup.releaseAll();
    expect(ran).toEqual(['forwarder', 'lock']);
  });
});

describe('startWithCleanup', () => {
  it('startWithCleanup() on a failed start releases what was acquired, last first, and rethrows the start\'s error', async () => {
    const ran: string[] = [];
    const told: string[] = [];
    const start = startWithCleanup((l) => told.push(l), (cleanup) => {
      cleanup.push('the lock', () => void ran.push('lock'));
      cleanup.push('the log', () => void ran.push('log'));
      throw new Error('ENOSPC: the boot records');
    });
    await expect(start).rejects.toThrow('ENOSPC: the boot records');
    expect(ran).toEqual(['log', 'lock']);
    expect(told).toEqual([]);
  });

  it('startWithCleanup() tells each release that fails while undoing a start, and still rethrows the start\'s error', async () => {
    const ran: string[] = [];
    const told: string[] = [];
    const start = startWithCleanup((l) => told.push(l), async (cleanup) => {
      cleanup.push('the lock', () => void ran.push('lock'));
      cleanup.push('the scanner', () => { throw new Error('worker gone'); });
      throw new Error('no snapshot');
    });
    await expect(start).rejects.toThrow('no snapshot');
    expect(ran).toEqual(['lock']);
    expect(told).toEqual(['nsproc: undoing the failed start: the scanner: worker gone']);
  });

  it('startWithCleanup() gives what was built, whose close() releases everything once', async () => {
    const ran: string[] = [];
    const sys = await startWithCleanup(() => undefined, (cleanup) => {
      cleanup.push('the lock', () => void ran.push('lock'));
      cleanup.push('the log', () => void ran.push('log'));
      return { name: 'model' };
    });
    expect(sys.name).toBe('model');
    await sys.close();
    await sys.close();
    expect(ran).toEqual(['log', 'lock']);
  });

  it('startWithCleanup()\'s close() releases everything and then throws, naming each release that failed', async () => {
    const ran: string[] = [];
    const sys = await startWithCleanup(() => undefined, (cleanup) => {
      cleanup.push('the lock', () => void ran.push('lock'));
      cleanup.push('the log', () => { throw new Error('EIO'); });
      cleanup.push('kernel audit', () => { throw new Error('rules left'); });
      return {};
    });
    await expect(sys.close()).rejects.toThrow('kernel audit: rules left; the log: EIO');
    expect(ran).toEqual(['lock']);
  });
});
