import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClock } from '../src/clock.js';

// The emulated clock is real time plus an offset; due tasks (renewals, retries) run with it held still, so what they
// stamp carries their time even when the real second ends while they run (billing.test's card 0341 once saw its third
// invoice.payment_failed one second late on a busy machine).
describe('the emulated clock', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('stands still while held, however long the work takes, and runs on afterwards', () => {
    let realMs = 1_000_000_000_500;
    vi.spyOn(Date, 'now').mockImplementation(() => realMs);
    const clock = createClock();
    clock.moveTo(2_000_000_000);
    expect(clock.now()).toBe(2_000_000_000);
    const stamped = clock.holdStill(() => {
      const first = clock.now();
      realMs += 600; // the real second ends during the work
      return [first, clock.holdStill(() => clock.now()), clock.now()];
    });
    expect(stamped).toEqual([2_000_000_000, 2_000_000_000, 2_000_000_000]);
    expect(clock.now()).toBe(2_000_000_001);
  });

  it('moves forward only, also while held', () => {
    let realMs = 1_000_000_000_000;
    vi.spyOn(Date, 'now').mockImplementation(() => realMs);
    const clock = createClock();
    clock.moveTo(999_999_000);
    expect(clock.now()).toBe(1_000_000_000);
    clock.holdStill(() => {
      clock.moveTo(1_000_000_100);
      expect(clock.now()).toBe(1_000_000_000);
    });
    realMs += 1_000;
    expect(clock.now()).toBe(1_000_000_101);
  });
});
