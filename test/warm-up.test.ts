import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPoolSize, openDatabase } from '../src/server/db/client.js';
import { rowsOf } from '../src/server/db/rows.js';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { createContext } from '../src/server/context.js';
import { createInternalRequests } from '../src/server/http/internal-requests.js';
import { createLogger } from '../src/server/logger.js';
import { copyAndRollBack, runHotRequests, runHotStatements } from '../src/server/warm-up.js';
import { createFlow, createMember } from './factories.js';
import { createTestApp, TEST_ENV, type TestApp } from './support/app.js';
import { isPostgres } from './support/database.js';

// A process opens its pool at start and runs the hot statements on each connection (db.warmUp, src/server/warm-up.ts)
// before it answers: they must leave nothing behind, whatever the database holds (the copy among them is made and
// rolled back).
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const TABLES = [
  'users',
  'sessions',
  'flows',
  'subscriptions',
  'copies',
  'rate_limits',
  'billing_periods',
  'period_earnings',
  'ledger_transactions',
  'ledger_entries',
  'flow_copy_counters',
  'creator_balance_changes',
  'creator_month_changes',
  'creator_day_changes',
];

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const [row] = rowsOf<{ n: number }>(await t.database.db.execute(sql`select count(*)::int as n from ${sql.identifier(table)}`));
    counts[table] = Number(row!.n);
  }
  return counts;
}

describe('warm-up', () => {
  it('the hot statements leave nothing behind, on a database with members, flows and a login', async () => {
    const member = await createMember(t);
    await createFlow(t, member, { status: 'published' });
    const before = await rowCounts();
    expect(before.sessions).toBeGreaterThan(0);
    await runHotStatements(t.database.db, t.ctx.copyRecorder.limits);
    await runHotStatements(t.database.db, t.ctx.copyRecorder.limits);
    expect(await rowCounts()).toEqual(before);
  });

  it("the hot requests are the server's own: no rate limit counts them, no log line, nothing written", async () => {
    const member = await createMember(t);
    const flow = await createFlow(t, member, { status: 'published' });
    const logLines: string[] = [];
    const internal = createInternalRequests();
    const config = loadConfig({ ...TEST_ENV, RATE_LIMIT_LIST_PER_MINUTE: '2' });
    const app = await buildApp(await createContext(config, { database: t.database, stripe: t.stripeSetup }), {
      internal,
      logger: createLogger({ logLevel: 'info' }, { write: (line: string) => void logLines.push(line) }),
    });
    try {
      const before = await rowCounts();
      await runHotRequests(app, internal.headers, 3);
      expect(await rowCounts()).toEqual(before);
      expect(logLines.filter((line) => line.includes('"incoming request"'))).toEqual([]);
      // Thirteen list requests and three of the flow's page, and a client from the same address still has its two.
      for (let i = 0; i < 2; i++) expect((await app.inject({ method: 'GET', url: '/v1/flows' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/v1/flows' })).statusCode).toBe(429);
      expect(logLines.filter((line) => line.includes('"incoming request"'))).toHaveLength(3);
      expect((await app.inject({ method: 'GET', url: `/v1/flows/${flow.slug}`, headers: internal.headers })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('their copy goes all the way (a paid copy, counted and credited) before it is rolled back', async () => {
    const before = await rowCounts();
    const record = await copyAndRollBack(t.database.db, t.ctx.copyRecorder.limits);
    expect(record).toMatchObject({ outcome: 'recorded', isCounted: true, countedCopies: 1, subscriptionStatus: 'active' });
    expect(record.copyId).toEqual(expect.any(String));
    expect(await rowCounts()).toEqual(before);
  });

  it('sizes the pool from the machine: twice its cores, 4 to 20; 20 for a process that runs jobs', () => {
    expect([1, 2, 3, 8, 10, 64].map((cores) => defaultPoolSize('requests', cores))).toEqual([4, 4, 6, 16, 20, 20]);
    expect([1, 2, 64].map((cores) => defaultPoolSize('jobs', cores))).toEqual([20, 20, 20]);
  });

  it.runIf(isPostgres())('opens the whole pool by default, or DATABASE_WARM_CONNECTIONS of it, and runs the statements once on each connection', async () => {
    for (const [options, expected] of [
      [{ poolSize: 6 }, 6],
      [{ poolSize: 5, warmConnections: 2 }, 2],
      [{ poolSize: 2, warmConnections: 9 }, 2],
      [{}, defaultPoolSize('requests')],
    ] as const) {
      const database = await openDatabase({ databaseUrl: t.database.url, ...options });
      try {
        const backends: number[] = [];
        await database.warmUp(async (db) => {
          const [row] = rowsOf<{ pid: number }>(await db.execute(sql`select pg_backend_pid() as pid`));
          backends.push(Number(row!.pid));
        });
        expect(backends).toHaveLength(expected);
        expect(new Set(backends).size).toBe(expected);
      } finally {
        await database.close();
      }
    }
  });

  it.runIf(isPostgres())('names its connections, so pg_stat_activity says whose each is', async () => {
    const database = await openDatabase({ databaseUrl: t.database.url, poolSize: 3, applicationName: 'flowtab-api' });
    try {
      await database.warmUp();
      const named = async (name: string) =>
        rowsOf<{ count: number }>(
          await t.database.db.execute(sql`select count(*)::int as count from pg_stat_activity where datname = current_database() and application_name = ${name}`),
        )[0]!.count;
      expect(await named('flowtab-api')).toBe(3);
    } finally {
      await database.close();
    }
  });
});
