import { afterEach, describe, expect, it } from 'vitest';
import { close, socket } from './libc.js';
import { Wakeup } from './wakeup.js';

const AF_INET = 2;
const SOCK_DGRAM = 2;
const open: (() => void)[] = [];
afterEach(() => {
  for (const f of open.splice(0)) f();
});

function setup(): { wake: Wakeup; fd: number } {
  const wake = Wakeup.create();
  const s = socket(AF_INET, SOCK_DGRAM, 0);
  if (!s.ok) throw new Error(s.error.errno);
  open.push(() => wake.close(), () => close(s.value));
  return { wake, fd: s.value };
}

describe('Wakeup', () => {
  it('a wait with nothing to read and no signal ends at its timeout, woken by neither', () => {
    const { wake, fd } = setup();
    expect(wake.wait(fd, 20)).toEqual({ ok: true, socket: false, woken: false });
  });

  it('a signal ends the wait at once and is consumed: the next wait times out', () => {
    const { wake, fd } = setup();
    wake.signal();
    wake.signal();
    // Infinity: only the signal can end it (a missed signal would hang this test).
    expect(wake.wait(fd, Infinity)).toEqual({ ok: true, socket: false, woken: true });
    expect(wake.wait(fd, 0)).toEqual({ ok: true, socket: false, woken: false });
  });

  it('the same eventfd seen by another Wakeup (a worker\'s Wakeup.of) wakes its wait', () => {
    const { wake, fd } = setup();
    Wakeup.of(wake.fd).signal();
    expect(wake.wait(fd, Infinity)).toMatchObject({ woken: true });
  });

  it('a closed descriptor ends the wait as readable (POLLNVAL), never hangs: the read after it fails with EBADF', () => {
    const { wake } = setup();
    const s = socket(AF_INET, SOCK_DGRAM, 0);
    if (!s.ok) throw new Error(s.error.errno);
    close(s.value);
    // poll(2) reports a closed fd as POLLNVAL: readable for the caller, whose next read fails with EBADF.
    expect(wake.wait(s.value, 0)).toMatchObject({ ok: true, socket: true });
  });
});
