/**
 * npm run bench:soak — a steady mixed load on PostgreSQL, reported minute by minute: is the tail steady?
 *
 * A fresh database with a few thousand published flows by a few creators, and subscribers with active, paid
 * subscriptions (set-based SQL, as bench/copy does); two `flowtab serve` processes and one `flowtab worker`. An
 * open-loop load (requests are sent on a clock, whatever the answers take) at BENCH_RATE req/s across both
 * processes: library lists (newest, popular, pages), searches, flow pages, copies by subscribers and creators'
 * earnings reads, and checkouts started by members without a subscription (POST /v1/subscriptions/checkout: a
 * Stripe customer and Checkout Session on a Stripe emulator in its own process; paying it is the browser's part).
 *
 * Per minute: requests, errors (5xx or no answer), p50/p99, each API process's event-loop lag (p99 and max over the
 * minute, from its /metrics) and RSS, and the database's connection count. Target (SPEC §17 tail): p99 ≤ 100 ms.
 * Where the server runs without autovacuum (this machine's), the soak vacuums as autovacuum would (standInForAutovacuum).
 * Then the minute's slow seconds (five or more requests sent in them took over the target), most such first: the
 * wall-clock time (to set beside the jobs' cron ticks, at :00 of each minute), and what the machine's CPU did
 * in the second each began and the next (by process: api1, api2, worker, emulator, this bench, PostgreSQL's backends,
 * autovacuum, checkpointer…; and the host's steal), and what the database's active sessions waited on.
 *
 * Env: DATABASE_URL (server; default local), BENCH_MINUTES (default 10), BENCH_RATE (default 150),
 * BENCH_FLOWS (default 3000), BENCH_SUBSCRIBERS (default 60), BENCH_VISITORS (members without a subscription, 200).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { openDatabase } from '../../src/server/db/client.js';
import { type ServerProcess, startServerProcess, startWorkerProcess, type WorkerProcess } from '../../test/support/processes.js';
import { startEmulatorProcess } from '../payouts/emulator-process.js';
import { describeCpuSecond, startCpuSampler } from '../support/cpu.js';
import { createBenchDatabase } from '../support/postgres.js';
import { benchServerEnv, benchTokens } from '../support/server.js';

const MINUTES = Number(process.env.BENCH_MINUTES ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 150);
const FLOWS = Number(process.env.BENCH_FLOWS ?? 3000);
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 60);
const VISITORS = Number(process.env.BENCH_VISITORS ?? 200);
const CREATORS = 5;
const P99_TARGET_MS = 100;
const SLOW_REQUESTS = 5;
const SLOW_SECONDS_SHOWN = 3;
const WORDS = ['linkedin', 'profile', 'invoice', 'calendar', 'checkout', 'scrape', 'report', 'github', 'claim', 'error', 'export', 'search'];

type Seeded = { flows: { id: string; slug: string }[]; subscribers: Session[]; creators: Session[]; visitors: Session[] };
type Session = { userId: string; sessionId: string; expiresAt: Date };

async function seed(url: string): Promise<Seeded> {
  const database = await openDatabase({ databaseUrl: url });
  await database.migrate();
  await database.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const words = `array[${WORDS.map((w) => `'${w}'`).join(',')}]`;
    await client.query(`
      insert into users (id, email, username, password_hash)
      select gen_random_uuid(), 'user' || i || '@bench.test', 'user' || i, 'x' from generate_series(1, ${SUBSCRIBERS + CREATORS + VISITORS}) i;
      insert into subscriptions (id, user_id, customer_id, status, current_period_start, current_period_end, plan_amount_cents)
      select 'sub_' || u.username, u.id, 'cus_' || u.username, 'active', now() - interval '1 day', now() + interval '29 days', 1000
        from users u where substring(u.username from 5)::int <= ${SUBSCRIBERS};
      insert into billing_periods (subscription_id, user_id, period_start, period_end, status, basis_cents, amount_paid_cents, paid_at)
      select s.id, s.user_id, s.current_period_start, s.current_period_end, 'paid', 1000, 1000, now() from subscriptions s;
      insert into flows (slug, title, summary, body, author_id, is_premium, created_at, search_vector)
      select 'flow-' || i, initcap(w1) || ' ' || w2 || ' flow ' || i, 'How to ' || w1 || ' and ' || w2, repeat('Do the thing carefully. ', 40),
             (select id from users where username = 'user' || (${SUBSCRIBERS} + 1 + i % ${CREATORS})), i % 5 <> 0,
             now() - i * interval '1 minute', to_tsvector('english', w1 || ' ' || w2 || ' flow ' || i)
        from generate_series(1, ${FLOWS}) i,
             lateral (select (${words})[1 + i % ${WORDS.length}] w1, (${words})[1 + (i * 7) % ${WORDS.length}] w2) words;
    `);
    const sessions = await client.query<{ user_id: string; id: string; expires_at: Date; username: string }>(
      `insert into sessions (user_id, expires_at) select id, now() + interval '1 day' from users
       returning user_id, id, expires_at, (select username from users u where u.id = user_id) as username`,
    );
    const toSession = (r: { user_id: string; id: string; expires_at: Date }): Session => ({ userId: r.user_id, sessionId: r.id, expiresAt: r.expires_at });
    const numberOf = (r: { username: string }) => Number(r.username.slice(4));
    const isSubscriber = (r: { username: string }) => numberOf(r) <= SUBSCRIBERS;
    const isCreator = (r: { username: string }) => numberOf(r) > SUBSCRIBERS && numberOf(r) <= SUBSCRIBERS + CREATORS;
    const flows = await client.query<{ id: string; slug: string }>(`select id, slug from flows`);
    return {
      flows: flows.rows,
      subscribers: sessions.rows.filter(isSubscriber).map(toSession),
      creators: sessions.rows.filter(isCreator).map(toSession),
      visitors: sessions.rows.filter((r) => numberOf(r) > SUBSCRIBERS + CREATORS).map(toSession),
    };
  } finally {
    await client.end();
  }
}

type Request = { method: 'GET' | 'POST'; path: string; token?: string };
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** The mix: what a library's visitors, subscribers and creators do, by share of requests. */
function nextRequest(seeded: Seeded, tokens: { subscribers: string[]; creators: string[]; visitors: string[] }): Request {
  const roll = Math.random();
  if (roll < 0.2) return { method: 'GET', path: `/v1/flows?page=${1 + Math.floor(Math.random() * 5)}` };
  if (roll < 0.3) return { method: 'GET', path: '/v1/flows?sort=popular' };
  if (roll < 0.5) return { method: 'GET', path: `/v1/flows?q=${pick(WORDS)}` };
  if (roll < 0.75) return { method: 'GET', path: `/v1/flows/${pick(seeded.flows).slug}` };
  if (roll < 0.88) return { method: 'POST', path: `/v1/flows/${pick(seeded.flows).id}/copy`, token: pick(tokens.subscribers) };
  if (roll < 0.9) return { method: 'POST', path: '/v1/subscriptions/checkout', token: pick(tokens.visitors) };
  return { method: 'GET', path: '/v1/creators/me/earnings', token: pick(tokens.creators) };
}

type Minute = { latencies: number[]; errors: number; statuses: Record<string, number>; firstError?: string; firstUnexpected?: string };
const newMinute = (): Minute => ({ latencies: [], errors: 0, statuses: {} });

/** The requests sent in one second of the run: how many, how many took over the p99 target, the slowest. */
type Second = { requests: number; slow: number; maxMs: number };

/**
 * The database's sessions at one moment: what the active ones waited on (wait event, or "cpu" for none), by count;
 * and each backend's client (its application_name: flowtab-api, flowtab-worker, flowtab-jobs), named in `named` so
 * the CPU sampler counts a backend's time under the process kind it serves.
 */
async function sessionWaits(client: pg.Client, named: Map<number, string>): Promise<string> {
  const sessions = await client.query<{ pid: number; application_name: string; state: string | null; wait: string }>(
    `select pid, application_name, state, coalesce(wait_event_type || ':' || wait_event, 'cpu') as wait from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid()`,
  );
  const waits = new Map<string, number>();
  for (const session of sessions.rows) {
    named.set(session.pid, `pg ${session.application_name || 'backends'}`);
    if (session.state === 'active') waits.set(session.wait, (waits.get(session.wait) ?? 0) + 1);
  }
  return [...waits].sort((a, b) => b[1] - a[1]).map(([wait, count]) => `${wait} ${count}`).join(', ') || 'none active';
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** One API process's event-loop lag since its last scrape (prom-client resets the histogram on each) and RSS. */
async function processStats(server: ServerProcess): Promise<string> {
  const text = await fetch(`${server.url}/metrics`).then((r) => r.text());
  const value = (name: string) => Number(new RegExp(`^${name} ([\\d.e+-]+)`, 'm').exec(text)?.[1] ?? NaN);
  const ms = (seconds: number) => `${(seconds * 1000).toFixed(0)}`;
  return `lag p99/max ${ms(value('nodejs_eventloop_lag_p99_seconds'))}/${ms(value('nodejs_eventloop_lag_max_seconds'))} ms rss ${(value('process_resident_memory_bytes') / 2 ** 20).toFixed(0)} MB`;
}

/** The $10/month plan on the emulator, as `npm start` makes it: its price id. */
async function createPrice(emulatorUrl: string): Promise<string> {
  const response = await fetch(`${emulatorUrl}/v1/prices`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk_test_bench', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ currency: 'usd', unit_amount: '1000', 'recurring[interval]': 'month', 'product_data[name]': 'Flowtab.Pro' }),
  });
  const price = (await response.json()) as { id?: string };
  if (!price.id) throw new Error(`the emulator made no price: ${JSON.stringify(price)}`);
  return price.id;
}

/**
 * PostgreSQL's autovacuum, where the server runs without it (this machine's does: its CI configuration). A database in
 * service has it on, and without it the tables that change all the time (the totals' tails, the counters, flows'
 * popularity) pile up dead rows the soak's reads then pass over: in a ten-minute run the database's CPU rose from 0.37
 * to 0.58 of a core at the same load (README, Benchmarks). Every minute (autovacuum's naptime), each table past
 * autovacuum's default thresholds is vacuumed or analyzed, as autovacuum would. Undefined where autovacuum is on;
 * otherwise `drain` gives what was done since it was last asked (printed each minute), and `stop` ends it.
 */
async function standInForAutovacuum(url: string): Promise<{ stop(): Promise<void>; drain(): string[] } | undefined> {
  const client = new pg.Client({ connectionString: url, application_name: 'autovacuum stand-in' });
  await client.connect();
  const { rows } = await client.query<{ autovacuum: string }>('show autovacuum');
  if (rows[0]?.autovacuum === 'on') {
    await client.end();
    return undefined;
  }
  let done: string[] = [];
  let running = Promise.resolve();
  const pass = async () => {
    const due = await client.query<{ schema: string; table: string; vacuum: boolean; analyze: boolean }>(`
      select schemaname as schema, relname as table,
             n_dead_tup > 50 + 0.2 * n_live_tup as vacuum, n_mod_since_analyze > 50 + 0.1 * n_live_tup as analyze
        from pg_stat_user_tables
       where n_dead_tup > 50 + 0.2 * n_live_tup or n_mod_since_analyze > 50 + 0.1 * n_live_tup`);
    for (const table of due.rows) {
      const command = table.vacuum ? `vacuum (skip_locked${table.analyze ? ', analyze' : ''})` : 'analyze (skip_locked)';
      const name = `${client.escapeIdentifier(table.schema)}.${client.escapeIdentifier(table.table)}`;
      // A table dropped since the statistics were read is said, not fatal.
      const said = await client.query(`${command} ${name}`).then(
        () => (table.vacuum ? table.table : `${table.table} (analyze)`),
        (error: Error) => `${table.table} failed: ${error.message}`,
      );
      done.push(said);
    }
  };
  const timer = setInterval(() => {
    running = running.then(pass).catch((error: Error) => void done.push(`the pass failed: ${error.message}`));
  }, 60_000);
  return {
    drain: () => {
      const said = done;
      done = [];
      return said;
    },
    stop: async () => {
      clearInterval(timer);
      await running;
      await client.end();
    },
  };
}

async function main() {
  const db = await createBenchDatabase('flowtab_bench_soak');
  const servers: ServerProcess[] = [];
  let worker: WorkerProcess | undefined;
  let emulator: Awaited<ReturnType<typeof startEmulatorProcess>> | undefined;
  const stats = new pg.Client({ connectionString: db.url });
  let cpu: ReturnType<typeof startCpuSampler> | undefined;
  let waitSampler: NodeJS.Timeout | undefined;
  let vacuum: Awaited<ReturnType<typeof standInForAutovacuum>>;
  try {
    console.log(`Seeding ${FLOWS} flows by ${CREATORS} creators, ${SUBSCRIBERS} subscribers …`);
    const seeded = await seed(db.url);
    const issue = (sessions: Session[]) => sessions.map((s) => benchTokens.issue(s));
    const tokens = { subscribers: issue(seeded.subscribers), creators: issue(seeded.creators), visitors: issue(seeded.visitors) };
    emulator = await startEmulatorProcess();
    const price = await createPrice(emulator.url);
    // One PUBLIC_URL for both processes, as behind a load balancer (production requires it): a member's checkout
    // started on one process and asked again on the other is the same Stripe request, by the same idempotency key.
    const env = benchServerEnv(db.url, { STRIPE_API_BASE: emulator.url, STRIPE_SECRET_KEY: 'sk_test_bench', STRIPE_PRICE_ID: price, PUBLIC_URL: 'http://127.0.0.1:8080' });
    servers.push(...(await Promise.all([startServerProcess(env), startServerProcess(env)])));
    worker = await startWorkerProcess(env);
    await stats.connect();
    for (const server of servers) await processStats(server); // resets the lag histograms: the first minute starts here
    const named = new Map<number, string>([[process.pid, 'bench'], [worker.child.pid!, 'worker'], [emulator.pid, 'emulator']]);
    servers.forEach((server, i) => named.set(server.child.pid!, `api${i + 1}`));

    vacuum = await standInForAutovacuum(db.url);
    console.log(`${RATE} req/s for ${MINUTES} min over two API processes and a worker; p99 target ${P99_TARGET_MS} ms per minute`);
    if (vacuum) console.log('autovacuum is off on this server: the soak vacuums and analyzes as it would, every minute (standInForAutovacuum)');
    let minute = newMinute();
    const seconds = new Map<number, Second>();
    const inFlight = new Set<Promise<void>>();
    const send = (index: number) => {
      const request = nextRequest(seeded, tokens);
      const server = servers[index % servers.length]!;
      const sentAt = performance.now();
      const done = fetch(`${server.url}${request.path}`, {
        method: request.method,
        headers: request.token ? { authorization: `Bearer ${request.token}` } : {},
        signal: AbortSignal.timeout(10_000),
      })
        .then(async (response) => {
          const body = await response.text();
          minute.statuses[response.status] = (minute.statuses[response.status] ?? 0) + 1;
          // 409 is a copy past the member's limits or a checkout by a subscriber: part of the mix. Anything else is said.
          if (response.status >= 400 && response.status !== 409) minute.firstUnexpected ??= `${response.status} ${request.method} ${request.path}: ${body.slice(0, 300)}`;
          if (response.status >= 500) minute.errors++;
        })
        .catch((error: Error) => {
          minute.errors++;
          minute.firstError ??= error.cause instanceof Error ? error.cause.message : error.message;
        })
        // Counted in the minute it ends in.
        .finally(() => {
          const took = performance.now() - sentAt;
          minute.latencies.push(took);
          const second = Math.floor((sentAt - startedAt) / 1000);
          const counted = seconds.get(second) ?? { requests: 0, slow: 0, maxMs: 0 };
          counted.requests++;
          if (took > P99_TARGET_MS) counted.slow++;
          counted.maxMs = Math.max(counted.maxMs, took);
          seconds.set(second, counted);
          inFlight.delete(done);
        });
      inFlight.add(done);
    };

    // Open loop: each 10 ms tick sends what the clock says is due, however long earlier answers take.
    const startedAt = performance.now();
    cpu = startCpuSampler(named);
    const waitsBySecond = new Map<number, string>();
    waitSampler = setInterval(() => {
      const second = Math.floor((performance.now() - startedAt) / 1000);
      sessionWaits(stats, named).then((waits) => waitsBySecond.set(second, waits), () => {});
    }, 1000);
    let sent = 0;
    for (let m = 1; m <= MINUTES; m++) {
      const minuteEnds = startedAt + m * 60_000;
      while (performance.now() < minuteEnds) {
        const due = Math.floor(((performance.now() - startedAt) / 1000) * RATE);
        while (sent < due) send(sent++);
        await sleep(10);
      }
      const finished = minute;
      minute = newMinute();
      const [lags, connections] = await Promise.all([
        Promise.all(servers.map(processStats)),
        stats.query<{ count: string }>('select count(*) from pg_stat_activity where datname = current_database()'),
      ]);
      const sorted = finished.latencies.sort((a, b) => a - b);
      const p99 = percentile(sorted, 99);
      console.log(
        [
          `min ${String(m).padStart(2)}`,
          `${String(sorted.length).padStart(5)} req`,
          `${finished.errors} err`,
          `p50 ${percentile(sorted, 50).toFixed(0).padStart(3)} ms`,
          `p99 ${p99.toFixed(0).padStart(4)} ms ${p99 <= P99_TARGET_MS ? 'met' : 'MISSED'}`,
          ...lags.map((lag, i) => `api${i + 1} ${lag}`),
          `pg conns ${connections.rows[0]!.count}`,
          JSON.stringify(finished.statuses),
          ...(finished.firstError ? [`first error: ${finished.firstError}`] : []),
          ...(finished.firstUnexpected ? [`first unexpected answer: ${finished.firstUnexpected}`] : []),
        ].join(' | '),
      );
      const minuteCpu = cpu.meanOf(Date.now() - 60_000, Date.now());
      if (minuteCpu) console.log(`   the minute's mean second: ${describeCpuSecond(minuteCpu)}`);
      const vacuumed = vacuum?.drain() ?? [];
      if (vacuumed.length > 0) console.log(`   vacuumed (standing in for autovacuum): ${vacuumed.join(', ')}`);
      // The slow seconds of the minute just ended (requests still in flight count in the next report's).
      const slow = [...seconds].filter(([second, counted]) => second < m * 60 && counted.slow >= SLOW_REQUESTS).sort((a, b) => b[1].slow - a[1].slow);
      for (const [second, counted] of slow.slice(0, SLOW_SECONDS_SHOWN)) {
        const wallClockAt = Date.now() - (performance.now() - startedAt - second * 1000);
        const clock = new Date(wallClockAt).toISOString().slice(11, 19);
        console.log(`   second ${second} (${clock}): ${counted.requests} sent, ${counted.slow} over ${P99_TARGET_MS} ms, slowest ${counted.maxMs.toFixed(0)} ms`);
        for (const offset of [0, 1]) {
          const sampled = cpu.secondOf(wallClockAt + offset * 1000 + 1);
          console.log(`     +${offset}s ${sampled ? describeCpuSecond(sampled) : 'cpu not sampled'} | db waits ${waitsBySecond.get(second + offset) ?? '?'}`);
        }
      }
      for (const [second] of seconds) if (second < m * 60) seconds.delete(second);
    }
    await Promise.all(inFlight);
  } finally {
    cpu?.stop();
    clearInterval(waitSampler);
    await vacuum?.stop();
    await stats.end().catch(() => {});
    await worker?.stop();
    await Promise.all(servers.map((s) => s.stop()));
    await emulator?.stop();
    await db.drop();
  }
}

await main();
