/**
 * One payout run in its own process, so its peak memory is its own: what `flowtab payouts run` does, instrumented.
 * Env: DATABASE_URL, STRIPE_API_BASE, BENCH_AS_OF, BENCH_CONCURRENCY. Prints one JSON line.
 */
import { loadConfig } from '../../src/server/config.js';
import { createContext } from '../../src/server/context.js';
import { runPayouts } from '../../src/server/modules/payouts/service.js';

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
const started = performance.now();
const summary = await runPayouts(ctx, {
  asOf: new Date(process.env.BENCH_AS_OF!),
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 16),
  // The first 'pay' progress comes right after the candidates query: from there on, reserve + transfer + settle.
  onProgress: ({ phase }) => {
    if (phase === 'pay') payStarted ??= performance.now();
  },
});
const finished = performance.now();
clearInterval(sampler);
await ctx.database.close();
console.log(
  JSON.stringify({
    summary,
    totalMs: finished - started,
    payMs: finished - (payStarted ?? started),
    peakRssMb: Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1024 / 1024,
  }),
);
