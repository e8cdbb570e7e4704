import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.js';
import { inTransaction, type Tx } from '../../db/client.js';
import { NotFoundError } from '../../errors.js';
import type { Viewer } from '../auth/viewer.js';
import { creatorAccountBalance, postLedgerTransaction } from '../ledger/repository.js';
import { CreditApplicationBusyError, CreditRejectedError, NoBillingAccountError, NothingToApplyError } from './errors.js';
import {
  type CreditApplicationRow,
  findCreditApplication,
  findPayoutCreator,
  findPendingCreditApplication,
  insertCreditApplication,
  listStalePendingCredits,
  lockCreator,
  markCreditApplied,
  markCreditFailed,
  touchCreditApplication,
} from './repository.js';
import { classifyStripeFailure, idFromIdempotencyKey } from './rules.js';
import type { ApplyToSubscriptionView } from './schemas.js';
import { type PayoutLogger, silentLogger } from './sending.js';

// Earnings toward the creator's own subscription: available → credit_applied in the ledger, then a negative (credit)
// customer balance transaction at Stripe, keyed `credit-<id>`.
//
// Units of work: `applyEarningsToSubscription` and `resumePendingCredits` (called by the route and the resume job)
// own them. An application is two short transactions with the Stripe call between them and no lock held across it:
// `reserveCredit` (the creator locked, the application and its ledger entries), then, after Stripe answered, the
// outcome (`markCreditApplied`, one conditional UPDATE, or `failCredit`). The steps take a `Tx`; only the two
// owners open one.

/**
 * With an `Idempotency-Key` header the application's id is derived from it, so a replayed request returns the
 * first one's result instead of applying again.
 */
export async function applyEarningsToSubscription(
  ctx: AppContext,
  viewer: Viewer,
  input: { amountCents?: number; idempotencyKey?: string },
  log: PayoutLogger = silentLogger,
): Promise<ApplyToSubscriptionView> {
  const user = await findPayoutCreator(ctx.db, viewer.id);
  if (!user) throw new NotFoundError('Your account');
  if (!user.stripeCustomerId) throw new NoBillingAccountError();
  const id = input.idempotencyKey ? idFromIdempotencyKey(`credit:${user.id}`, input.idempotencyKey) : randomUUID();

  const replayed = await findCreditApplication(ctx.db, id);
  if (replayed) return finishCreditApplication(ctx, replayed, user.stripeCustomerId, log);

  const created = await inTransaction(ctx.db, (tx) => reserveCredit(tx, { id, creatorId: user.id, amountCents: input.amountCents }));
  if (!created) {
    const pending = await findPendingCreditApplication(ctx.db, user.id);
    if (pending) {
      await finishCreditApplication(ctx, pending, user.stripeCustomerId, log);
      throw new CreditApplicationBusyError();
    }
    throw new NothingToApplyError(await creatorAccountBalance(ctx.db, user.id, 'creator_available'), input.amountCents);
  }
  return finishCreditApplication(ctx, created, user.stripeCustomerId, log);
}

/** Periodic: pending credits whose last attempt is older than the lease are sent to Stripe again (same keys). */
export async function resumePendingCredits(ctx: AppContext, options: { leaseMs: number; log?: PayoutLogger }): Promise<number> {
  let credits = 0;
  for (const creditId of await listStalePendingCredits(ctx.db, options.leaseMs, 500)) {
    const application = await findCreditApplication(ctx.db, creditId);
    const user = application && (await findPayoutCreator(ctx.db, application.creatorId));
    if (!application || !user?.stripeCustomerId) continue;
    await finishCreditApplication(ctx, application, user.stripeCustomerId, options.log ?? silentLogger);
    credits++;
  }
  return credits;
}

/**
 * Under the creator's lock: records the application only if the available balance covers it, and moves its amount
 * available → credit_applied. Undefined when nothing was recorded (a replay, another pending, or not enough).
 */
export async function reserveCredit(tx: Tx, input: { id: string; creatorId: string; amountCents: number | undefined }): Promise<CreditApplicationRow | undefined> {
  await lockCreator(tx, input.creatorId);
  const row = await insertCreditApplication(tx, input);
  if (!row) return undefined;
  await postLedgerTransaction(tx, {
    kind: 'credit.applied',
    key: `credit-${row.id}`,
    entries: [
      { account: 'creator_available', creatorId: input.creatorId, amountCents: -row.amountCents },
      { account: 'creator_credit_applied', creatorId: input.creatorId, amountCents: row.amountCents },
    ],
  });
  return row;
}

/** Stripe refused the credit: the application fails once and its amount is available again. */
export async function failCredit(tx: Tx, applicationId: string, reason: string): Promise<CreditApplicationRow | undefined> {
  const failed = await markCreditFailed(tx, applicationId, reason);
  if (!failed) return undefined;
  await postLedgerTransaction(tx, {
    kind: 'credit.failed',
    key: `credit-failed-${failed.id}`,
    entries: [
      { account: 'creator_credit_applied', creatorId: failed.creatorId, amountCents: -failed.amountCents },
      { account: 'creator_available', creatorId: failed.creatorId, amountCents: failed.amountCents },
    ],
  });
  return failed;
}

/** Brings a recorded application to Stripe (no transaction open during the call) and records the answer. */
async function finishCreditApplication(
  ctx: AppContext,
  application: CreditApplicationRow,
  customerId: string,
  log: PayoutLogger,
): Promise<ApplyToSubscriptionView> {
  const view = (status: 'applied' | 'pending', balance: number | null, row = application): ApplyToSubscriptionView => ({
    id: row.id,
    applied_cents: row.amountCents,
    customer_balance_cents: balance,
    status,
  });
  const fields = { credit_application_id: application.id, creator_id: application.creatorId, amount_cents: application.amountCents };
  switch (application.status) {
    case 'applied': {
      const transaction = await ctx.stripe.retrieveCustomerBalanceTransaction(customerId, application.stripeBalanceTransactionId!);
      return view('applied', transaction.ending_balance);
    }
    case 'failed':
      throw new CreditRejectedError(application.failureReason);
    case 'pending':
      break;
  }
  try {
    const transaction = await ctx.stripe.createCustomerBalanceTransaction({
      creditId: application.id,
      customerId,
      amountCents: -application.amountCents,
      currency: 'usd',
      description: 'Flowtab.Pro creator earnings applied to your subscription',
    });
    const applied = await markCreditApplied(ctx.db, application.id, { id: transaction.id, createdAt: new Date(transaction.created * 1000) });
    log.info({ event: 'credit.applied', ...fields, stripe_id: transaction.id }, 'earnings applied to subscription');
    return view('applied', transaction.ending_balance, applied ?? application);
  } catch (error) {
    const failure = classifyStripeFailure(error);
    if (failure.outcome === 'rejected') {
      await inTransaction(ctx.db, (tx) => failCredit(tx, application.id, failure.reason));
      log.warn({ event: 'credit.failed', ...fields, reason: failure.reason }, 'credit rejected by Stripe; earnings available again');
      throw new CreditRejectedError(failure.reason);
    }
    await touchCreditApplication(ctx.db, application.id, failure.reason);
    log.warn({ event: 'credit.attempt_unclear', ...fields, reason: failure.reason }, 'credit kept pending; retried with the same key');
    return view('pending', null);
  }
}
