import { z } from 'zod';

// Fault injection for reliability tests. Randomness comes from a seeded PRNG so a test run is repeatable.

const pathFault = z.object({
  error_rate: z.number().min(0).max(1).default(0),
  error_after_rate: z.number().min(0).max(1).default(0),
  timeout_ms: z.number().int().min(0).default(0),
});

export const faultsSchema = z.object({
  latency_ms: z.number().int().min(0).default(0),
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
  return {
    config: () => config,
    set(input) {
      config = faultsSchema.parse(input ?? {});
      rng = mulberry32(config.seed);
      return config;
    },
    random: () => rng(),
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
