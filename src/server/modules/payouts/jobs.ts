import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { AppContext } from '../../context.js';
import type { Database } from '../../db/client.js';
import { releaseHeldEarnings } from '../ledger/service.js';
import { findPayoutCandidates, listResumablePayouts } from './repository.js';
import { runKeyFor } from './rules.js';
import { PROCESSING_LEASE_MS, payCreator, resumeOpenWork } from './service.js';

/** The schedule (PAYOUT_CRON) fires this; it finds the work and enqueues one `payouts.creator` job per creator. */
export const PAYOUT_RUN_QUEUE = 'payouts.run';
/** Pays one creator for one run: `{ creatorId, runKey }`. */
export const PAYOUT_CREATOR_QUEUE = 'payouts.creator';

export type PayoutRunJob = { asOf?: string };
export type PayoutCreatorJob = { creatorId: string; runKey: string };

/**
 * pg-boss on either database: its own small pool on PostgreSQL, or the embedded PGlite through the `db` adapter
 * (PGlite serializes statements on its one connection; pg-boss's multi-statement scripts go through `exec`).
 */
export function pgBossConnection(database: Database): Pick<PgBoss.ConstructorOptions, 'connectionString' | 'max' | 'db'> {
  if (database.kind === 'postgres') return { connectionString: database.url, max: 4 };
  const pglite = database.pglite!;
  return {
    db: {
      async executeSql(text: string, values?: unknown[]) {
        if (values && values.length > 0) return pglite.query(text, values);
        const results = await pglite.exec(text);
        return results[results.length - 1] ?? { rows: [] };
      },
    },
  };
}

export type PayoutWorker = { boss: PgBoss; stop(): Promise<void> };

/**
 * Starts pg-boss for payouts in this process: the PAYOUT_CRON schedule (pg-boss fires it once per tick, however many
 * processes run it) and the workers of both queues. Every handler is safe twice or in two processes at once.
 */
export async function startPayoutWorker(ctx: AppContext, logger: Logger, options: { schedule?: boolean } = {}): Promise<PayoutWorker> {
  const boss = new PgBoss({
    ...pgBossConnection(ctx.database),
    schema: 'pgboss',
    application_name: 'flowtab-payouts',
    schedule: options.schedule ?? true,
  });
  boss.on('error', (error) => logger.error({ event: 'jobs.pgboss_error', err: error }, 'pg-boss error'));
  await boss.start();
  await boss.createQueue(PAYOUT_RUN_QUEUE, { name: PAYOUT_RUN_QUEUE, policy: 'singleton', retryLimit: 3, retryDelay: 300, retryBackoff: true });
  // A retry waits out the processing lease, so it is not refused as "someone else is sending this payout".
  await boss.createQueue(PAYOUT_CREATOR_QUEUE, {
    name: PAYOUT_CREATOR_QUEUE,
    policy: 'short',
    retryLimit: 8,
    retryDelay: Math.ceil(PROCESSING_LEASE_MS / 1000) + 30,
    retryBackoff: true,
  });
  if (options.schedule ?? true) await boss.schedule(PAYOUT_RUN_QUEUE, ctx.config.payoutCron, {}, { tz: 'UTC' });

  await boss.work<PayoutRunJob>(PAYOUT_RUN_QUEUE, { pollingIntervalSeconds: 5 }, async ([job]) => {
    const asOf = job?.data?.asOf ? new Date(job.data.asOf) : new Date();
    const result = await enqueuePayoutRun(ctx, boss, asOf);
    logger.info({ event: 'payouts.run_enqueued', ...result }, 'payout run enqueued');
    return result;
  });
  await boss.work<PayoutCreatorJob>(PAYOUT_CREATOR_QUEUE, { pollingIntervalSeconds: 2, batchSize: 1 }, async ([job]) => {
    if (!job) return;
    const outcomes = await payCreator(ctx, { ...job.data, log: logger });
    // Stripe's answer was unclear: fail the job so pg-boss retries it after the lease (same payout, same key).
    if (outcomes.includes('processing')) throw new Error(`payout of creator ${job.data.creatorId} still processing; retried later`);
    return { outcomes };
  });
  return {
    boss,
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
    },
  };
}

/**
 * The scheduled run's first step: release what the hold let go, then one job per creator to pay (available ≥ the
 * minimum with payouts enabled) or to finish (an open payout nobody works on). The singleton key
 * `<run key>:<creator>` keeps a creator from being queued twice for one run.
 */
export async function enqueuePayoutRun(ctx: AppContext, boss: PgBoss, asOf: Date) {
  const runKey = runKeyFor(asOf);
  let released = 0;
  for (let batch = -1; batch !== 0; released += batch) {
    batch = await ctx.db.transaction((tx) => releaseHeldEarnings(tx, { asOf, holdDays: ctx.config.holdDays }));
  }
  const creatorIds = new Set((await findPayoutCandidates(ctx.db, { minCents: ctx.config.minPayoutCents })).map((c) => c.creatorId));
  for (const open of await listResumablePayouts(ctx.db, { leaseMs: PROCESSING_LEASE_MS, limit: 10_000 })) creatorIds.add(open.creatorId);
  const ids = [...creatorIds];
  for (let start = 0; start < ids.length; start += 1000) {
    await boss.insert(
      ids.slice(start, start + 1000).map((creatorId) => ({
        name: PAYOUT_CREATOR_QUEUE,
        data: { creatorId, runKey } satisfies PayoutCreatorJob,
        singletonKey: `${runKey}:${creatorId}`,
      })),
    );
  }
  return { runKey, released, enqueued: ids.length };
}

/** For the in-process scheduler (jobs.ts): finish payouts and credits whose sender died or got no clear answer. */
export function resumePayoutsJob(ctx: AppContext, logger: Logger) {
  return resumeOpenWork(ctx, { log: logger });
}
