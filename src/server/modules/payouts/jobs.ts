import type { JobDeps } from '../../jobs/types.js';
import { JobRetryLater } from '../../jobs/types.js';
import { payCreator, runPayouts } from './runs.js';
import { PROCESSING_LEASE_MS } from './sending.js';

// The handlers of the `payouts.run` and `payouts.creator` jobs; their queues and schedule are in jobs/definitions.ts.

export type PayoutRunJob = { asOf?: string };
/** `isFollowUp`: the look queued by the first job for after its lease (it queues none itself). */
export type PayoutCreatorJob = { creatorId: string; runKey: string; isFollowUp?: 'yes' };

/** A `payouts.creator` retry waits out the processing lease, so it is not refused as "someone else is sending it". */
export const PAYOUT_CREATOR_RETRY_DELAY_SECONDS = Math.ceil(PROCESSING_LEASE_MS / 1000) + 30;
/** When the follow-up looks: just after the lease of a claim made by the job that queued it has ended. */
const FOLLOW_UP_DELAY_SECONDS = Math.ceil(PROCESSING_LEASE_MS / 1000) + 15;

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

/**
 * `payouts.creator`: pays one creator for one run. Stripe's answer unclear: retried after the lease, same key.
 * Before it claims anything it queues its follow-up, the same job for just after the lease: if this process dies
 * with the payout processing (its pg-boss job then stays active until it expires), the follow-up resumes the payout
 * seconds after its lease ends; when all went well, it finds nothing to resume and its run's payout already made.
 */
export async function payCreatorJob(payload: PayoutCreatorJob, { ctx, logger, enqueue }: JobDeps) {
  if (payload.isFollowUp !== 'yes') {
    const followUp: PayoutCreatorJob = { creatorId: payload.creatorId, runKey: payload.runKey, isFollowUp: 'yes' };
    await enqueue('payouts.creator', [{ payload: followUp, singletonKey: `${payload.runKey}:${payload.creatorId}:follow-up`, delaySeconds: FOLLOW_UP_DELAY_SECONDS }]);
  }
  const outcomes = await payCreator(ctx, { creatorId: payload.creatorId, runKey: payload.runKey, log: logger });
  if (outcomes.includes('processing')) throw new JobRetryLater(`payout of creator ${payload.creatorId} still processing; retried later`);
  return { outcomes };
}
