// One emulated clock for everything: real time plus an offset that only grows (advance, test clocks).

export type Clock = {
  now(): number;
  offsetSeconds(): number;
  setOffset(seconds: number): void;
  /** Moves the clock forward to `unixSeconds`; never backwards. */
  moveTo(unixSeconds: number): void;
  /**
   * Moves the clock forward to `unixSeconds` (never backwards) and runs `work` (synchronous) with the clock standing
   * still at the second the move set, so everything the work stamps carries that time however long it takes: a due
   * task's events at the task's time, even on a machine so busy that the real second ends mid-task (a retry's
   * `invoice.payment_failed` had come out one second late). The held second is the move's, not a second reading of
   * the clock after it, which a real second ending between the two readings put one later (a renewal's events once
   * came out at its period end + 1).
   */
  runAt<T>(unixSeconds: number, work: () => T): T;
};

export function createClock(initialOffset = 0): Clock {
  let offset = initialOffset;
  let heldAt: number | undefined;
  const running = () => Math.floor(Date.now() / 1000) + offset;
  const now = () => heldAt ?? running();
  /** Moves the offset so the clock reads `unixSeconds` (unless it is already past it); returns what it reads then. */
  const moveTo = (unixSeconds: number): number => {
    const current = running();
    if (unixSeconds <= current) return current;
    offset += unixSeconds - current;
    return unixSeconds;
  };
  return {
    now,
    offsetSeconds: () => offset,
    setOffset: (seconds) => {
      offset = seconds;
    },
    moveTo,
    runAt: (unixSeconds, work) => {
      if (heldAt !== undefined) return work();
      heldAt = moveTo(unixSeconds);
      try {
        return work();
      } finally {
        heldAt = undefined;
      }
    },
  };
}
