/**
 * npm run bench:copy — the copy endpoint under load on PostgreSQL, against pgbench TPC-B with 8 clients on the same
 * server in the same run (SPEC §17). Two `flowtab serve` processes share a fresh database seeded with many subscribers
 * and flows; autocannon fires copies at 50 connections, first with flows picked uniformly, then skewed (80% of copies
 * on 10 flows). For each run it prints where the time went: the API processes' CPU per copy (/proc/<pid>/stat), the
 * database backends' CPU and active time per copy (pg_stat_database), sampled wait events of the database's sessions
 * (pg_stat_activity), WAL per copy (pg_stat_wal: server-wide, so other load on the server shows up in it; its write
 * and sync times need track_wal_io_timing, set here for the bench database's sessions), the WAL records by relation
 * (pg_walinspect over the run's WAL), the database time per copy by function (pg_stat_user_functions, track_functions
 * set here: each function's own time, its statements included, its triggers' functions apart), and how many copies
 * each statement carried (the servers' flowtab_copy_batches_total). A worker runs beside the servers, as in production:
 * it folds the running totals' tails every 5 s, work the copies make, so its CPU is printed with theirs.
 *
 * Env: DATABASE_URL (server to use; default local), BENCH_SECONDS (default 15), BENCH_CONNECTIONS (default 50),
 * PGBENCH_CLIENTS (default 8), BENCH_SUBSCRIBERS (default 20000), BENCH_FLOWS (default 2000),
 * BENCH_UNBATCHED=1 (also run the uniform load with COPY_BATCH_WINDOW_MS=0: one statement and commit per copy),
 * BENCH_JOBS=0 (no worker: the copies alone, as this bench measured them before 2026-12-05).
 */
import autocannon from 'autocannon';
import pg from 'pg';
import { loadConfig } from '../../src/server/config.js';
import { openDatabase } from '../../src/server/db/client.js';
import { type ServerProcess, startServerProcess, startWorkerProcess, type WorkerProcess } from '../../test/support/processes.js';
import { cpuMsOf } from '../support/cpu.js';
import { createBenchDatabase, runPgbench } from '../support/postgres.js';
import { benchServerEnv, benchTokens } from '../support/server.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PGBENCH_CLIENTS = Number(process.env.PGBENCH_CLIENTS ?? 8);
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 20_000);
const FLOWS = Number(process.env.BENCH_FLOWS ?? 2_000);
const WITH_UNBATCHED = process.env.BENCH_UNBATCHED === '1';
const WITH_JOBS = process.env.BENCH_JOBS !== '0';
const CREATORS = 100;

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

type Result = { label: string; copiesPerSecond: number; p50: number; p99: number; statuses: Record<string, number>; profile: Profile };

/** Where a run's time went, as deltas over the run. */
type Profile = {
  copies: number;
  nodeCpuMs: number;
  workerCpuMs: number | undefined;
  backendCpuMs: number;
  activeMs: number;
  commits: number;
  wal: Record<string, number>;
  waits: Map<string, number>;
  waitSamples: number;
  batchesBySize: Map<number, number>;
  walByRelation: { relation: string; records: number }[];
  functions: { name: string; calls: number; selfMs: number }[];
};

/**
 * Copy statements by size (flowtab_copy_batches_total{size}) and batches that failed and were recorded again copy by
 * copy (flowtab_copy_batch_fallbacks_total), summed over the servers; key 0 holds the fallbacks.
 */
async function batchesBySize(servers: ServerProcess[]): Promise<Map<number, number>> {
  const sizes = new Map<number, number>();
  for (const server of servers) {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    for (const match of text.matchAll(/^flowtab_copy_batches_total\{size="(\d+)"\} (\d+)/gm)) {
      sizes.set(Number(match[1]), (sizes.get(Number(match[1])) ?? 0) + Number(match[2]));
    }
    const fallbacks = /^flowtab_copy_batch_fallbacks_total (\d+)/m.exec(text);
    sizes.set(0, (sizes.get(0) ?? 0) + Number(fallbacks?.[1] ?? 0));
  }
  return sizes;
}

/** The database-side counters of one moment: our database's, its backends' CPU, the server's WAL. */
async function databaseSnapshot(client: pg.Client) {
  const stats = await client.query<{ xact_commit: string; active_time: number }>(
    `select xact_commit, active_time from pg_stat_database where datname = current_database()`,
  );
  const wal = await client.query<Record<string, string>>(
    `select wal_records, wal_fpi, wal_bytes, wal_buffers_full, wal_write, wal_sync, wal_write_time, wal_sync_time from pg_stat_wal`,
  );
  const backends = await client.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`);
  const lsn = await client.query<{ lsn: string }>(`select pg_current_wal_lsn()::text as lsn`);
  const functions = await client.query<{ name: string; calls: string; self_time: number }>(
    `select funcname as name, calls, self_time from pg_stat_user_functions`,
  );
  return {
    lsn: lsn.rows[0]!.lsn,
    functions: new Map(functions.rows.map((row) => [row.name, { calls: Number(row.calls), selfMs: Number(row.self_time) }])),
    commits: Number(stats.rows[0]!.xact_commit),
    activeMs: Number(stats.rows[0]!.active_time),
    wal: Object.fromEntries(Object.entries(wal.rows[0]!).map(([key, value]) => [key, Number(value)])),
    backendCpu: new Map(backends.rows.map((row) => [row.pid, cpuMsOf(row.pid)])),
  };
}

/**
 * The WAL records written between two positions, by the relation of their first block (a table or an index; commit
 * records and the like by their resource manager): which rows and indexes a copy's WAL is made of.
 */
async function walByRelation(client: pg.Client, from: string, to: string) {
  const { rows } = await client.query<{ relation: string; records: string }>(
    `select coalesce(c.relname, w.resource_manager) as relation, count(*) as records
       from pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn) w
       left join pg_class c on c.relfilenode = (regexp_match(w.block_ref, 'rel \\d+/\\d+/(\\d+)'))[1]::oid
      group by 1 order by 2 desc`,
    [from, to],
  );
  return rows.map((row) => ({ relation: row.relation, records: Number(row.records) }));
}

/** Runs `work` while sampling what the database's active sessions wait on, every 20 ms; returns the profile. */
async function profiled(url: string, servers: ServerProcess[], worker: WorkerProcess | undefined, work: () => Promise<number>): Promise<Profile> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const sampler = new pg.Client({ connectionString: url });
  await sampler.connect();
  try {
    await client.query('select pg_stat_clear_snapshot()');
    const before = await databaseSnapshot(client);
    const nodeBefore = servers.map((server) => cpuMsOf(server.child.pid!));
    const workerBefore = worker && cpuMsOf(worker.child.pid!);
    const batchesBefore = await batchesBySize(servers);
    const waits = new Map<string, number>();
    let waitSamples = 0;
    let isRunning = true;
    const sampling = (async () => {
      while (isRunning) {
        const rows = await sampler.query<{ wait: string; n: string }>(
          `select coalesce(wait_event_type || ':' || wait_event, 'CPU') as wait, count(*) as n from pg_stat_activity
            where datname = current_database() and state = 'active' and pid <> pg_backend_pid() group by 1`,
        );
        waitSamples++;
        for (const row of rows.rows) waits.set(row.wait, (waits.get(row.wait) ?? 0) + Number(row.n));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const copies = await work();
    isRunning = false;
    await sampling;
    await client.query('select pg_stat_clear_snapshot()');
    const after = await databaseSnapshot(client);
    const batchesAfter = await batchesBySize(servers);
    let backendCpuMs = 0;
    for (const [pid, cpu] of after.backendCpu) if (before.backendCpu.has(pid)) backendCpuMs += cpu - before.backendCpu.get(pid)!;
    const functions = [...after.functions].map(([name, f]) => ({
      name,
      calls: f.calls - (before.functions.get(name)?.calls ?? 0),
      selfMs: f.selfMs - (before.functions.get(name)?.selfMs ?? 0),
    }));
    return {
      walByRelation: await walByRelation(client, before.lsn, after.lsn),
      functions: functions.filter((f) => f.calls > 0).sort((a, b) => b.selfMs - a.selfMs),
      copies,
      nodeCpuMs: servers.reduce((sum, server, index) => sum + cpuMsOf(server.child.pid!) - nodeBefore[index]!, 0),
      workerCpuMs: worker && cpuMsOf(worker.child.pid!) - workerBefore!,
      backendCpuMs,
      activeMs: after.activeMs - before.activeMs,
      commits: after.commits - before.commits,
      wal: Object.fromEntries(Object.keys(after.wal).map((key) => [key, after.wal[key]! - before.wal[key]!])),
      waits,
      waitSamples,
      batchesBySize: new Map([...batchesAfter].map(([size, n]) => [size, n - (batchesBefore.get(size) ?? 0)])),
    };
  } finally {
    await client.end();
    await sampler.end();
  }
}

type Processes = { servers: ServerProcess[]; worker: WorkerProcess | undefined };

async function fire(label: string, url: string, { servers, worker }: Processes, tokens: string[], flowIds: string[], pickFlow: (n: number) => number): Promise<Result> {
  let n = 0;
  const statuses: Record<string, number> = {};
  let results: autocannon.Result[] = [];
  const profile = await profiled(url, servers, worker, async () => {
    results = await Promise.all(
      servers.map((server, index) =>
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
      ),
    );
    return Object.entries(statuses).filter(([s]) => s === '200' || s === '409').reduce((sum, [, count]) => sum + count, 0);
  });
  // Latencies: the worse of the two processes' percentiles (autocannon reports per instance).
  return {
    label,
    copiesPerSecond: profile.copies / SECONDS,
    p50: Math.max(...results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    statuses,
    profile,
  };
}

function printProfile(r: Result) {
  const p = r.profile;
  const perCopy = (value: number) => (p.copies > 0 ? value / p.copies : 0);
  const fallbacks = p.batchesBySize.get(0) ?? 0;
  const sizes = [...p.batchesBySize].filter(([size, n]) => size > 0 && n > 0).sort(([a], [b]) => a - b);
  const statements = sizes.reduce((sum, [, n]) => sum + n, 0);
  const batched = sizes.reduce((sum, [size, n]) => sum + size * n, 0);
  const median = (() => {
    let seen = 0;
    for (const [size, n] of sizes) if ((seen += size * n) >= batched / 2) return size;
    return 0;
  })();
  const waits = [...p.waits].sort(([, a], [, b]) => b - a).slice(0, 6);
  console.log(`  ${r.label}: where the time went (per copy, over ${p.copies} copies)`);
  console.log(`    API processes CPU      ${perCopy(p.nodeCpuMs).toFixed(3)} ms`);
  if (p.workerCpuMs !== undefined) console.log(`    worker process CPU     ${perCopy(p.workerCpuMs).toFixed(3)} ms (its database work is in the backends' line)`);
  console.log(`    database backends CPU  ${perCopy(p.backendCpuMs).toFixed(3)} ms   active (statements running) ${perCopy(p.activeMs).toFixed(3)} ms   commits ${p.commits} (${perCopy(p.commits).toFixed(3)} per copy)`);
  console.log(
    `    WAL (server-wide)      ${perCopy(p.wal.wal_records!).toFixed(1)} records, ${perCopy(p.wal.wal_fpi!).toFixed(2)} full pages, ${perCopy(p.wal.wal_bytes!).toFixed(0)} bytes; ` +
      `${p.wal.wal_write} writes, ${p.wal.wal_sync} syncs (${perCopy(p.wal.wal_sync!).toFixed(3)} per copy), write ${p.wal.wal_write_time!.toFixed(0)} ms, sync ${p.wal.wal_sync_time!.toFixed(0)} ms, buffers full ${p.wal.wal_buffers_full}`,
  );
  console.log(
    `    sessions active, mean  ${(([...p.waits.values()].reduce((a, b) => a + b, 0)) / Math.max(1, p.waitSamples)).toFixed(1)}; by wait (share of samples): ` +
      waits.map(([wait, n]) => `${wait} ${((100 * n) / Math.max(1, [...p.waits.values()].reduce((a, b) => a + b, 0))).toFixed(0)}%`).join(', '),
  );
  const walTotal = p.walByRelation.reduce((sum, r) => sum + r.records, 0);
  console.log(
    `    WAL records by relation (per copy) ` +
      p.walByRelation
        .filter((r) => r.records / walTotal >= 0.01)
        .map((r) => `${r.relation} ${perCopy(r.records).toFixed(1)}`)
        .join(', '),
  );
  console.log(
    `    database time by function (own ms per copy) ` + p.functions.map((f) => `${f.name} ${perCopy(f.selfMs).toFixed(3)} (${perCopy(f.calls).toFixed(2)} calls)`).join(', '),
  );
  console.log(
    `    copies per statement   mean ${(batched / Math.max(1, statements)).toFixed(1)}, median copy in a batch of ${median}; failed batches ${fallbacks}; statements ${statements}: ` +
      sizes.map(([size, n]) => `${size}×${n}`).join(' '),
  );
}

async function main() {
  const db = await createBenchDatabase('flowtab_bench_copy');
  const servers: ServerProcess[] = [];
  const running: Processes = { servers, worker: undefined };
  const stopProcesses = async () => {
    await Promise.all([...servers.splice(0).map((s) => s.stop()), running.worker?.stop()]);
    running.worker = undefined;
  };
  try {
    console.log(`Seeding ${SUBSCRIBERS} subscribers, ${FLOWS} flows by ${CREATORS} creators …`);
    const { sessions, flowIds } = await seed(db.url);
    // WAL write and sync times, for this database's sessions (a superuser setting; the bench connects as one).
    const settings = new pg.Client({ connectionString: db.url });
    await settings.connect();
    await settings.query(`alter database ${db.name} set track_wal_io_timing = on`);
    await settings.query(`alter database ${db.name} set track_functions = 'all'`);
    await settings.query('create extension if not exists pg_walinspect');
    await settings.end();
    const tokens = sessions.map((session) => benchTokens.issue(session));
    const env = benchServerEnv(db.url, { PAID_COPIES_PER_PERIOD: String(loadConfig({}).economics.paidCopiesPerPeriod) });
    const startProcesses = async (extra: Record<string, string> = {}) => {
      servers.push(...(await Promise.all([startServerProcess({ ...env, ...extra }), startServerProcess({ ...env, ...extra })])));
      if (WITH_JOBS) running.worker = await startWorkerProcess(env);
    };
    await startProcesses();

    await fire('warm-up', db.url, running, tokens.slice(0, 500), flowIds, (i) => i % flowIds.length);
    const uniform = await fire('uniform', db.url, running, tokens, flowIds, () => Math.floor(Math.random() * flowIds.length));
    const skewed = await fire('skewed (80% on 10 flows)', db.url, running, tokens, flowIds, () =>
      Math.random() < 0.8 ? Math.floor(Math.random() * 10) : 10 + Math.floor(Math.random() * (flowIds.length - 10)),
    );
    await stopProcesses();
    const runs = [uniform, skewed];
    if (WITH_UNBATCHED) {
      await startProcesses({ COPY_BATCH_WINDOW_MS: '0' });
      runs.push(await fire('uniform, unbatched', db.url, running, tokens, flowIds, () => Math.floor(Math.random() * flowIds.length)));
      await stopProcesses();
    }

    console.log(`pgbench TPC-B, ${PGBENCH_CLIENTS} clients, ${SECONDS}s …`);
    const tps = await runPgbench(PGBENCH_CLIENTS, SECONDS);

    console.log('');
    console.log(`connections: ${CONNECTIONS}, ${SECONDS}s per run, two server processes${WITH_JOBS ? ' and a worker' : ', no worker'}, PostgreSQL ${new URL(db.url).host}`);
    for (const r of runs) {
      console.log(
        `${r.label.padEnd(26)} ${r.copiesPerSecond.toFixed(0).padStart(6)} copies/s   p50 ${String(r.p50).padStart(3)} ms   p99 ${String(r.p99).padStart(3)} ms   ratio to pgbench(${PGBENCH_CLIENTS}) ${(r.copiesPerSecond / tps).toFixed(2)}   statuses ${JSON.stringify(r.statuses)}`,
      );
    }
    console.log(`pgbench TPC-B (${PGBENCH_CLIENTS} clients)  ${tps.toFixed(0).padStart(6)} tps`);
    console.log(`skewed / uniform           ${(skewed.copiesPerSecond / uniform.copiesPerSecond).toFixed(2)}`);
    console.log(`targets: ratio ≥ 1.5 to pgbench TPC-B with 8 clients, p99 ≤ 25 ms at 50 connections, skewed ≥ 0.8 × uniform`);
    console.log('');
    for (const r of runs) printProfile(r);
  } finally {
    await stopProcesses();
    await db.drop();
  }
}

await main();
