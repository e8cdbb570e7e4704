import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/database.js';
import { startWorkerProcess, type WorkerProcess } from './support/processes.js';

// A worker says at start when PostgreSQL runs without autovacuum (README, Keep autovacuum on), and only then.
// PostgreSQL only: PGlite has no autovacuum, and the worker is a process of its own.

describe.runIf(process.env.DATABASE_URL)('a worker on a server without autovacuum', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await worker?.stop();
    await database?.close();
  });

  it('warns at start exactly when the server says autovacuum is off', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<{ autovacuum: string }>('show autovacuum');
    await client.end();

    worker = await startWorkerProcess({
      DATABASE_URL: database.url!,
      STRIPE_API_BASE: 'http://127.0.0.1:9',
      STRIPE_SECRET_KEY: 'sk_test_flowtab',
      STRIPE_WEBHOOK_SECRET: 'whsec_unused',
      STRIPE_PRICE_ID: 'price_unused',
    });
    const warned = worker.output().includes('"event":"database.autovacuum_off"');
    expect(warned, worker.output()).toBe(rows[0]!.autovacuum === 'off');
  }, 90_000);
});
