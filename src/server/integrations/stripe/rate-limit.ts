// Backing off Stripe's rate limits (HTTP 429) for bulk callers: payout runs, the webhook sweep and replays.
//
// Stripe answers 429 `rate_limit` when an account sends more than its limit (25 requests/s in test mode) and 429
// `lock_timeout` when an object is busy. Its SDK retries only what `Stripe-Should-Retry: true` allows (lock timeouts),
// a couple of times within a few seconds, so under a sustained limit the SDK's own retries run out and the call
// throws StripeRateLimitError. Bulk callers wrap each call in `withRateLimitBackoff`: it calls again, with jittered
// exponential delays, until the call succeeds, fails otherwise, or the deadline passes (then the 429 is thrown).
//
// Calling again is safe for money: Stripe's limiters run before its idempotency layer, so a refused request did
// nothing, and every call that creates something carries an idempotency key built from our own ids (the closure
// builds the same key each time: `payout-<id>` for a transfer), so even a lock timeout cannot make a second object.

export type RateLimitWait = {
  /** 1 for the first 429 of this call, 2 for the next… */
  attempt: number;
  delayMs: number;
  /** `rate_limit` or `lock_timeout` (Stripe's error code), when Stripe said which. */
  code: string | undefined;
};

/**
 * Shared by the callers of one bulk job so that they slow down together: after any of them is refused, all wait
 * a short pause before their next request (Stripe recommends throttling the whole integration back, not only the
 * request that was refused).
 */
export type RateLimitGate = {
  /** Resolves when no pause is in force. */
  wait(): Promise<void>;
  /** Nobody sends before `Date.now() + ms` (a longer pause already in force is kept). */
  pause(ms: number): void;
  /** The end of the current pause (epoch ms), or 0. */
  pausedUntil(): number;
};

export type RateLimitBackoffOptions = {
  /** Total time one call may spend waiting on rate limits before the 429 is thrown. Default 5 minutes. */
  deadlineMs?: number;
  /** First delay (then doubled per refusal, with jitter), default 200 ms; the delay never exceeds `maxDelayMs` (8 s). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  gate?: RateLimitGate;
  /** Told about every wait: a progress bar shows it, a log counts it. */
  onWait?: (wait: RateLimitWait) => void;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A 429 from Stripe (rate limit or lock timeout), as the SDK raises it. */
export function isStripeRateLimitError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { type?: string; statusCode?: number; code?: string };
  return e.type === 'StripeRateLimitError' || e.statusCode === 429 || e.code === 'rate_limit' || e.code === 'lock_timeout';
}

export function createRateLimitGate(now: () => number = Date.now, sleep: (ms: number) => Promise<void> = defaultSleep): RateLimitGate {
  let until = 0;
  return {
    async wait() {
      for (let remaining = until - now(); remaining > 0; remaining = until - now()) await sleep(remaining);
    },
    pause(ms) {
      until = Math.max(until, now() + ms);
    },
    pausedUntil: () => (until > now() ? until : 0),
  };
}

/**
 * Runs `call` until it is not refused by Stripe's rate limits: each 429 waits `initialDelayMs × 2^(n−1)` (capped at
 * `maxDelayMs`), scaled by a random factor in [0.5, 1] so that parallel callers spread out, then calls again. Any other
 * error is thrown at once; a 429 is thrown once the next wait would pass the deadline.
 */
export async function withRateLimitBackoff<T>(call: () => Promise<T>, options: RateLimitBackoffOptions = {}): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const initialDelayMs = options.initialDelayMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 8_000;
  const deadline = now() + (options.deadlineMs ?? 5 * 60_000);
  for (let attempt = 1; ; attempt++) {
    await options.gate?.wait();
    try {
      return await call();
    } catch (error) {
      if (!isStripeRateLimitError(error)) throw error;
      const delayMs = Math.round(Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1)) * (0.5 + random() / 2));
      if (now() + delayMs > deadline) throw error;
      // The others hold back for the first step only: one caller's long backoff must not stall the whole job.
      options.gate?.pause(Math.min(delayMs, initialDelayMs));
      options.onWait?.({ attempt, delayMs, code: (error as { code?: string }).code });
      await sleep(delayMs);
    }
  }
}
