/**
 * npm run bench:copy — the copy endpoint under load on PostgreSQL, against pgbench TPC-B on the same server in the
 * same run. Two `flowtab serve` processes share a fresh database seeded with many subscribers and flows; autocannon
 * fires copies at 50 connections, first with flows picked uniformly, then skewed (80% of copies on 10 flows).
 *
 * Env: DATABASE_URL (server to use; default local), BENCH_SECONDS (default 15), BENCH_CONNECTIONS (default 50).
 */
import autocannon from 'autocannon';
import pg from 'pg';
import { loadConfig } from '../../src/server/config.js';
import { openDatabase } from '../../src/server/db/client.js';
import { createTokenService } from '../../src/server/modules/auth/session-tokens.js';
import { type ServerProcess, startServerProcess } from '../../test/support/processes.js';
import { createBenchDatabase, runPgbench } from '../support/postgres.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SUBSCRIBERS = 20_000;
const FLOWS = 2_000;
const CREATORS = 100;
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-00';

async function seed(url: string) {
  const database = await openDatabase({ databaseUrl: url });
  await database.migrate();
  await database.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`
    insert into users (id, email, username, password_hash)
    select gen_random_uuid(), 'user' || i || '@bench.test', 'user' || i, 'x' from generate_series(1, ${SUBSCRIBERS + CREATORS}) i;
    insert into subscriptions (id, user_id, customer_id, status, current_period_start, current_period_end, plan_amount_cents)
    select 'sub_' || u.username, u.id, 'cus_' || u.username, 'active', now() - interval '1 day', now() + interval '29 days', 1000
      from users u where u.username::text ~ '^user[0-9]+$' and substring(u.username from 5)::int <= ${SUBSCRIBERS};
    insert into billing_periods (subscription_id, user_id, period_start, period_end, status, basis_cents, amount_paid_cents, paid_at)
    select s.id, s.user_id, s.current_period_start, s.current_period_end, 'paid', 1000, 1000, now() from subscriptions s;
    insert into flows (slug, title, summary, body, author_id, search_vector)
    select 'flow-' || i, 'Flow ' || i, 'A benchmark flow', repeat('Do the thing carefully. ', 40),
           (select id from users where username = 'user' || (${SUBSCRIBERS} + 1 + i % ${CREATORS})), to_tsvector('english', 'flow ' || i)
      from generate_series(1, ${FLOWS}) i;
  `);
  // Every subscriber copies in a session of their own, as after logging in.
  const users = await client.query<{ id: string; session_id: string; expires_at: Date }>(
    `insert into sessions (user_id, expires_at)
     select id, now() + interval '1 day' from users where substring(username from 5)::int <= ${SUBSCRIBERS}
     returning user_id as id, id as session_id, expires_at`,
  );
  const flows = await client.query<{ id: string }>(`select id from flows order by substring(slug from 6)::int`);
  await client.end();
  return { sessions: users.rows.map((r) => ({ userId: r.id, sessionId: r.session_id, expiresAt: r.expires_at })), flowIds: flows.rows.map((r) => r.id) };
}

type Result = { label: string; copiesPerSecond: number; p50: number; p99: number; statuses: Record<string, number> };

async function fire(label: string, servers: ServerProcess[], tokens: string[], flowIds: string[], pickFlow: (n: number) => number): Promise<Result> {
  let n = 0;
  const statuses: Record<string, number> = {};
  const instances = servers.map((server, index) =>
    autocannon({
      url: server.url,
      connections: Math.ceil(CONNECTIONS / servers.length),
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          setupRequest: (request) => {
            // Each request a fresh subscriber (round robin), so repeats of one (subscriber, flow) pair are rare.
            const i = n++ * servers.length + index;
            return {
              ...request,
              path: `/v1/flows/${flowIds[pickFlow(i)]}/copy`,
              headers: { authorization: `Bearer ${tokens[i % tokens.length]}` },
            };
          },
          onResponse: (status) => {
            statuses[status] = (statuses[status] ?? 0) + 1;
          },
        },
      ],
    }),
  );
  const results = await Promise.all(instances);
  const ok = Object.entries(statuses).filter(([s]) => s === '200' || s === '409').reduce((sum, [, count]) => sum + count, 0);
  // Latencies: the worse of the two processes' percentiles (autocannon reports per instance).
  return {
    label,
    copiesPerSecond: ok / SECONDS,
    p50: Math.max(...results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    statuses,
  };
}

async function main() {
  const db = await createBenchDatabase('flowtab_bench_copy');
  const servers: ServerProcess[] = [];
  try {
    console.log(`Seeding ${SUBSCRIBERS} subscribers, ${FLOWS} flows by ${CREATORS} creators …`);
    const { sessions, flowIds } = await seed(db.url);
    const tokenService = createTokenService(JWT_SECRET);
    const tokens = sessions.map((session) => tokenService.issue(session));
    const env = {
      DATABASE_URL: db.url,
      JWT_SECRET,
      STRIPE_API_BASE: 'http://127.0.0.1:9',
      STRIPE_WEBHOOK_SECRET: 'whsec_unused',
      STRIPE_PRICE_ID: 'price_unused',
      FLOWTAB_JOBS: 'off',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_COPY_PER_MINUTE: '100000000',
      PAID_COPIES_PER_PERIOD: String(loadConfig({}).economics.paidCopiesPerPeriod),
    };
    servers.push(...(await Promise.all([startServerProcess(env), startServerProcess(env)])));

    const warmup = await fire('warm-up', servers, tokens.slice(0, 500), flowIds, (i) => i % flowIds.length);
    void warmup;
    const uniform = await fire('uniform', servers, tokens, flowIds, () => Math.floor(Math.random() * flowIds.length));
    const skewed = await fire('skewed (80% on 10 flows)', servers, tokens, flowIds, () =>
      Math.random() < 0.8 ? Math.floor(Math.random() * 10) : 10 + Math.floor(Math.random() * (flowIds.length - 10)),
    );
    await Promise.all(servers.splice(0).map((s) => s.stop()));

    console.log(`pgbench TPC-B, ${CONNECTIONS} clients, ${SECONDS}s …`);
    const tps = await runPgbench(CONNECTIONS, SECONDS);

    console.log('');
    console.log(`connections: ${CONNECTIONS}, ${SECONDS}s per run, two server processes, PostgreSQL ${new URL(db.url).host}`);
    for (const r of [uniform, skewed]) {
      console.log(
        `${r.label.padEnd(26)} ${r.copiesPerSecond.toFixed(0).padStart(6)} copies/s   p50 ${String(r.p50).padStart(3)} ms   p99 ${String(r.p99).padStart(3)} ms   ratio to pgbench ${(r.copiesPerSecond / tps).toFixed(2)}   statuses ${JSON.stringify(r.statuses)}`,
      );
    }
    console.log(`pgbench TPC-B              ${tps.toFixed(0).padStart(6)} tps`);
    console.log(`skewed / uniform           ${(skewed.copiesPerSecond / uniform.copiesPerSecond).toFixed(2)}`);
    console.log(`targets: ratio ≥ 0.8, p99 ≤ 25 ms at 50 connections, skewed ≥ 0.8 × uniform`);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await db.drop();
  }
}

await main();
