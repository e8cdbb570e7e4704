import type { JobDeps } from '../../jobs/types.js';
import { JobRetryLater } from '../../jobs/types.js';
import { releaseAllHeldEarnings } from '../ledger/service.js';
import { findPayoutCandidates, listResumablePayouts } from './repository.js';
import { runKeyFor } from './rules.js';
import { payCreator } from './runs.js';
import { PROCESSING_LEASE_MS } from './sending.js';

// The handlers of the `payouts.run` and `payouts.creator` jobs; their queues and schedule are in jobs/definitions.ts.

export type PayoutRunJob = { asOf?: string };
export type PayoutCreatorJob = { creatorId: string; runKey: string };

/** A `payouts.creator` retry waits out the processing lease, so it is not refused as "someone else is sending it". */
export const PAYOUT_CREATOR_RETRY_DELAY_SECONDS = Math.ceil(PROCESSING_LEASE_MS / 1000) + 30;

/**
 * `payouts.run` (PAYOUT_CRON): release what the hold let go, then one `payouts.creator` job per creator to pay
 * (available ≥ the minimum with payouts enabled) or to finish (an open payout nobody works on). The singleton key
 * `<run key>:<creator>` keeps a creator from being queued twice for one run.
 */
export async function runPayoutRunJob(payload: PayoutRunJob, { ctx, logger, enqueue }: JobDeps) {
  const asOf = payload.asOf ? new Date(payload.asOf) : new Date();
  const runKey = runKeyFor(asOf);
  const released = await releaseAllHeldEarnings(ctx.db, { asOf, holdDays: ctx.config.holdDays });
  const creatorIds = new Set((await findPayoutCandidates(ctx.db, { minCents: ctx.config.minPayoutCents })).map((c) => c.creatorId));
  for (const open of await listResumablePayouts(ctx.db, { leaseMs: PROCESSING_LEASE_MS, limit: 10_000 })) creatorIds.add(open.creatorId);
  await enqueue(
    'payouts.creator',
    [...creatorIds].map((creatorId) => ({ payload: { creatorId, runKey } satisfies PayoutCreatorJob, singletonKey: `${runKey}:${creatorId}` })),
  );
  const result = { runKey, released, enqueued: creatorIds.size };
  logger.info({ event: 'payouts.run_enqueued', ...result }, 'payout run enqueued');
  return result;
}

/** `payouts.creator`: pays one creator for one run. Stripe's answer unclear: retried after the lease, same key. */
export async function payCreatorJob(payload: PayoutCreatorJob, { ctx, logger }: JobDeps) {
  const outcomes = await payCreator(ctx, { ...payload, log: logger });
  if (outcomes.includes('processing')) throw new JobRetryLater(`payout of creator ${payload.creatorId} still processing; retried later`);
  return { outcomes };
}
