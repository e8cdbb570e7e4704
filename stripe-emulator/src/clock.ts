// One emulated clock for everything: real time plus an offset that only grows (advance, test clocks).

export type Clock = {
  now(): number;
  offsetSeconds(): number;
  setOffset(seconds: number): void;
  /** Moves the clock forward to `unixSeconds`; never backwards. */
  moveTo(unixSeconds: number): void;
  /**
   * Runs `work` (synchronous) with the clock standing still at its current second, so everything the work stamps
   * carries that time however long it takes: a due task's events at the task's time, even on a machine so busy that
   * the real second ends mid-task (a retry's `invoice.payment_failed` had come out one second late).
   */
  holdStill<T>(work: () => T): T;
};

export function createClock(initialOffset = 0): Clock {
  let offset = initialOffset;
  let heldAt: number | undefined;
  const running = () => Math.floor(Date.now() / 1000) + offset;
  const now = () => heldAt ?? running();
  return {
    now,
    offsetSeconds: () => offset,
    setOffset: (seconds) => {
      offset = seconds;
    },
    moveTo: (unixSeconds) => {
      const current = running();
      if (unixSeconds > current) offset += unixSeconds - current;
    },
    holdStill: (work) => {
      if (heldAt !== undefined) return work();
      heldAt = running();
      try {
        return work();
      } finally {
        heldAt = undefined;
      }
    },
  };
}
