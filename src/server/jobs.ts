import type { Logger } from 'pino';
import type { AppContext } from './context.js';
import { refreshFlowCopyCounts } from './modules/copies/repository.js';
import { enqueueMonthlySummaries, sendDueEmails } from './modules/email/jobs.js';
import { releaseHeldEarnings } from './modules/ledger/service.js';
import { resumePayoutsJob } from './modules/payouts/jobs.js';
import { deleteEndedRateLimits } from './modules/rate-limits/repository.js';
import { settleDuplicateSubscriptions } from './modules/subscriptions/service.js';
import { sweepEvents } from './modules/webhooks/service.js';

export type Job = { name: string; everyMs: number; run(ctx: AppContext, logger: Logger): Promise<unknown> };

/**
 * The periodic jobs. Each is safe to run twice or in two processes at once (unique keys, row locks, SKIP LOCKED,
 * recomputation rather than increments), so every API or worker process may run them.
 */
export const periodicJobs: Job[] = [
  // Lists Stripe's events from the watermark (a dropped delivery is found however old), re-drives unprocessed ones.
  { name: 'webhooks.sweep', everyMs: 60_000, run: (ctx, logger) => sweepEvents(ctx, { minAgeMs: 30_000, logger }) },
  {
    name: 'earnings.release',
    everyMs: 10 * 60_000,
    run: (ctx) => ctx.db.transaction((tx) => releaseHeldEarnings(tx, { asOf: new Date(), holdDays: ctx.config.holdDays })),
  },
  { name: 'flows.refresh_copy_counts', everyMs: 30_000, run: (ctx) => refreshFlowCopyCounts(ctx.db) },
  // The safety net and retry clock of the outbox; mails normally leave right after commit (startEmailSender).
  { name: 'email.send', everyMs: 15_000, run: (ctx, logger) => sendDueEmails(ctx, { logger }) },
  { name: 'email.monthly_summary', everyMs: 60 * 60_000, run: (ctx) => enqueueMonthlySummaries(ctx) },
  // Payouts and credits whose sender died or got no clear answer from Stripe: sent again with the same keys.
  { name: 'payouts.resume', everyMs: 5 * 60_000, run: (ctx, logger) => resumePayoutsJob(ctx, logger) },
  // Duplicate subscriptions (SPEC §3) whose cancel and refund did not finish right after their webhook.
  { name: 'subscriptions.settle_duplicates', everyMs: 60_000, run: (ctx, logger) => settleDuplicateSubscriptions(ctx, logger) },
  // Ended rate-limit windows (one row per client and route, per member for copies): they count as absent anyway.
  { name: 'rate_limits.sweep', everyMs: 10 * 60_000, run: (ctx) => deleteEndedRateLimits(ctx.db) },
];

export function startScheduler(ctx: AppContext, logger: Logger, jobs: Job[] = periodicJobs): { stop(): Promise<void> } {
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  let isStopped = false;
  for (const job of jobs) {
    const tick = () => {
      if (isStopped) return;
      const started = Date.now();
      const run = job
        .run(ctx, logger)
        .then((result) => logger.debug({ event: 'job.finished', job: job.name, ms: Date.now() - started, result }, 'job finished'))
        .catch((error) => logger.error({ event: 'job.failed', job: job.name, err: error }, 'job failed'))
        .finally(() => running.delete(run));
      running.add(run);
    };
    timers.push(setInterval(tick, job.everyMs).unref());
    setTimeout(tick, 2_000).unref();
  }
  return {
    async stop() {
      isStopped = true;
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled([...running]);
    },
  };
}
