import type { AppContext } from '../../context.js';
import { inTransaction } from '../../db/client.js';
import { NotFoundError } from '../../errors.js';
import { createRateLimitGate } from '../../integrations/stripe/rate-limit.js';
import type { Viewer } from '../auth/viewer.js';
import { creatorAccountBalance } from '../ledger/repository.js';
import { releaseAllHeldEarnings } from '../ledger/service.js';
import { resumePendingCredits } from './credits.js';
import { BelowMinimumError, PayoutInProgressError, PayoutsNotEnabledError, PayoutsPausedError, WithdrawalLimitError } from './errors.js';
import {
  claimPayout,
  findOpenPayout,
  findPayout,
  findPayoutByRunKey,
  findPayoutCandidates,
  findPayoutCreator,
  listResumablePayouts,
  lockPayableCreators,
  type PayoutRow,
  recordPayoutAttemptError,
  reservePayouts,
  type ReservedPayout,
} from './repository.js';
import { connectStatusOf, runKeyFor, startOfNextUtcDay, withdrawalKeyFor } from './rules.js';
import type { PayoutView, RunSummaryView } from './schemas.js';
import {
  type PayoutLogger,
  type PayoutRateLimit,
  PROCESSING_LEASE_MS,
  requestTransfer,
  type SendOutcome,
  settleFailedPayout,
  settlePaidPayout,
  silentLogger,
} from './sending.js';
import { toPayoutView } from './summary.js';

// Running payouts: the scheduled run, `flowtab payouts run` and POST /v1/admin/payouts/run all go through
// `runPayouts`; the scheduled run's per-creator job through `payCreator`; a creator's withdrawal is `withdrawNow`.
//
// Units of work: these functions (and `sendPayout`, which they share) own the transactions of payouts. A payout is
// never one transaction, because no Stripe call may happen while a lock is held: it is reserved (one transaction per
// batch of creators, each locked), claimed (one conditional UPDATE), sent to Stripe with nothing open, then settled
// in a transaction of its own. Each of those is opened here, with `inTransaction`; the steps (`reservePayouts`,
// `settlePaidPayout`, `settleFailedPayout`) take the `Tx` and never open one.

const RESERVE_BATCH = 200;

/**
 * Sends a reserved payout: claim it, ask Stripe for its transfer (no transaction open; idempotency key `payout-<id>`),
 * settle. Only an answer that says Stripe did not do it marks the payout failed (its reservation goes back to
 * available); an unclear one (5xx, timeout, a rate limit past the deadline) leaves it processing for a retry with the
 * same key.
 */
export async function sendPayout(
  ctx: AppContext,
  payoutId: string,
  options: { leaseMs?: number; log?: PayoutLogger; rateLimit?: PayoutRateLimit } = {},
): Promise<{ outcome: SendOutcome; payout?: PayoutRow }> {
  const log = options.log ?? silentLogger;
  const claimed = await claimPayout(ctx.db, payoutId, options.leaseMs ?? PROCESSING_LEASE_MS);
  if (!claimed) return { outcome: 'skipped' };
  const fields = { payout_id: claimed.id, creator_id: claimed.creatorId, amount_cents: claimed.amountCents, attempt: claimed.attempts };

  const answer = await requestTransfer(ctx.stripe, claimed, options.rateLimit);
  switch (answer.outcome) {
    case 'rejected': {
      const failed = await inTransaction(ctx.db, (tx) => settleFailedPayout(tx, claimed, answer.reason));
      log.warn({ event: 'payout.failed', ...fields, reason: answer.reason }, 'payout failed; its money is available again');
      return { outcome: failed ? 'failed' : 'skipped', payout: failed };
    }
    case 'unclear':
      await recordPayoutAttemptError(ctx.db, claimed, answer.reason);
      log.warn({ event: 'payout.attempt_unclear', ...fields, reason: answer.reason }, 'Stripe did not answer clearly; retried later with the same key');
      return { outcome: 'processing', payout: claimed };
    case 'transfer': {
      const { transfer } = answer;
      if (transfer.amount !== claimed.amountCents || transfer.destination !== claimed.destinationAccountId) {
        log.warn({ event: 'payout.transfer_mismatch', ...fields, transfer_id: transfer.id, transfer_amount: transfer.amount }, 'transfer differs from payout');
      }
      const paid = await inTransaction(ctx.db, (tx) => settlePaidPayout(tx, claimed.id, transfer.id));
      if (paid) log.info({ event: 'payout.paid', ...fields, transfer_id: transfer.id }, 'payout paid');
      return { outcome: 'paid', payout: paid ?? (await findPayout(ctx.db, claimed.id)) };
    }
  }
}

/** Reserving: one transaction per batch of creators, each creator locked (skipped if another run holds it). */
function reserveFor(
  ctx: AppContext,
  creatorIds: string[],
  input: { runKey: string; kind: 'scheduled' | 'withdrawal'; skipLocked: boolean },
): Promise<ReservedPayout[]> {
  return inTransaction(ctx.db, async (tx) => {
    const locked = await lockPayableCreators(tx, creatorIds, { skipLocked: input.skipLocked });
    return reservePayouts(tx, { creatorIds: locked, runKey: input.runKey, kind: input.kind, minCents: ctx.config.minPayoutCents });
  });
}

async function mapWithConcurrency<T, R>(items: readonly T[], concurrency: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index]!);
    }
  });
  await Promise.all(workers);
  return results;
}

/**
 * `reserve`: a batch of creators was reserved (done = creators handled so far); `pay`: a payout was sent and settled.
 * `rateLimit`, once Stripe's rate limit refused a request of the run: how many so far, and until when (epoch ms) the
 * run is waiting on it (the progress is reported again at each refusal).
 */
export type PayoutRunProgress = {
  phase: 'release' | 'retry' | 'reserve' | 'pay';
  done: number;
  total: number;
  rateLimit?: { refused: number; waitingUntil: number };
};
export type PayoutRunOptions = {
  /** Held earnings whose hold ends by then are released first; the run key is its UTC day. Default: now. */
  asOf?: Date;
  runKey?: string;
  isDryRun?: boolean;
  /** Only these creators (an admin re-running one creator, or a per-creator job). */
  creatorIds?: string[];
  concurrency?: number;
  leaseMs?: number;
  log?: PayoutLogger;
  onProgress?: (progress: PayoutRunProgress) => void;
  /**
   * The scheduled run: after releasing, hand every creator to pay (available ≥ the minimum, payouts enabled) or to
   * finish (an open payout nobody works on) to a queue whose job calls `payCreator(ctx, { creatorId, runKey })`,
   * instead of paying them here. The summary then says what was released and found; nothing is created or paid.
   */
  enqueue?: (creatorIds: string[], runKey: string) => Promise<void>;
};

/**
 * The run: release what the hold let go, retry open payouts nobody is working on, then pay every creator with
 * payouts enabled and available ≥ the minimum (here, or through `enqueue` one job per creator). Safe twice and in
 * two processes at once: creators are locked while reserved (SKIP LOCKED), the run key and the one-open-payout index
 * are unique, each payout is claimed by a conditional UPDATE, and Stripe sees one idempotency key per payout.
 */
export async function runPayouts(ctx: AppContext, options: PayoutRunOptions = {}): Promise<RunSummaryView> {
  const asOf = options.asOf ?? new Date();
  const runKey = options.runKey ?? runKeyFor(asOf);
  const concurrency = options.concurrency ?? 8;
  const leaseMs = options.leaseMs ?? PROCESSING_LEASE_MS;
  const log = options.log ?? silentLogger;
  const onProgress = options.onProgress ?? (() => {});
  // Every payout of the run shares one gate: when Stripe refuses one, the others hold back too.
  const gate = createRateLimitGate();
  let refused = 0;
  let waitingUntil = 0;
  let last: PayoutRunProgress = { phase: 'release', done: 0, total: 0 };
  const progress = (update: PayoutRunProgress) => {
    last = update;
    onProgress(refused > 0 ? { ...update, rateLimit: { refused, waitingUntil } } : update);
  };
  const rateLimit: PayoutRateLimit = {
    gate,
    onWait: ({ delayMs }) => {
      refused++;
      waitingUntil = Math.max(waitingUntil, Date.now() + delayMs);
      progress(last);
    },
  };
  const summary: RunSummaryView = {
    run_key: runKey,
    as_of: asOf.toISOString(),
    is_dry_run: options.isDryRun ?? false,
    released: 0,
    eligible: 0,
    eligible_cents: 0,
    created: 0,
    retried: 0,
    paid: 0,
    paid_cents: 0,
    failed: 0,
    still_processing: 0,
  };

  if (options.isDryRun) {
    const candidates = await findPayoutCandidates(ctx.db, {
      minCents: ctx.config.minPayoutCents,
      creatorIds: options.creatorIds,
      dueHeld: { asOf, holdDays: ctx.config.holdDays },
    });
    summary.eligible = candidates.length;
    summary.eligible_cents = candidates.reduce((total, c) => total + c.availableCents, 0);
    return summary;
  }

  progress({ phase: 'release', done: 0, total: 0 });
  summary.released = await releaseAllHeldEarnings(ctx.db, {
    asOf,
    holdDays: ctx.config.holdDays,
    onBatch: (released) => progress({ phase: 'release', done: released, total: released }),
  });

  if (options.enqueue) {
    const candidates = await findPayoutCandidates(ctx.db, { minCents: ctx.config.minPayoutCents, creatorIds: options.creatorIds });
    summary.eligible = candidates.length;
    summary.eligible_cents = candidates.reduce((total, c) => total + c.availableCents, 0);
    const creatorIds = new Set(candidates.map((c) => c.creatorId));
    for (const open of await listResumablePayouts(ctx.db, { leaseMs, creatorIds: options.creatorIds, limit: 10_000 })) creatorIds.add(open.creatorId);
    await options.enqueue([...creatorIds], runKey);
    log.info({ event: 'payouts.run_enqueued', ...summary, enqueued: creatorIds.size }, 'payout run enqueued');
    return summary;
  }

  const count = (outcome: SendOutcome, payout: PayoutRow | undefined) => {
    if (outcome === 'paid') {
      summary.paid++;
      summary.paid_cents += payout?.amountCents ?? 0;
    } else if (outcome === 'failed') summary.failed++;
    else if (outcome === 'processing') summary.still_processing++;
  };

  const resumable = await listResumablePayouts(ctx.db, { leaseMs, creatorIds: options.creatorIds, limit: 10_000 });
  let resumed = 0;
  await mapWithConcurrency(resumable, concurrency, async ({ id }) => {
    const result = await sendPayout(ctx, id, { leaseMs: options.leaseMs, log, rateLimit });
    if (result.outcome !== 'skipped') summary.retried++;
    count(result.outcome, result.payout);
    progress({ phase: 'retry', done: ++resumed, total: resumable.length });
  });

  const candidates = await findPayoutCandidates(ctx.db, { minCents: ctx.config.minPayoutCents, creatorIds: options.creatorIds });
  summary.eligible = candidates.length;
  summary.eligible_cents = candidates.reduce((total, c) => total + c.availableCents, 0);
  // Reserving a batch (one transaction, database-bound) overlaps with sending the previous one (Stripe-bound); the
  // batches hold different creators, so they never wait on each other's locks.
  const total = candidates.length;
  const reserveBatch = (start: number) =>
    reserveFor(ctx, candidates.slice(start, start + RESERVE_BATCH).map((c) => c.creatorId), { runKey, kind: 'scheduled', skipLocked: true });
  let finished = 0;
  progress({ phase: 'pay', done: 0, total });
  let next = total > 0 ? reserveBatch(0) : undefined;
  for (let start = 0; next; start += RESERVE_BATCH) {
    const reserved = await next;
    progress({ phase: 'reserve', done: Math.min(total, start + RESERVE_BATCH), total });
    next = start + RESERVE_BATCH < total ? reserveBatch(start + RESERVE_BATCH) : undefined;
    next?.catch(() => undefined); // awaited on the next turn; a failure must not go unhandled meanwhile
    summary.created += reserved.length;
    let sent = 0;
    await mapWithConcurrency(reserved, concurrency, async (payout) => {
      const result = await sendPayout(ctx, payout.id, { leaseMs: options.leaseMs, log, rateLimit });
      count(result.outcome, result.payout);
      progress({ phase: 'pay', done: finished + ++sent, total });
    });
    // Creators of the batch with nothing reserved (another run holds them, or already paid this run) count as done.
    finished = Math.min(total, start + RESERVE_BATCH);
    progress({ phase: 'pay', done: finished, total });
  }
  log.info({ event: 'payouts.run_finished', ...summary, rate_limited: refused }, 'payout run finished');
  return summary;
}

/** The per-creator job of a scheduled run: finish an open payout, then pay this run's, if any. */
export async function payCreator(ctx: AppContext, input: { creatorId: string; runKey: string; log?: PayoutLogger }) {
  const outcomes: SendOutcome[] = [];
  for (const { id } of await listResumablePayouts(ctx.db, { leaseMs: PROCESSING_LEASE_MS, creatorIds: [input.creatorId], limit: 10 })) {
    outcomes.push((await sendPayout(ctx, id, { log: input.log })).outcome);
  }
  for (const payout of await reserveFor(ctx, [input.creatorId], { runKey: input.runKey, kind: 'scheduled', skipLocked: true })) {
    outcomes.push((await sendPayout(ctx, payout.id, { log: input.log })).outcome);
  }
  return outcomes;
}

/** A creator's withdrawal (POST /v1/creators/me/payouts): the whole available balance, at most once a UTC day. */
export async function withdrawNow(ctx: AppContext, viewer: Viewer, log: PayoutLogger = silentLogger): Promise<PayoutView> {
  const user = await findPayoutCreator(ctx.db, viewer.id);
  if (!user) throw new NotFoundError('Your account');
  if (user.payoutsPaused) throw new PayoutsPausedError();
  const connect = connectStatusOf(user);
  if (connect !== 'enabled') throw new PayoutsNotEnabledError(connect);
  const now = new Date();
  const runKey = withdrawalKeyFor(now);
  // Waits for (rather than skips) a run holding this creator, so its answer is exact.
  const [reserved] = await reserveFor(ctx, [user.id], { runKey, kind: 'withdrawal', skipLocked: false });
  if (!reserved) {
    // Nothing was reserved; say why (read-only: the decision was the database's).
    if (await findPayoutByRunKey(ctx.db, user.id, runKey)) throw new WithdrawalLimitError(startOfNextUtcDay(now).toISOString());
    const open = await findOpenPayout(ctx.db, user.id);
    if (open) throw new PayoutInProgressError(open.id);
    const fresh = await findPayoutCreator(ctx.db, user.id);
    if (fresh?.payoutsPaused) throw new PayoutsPausedError();
    if (!fresh?.payoutsEnabled) throw new PayoutsNotEnabledError(fresh?.connectAccountId ? 'onboarding' : 'not_connected');
    throw new BelowMinimumError(await creatorAccountBalance(ctx.db, user.id, 'creator_available'), ctx.config.minPayoutCents);
  }
  log.info({ event: 'payout.withdrawal_requested', payout_id: reserved.id, creator_id: user.id, amount_cents: reserved.amountCents }, 'withdrawal');
  const sent = await sendPayout(ctx, reserved.id, { log });
  return toPayoutView(sent.payout ?? (await findPayout(ctx.db, reserved.id))!);
}

/** Periodic: open payouts and pending credits whose last attempt is older than the lease are sent again (same keys). */
export async function resumeOpenWork(ctx: AppContext, options: { leaseMs?: number; log?: PayoutLogger } = {}) {
  const leaseMs = options.leaseMs ?? PROCESSING_LEASE_MS;
  const outcomes: Record<SendOutcome, number> = { paid: 0, failed: 0, processing: 0, skipped: 0 };
  const rateLimit: PayoutRateLimit = { gate: createRateLimitGate() };
  for (const { id } of await listResumablePayouts(ctx.db, { leaseMs, limit: 500 })) {
    outcomes[(await sendPayout(ctx, id, { leaseMs, log: options.log, rateLimit })).outcome]++;
  }
  const credits = await resumePendingCredits(ctx, { leaseMs, log: options.log });
  return { payouts: outcomes, credits };
}
