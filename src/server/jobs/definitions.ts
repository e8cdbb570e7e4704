import { runDailyReconcile } from '../modules/admin/finance/jobs.js';
import { refreshFlowCopyCounts } from '../modules/copies/repository.js';
import { drainDueEmails, enqueueMonthlySummaries } from '../modules/email/jobs.js';
import { releaseAllHeldEarnings } from '../modules/ledger/service.js';
import { payCreatorJob, PAYOUT_CREATOR_RETRY_DELAY_SECONDS, type PayoutCreatorJob, type PayoutRunJob, runPayoutRunJob } from '../modules/payouts/jobs.js';
import { resumeOpenWork } from '../modules/payouts/runs.js';
import { deleteEndedRateLimits } from '../modules/rate-limits/repository.js';
import { settleDuplicateSubscriptions } from '../modules/subscriptions/service.js';
import { sweepEvents } from '../modules/webhooks/service.js';
import type { JobDefinition, JobPayload } from './types.js';

/**
 * Every background job, by name: one pg-boss queue each (runner.ts registers them all). A scheduled job runs once per
 * cron tick in the whole deployment (pg-boss sends it once however many processes run), and its `stately` queue keeps
 * at most one queued and one running; without retries, because the next tick is the retry. Each handler is also safe
 * twice or in two processes at once, for the reason given beside it: a job may run again after a crash, and the
 * CLI, the admin API or the simulation may run the same work beside it.
 *
 * The mail outbox is sent right after commit (email/jobs.ts startEmailSender, LISTEN/NOTIFY); `email.send` is its
 * safety net and retry clock, so a minute is enough. Cron has minute resolution, so the creators' running totals are
 * not a job here: a timer in each background process folds them every few seconds (ledger/jobs.ts).
 *
 * A job whose process died stays active until it expires (pg-boss finds expired ones every 30 s, runner.ts), and a
 * stately queue runs nothing else meanwhile: periodic jobs expire after 5 minutes, which none needs, except the
 * daily reconcile that reads the whole ledger. A job that outlives its expiry is run again beside it: safe, as said.
 */
const periodic = { policy: 'stately', retryLimit: 0, expireInSeconds: 5 * 60 } as const;

function defineJob<P extends JobPayload>(definition: JobDefinition<P>): JobDefinition<P> {
  return definition;
}

export const jobDefinitions = {
  // Lists Stripe's events from the watermark (a dropped delivery is found however old), re-drives unprocessed ones.
  // Twice: event ids are unique in the inbox; each event is processed under its row lock, once.
  'webhooks.sweep': defineJob({
    schedule: () => '* * * * *',
    queue: periodic,
    pollingIntervalSeconds: 10,
    handler: (_, { ctx, logger }) => sweepEvents(ctx, { minAgeMs: 30_000, logger }),
  }),
  // Held earnings past their hold become available. Twice: rows locked with SKIP LOCKED, one ledger key per release.
  'earnings.release': defineJob({
    schedule: () => '*/10 * * * *',
    queue: periodic,
    pollingIntervalSeconds: 10,
    handler: (_, { ctx }) => releaseAllHeldEarnings(ctx.db, { asOf: new Date(), holdDays: ctx.config.holdDays }),
  }),
  // Flows' popularity (the order of sort=popular and of relevance's candidates) from the per-flow counters; every count
  // shown is read from the counters themselves, exact. Every ten minutes (at :05, :15, …, off the release's ticks), not
  // every minute: each run rewrites every flow copied since the last, so a flow copied in each of ten minutes was
  // rewritten ten times, and a rewrite is dear (56,030 of bench:search's flows: 16–29 s of the database and 1.1 GB of
  // WAL; copies/repository.ts). Twice: a recomputation, not an increment.
  'flows.refresh_copy_counts': defineJob({
    schedule: () => '5-59/10 * * * *',
    queue: periodic,
    pollingIntervalSeconds: 10,
    handler: (_, { ctx }) => refreshFlowCopyCounts(ctx.db),
  }),
  // The outbox's safety net and retry clock. Twice: rows claimed with SKIP LOCKED and a lease; the Message-ID is fixed.
  'email.send': defineJob({
    schedule: () => '* * * * *',
    queue: periodic,
    pollingIntervalSeconds: 10,
    handler: (_, { ctx, logger }) => drainDueEmails(ctx, { logger }),
  }),
  // Last month's earnings summaries, in the first days of a month. Twice: the cause key summary:<user>:<month> is unique.
  'email.monthly_summary': defineJob({
    schedule: () => '7 * * * *',
    queue: periodic,
    pollingIntervalSeconds: 10,
    handler: (_, { ctx }) => enqueueMonthlySummaries(ctx),
  }),
  // Payouts and credits whose sender died or got no clear answer from Stripe: sent again with the same keys, within a
  // minute of their lease's end (a `payouts.creator` job's own follow-up comes sooner). Twice: a processing lease per
  // payout, Stripe idempotency keys.
  'payouts.resume': defineJob({
    schedule: () => '* * * * *',
    queue: periodic,
    pollingIntervalSeconds: 5,
    handler: (_, { ctx, logger }) => resumeOpenWork(ctx, { log: logger }),
  }),
  // PAYOUT_CRON: releases what the hold let go, then one `payouts.creator` job per creator to pay or to finish.
  // Twice: the singleton key <run key>:<creator> keeps a creator from being queued twice for one run; the payout row
  // is unique per creator and run.
  'payouts.run': defineJob<PayoutRunJob>({
    schedule: (config) => config.payoutCron,
    queue: { policy: 'singleton', retryLimit: 3, retryDelay: 300, retryBackoff: true },
    pollingIntervalSeconds: 5,
    handler: (payload, deps) => runPayoutRunJob(payload, deps),
  }),
  // Pays one creator for one run. Twice: the payout is unique per creator and run, sent under its processing lease
  // with its own idempotency key. A retry waits out the lease, so it is not refused as "someone else is sending it".
  // Expires with the lease: one creator's sending takes seconds, at most half the lease waiting on Stripe's rate limit.
  'payouts.creator': defineJob<PayoutCreatorJob>({
    queue: { policy: 'short', retryLimit: 8, retryDelay: PAYOUT_CREATOR_RETRY_DELAY_SECONDS, retryBackoff: true, expireInSeconds: PAYOUT_CREATOR_RETRY_DELAY_SECONDS },
    pollingIntervalSeconds: 2,
    handler: (payload, deps) => payCreatorJob(payload, deps),
  }),
  // Duplicate subscriptions (SPEC §3) whose cancel and refund did not finish right after their webhook.
  // Twice: Stripe idempotency keys cancel-duplicate-<sub> and refund-duplicate-<sub>; marking settled is idempotent.
  'subscriptions.settle_duplicates': defineJob({
    schedule: () => '* * * * *',
    queue: periodic,
    pollingIntervalSeconds: 10,
    handler: (_, { ctx, logger }) => settleDuplicateSubscriptions(ctx, logger),
  }),
  // Every ledger invariant, daily (SPEC §14): a reconcile_runs row (the /metrics gauge flowtab_reconcile_failures and
  // the console read the newest), admins mailed on failure. Twice: each run is its own row; mails keyed by day and checks.
  'finance.reconcile': defineJob({
    schedule: () => '17 5 * * *',
    queue: { ...periodic, expireInSeconds: 60 * 60 },
    pollingIntervalSeconds: 60,
    handler: (_, { ctx, logger }) => runDailyReconcile(ctx, logger),
  }),
  // Ended rate-limit windows (they count as absent anyway). Twice: delete ... FOR UPDATE SKIP LOCKED.
  'rate_limits.sweep': defineJob({
    schedule: () => '*/10 * * * *',
    queue: periodic,
    pollingIntervalSeconds: 10,
    handler: (_, { ctx }) => deleteEndedRateLimits(ctx.db),
  }),
} satisfies Record<string, JobDefinition<never>>;

export type JobName = keyof typeof jobDefinitions;
