/**
 * One payout run in its own process, so its peak memory is its own: what `flowtab payouts run` does, instrumented.
 * Env: DATABASE_URL, STRIPE_API_BASE, BENCH_AS_OF, BENCH_CONCURRENCY. Prints one JSON line.
 */
import { loadConfig } from '../../src/server/config.js';
import { createContext } from '../../src/server/context.js';
import { runPayouts } from '../../src/server/modules/payouts/runs.js';

const median = (values: number[]) => (values.length ? [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]! : 0);
const config = loadConfig({
  FLOWTAB_ENV: 'test',
  JWT_SECRET: 'bench-secret-bench-secret-bench-secret-00',
  DATABASE_URL: process.env.DATABASE_URL,
  STRIPE_API_BASE: process.env.STRIPE_API_BASE,
  LOG_LEVEL: 'silent',
});
const ctx = await createContext(config, {
  stripe: { secretKey: 'sk_test_bench', webhookSecret: undefined, apiBase: config.stripe.apiBase, priceId: undefined },
});
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
let payStarted: number | undefined;
// Sending windows: from a batch's reservation to its last settled payout (the windows never overlap each other).
let windowStart: number | undefined;
let sendingMs = 0;
let reserveWaitMs = 0;
let lastPayEvent: number | undefined;
const transferLatencies: number[] = [];
const createTransfer = ctx.stripe.createTransfer;
ctx.stripe.createTransfer = async (input) => {
  const startedAt = performance.now();
  try {
    return await createTransfer(input);
  } finally {
    transferLatencies.push(performance.now() - startedAt);
  }
};
const started = performance.now();
const summary = await runPayouts(ctx, {
  asOf: new Date(process.env.BENCH_AS_OF!),
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 16),
  onProgress: ({ phase }) => {
    const now = performance.now();
    if (phase === 'pay') {
      // The first 'pay' comes right after the candidates query.
      payStarted ??= now;
      lastPayEvent = now;
    }
    if (phase === 'reserve') {
      if (windowStart !== undefined && lastPayEvent !== undefined) sendingMs += lastPayEvent - windowStart;
      reserveWaitMs += now - (lastPayEvent ?? now);
      windowStart = now;
    }
  },
});
if (windowStart !== undefined && lastPayEvent !== undefined) sendingMs += lastPayEvent - windowStart;
const finished = performance.now();
clearInterval(sampler);
await ctx.database.close();
console.log(
  JSON.stringify({
    summary,
    totalMs: finished - started,
    payMs: finished - (payStarted ?? started),
    sendingMs,
    reserveWaitMs,
    transferP50Ms: median(transferLatencies),
    peakRssMb: Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1024 / 1024,
  }),
);
