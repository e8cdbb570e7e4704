import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClock } from '../src/clock.js';

// The emulated clock is real time plus an offset; due tasks (renewals, retries) run with it held still at their time,
// so what they stamp carries it even when the real second ends while they run (billing.test's card 0341 once saw its
// third invoice.payment_failed one second late on a busy machine) or right before (a renewal's events at its period
// end + 1).
describe('the emulated clock', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('stands still while held, however long the work takes, and runs on afterwards', () => {
    let realMs = 1_000_000_000_500;
    vi.spyOn(Date, 'now').mockImplementation(() => realMs);
    const clock = createClock();
    const stamped = clock.runAt(2_000_000_000, () => {
      const first = clock.now();
      realMs += 600; // the real second ends during the work
      return [first, clock.runAt(2_000_000_000, () => clock.now()), clock.now()];
    });
    expect(stamped).toEqual([2_000_000_000, 2_000_000_000, 2_000_000_000]);
    expect(clock.now()).toBe(2_000_000_001);
  });

  it('holds the second it moved to, even when the real second ends right after the move', () => {
    // Every reading of the real clock is 600 ms after the one before: the first is at x.5 s, the second at x+1.1 s.
    let realMs = 1_000_000_000_900;
    vi.spyOn(Date, 'now').mockImplementation(() => (realMs += 600));
    const clock = createClock();
    expect(clock.runAt(2_000_000_000, () => clock.now())).toBe(2_000_000_000);
    // Already past: held at the clock's own second, never moved back.
    const now = clock.now();
    expect(clock.runAt(1_000_000_000, () => clock.now())).toBeGreaterThanOrEqual(now);
  });

  it('moves forward only, also while held', () => {
    let realMs = 1_000_000_000_000;
    vi.spyOn(Date, 'now').mockImplementation(() => realMs);
    const clock = createClock();
    clock.moveTo(999_999_000);
    expect(clock.now()).toBe(1_000_000_000);
    clock.runAt(999_999_000, () => {
      clock.moveTo(1_000_000_100);
      expect(clock.now()).toBe(1_000_000_000);
    });
    realMs += 1_000;
    expect(clock.now()).toBe(1_000_000_101);
  });
});
