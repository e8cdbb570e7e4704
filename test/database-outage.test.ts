import { connect, createServer, type Socket } from 'node:net';
import { DrizzleQueryError, eq, sql } from 'drizzle-orm';
import { type Logger, pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/server/db/client.js';
import { findDatabaseUnavailable } from '../src/server/db/errors.js';
import { rowsOf } from '../src/server/db/rows.js';
import { copies } from '../src/server/db/schema.js';
import { jobDefinitions } from '../src/server/jobs/definitions.js';
import { type JobRunner, runJob, startJobs } from '../src/server/jobs/runner.js';
import { startEmailSender } from '../src/server/modules/email/jobs.js';
import { startTotalsFolder } from '../src/server/modules/ledger/jobs.js';
import { createFlow, createMember, giveSubscription, type Member } from './factories.js';
import { createTestApp, type Response, type TestApp } from './support/app.js';
import { isPostgres } from './support/database.js';
import { findPostgresBin, type PostgresServer, startPostgresServer } from './support/postgres-server.js';
import { freePort } from './support/processes.js';
import { expectReconciled } from './support/reconcile.js';
import { waitUntil } from './support/wait.js';

/** Generous against the 2 s connection timeout: a refused connection answers in milliseconds, a silent one in ~2 s. */
const ANSWER_WITHIN_MS = 3_000;

function expectUnavailable(response: Response, elapsedMs: number, type = 'https://flowtab.pro/problems/database-unavailable') {
  expect(response.status, JSON.stringify(response.body)).toBe(503);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  expect(response.body).toMatchObject({ type, status: 503 });
  // No internals: no driver message, address, SQL or stack.
  expect(JSON.stringify(response.body)).not.toMatch(/ECONN|127\.0\.0\.1|select|terminat|timeout|stack|at \w+ \(/i);
  expect(elapsedMs).toBeLessThan(ANSWER_WITHIN_MS);
}

const once = <T>(work: () => Promise<T>) => {
  let result: Promise<T> | undefined;
  return () => (result ??= work());
};

/** Whether `promise` settles within `ms` (a bounded wait on something that may hang). */
const settlesWithin = (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref())]);

/** A TCP proxy to a PostgreSQL server whose connections the test can cut, as a network failure or a restart would. */
async function startCuttableProxy(target: string) {
  const { hostname, port } = new URL(target);
  const pairs = new Set<[Socket, Socket]>();
  const proxy = createServer((inbound) => {
    const outbound = connect(Number(port), hostname);
    const pair: [Socket, Socket] = [inbound, outbound];
    pairs.add(pair);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    const drop = () => {
      inbound.destroy();
      outbound.destroy();
      pairs.delete(pair);
    };
    for (const socket of pair) socket.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.port = String((proxy.address() as { port: number }).port);
  return {
    url: url.toString(),
    cutAll() {
      for (const [inbound, outbound] of pairs) {
        inbound.destroy();
        outbound.destroy();
      }
    },
    close: () => new Promise((resolve) => proxy.close(resolve)),
  };
}

async function timed(t: TestApp, options: Parameters<TestApp['request']>[0]): Promise<{ response: Response; ms: number }> {
  const started = performance.now();
  const response = await t.request(options);
  return { response, ms: performance.now() - started };
}

describe('recognising an unavailable database (one classifier for pg, drizzle and Node errors)', () => {
  const wrapped = (cause: unknown) => new DrizzleQueryError('select * from users where email = $1', ['secret@example.com'], cause as Error);
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

  it.each([
    ['a refused connection', refused],
    ['a refused connection wrapped by drizzle', wrapped(refused)],
    ['one refusal per address (AggregateError)', Object.assign(new AggregateError([refused, refused], ''), { code: 'ECONNREFUSED' })],
    ['a reset connection', wrapped(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))],
    ['no connection from the pool in time', new Error('timeout exceeded when trying to connect')],
    ['a connection lost mid-query', wrapped(new Error('Connection terminated unexpectedly'))],
    ['a client whose connection broke', new Error('Client has encountered a connection error and is not queryable')],
    ['the server shutting down (57P01)', wrapped(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))],
    ['the server crashing (57P02)', wrapped(Object.assign(new Error('terminating connection because of crash of another server process'), { code: '57P02' }))],
    ['the server starting up (57P03)', Object.assign(new Error('the database system is starting up'), { code: '57P03' })],
    ['a connection exception (class 08)', wrapped(Object.assign(new Error('connection failure'), { code: '08006' }))],
  ])('unavailable: %s', (_name, error) => {
    const found = findDatabaseUnavailable(error);
    expect(found).toBeDefined();
    // What gets logged is the driver's cause, never drizzle's message with the query's parameters.
    expect(found!.message).not.toContain('secret@example.com');
  });

  it.each([
    ['a unique violation', wrapped(Object.assign(new Error('duplicate key'), { code: '23505' }))],
    ['a missing table', wrapped(Object.assign(new Error('relation "x" does not exist'), { code: '42P01' }))],
    ['a statement timeout (the query, not the server)', wrapped(Object.assign(new Error('canceling statement'), { code: '57014' }))],
    ['an ordinary bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error at all', 'ECONNREFUSED'],
    ['another service refusing (fetch failed)', new TypeError('fetch failed', { cause: refused })],
  ])('not unavailable: %s', (_name, error) => {
    expect(findDatabaseUnavailable(error)).toBeUndefined();
  });
});

describe('a database server that accepts connections but never answers', () => {
  let t: TestApp;
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  beforeAll(async () => {
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    const database = await openDatabase({ databaseUrl: `postgres://postgres@127.0.0.1:${port}/flowtab`, poolSize: 4 });
    t = await createTestApp({}, { database });
  });
  afterAll(async () => {
    await t?.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('503 problem+json with Retry-After after the connection timeout (≤ 2 s), and /readyz is 503', async () => {
    const [flows, login, readyz] = await Promise.all([
      timed(t, { method: 'GET', url: '/v1/flows' }),
      timed(t, { method: 'POST', url: '/v1/auth/token', payload: { login: 'someone', password: 'correct horse battery' } }),
      timed(t, { method: 'GET', url: '/readyz' }),
    ]);
    expectUnavailable(flows.response, flows.ms);
    expectUnavailable(login.response, login.ms);
    expectUnavailable(readyz.response, readyz.ms, 'https://flowtab.pro/problems/not-ready');
    // It did wait for the timeout: the server took the connection and said nothing.
    expect(flows.ms).toBeGreaterThan(1_500);
    console.info(`silent database: 503 after ${Math.round(flows.ms)} ms (GET /v1/flows), ${Math.round(readyz.ms)} ms (/readyz)`);
  });
});

const postgresBin = findPostgresBin();
const skipReason = !isPostgres()
  ? 'runs in the PostgreSQL configuration only (DATABASE_URL set): the embedded PGlite has no server to lose'
  : !postgresBin
    ? 'no /usr/lib/postgresql/*/bin/initdb on this machine to make a server of its own'
    : undefined;

const FOLD_EVERY_MS = 50;

describe.skipIf(skipReason !== undefined)(`a PostgreSQL outage under copy traffic${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let server: PostgresServer;
  let t: TestApp;
  let author: Member;
  let subscriber: Member;
  let flowIds: string[];
  const logs: Array<{ level: number; time: number; event?: string; job?: string; msg?: string }> = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  let stopBackground: Array<() => Promise<unknown>> = [];
  let jobs: JobRunner;
  // A job still running when the server goes away: pg-boss records its end without awaiting it.
  let inFlightJobs: JobRunner;
  let isInFlightJobRunning = false;
  let finishInFlightJob!: () => void;
  const inFlightJobFinishes = new Promise<void>((resolve) => (finishInFlightJob = resolve));
  let logger: Logger;

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
    server = await startPostgresServer(postgresBin!);
    const opened = await openDatabase({ databaseUrl: server.url, poolSize: 10 });
    await opened.migrate();
    // Closed once by the test itself (to prove no connection leaked), once more by t.close().
    const close = once(() => opened.close());
    const database = { ...opened, close };
    // With the Stripe emulator: the webhook sweep asks Stripe for events, as in a real deployment.
    t = await createTestApp({}, { database, stripe: true });

    // The background work of a worker process, on the same server: pg-boss workers for every job (the test sends the
    // jobs itself rather than wait for the cron) and the outbox sender.
    logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    jobs = await startJobs(t.ctx, logger, { schedule: false });
    const emailSender = await startEmailSender(t.ctx, logger);
    inFlightJobs = await startJobs(t.ctx, logger, {
      schedule: false,
      jobs: {
        'test.in_flight': {
          queue: { retryLimit: 0 },
          pollingIntervalSeconds: 1,
          handler: async () => {
            isInFlightJobRunning = true;
            await inFlightJobFinishes;
          },
        },
      },
    });
    // The creators' totals fold, on a short timer here: it meets the outage many times and must say so once.
    const folder = startTotalsFolder(t.ctx.db, logger, { intervalMs: FOLD_EVERY_MS });
    stopBackground = [jobs.stop, emailSender.stop, inFlightJobs.stop, folder.stop];

    author = await createMember(t);
    subscriber = await createMember(t);
    await giveSubscription(t, subscriber, 'active', { isPaid: true });
    flowIds = [];
    for (let i = 0; i < 40; i += 1) flowIds.push((await createFlow(t, author)).id);
  });

  afterAll(async () => {
    for (const stop of stopBackground.reverse()) await stop().catch(() => {});
    await t?.close();
    await server?.destroy();
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtException', onUnhandled);
  });

  it('answers 503 + Retry-After quickly while PostgreSQL is down, says unready, then serves again and lost nothing', async () => {
    const copy = (flowId: string) => timed(t, { method: 'POST', url: `/v1/flows/${flowId}/copy`, token: subscriber.token });
    const acknowledged: string[] = [];
    for (const flowId of flowIds.slice(0, 2)) {
      const { response } = await copy(flowId);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      acknowledged.push(response.body.id);
    }
    const reserved = flowIds.at(-1)!; // copied by hand during and after the outage
    const queue = flowIds.slice(2, -1);

    // Steady copy traffic, as a client that retries what did not go through: one copy at a time, each flow once.
    const traffic: Array<{ status: number; ms: number; at: number; response: Response }> = [];
    const answeredUnavailable = new Set<string>();
    let isTrafficOn = true;
    const trafficDone = (async () => {
      let index = 0;
      while (isTrafficOn && index < queue.length) {
        const flowId = queue[index]!;
        const { response, ms } = await copy(flowId);
        traffic.push({ status: response.status, ms, at: Date.now(), response });
        if (response.status === 200) acknowledged.push(response.body.id);
        if (response.status === 503) answeredUnavailable.add(flowId);
        // 409 only when a copy committed but its answer was lost to the outage: the retry finds it done.
        if (response.status !== 503) index += 1;
        await new Promise((resolve) => setTimeout(resolve, response.status === 503 ? 100 : 40)); // pacing, not waiting
      }
    })();
    const successes = () => traffic.filter((r) => r.status === 200).length;
    await waitUntil(() => successes() >= 3, { message: 'copies before the outage' });

    // A transaction caught between two statements when the server goes away: its connection is checked out of the
    // pool, and the server's goodbye (57P01) arrives while no statement runs. It must fail, not crash the process.
    let isInTransaction = false;
    let finishTransaction!: () => void;
    const heldOpen = new Promise<void>((resolve) => (finishTransaction = resolve));
    const transaction = t.database.db
      .transaction(async (tx) => {
        await tx.execute(sql`select 1`);
        isInTransaction = true;
        await heldOpen;
        await tx.execute(sql`select 1`);
      })
      .then(
        () => 'committed',
        (error: unknown) => (findDatabaseUnavailable(error) ? 'unavailable' : error),
      );
    await waitUntil(() => isInTransaction, { message: 'the transaction to begin' });

    await inFlightJobs.send('test.in_flight');
    await waitUntil(() => isInFlightJobRunning, { message: 'a job to be running when the server stops' });

    const stoppedAt = Date.now();
    await server.stop();
    finishTransaction();
    // It finishes while the server is down: pg-boss cannot record that (it would be retried when it expires), and
    // that must not be an unhandled rejection.
    finishInFlightJob();
    await waitUntil(() => logs.some((l) => l.event === 'jobs.completion_lost'), { message: 'the in-flight job ending during the outage' });
    expect(await transaction).toBe('unavailable');
    const stacks = () => unhandled.map((e) => (e instanceof Error ? e.stack : String(e)));
    expect(stacks(), 'uncaught errors: each would have ended a real process').toEqual([]);
    const stopMs = Date.now() - stoppedAt;

    const during = [
      await timed(t, { method: 'GET', url: '/v1/flows' }),
      await copy(reserved),
      await timed(t, { method: 'GET', url: '/v1/users/me', token: subscriber.token }),
      await timed(t, { method: 'GET', url: `/v1/flows/${flowIds[0]}` }),
    ];
    for (const { response, ms } of during) expectUnavailable(response, ms);
    const readyz = await timed(t, { method: 'GET', url: '/readyz' });
    expectUnavailable(readyz.response, readyz.ms, 'https://flowtab.pro/problems/not-ready');
    // The traffic and the background jobs meet the outage too, and the process lives on.
    await waitUntil(() => traffic.filter((r) => r.status === 503).length >= 3, { message: 'copy traffic answered 503' });
    // A job that runs now (as a worker runs it) fails and is logged; pg-boss's own polling meets the outage meanwhile.
    await expect(runJob(t.ctx, 'flows.refresh_copy_counts', {}, { logger })).rejects.toThrow();
    expect(logs.some((l) => l.event === 'job.failed' && l.job === 'flows.refresh_copy_counts' && l.time >= stoppedAt)).toBe(true);
    await waitUntil(() => logs.some((l) => l.job === 'ledger.fold_totals' && l.event === 'job.failed' && l.time >= stoppedAt), {
      message: 'the totals fold to meet the outage',
    });
    const slowest503 = Math.max(...during.map((d) => d.ms), readyz.ms, ...traffic.filter((r) => r.status === 503).map((r) => r.ms));

    const restartedAt = Date.now();
    await server.start();
    const startMs = Date.now() - restartedAt;
    await waitUntil(async () => (await t.request({ method: 'GET', url: '/readyz' })).status === 200, { message: '/readyz after the restart', timeoutMs: 20_000 });
    const readyAfterMs = Date.now() - restartedAt;
    await waitUntil(() => logs.some((l) => l.job === 'ledger.fold_totals' && l.event === 'job.recovered'), { message: 'the totals fold to work again' });
    // Several rounds through the outage, and one error line for them (then one line when it worked again).
    expect(restartedAt - stoppedAt).toBeGreaterThan(4 * FOLD_EVERY_MS);
    expect(logs.filter((l) => l.job === 'ledger.fold_totals' && l.event === 'job.failed')).toHaveLength(1);
    const successesAtRestart = successes();
    await waitUntil(() => successes() >= successesAtRestart + 3, { message: 'copies after the restart', timeoutMs: 20_000 });
    isTrafficOn = false;
    await trafficDone;

    // Never a 500; 503s were answers with Retry-After, in bounded time.
    for (const r of traffic) {
      expect([200, 503, 409], JSON.stringify(r.response.body)).toContain(r.status);
      if (r.status === 503) expectUnavailable(r.response, r.ms);
      if (r.status === 409) expect(r.response.body.type).toBe('https://flowtab.pro/problems/already-copied');
    }
    const conflicts = traffic.filter((r) => r.status === 409);
    expect(conflicts.length).toBeLessThanOrEqual(answeredUnavailable.size);

    // Served normally again, without a restart of the app.
    expect((await t.request({ method: 'GET', url: '/v1/flows' })).status).toBe(200);
    expect((await t.request({ method: 'GET', url: '/v1/users/me', token: subscriber.token })).status).toBe(200);
    const after = await copy(reserved);
    expect(after.response.status, JSON.stringify(after.response.body)).toBe(200);
    acknowledged.push(after.response.body.id);

    // Nothing lost: every copy that was answered 200 — before, during and after — is there, and the books balance.
    const stored = await t.database.db.select({ id: copies.id }).from(copies).where(eq(copies.userId, subscriber.id));
    expect(stored.map((c) => c.id)).toEqual(expect.arrayContaining(acknowledged));
    expect(stored.length).toBe(acknowledged.length + conflicts.length);
    const mine = await t.request({ method: 'GET', url: '/v1/copies/me', token: subscriber.token });
    expect(mine.body.items.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining(acknowledged));
    await expectReconciled(t);

    // The background work came back by itself: pg-boss takes new work for every scheduled job (the cron would send
    // them) and each finishes, and the outbox listener reconnected.
    const scheduled = Object.entries(jobDefinitions).filter(([, job]) => 'schedule' in job).map(([name]) => name);
    for (const name of scheduled) await jobs.send(name);
    const hasFinishedSinceRestart = (name: string) => logs.some((l) => l.event === 'job.finished' && l.job === name && l.time > restartedAt);
    await waitUntil(() => scheduled.every(hasFinishedSinceRestart), {
      message: 'every scheduled job finishing after the restart',
      timeoutMs: 20_000,
      // The last log line of each job still waiting: why it has not finished.
      explain: () => scheduled.filter((name) => !hasFinishedSinceRestart(name)).map((name) => logs.filter((l) => l.job === name).at(-1)),
    });
    expect(logs.some((l) => l.event === 'payouts.run_enqueued' && l.time > restartedAt)).toBe(true);
    await waitUntil(
      async () => {
        const listeners = rowsOf(await t.database.db.execute(sql`select 1 from pg_stat_activity where query ilike 'listen %'`));
        return listeners.length > 0;
      },
      { message: 'the outbox listener reconnecting', timeoutMs: 20_000 },
    );
    expect(stacks(), 'uncaught errors: each would have ended a real process').toEqual([]);

    // Every connection taken during the outage went back to the pool: with the background work stopped, it closes.
    for (const stop of stopBackground.splice(0).reverse()) await stop();
    expect(await settlesWithin(t.database.close(), 5_000), 'a pool connection leaked during the outage').toBe(true);

    console.info(
      `outage: pg_ctl stop ${stopMs} ms; slowest 503 ${Math.round(slowest503)} ms over ${during.length + 1 + traffic.filter((r) => r.status === 503).length} answers; ` +
        `pg_ctl start ${startMs} ms; /readyz 200 ${readyAfterMs} ms after the start command; ${acknowledged.length} copies kept`,
    );
  });

  it('a transaction whose connection breaks before its first statement gives the connection back (a pool of 1 still serves)', async () => {
    const proxy = await startCuttableProxy(server.url);
    const database = await openDatabase({ databaseUrl: proxy.url, poolSize: 1 });
    try {
      await database.db.execute(sql`select 1`); // the pool's one connection, now idle
      // Cut in the same turn of the event loop as the transaction starts: the pool hands out the connection before it
      // learns that it is gone, and `begin` fails on it.
      proxy.cutAll();
      const outcome = await database.db.transaction(async (tx) => void (await tx.execute(sql`select 1`))).then(
        () => 'committed',
        (error: unknown) => findDatabaseUnavailable(error)?.message ?? error,
      );
      expect(outcome).toMatch(/^Connection terminated/);
      // Given back and discarded: the next statement gets a new connection at once, instead of a 503 after 2 s.
      const started = performance.now();
      await database.db.execute(sql`select 1`);
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(await settlesWithin(database.close(), 5_000), 'the pool\'s connection leaked').toBe(true);
    } finally {
      await proxy.close();
    }
  });
});
