import type { JobDeps } from '../../jobs/types.js';
import { JobRetryLater } from '../../jobs/types.js';
import { payCreator, runPayouts } from './runs.js';
import { PROCESSING_LEASE_MS } from './sending.js';

// The handlers of the `payouts.run` and `payouts.creator` jobs; their queues and schedule are in jobs/definitions.ts.

export type PayoutRunJob = { asOf?: string };
export type PayoutCreatorJob = { creatorId: string; runKey: string };

/** A `payouts.creator` retry waits out the processing lease, so it is not refused as "someone else is sending it". */
export const PAYOUT_CREATOR_RETRY_DELAY_SECONDS = Math.ceil(PROCESSING_LEASE_MS / 1000) + 30;

/**
 * `payouts.run` (PAYOUT_CRON): the same `runPayouts` as `flowtab payouts run` and the admin endpoint, which releases
 * what the hold let go and here hands each creator to pay or to finish to one `payouts.creator` job. The singleton
 * key `<run key>:<creator>` keeps a creator from being queued twice for one run.
 */
export async function runPayoutRunJob(payload: PayoutRunJob, { ctx, logger, enqueue }: JobDeps) {
  let enqueued = 0;
  const summary = await runPayouts(ctx, {
    asOf: payload.asOf ? new Date(payload.asOf) : new Date(),
    log: logger,
    enqueue: async (creatorIds, runKey) => {
      enqueued = creatorIds.length;
      await enqueue(
        'payouts.creator',
        creatorIds.map((creatorId) => ({ payload: { creatorId, runKey } satisfies PayoutCreatorJob, singletonKey: `${runKey}:${creatorId}` })),
      );
    },
  });
  return { runKey: summary.run_key, released: summary.released, enqueued };
}

/** `payouts.creator`: pays one creator for one run. Stripe's answer unclear: retried after the lease, same key. */
export async function payCreatorJob(payload: PayoutCreatorJob, { ctx, logger }: JobDeps) {
  const outcomes = await payCreator(ctx, { ...payload, log: logger });
  if (outcomes.includes('processing')) throw new JobRetryLater(`payout of creator ${payload.creatorId} still processing; retried later`);
  return { outcomes };
}
