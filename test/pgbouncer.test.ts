import { and, eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/server/db/client.js';
import { rowsOf } from '../src/server/db/rows.js';
import { billingPeriods, copies, emailOutbox } from '../src/server/db/schema.js';
import { type JobRunner, startJobs } from '../src/server/jobs/runner.js';
import { FOLD_INTERVAL_MS } from '../src/server/modules/ledger/jobs.js';
import { createAdmin, createFlow, createMember, giveSubscription, type Member, subscribeThroughCheckout } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { createEmptyDatabase, isPostgres } from './support/database.js';
import { hasPgBouncer, PGBOUNCER_BIN, type PgBouncer, startPgBouncer } from './support/pgbouncer.js';
import { balancesOf, connectCreator, createCreator, expectPaidOnce, pastTheHold, payoutsOf } from './support/payouts.js';
import { type ServerProcess, startServerProcess, startWorkerProcess, type WorkerProcess } from './support/processes.js';
import { expectReconciled } from './support/reconcile.js';
import { waitUntil } from './support/wait.js';

// The scaled-out deployment of the README ("Scaling out behind PgBouncer"): four API processes and a worker on one
// PostgreSQL through PgBouncer in transaction mode, which hands each transaction whatever server connection is free.
// Everything the product does across processes must hold there as on direct connections (SPEC §4, §11, §13).

const WITHIN_5_S = 5_000;
const LOGIN_FAILURES = 5;
// The default economics (the storm's 100 counted copies need them), with any balance worth paying out.
const ECONOMICS = { MIN_PAYOUT_CENTS: '1' };

describe.runIf(isPostgres())('four API processes and a worker behind PgBouncer in transaction mode', () => {
  let bouncer: PgBouncer;
  let dropDatabase: () => Promise<void>;
  let t: TestApp;
  const servers: ServerProcess[] = [];
  let worker: WorkerProcess | undefined;
  let author: Member;

  beforeAll(async () => {
    // Part of the PostgreSQL suite: without the binary these tests fail, saying why, rather than pass unseen.
    if (!hasPgBouncer()) throw new Error(`${PGBOUNCER_BIN} is missing: apt-get install pgbouncer (.ci/run installs it)`);
    const created = await createEmptyDatabase(process.env.DATABASE_URL!);
    dropDatabase = created.drop;
    // 20 server connections for ~80 client connections (4 API × 10, the worker's 20 + 4, this test's 10 + 4).
    bouncer = await startPgBouncer(process.env.DATABASE_URL!, { poolSize: 20 });
    const bouncerUrl = bouncer.through(created.url);
    // Debian's PgBouncer (1.18) does not carry named prepared statements: off, as the README says to run it.
    const database = await openDatabase({ databaseUrl: bouncerUrl, poolSize: 10, preparesStatements: false });
    const env = {
      ...ECONOMICS,
      DATABASE_URL: bouncerUrl,
      STRIPE_API_BASE: 'http://127.0.0.1:9',
      STRIPE_WEBHOOK_SECRET: 'whsec_unused',
      STRIPE_PRICE_ID: 'price_unused',
      FLOWTAB_JOBS: 'off',
      DATABASE_POOL_SIZE: '10',
      DATABASE_PREPARED_STATEMENTS: 'false',
      // As in concurrency.test.ts: the storm's copies queue on one billing-period row, longer than the default 2 s.
      DATABASE_CONNECT_TIMEOUT_MS: '30000',
      RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: String(LOGIN_FAILURES),
    };
    // Every process that started is kept for afterAll to stop, even when another failed to.
    const startServers = async (count: number) => {
      const started = await Promise.allSettled(Array.from({ length: count }, () => startServerProcess(env)));
      for (const result of started) if (result.status === 'fulfilled') servers.push(result.value);
      for (const result of started) if (result.status === 'rejected') throw result.reason;
    };
    // Migrations at once through the bouncer: the migration lock must hold there too (db/migration-lock.ts). The first
    // process starts alone, so that the others find its compiled sources in tsx's cache (a busy machine is slow).
    await Promise.all([database.migrate(), startServers(1)]);
    await startServers(3);
    t = await createTestApp(ECONOMICS, { stripe: true, database });
    author = await createMember(t);
    worker = await startWorkerProcess({
      ...ECONOMICS,
      DATABASE_URL: bouncerUrl,
      DATABASE_PREPARED_STATEMENTS: 'false',
      // The outbox's LISTEN needs a session of its own: through the bouncer its notifications would be lost.
      DATABASE_DIRECT_URL: created.url,
      STRIPE_API_BASE: t.emulatorUrl!,
    });
  }, 120_000);
  afterAll(async () => {
    await Promise.all([...servers, ...(worker ? [worker] : [])].map((p) => p.stop()));
    await t?.close();
    await bouncer?.stop();
    await dropDatabase?.();
  });

  const copyOn = (server: ServerProcess, member: Member, ref: string) =>
    fetch(`${server.url}/v1/flows/${ref}/copy`, { method: 'POST', headers: { authorization: `Bearer ${member.token}` } }).then(async (r) => ({
      status: r.status,
      body: await r.json(),
    }));

  it('200 parallel copies of 150 flows by one subscriber over four processes: 150 recorded, exactly 100 counted', async () => {
    const member = await createMember(t);
    const { periodId } = await giveSubscription(t, member, 'active', { isPaid: true });
    const flows = [];
    for (let i = 0; i < 150; i++) flows.push(await createFlow(t, author));
    const refs = [...flows.map((f) => f.slug), ...flows.slice(0, 50).map((f) => f.id)];
    const results = await Promise.all(refs.map((ref, i) => copyOn(servers[i % 4]!, member, ref)));

    expect(results.filter((r) => r.status === 200)).toHaveLength(150);
    expect(results.filter((r) => r.status === 409)).toHaveLength(50);
    expect(results.filter((r) => r.status === 200 && r.body.counted_for_payout)).toHaveLength(100);
    const [period] = await t.database.db.select().from(billingPeriods).where(eq(billingPeriods.id, periodId));
    expect(period).toMatchObject({ copiesCount: 150, countedCopies: 100, earnedCents: 700 });
    expect(await t.database.db.select().from(copies).where(eq(copies.billingPeriodId, periodId))).toHaveLength(150);
    await expectReconciled(t);
  });

  it('50 parallel copies of one flow over four processes: 1 recorded and 49 × 409', async () => {
    const member = await createMember(t);
    const { periodId } = await giveSubscription(t, member, 'active', { isPaid: true });
    const flow = await createFlow(t, author);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => copyOn(servers[i % 4]!, member, flow.slug)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(49);
    expect(await t.database.db.select().from(copies).where(eq(copies.billingPeriodId, periodId))).toHaveLength(1);
    await expectReconciled(t);
  });

  it('the failed-login limit holds across the four processes: 20 wrong passwords at once, exactly 5 checked', async () => {
    const member = await createMember(t);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`${servers[i % 4]!.url}/v1/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ login: member.username, password: 'wrong horse battery' }),
        }).then((r) => r.status),
      ),
    );
    expect(results.filter((status) => status === 401)).toHaveLength(LOGIN_FAILURES);
    expect(results.filter((status) => status === 429)).toHaveLength(20 - LOGIN_FAILURES);
  });

  it('a suspension made on one process is refused by the other three within 5 s', async () => {
    const admin = await createAdmin(t);
    const member = await createMember(t);
    const meOn = (server: ServerProcess) => fetch(`${server.url}/v1/users/me`, { headers: { authorization: `Bearer ${member.token}` } }).then((r) => r.status);
    // Every process now remembers the member as active.
    expect(await Promise.all(servers.map(meOn))).toEqual([200, 200, 200, 200]);

    const suspend = await fetch(`${servers[0]!.url}/v1/admin/users/${member.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'suspended', reason: 'chargeback fraud' }),
    });
    expect(suspend.status).toBe(200);
    const suspendedAt = Date.now();
    expect(await meOn(servers[0]!)).toBe(403);
    await waitUntil(async () => (await Promise.all(servers.slice(1).map(meOn))).every((status) => status === 403), {
      message: 'the other three processes to refuse the suspended member',
      timeoutMs: WITHIN_5_S,
    });
    expect(Date.now() - suspendedAt).toBeLessThanOrEqual(WITHIN_5_S);
  });

  it('the worker runs a payout run queued through the bouncer: one transfer', async () => {
    const creator = await createCreator(t, 6);
    await connectCreator(t, creator);
    const subscriber = await createMember(t);
    await subscribeThroughCheckout(t, subscriber);
    for (const flow of creator.flows) expect((await t.request({ method: 'POST', url: `/v1/flows/${flow.slug}/copy`, token: subscriber.token })).status).toBe(200);
    const { held } = await balancesOf(t, creator.id);
    expect(held).toBeGreaterThan(0);
    const asOf = await pastTheHold(t);
    // What PAYOUT_CRON's tick does: queue `payouts.run` (on pg-boss, through the bouncer); the worker process takes it.
    const queue: JobRunner = await startJobs(t.ctx, pino({ level: 'silent' }), { schedule: false, jobs: {} });
    try {
      await queue.send('payouts.run', { asOf: asOf.toISOString() });
      await waitUntil(async () => (await payoutsOf(t, creator.id)).some((p) => p.status === 'paid'), {
        message: 'the worker to pay the creator',
        timeoutMs: 45_000,
        intervalMs: 250,
      });
    } finally {
      await queue.stop();
    }
    await expectPaidOnce(t, creator, { amountCents: held, kind: 'scheduled' });
    await expectReconciled(t);
  });

  it('the worker folds a counted copy into the creator’s running totals within seconds (a timer, not a once-a-minute job)', async () => {
    const creator = await createMember(t);
    const subscriber = await createMember(t);
    await giveSubscription(t, subscriber, 'active', { isPaid: true });
    const copied = await copyOn(servers[2]!, subscriber, (await createFlow(t, creator)).slug);
    expect(copied).toMatchObject({ status: 200, body: { counted_for_payout: true } });
    const totals = async () => {
      const result = await t.database.db.execute(sql`
        select (select count(*) from creator_balance_changes where creator_id = ${creator.id})::int as tail,
               (select sum(balance_cents) from creator_account_totals where creator_id = ${creator.id})::int as folded`);
      return rowsOf<{ tail: number; folded: number | null }>(result)[0]!;
    };
    await waitUntil(async () => (await totals()).tail === 0, { message: 'the worker to fold the tail', timeoutMs: FOLD_INTERVAL_MS + WITHIN_5_S });
    expect(await totals()).toEqual({ tail: 0, folded: 7 });
    await expectReconciled(t);
  });

  it('mail is sent right after commit: the worker listens on DATABASE_DIRECT_URL, not through the bouncer', async () => {
    const email = `late-${Date.now()}@example.com`;
    const registered = await fetch(`${servers[1]!.url}/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, username: `late_${Date.now()}`, password: 'correct horse battery' }),
    });
    expect(registered.status).toBe(201);
    // The periodic `email.send` job runs once a minute; only the notification gets the mail out this soon.
    await waitUntil(
      async () => {
        const [mail] = await t.database.db.select().from(emailOutbox).where(and(eq(emailOutbox.toAddress, email), eq(emailOutbox.status, 'sent')));
        return mail;
      },
      { message: 'the welcome mail to be sent', timeoutMs: WITHIN_5_S },
    );
  });
});
