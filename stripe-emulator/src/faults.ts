import { z } from 'zod';

// Fault injection for reliability tests. Randomness comes from a seeded PRNG so a test run is repeatable.

const pathFault = z.object({
  error_rate: z.number().min(0).max(1).default(0),
  error_after_rate: z.number().min(0).max(1).default(0),
  timeout_ms: z.number().int().min(0).default(0),
});

/**
 * Stripe's request-rate limiter (test mode allows 25 requests per second): every `/v1` request counts against one
 * sliding one-second window; past the limit the request is refused with 429 `rate_limit` before anything else runs
 * (idempotency included, as on Stripe). `should_retry` is the `Stripe-Should-Retry` header sent with it (`null`: none).
 */
const rateLimit = z.object({
  requests_per_second: z.number().int().min(1),
  should_retry: z.boolean().nullable().default(false),
});

export const faultsSchema = z.object({
  latency_ms: z.number().int().min(0).default(0),
  rate_limit: rateLimit.nullable().default(null),
  paths: z.record(z.string(), pathFault).default({}),
  webhooks: z
    .object({
      drop_rate: z.number().min(0).max(1).default(0),
      duplicate_rate: z.number().min(0).max(1).default(0),
      reorder: z.boolean().default(false),
    })
    .default({ drop_rate: 0, duplicate_rate: 0, reorder: false }),
  seed: z.number().int().default(1),
});

export type FaultConfig = z.infer<typeof faultsSchema>;
export type PathFault = z.infer<typeof pathFault>;

export type Faults = {
  config(): FaultConfig;
  set(input: unknown): FaultConfig;
  random(): number;
  /** Counts a `/v1` request against the rate limit; false when it must be refused with 429. */
  admitRequest(nowMs: number): boolean;
  /** Totals since start or reset: `/v1` requests seen and how many the rate limit refused. */
  stats(): { api_requests: number; rate_limited: number };
  resetStats(): void;
  /** `"POST /v1/transfers"`; a trailing `*` matches a prefix (`"POST /v1/*"`). */
  forRequest(method: string, path: string): PathFault | undefined;
};

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createFaults(): Faults {
  let config = faultsSchema.parse({});
  let rng = mulberry32(config.seed);
  // Times (ms) of the requests admitted in the last second, oldest first.
  let admitted: number[] = [];
  let counters = { api_requests: 0, rate_limited: 0 };
  return {
    config: () => config,
    set(input) {
      config = faultsSchema.parse(input ?? {});
      rng = mulberry32(config.seed);
      admitted = [];
      return config;
    },
    random: () => rng(),
    admitRequest(nowMs) {
      counters.api_requests++;
      const limit = config.rate_limit?.requests_per_second;
      if (limit === undefined) return true;
      let expired = 0;
      while (expired < admitted.length && admitted[expired]! <= nowMs - 1000) expired++;
      if (expired > 0) admitted = admitted.slice(expired);
      if (admitted.length >= limit) {
        counters.rate_limited++;
        return false;
      }
      admitted.push(nowMs);
      return true;
    },
    stats: () => ({ ...counters }),
    resetStats() {
      counters = { api_requests: 0, rate_limited: 0 };
    },
    forRequest(method, path) {
      const exact = config.paths[`${method} ${path}`];
      if (exact) return exact;
      for (const [pattern, fault] of Object.entries(config.paths)) {
        if (pattern.endsWith('*') && `${method} ${path}`.startsWith(pattern.slice(0, -1))) return fault;
      }
      return undefined;
    },
  };
}
