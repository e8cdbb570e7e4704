/**
 * npm run bench:copy-cpu — the database's CPU per copy on one connection, without HTTP, Node or lock waits: one
 * backend records batches of copies with `record_copies` (as the copy batcher does) and its CPU is read from
 * /proc/<pid>/stat. Under load (bench:copy) the same work costs more (waits, context switches, a shared machine), and
 * its throughput swings with the machine by ±20% within minutes; this figure moves by a few percent between rounds
 * and under 10% between runs, so it is the one to compare two versions of the copy's SQL by: run it on each commit,
 * alternately, a few times.
 *
 * A fresh database with subscribers (active, paid periods) and premium flows by a few creators, so most copies are
 * counted and post ledger entries, and every creator-period earnings row takes several copies. Per round: the
 * database CPU and wall time per copy; then the median over rounds and the WAL records per copy (pg_stat_wal).
 *
 * Env: DATABASE_URL (server; default local), BENCH_ROUNDS (default 8), BENCH_BATCHES (per round, default 150),
 * BENCH_BATCH_SIZE (default 16), BENCH_SUBSCRIBERS (default 4000), BENCH_FLOWS (default 500).
 */
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { loadConfig } from '../../src/server/config.js';
import { openDatabase } from '../../src/server/db/client.js';
import { rowsOf } from '../../src/server/db/rows.js';
import { recordCopiesAtomically } from '../../src/server/modules/copies/repository.js';
import { cpuMsOf } from '../support/cpu.js';
import { createBenchDatabase } from '../support/postgres.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 150);
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 16);
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 4000);
const FLOWS = Number(process.env.BENCH_FLOWS ?? 500);
const CREATORS = 5;

async function seed(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`
      insert into users (id, email, username, password_hash)
      select gen_random_uuid(), 'user' || i || '@bench.test', 'user' || i, 'x' from generate_series(1, ${SUBSCRIBERS + CREATORS}) i;
      insert into subscriptions (id, user_id, customer_id, status, current_period_start, current_period_end, plan_amount_cents)
      select 'sub_' || u.username, u.id, 'cus_' || u.username, 'active', now() - interval '1 day', now() + interval '29 days', 1000
        from users u where substring(u.username from 5)::int <= ${SUBSCRIBERS};
      insert into billing_periods (subscription_id, user_id, period_start, period_end, status, basis_cents, amount_paid_cents, paid_at)
      select s.id, s.user_id, s.current_period_start, s.current_period_end, 'paid', 1000, 1000, now() from subscriptions s;
      insert into flows (slug, title, summary, body, author_id, is_premium)
      select 'flow-' || i, 'Flow ' || i, 'A benchmark flow', 'Do the thing carefully.',
             (select id from users where username = 'user' || (${SUBSCRIBERS} + 1 + i % ${CREATORS})), true
        from generate_series(1, ${FLOWS}) i;
    `);
    const sessions = await client.query<{ id: string; user_id: string }>(
      `insert into sessions (user_id, expires_at) select id, now() + interval '1 day' from users
        where substring(username from 5)::int <= ${SUBSCRIBERS} returning id, user_id`,
    );
    const flows = await client.query<{ id: string }>('select id from flows');
    return { sessions: sessions.rows, flowIds: flows.rows.map((row) => row.id) };
  } finally {
    await client.end();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main() {
  const bench = await createBenchDatabase('flowtab_bench_copy_cpu');
  const database = await openDatabase({ databaseUrl: bench.url, poolSize: 1 });
  try {
    await database.migrate();
    console.log(`Seeding ${SUBSCRIBERS} subscribers and ${FLOWS} premium flows by ${CREATORS} creators …`);
    const { sessions, flowIds } = await seed(bench.url);
    const config = loadConfig({});
    const limits = { economics: config.economics, copiesPerMinute: 1_000_000_000 };
    const { db } = database;
    const [backend] = rowsOf<{ pid: number }>(await db.execute(sql`select pg_backend_pid() as pid`));
    const walRecords = async () => Number(rowsOf<{ records: string }>(await db.execute(sql`select wal_records::text as records from pg_stat_wal`))[0]!.records);
    const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)]!;
    const record = async (batches: number) => {
      for (let b = 0; b < batches; b++) {
        const copies = Array.from({ length: BATCH_SIZE }, () => {
          const session = pick(sessions);
          return { sessionId: session.id, userId: session.user_id, flowRef: pick(flowIds) };
        });
        await recordCopiesAtomically(db, copies, limits);
      }
    };

    await record(10); // plans and caches
    console.log(`${ROUNDS} rounds of ${BATCHES} batches of ${BATCH_SIZE} copies on one connection`);
    const cpuPerCopy: number[] = [];
    const walBefore = await walRecords();
    for (let round = 1; round <= ROUNDS; round++) {
      const cpuBefore = cpuMsOf(backend!.pid);
      const startedAt = performance.now();
      await record(BATCHES);
      const copies = BATCHES * BATCH_SIZE;
      cpuPerCopy.push(((cpuMsOf(backend!.pid) - cpuBefore) * 1000) / copies);
      const wall = ((performance.now() - startedAt) * 1000) / copies;
      console.log(`round ${round}: database CPU ${cpuPerCopy.at(-1)!.toFixed(0)} µs per copy, wall ${wall.toFixed(0)} µs per copy`);
    }
    const walPerCopy = ((await walRecords()) - walBefore) / (ROUNDS * BATCHES * BATCH_SIZE);
    const [outcomes] = rowsOf<{ copies: string; counted: string }>(
      await db.execute(sql`select count(*)::text as copies, count(*) filter (where is_counted)::text as counted from copies`),
    );
    console.log(
      `database CPU per copy: median ${median(cpuPerCopy).toFixed(0)} µs (rounds ${cpuPerCopy.map((v) => v.toFixed(0)).join(', ')}); ` +
        `WAL ${walPerCopy.toFixed(1)} records per copy (server-wide); ${outcomes!.copies} copies made, ${outcomes!.counted} counted`,
    );
  } finally {
    await database.close();
    await bench.drop();
  }
}

await main();
