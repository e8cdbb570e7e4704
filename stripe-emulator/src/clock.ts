// One emulated clock for everything: real time plus an offset that only grows (advance, test clocks).

export type Clock = {
  now(): number;
  offsetSeconds(): number;
  setOffset(seconds: number): void;
  /** Moves the clock forward to `unixSeconds`; never backwards. */
  moveTo(unixSeconds: number): void;
};

export function createClock(initialOffset = 0): Clock {
  let offset = initialOffset;
  const now = () => Math.floor(Date.now() / 1000) + offset;
  return {
    now,
    offsetSeconds: () => offset,
    setOffset: (seconds) => {
      offset = seconds;
    },
    moveTo: (unixSeconds) => {
      const current = now();
      if (unixSeconds > current) offset += unixSeconds - current;
    },
  };
}
