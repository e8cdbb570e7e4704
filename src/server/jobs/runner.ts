import pg from 'pg';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { AppContext } from '../context.js';
import { DATABASE_CONNECT_TIMEOUT_MS, type Database } from '../db/client.js';
import { jobDefinitions } from './definitions.js';
import { type Enqueue, type JobDefinition, type JobDeps, type JobPayload, JobRetryLater } from './types.js';

export type JobTable = Record<string, JobDefinition<never>>;

/**
 * The statements by which pg-boss records a finished job (completed or failed). pg-boss runs them without awaiting
 * them, so one that fails (PostgreSQL went away while the job ran) would be an unhandled rejection and end the
 * process. They are answered "nothing changed" instead: the job stays active until it expires and is retried.
 */
const UNAWAITED_STATEMENTS = [
  /^\s*WITH results AS \(\s*UPDATE \w+\.job\s+SET completed_on = now\(\)/,
  /DELETE FROM \w+\.job\s+WHERE name = \$1 AND id IN \(SELECT UNNEST\(\$2::uuid\[\]\)\)/,
];

type PgBossDb = { db: PgBoss.Db; close(): Promise<void> };

/**
 * pg-boss's connection on either database: a small pool of its own on PostgreSQL, or the embedded PGlite (which
 * serializes statements on its one connection; pg-boss's multi-statement scripts go through `exec`).
 */
function openPgBossDb(database: Database, logger: Logger): PgBossDb {
  let run: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }>;
  let close = async () => {};
  if (database.kind === 'postgres') {
    // Kept open like the app's pool (db/client.ts): its pollers use it every few seconds anyway.
    const pool = new pg.Pool({ connectionString: database.url, max: 4, idleTimeoutMillis: 0, connectionTimeoutMillis: DATABASE_CONNECT_TIMEOUT_MS, application_name: 'flowtab-jobs' });
    // An idle connection the server closed: the pool drops it and opens another when needed.
    pool.on('error', (error) => logger.warn({ event: 'jobs.connection_lost', err: error }, 'pg-boss lost an idle connection'));
    run = (text, values) => pool.query(text, values);
    close = () => pool.end();
  } else {
    const pglite = database.pglite!;
    run = async (text, values) => {
      if (values && values.length > 0) return pglite.query(text, values);
      const results = await pglite.exec(text);
      return results[results.length - 1] ?? { rows: [] };
    };
  }
  return {
    db: {
      async executeSql(text: string, values?: unknown[]) {
        try {
          return await run(text, values);
        } catch (error) {
          if (!UNAWAITED_STATEMENTS.some((statement) => statement.test(text))) throw error;
          logger.error({ event: 'jobs.completion_lost', err: error }, 'could not record a finished job; it is retried when it expires');
          return { rows: [{ count: 0 }] }; // both statements answer a count of the jobs they changed
        }
      },
    },
    close,
  };
}

/** Runs one job's handler, logged as the worker logs it: `job.finished` (debug) or `job.failed` (error), rethrown. */
async function runHandler(name: string, definition: JobDefinition<never>, payload: JobPayload, deps: JobDeps): Promise<unknown> {
  const started = Date.now();
  try {
    const result = await definition.handler(payload as never, deps);
    deps.logger.debug({ event: 'job.finished', job: name, ms: Date.now() - started, result }, 'job finished');
    return result;
  } catch (error) {
    if (error instanceof JobRetryLater) deps.logger.warn({ event: 'job.retry_later', job: name, reason: error.message }, 'job to be retried');
    else deps.logger.error({ event: 'job.failed', job: name, err: error }, 'job failed');
    throw error;
  }
}

/**
 * Runs a job's handler here and now, without pg-boss: for tests, the simulation and commands. The jobs it enqueues
 * run the same way, one after the other, before it returns.
 */
export async function runJob(ctx: AppContext, name: string, payload: JobPayload, options: { logger: Logger; jobs?: JobTable }): Promise<unknown> {
  const table: JobTable = options.jobs ?? jobDefinitions;
  const definition = table[name];
  if (!definition) throw new Error(`no job named ${name}`);
  const enqueue: Enqueue = async (next, items) => {
    for (const item of items) await runJob(ctx, next, item.payload, options);
  };
  return runHandler(name, definition, payload, { ctx, logger: options.logger, enqueue });
}

export type JobRunner = {
  boss: PgBoss;
  /** Queues one job and wakes this process's worker for it. */
  send: (name: string, payload?: JobPayload) => Promise<string | null>;
  stop: () => Promise<void>;
};

/**
 * Starts pg-boss in this process: a queue and a worker for every job of the table and, with `schedule`, the cron
 * schedules (registered by every process; pg-boss sends each tick's job once). Any number of processes may run this.
 */
export async function startJobs(ctx: AppContext, logger: Logger, options: { schedule?: boolean; jobs?: JobTable } = {}): Promise<JobRunner> {
  const table: JobTable = options.jobs ?? jobDefinitions;
  const isScheduling = options.schedule ?? true;
  const connection = openPgBossDb(ctx.database, logger);
  // Maintenance every 30 s (pg-boss: 2 minutes) finds the expired jobs of a process that died: their queues move on sooner.
  const boss = new PgBoss({ db: connection.db, schema: 'pgboss', schedule: isScheduling, maintenanceIntervalSeconds: 30 });
  boss.on('error', (error) => logger.error({ event: 'jobs.pgboss_error', err: error }, 'pg-boss error'));
  await boss.start();

  const enqueue: Enqueue = async (name, items) => {
    for (let start = 0; start < items.length; start += 1000) {
      await boss.insert(
        items.slice(start, start + 1000).map((item) => ({
          name,
          data: item.payload,
          singletonKey: item.singletonKey,
          // An interval after the database's now(), so the processes' clocks do not matter.
          startAfter: item.delaySeconds ? `${item.delaySeconds} seconds` : undefined,
        })),
      );
    }
  };
  const deps: JobDeps = { ctx, logger, enqueue };
  const workerIds = new Map<string, string>();
  for (const [name, definition] of Object.entries(table)) {
    // createQueue leaves an existing queue as it is; updateQueue makes the table's options the queue's.
    await boss.createQueue(name, { name, ...definition.queue });
    await boss.updateQueue(name, { name, ...definition.queue });
    const workerId = await boss.work<JobPayload>(name, { pollingIntervalSeconds: definition.pollingIntervalSeconds, batchSize: 1 }, async ([job]) => {
      if (job) return runHandler(name, definition, job.data ?? {}, deps);
    });
    workerIds.set(name, workerId);
  }
  if (isScheduling) {
    for (const [name, definition] of Object.entries(table)) {
      if (definition.schedule) await boss.schedule(name, definition.schedule(ctx.config), {}, { tz: 'UTC' });
    }
    // A job taken out of the table stops being scheduled.
    for (const schedule of await boss.getSchedules()) {
      if (!table[schedule.name]?.schedule) await boss.unschedule(schedule.name);
    }
  }
  logger.info({ event: 'jobs.started', jobs: Object.keys(table), is_scheduling: isScheduling }, 'jobs started');
  return {
    boss,
    send: async (name, payload = {}) => {
      const id = await boss.send(name, payload);
      const workerId = workerIds.get(name);
      if (workerId) boss.notifyWorker(workerId);
      return id;
    },
    stop: async () => {
      await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
      await connection.close();
    },
  };
}
