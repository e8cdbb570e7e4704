import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Db } from '../../src/server/db/client.js';
import * as schema from '../../src/server/db/schema.js';
import { createTokenService } from '../../src/server/modules/auth/session-tokens.js';

// What the benches share to run the API against a bench database: its environment, its tokens, and the plans of
// the statements a service call runs.

export const BENCH_JWT_SECRET = 'bench-secret-bench-secret-bench-secret-00';

/** A `flowtab serve` environment on `databaseUrl`: no Stripe, no jobs, every rate limit out of the way, the pool warmed, responses unchecked (as in production), quiet logs. */
export function benchServerEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    JWT_SECRET: BENCH_JWT_SECRET,
    STRIPE_API_BASE: 'http://127.0.0.1:9',
    STRIPE_WEBHOOK_SECRET: 'whsec_unused',
    STRIPE_PRICE_ID: 'price_unused',
    FLOWTAB_JOBS: 'off',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_COPY_PER_MINUTE: '100000000',
    RATE_LIMIT_LIST_PER_MINUTE: '100000000',
    RATE_LIMIT_TOKEN_PER_MINUTE: '100000000',
    // The default, the whole pool warmed at start (TEST_ENV, which the processes also get, keeps tests at two).
    DATABASE_WARM_CONNECTIONS: '20',
    // As in production: the processes run as FLOWTAB_ENV=test (the emulator's settings), which would check every response.
    RESPONSE_CHECKS: 'false',
    ...extra,
  };
}

/** Bearer tokens for sessions written straight into the bench database (`sessions` rows). */
export const benchTokens = createTokenService(BENCH_JWT_SECRET);

/**
 * EXPLAIN (ANALYZE, BUFFERS) of each statement `run` sends (those `keep` selects), captured from the same service
 * code the API runs, on a connection of its own; the first line says how many statements the call sent in all.
 */
export async function explainServiceCall(url: string, run: (db: Db) => Promise<unknown>, keep: (sql: string) => boolean = () => true): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const statements: { sql: string; params: unknown[] }[] = [];
    const db = drizzle(client, { schema, logger: { logQuery: (sql, params) => statements.push({ sql, params }) } }) as unknown as Db;
    await run(db);
    const lines = [`(${statements.length} statement${statements.length === 1 ? '' : 's'} in all)`];
    for (const statement of statements.filter((s) => keep(s.sql) && !/^(\s*\/\*.*?\*\/)?\s*explain/.test(s.sql))) {
      const plan = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${statement.sql}`, statement.params);
      lines.push(...plan.rows.map((row) => row['QUERY PLAN']), '');
    }
    return lines;
  } finally {
    await client.end();
  }
}
