import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.js';
import type { Db } from '../../db/client.js';
import { NotFoundError } from '../../errors.js';
import type { Viewer } from '../auth/viewer.js';
import type { Stripe, StripeGateway } from '../../integrations/stripe/client.js';
import { requireVerifiedEmail } from '../auth/service.js';
import { createRateLimitGate, type RateLimitGate, type RateLimitWait, withRateLimitBackoff } from '../../integrations/stripe/rate-limit.js';
import { enqueuePayoutFailedEmail, enqueuePayoutSentEmail } from '../email/service.js';
import { creatorAccountBalance, postLedgerTransaction } from '../ledger/repository.js';
import { releaseHeldEarnings } from '../ledger/service.js';
import { onStripeEvent } from '../webhooks/service.js';
import {
  BelowMinimumError,
  CreditApplicationBusyError,
  CreditRejectedError,
  NoBillingAccountError,
  NotACreatorError,
  NothingToApplyError,
  PayoutInProgressError,
  PayoutsNotEnabledError,
  WithdrawalLimitError,
} from './errors.js';
import {
  claimPayout,
  type CreditApplicationRow,
  findCreditApplication,
  findOpenPayout,
  findPayout,
  findPayoutByRunKey,
  findPayoutCandidates,
  findPayoutCreator,
  findPendingCreditApplication,
  hasAuthoredFlow,
  insertCreditApplication,
  linkConnectAccount,
  listCreatorPayouts,
  listResumablePayouts,
  listStalePendingCredits,
  lockCreator,
  lockPayableCreators,
  markCreditApplied,
  markCreditFailed,
  markPayoutFailed,
  markPayoutPaid,
  type PayoutRow,
  raiseReversedCents,
  readPayoutState,
  recordPayoutAttemptError,
  reservePayouts,
  type ReservedPayout,
  setPayoutsEnabledByAccount,
  touchCreditApplication,
  unmarkPayoutEarnings,
} from './repository.js';
import {
  classifyStripeFailure,
  connectStatusOf,
  idFromIdempotencyKey,
  runKeyFor,
  startOfNextUtcDay,
  withdrawalAvailability,
  withdrawalKeyFor,
} from './rules.js';
import type { ApplyToSubscriptionView, ConnectStatus, PayoutSummary, PayoutView, RunSummaryView } from './schemas.js';
import './reconcile-checks.js';

export type PayoutLogger = { info(fields: object, message: string): void; warn(fields: object, message: string): void };
const silentLogger: PayoutLogger = { info() {}, warn() {} };

/** How long a sending attempt owns a processing payout before another process may retry it (same idempotency key). */
export const PROCESSING_LEASE_MS = 2 * 60_000;
/** How long one payout waits on Stripe's rate limit before it is left processing for a later attempt (within the lease). */
const RATE_LIMIT_DEADLINE_MS = PROCESSING_LEASE_MS / 2;
/** SPEC §10's default, for callers that have no configuration at hand. */
const DEFAULT_MIN_PAYOUT_CENTS = 1000;
const RESERVE_BATCH = 200;

export function toPayoutView(row: PayoutRow): PayoutView {
  return {
    id: row.id,
    amount_cents: row.amountCents,
    currency: row.currency,
    status: row.status,
    kind: row.kind,
    created_at: row.createdAt.toISOString(),
    paid_at: row.paidAt?.toISOString() ?? null,
    failure_reason: row.status === 'failed' ? row.failureReason : null,
    reversed_cents: row.reversedCents,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The creator's view (merged into GET /v1/creators/me/earnings by the creators module)

export async function getPayoutSummary(
  db: Db,
  creatorId: string,
  options: { minPayoutCents?: number; now?: Date } = {},
): Promise<PayoutSummary> {
  const minPayoutCents = options.minPayoutCents ?? DEFAULT_MIN_PAYOUT_CENTS;
  const now = options.now ?? new Date();
  const [state, rows] = await Promise.all([readPayoutState(db, creatorId, withdrawalKeyFor(now)), listCreatorPayouts(db, creatorId, 50)]);
  if (!state) throw new NotFoundError('Your account');
  return {
    connect: { status: connectStatusOf(state), account_id: state.connectAccountId },
    payouts: rows.map(toPayoutView),
    ...withdrawalAvailability(state, minPayoutCents, now),
    min_payout_cents: minPayoutCents,
  };
}

export async function getMyPayouts(ctx: AppContext, viewer: Viewer) {
  const summary = await getPayoutSummary(ctx.db, viewer.id, { minPayoutCents: ctx.config.minPayoutCents });
  return { ...summary, available_cents: await creatorAccountBalance(ctx.db, viewer.id, 'creator_available') };
}

// ---------------------------------------------------------------------------------------------------------------
// Connect onboarding

function isAccountPayable(account: Stripe.Account): boolean {
  return account.payouts_enabled === true && account.capabilities?.transfers === 'active';
}

/**
 * One Express account per creator (idempotency key `connect-<user id>` plus a conditional UPDATE), and a fresh
 * onboarding link on every call: links expire in minutes. Once payouts are enabled the link opens the Express dashboard.
 */
export async function connectCreator(ctx: AppContext, viewer: Viewer) {
  const user = await findPayoutCreator(ctx.db, viewer.id);
  if (!user) throw new NotFoundError('Your account');
  if (!(await hasAuthoredFlow(ctx.db, user.id))) throw new NotACreatorError();
  await requireVerifiedEmail(ctx.db, user.id, 'set up payouts');
  let accountId = user.connectAccountId;
  if (!accountId) {
    const account = await ctx.stripe.createConnectAccount({ userId: user.id, email: user.email });
    accountId = (await linkConnectAccount(ctx.db, user.id, account.id)) ?? account.id;
  }
  let status: ConnectStatus = user.payoutsEnabled ? 'enabled' : 'onboarding';
  if (status !== 'enabled') {
    // The account.updated webhook may not have arrived yet: ask Stripe, so a finished onboarding shows at once.
    const account = await ctx.stripe.retrieveAccount(accountId);
    if (isAccountPayable(account)) {
      await setPayoutsEnabledByAccount(ctx.db, accountId, true);
      status = 'enabled';
    }
  }
  const attemptId = randomUUID();
  if (status === 'enabled') {
    const link = await ctx.stripe.createLoginLink({ accountId, attemptId });
    return { url: link.url, account_id: accountId, status, expires_at: null };
  }
  const link = await ctx.stripe.createAccountLink({
    accountId,
    refreshUrl: `${ctx.config.publicUrl}/creator?connect=refresh`,
    returnUrl: `${ctx.config.publicUrl}/creator?connect=return`,
    attemptId,
  });
  return { url: link.url, account_id: accountId, status, expires_at: new Date(link.expires_at * 1000).toISOString() };
}

/** `account.updated`: from the re-fetched account, whether Stripe lets us transfer to it. */
export async function syncConnectAccount(db: Db, stripe: StripeGateway, accountId: string) {
  let account: Stripe.Account;
  try {
    account = await stripe.retrieveAccount(accountId);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) {
      await setPayoutsEnabledByAccount(db, accountId, false);
      return;
    }
    throw error;
  }
  const isPayable = isAccountPayable(account);
  if ((await setPayoutsEnabledByAccount(db, account.id, isPayable)) > 0) return;
  // The webhook beat our own UPDATE after creating the account: link it through its metadata.
  const userId = account.metadata?.user_id;
  if (userId && (await linkConnectAccount(db, userId, account.id)) === account.id) {
    await setPayoutsEnabledByAccount(db, account.id, isPayable);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Sending one payout: claim → Stripe (outside any transaction) → settle in a new transaction

export type SendOutcome = 'paid' | 'failed' | 'processing' | 'skipped';

/** Stripe's rate limit while sending: the calls of one run slow down together (`gate`) and report their waits. */
export type PayoutRateLimit = { gate?: RateLimitGate; onWait?: (wait: RateLimitWait) => void; deadlineMs?: number };

/**
 * Sends a reserved payout. The Stripe call happens with no transaction open; its idempotency key is the payout id, so
 * a crash after Stripe answered and before we committed is repaired by the next attempt getting the same transfer.
 * Only an answer that says Stripe did not do it marks the payout failed (its reservation goes back to available);
 * an unclear one (5xx, timeout) leaves it processing for a retry with the same key. A 429 (Stripe's rate limit) is
 * waited out with backoff and the same key (a refused request did nothing); past the deadline it is unclear too.
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

  let transfer: Stripe.Transfer | undefined;
  let isLookingUp = claimed.attempts > 1;
  const backoff = {
    gate: options.rateLimit?.gate,
    onWait: options.rateLimit?.onWait,
    deadlineMs: options.rateLimit?.deadlineMs ?? RATE_LIMIT_DEADLINE_MS,
  };
  try {
    // A later attempt first looks for a transfer an earlier one made: idempotency keys expire after a day, groups do not.
    if (isLookingUp) transfer = await withRateLimitBackoff(() => ctx.stripe.findTransferOfPayout(claimed.id), backoff);
    isLookingUp = false;
    // Each call builds the same idempotency key, `payout-<id>`: however often it is refused and sent again, one transfer.
    transfer ??= await withRateLimitBackoff(
      () =>
        ctx.stripe.createTransfer({
          payoutId: claimed.id,
          creatorId: claimed.creatorId,
          amountCents: claimed.amountCents,
          currency: claimed.currency,
          destination: claimed.destinationAccountId,
        }),
      backoff,
    );
  } catch (error) {
    const failure = classifyStripeFailure(error);
    // Only a refused transfers.create proves there is no transfer; a failed lookup proves nothing.
    if (failure.outcome === 'rejected' && !isLookingUp) {
      const failed = await ctx.db.transaction((tx) => settleFailedPayout(tx, claimed, failure.reason));
      log.warn({ event: 'payout.failed', ...fields, reason: failure.reason }, 'payout failed; its money is available again');
      return { outcome: failed ? 'failed' : 'skipped', payout: failed };
    }
    await recordPayoutAttemptError(ctx.db, claimed, failure.reason);
    log.warn({ event: 'payout.attempt_unclear', ...fields, reason: failure.reason }, 'Stripe did not answer clearly; retried later with the same key');
    return { outcome: 'processing', payout: claimed };
  }
  if (transfer.amount !== claimed.amountCents || transfer.destination !== claimed.destinationAccountId) {
    log.warn({ event: 'payout.transfer_mismatch', ...fields, transfer_id: transfer.id, transfer_amount: transfer.amount }, 'transfer differs from payout');
  }
  const paid = await ctx.db.transaction((tx) => settlePaidPayout(tx, claimed.id, transfer.id));
  if (paid) log.info({ event: 'payout.paid', ...fields, transfer_id: transfer.id }, 'payout paid');
  return { outcome: 'paid', payout: paid ?? (await findPayout(ctx.db, claimed.id)) };
}

/** in_transit → paid, once (conditional UPDATE plus the ledger key); the creator's mail is queued in the same transaction. */
export async function settlePaidPayout(db: Db, payoutId: string, transferId: string): Promise<PayoutRow | undefined> {
  const row = await markPayoutPaid(db, payoutId, transferId);
  if (!row) return undefined;
  await postLedgerTransaction(db, {
    kind: 'payout.paid',
    key: `payout-paid-${row.id}`,
    payoutId: row.id,
    entries: [
      { account: 'creator_in_transit', creatorId: row.creatorId, amountCents: -row.amountCents },
      { account: 'creator_paid', creatorId: row.creatorId, amountCents: row.amountCents },
    ],
  });
  await enqueuePayoutSentEmail(db, row);
  return row;
}

/** in_transit → available, once; its earnings rows are available again; the creator is told. The next run pays it with a new payout. */
async function settleFailedPayout(db: Db, claimed: PayoutRow, reason: string): Promise<PayoutRow | undefined> {
  const row = await markPayoutFailed(db, claimed, reason);
  if (!row) return undefined;
  await postLedgerTransaction(db, {
    kind: 'payout.failed',
    key: `payout-failed-${row.id}`,
    payoutId: row.id,
    entries: [
      { account: 'creator_in_transit', creatorId: row.creatorId, amountCents: -row.amountCents },
      { account: 'creator_available', creatorId: row.creatorId, amountCents: row.amountCents },
    ],
  });
  await unmarkPayoutEarnings(db, row.id);
  await enqueuePayoutFailedEmail(db, row, reason);
  return row;
}

// ---------------------------------------------------------------------------------------------------------------
// Reserving: one transaction per batch of creators, each creator locked (skipped if another run holds it)

async function reserveFor(
  ctx: AppContext,
  creatorIds: string[],
  input: { runKey: string; kind: 'scheduled' | 'withdrawal'; skipLocked: boolean },
): Promise<ReservedPayout[]> {
  return ctx.db.transaction(async (tx) => {
    const locked = await lockPayableCreators(tx, creatorIds, { skipLocked: input.skipLocked });
    return reservePayouts(tx, { creatorIds: locked, runKey: input.runKey, kind: input.kind, minCents: ctx.config.minPayoutCents });
  });
}

async function mapWithConcurrency<T, R>(items: readonly T[], concurrency: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
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
};

/**
 * The monthly run (and `flowtab payouts run`): release what the hold let go, retry open payouts nobody is working on,
 * then pay every creator with payouts enabled and available ≥ the minimum. Safe twice and in two processes at once:
 * creators are locked while reserved (SKIP LOCKED), the run key and the one-open-payout index are unique, each
 * payout is claimed by a conditional UPDATE, and Stripe sees one idempotency key per payout.
 */
export async function runPayouts(ctx: AppContext, options: PayoutRunOptions = {}): Promise<RunSummaryView> {
  const asOf = options.asOf ?? new Date();
  const runKey = options.runKey ?? runKeyFor(asOf);
  const concurrency = options.concurrency ?? 8;
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
  for (let released = -1; released !== 0; ) {
    released = await ctx.db.transaction((tx) => releaseHeldEarnings(tx, { asOf, holdDays: ctx.config.holdDays }));
    summary.released += released;
    progress({ phase: 'release', done: summary.released, total: summary.released });
  }

  const count = (outcome: SendOutcome, payout: PayoutRow | undefined) => {
    if (outcome === 'paid') {
      summary.paid++;
      summary.paid_cents += payout?.amountCents ?? 0;
    } else if (outcome === 'failed') summary.failed++;
    else if (outcome === 'processing') summary.still_processing++;
  };

  const resumable = await listResumablePayouts(ctx.db, { leaseMs: options.leaseMs ?? PROCESSING_LEASE_MS, creatorIds: options.creatorIds, limit: 10_000 });
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

// ---------------------------------------------------------------------------------------------------------------
// Withdraw now

export async function withdrawNow(ctx: AppContext, viewer: Viewer, log: PayoutLogger = silentLogger): Promise<PayoutView> {
  const user = await findPayoutCreator(ctx.db, viewer.id);
  if (!user) throw new NotFoundError('Your account');
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
    if (!fresh?.payoutsEnabled) throw new PayoutsNotEnabledError(fresh?.connectAccountId ? 'onboarding' : 'not_connected');
    throw new BelowMinimumError(await creatorAccountBalance(ctx.db, user.id, 'creator_available'), ctx.config.minPayoutCents);
  }
  log.info({ event: 'payout.withdrawal_requested', payout_id: reserved.id, creator_id: user.id, amount_cents: reserved.amountCents }, 'withdrawal');
  const sent = await sendPayout(ctx, reserved.id, { log });
  return toPayoutView(sent.payout ?? (await findPayout(ctx.db, reserved.id))!);
}

// ---------------------------------------------------------------------------------------------------------------
// Earnings toward the creator's own subscription

/**
 * available → credit_applied in the ledger and a negative (credit) customer balance transaction on Stripe, keyed
 * `credit-<id>`. With an `Idempotency-Key` header the application's id is derived from it, so a replayed request
 * returns the first one's result instead of applying again.
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

  const created = await ctx.db.transaction(async (tx) => {
    await lockCreator(tx, user.id);
    const row = await insertCreditApplication(tx, { id, creatorId: user.id, amountCents: input.amountCents });
    if (!row) return undefined;
    await postLedgerTransaction(tx, {
      kind: 'credit.applied',
      key: `credit-${row.id}`,
      entries: [
        { account: 'creator_available', creatorId: user.id, amountCents: -row.amountCents },
        { account: 'creator_credit_applied', creatorId: user.id, amountCents: row.amountCents },
      ],
    });
    return row;
  });
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
      await ctx.db.transaction(async (tx) => {
        const failed = await markCreditFailed(tx, application.id, failure.reason);
        if (!failed) return;
        await postLedgerTransaction(tx, {
          kind: 'credit.failed',
          key: `credit-failed-${failed.id}`,
          entries: [
            { account: 'creator_credit_applied', creatorId: failed.creatorId, amountCents: -failed.amountCents },
            { account: 'creator_available', creatorId: failed.creatorId, amountCents: failed.amountCents },
          ],
        });
      });
      log.warn({ event: 'credit.failed', ...fields, reason: failure.reason }, 'credit rejected by Stripe; earnings available again');
      throw new CreditRejectedError(failure.reason);
    }
    await touchCreditApplication(ctx.db, application.id, failure.reason);
    log.warn({ event: 'credit.attempt_unclear', ...fields, reason: failure.reason }, 'credit kept pending; retried with the same key');
    return view('pending', null);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Background: finish what crashed or timed out, and the webhooks of transfers

/** Periodic: open payouts and pending credits whose last attempt is older than the lease are sent again (same keys). */
export async function resumeOpenWork(ctx: AppContext, options: { leaseMs?: number; log?: PayoutLogger } = {}) {
  const leaseMs = options.leaseMs ?? PROCESSING_LEASE_MS;
  const outcomes: Record<SendOutcome, number> = { paid: 0, failed: 0, processing: 0, skipped: 0 };
  const rateLimit: PayoutRateLimit = { gate: createRateLimitGate() };
  for (const { id } of await listResumablePayouts(ctx.db, { leaseMs, limit: 500 })) {
    outcomes[(await sendPayout(ctx, id, { leaseMs, log: options.log, rateLimit })).outcome]++;
  }
  let credits = 0;
  for (const creditId of await listStalePendingCredits(ctx.db, leaseMs, 500)) {
    const application = await findCreditApplication(ctx.db, creditId);
    const user = application && (await findPayoutCreator(ctx.db, application.creatorId));
    if (!application || !user?.stripeCustomerId) continue;
    await finishCreditApplication(ctx, application, user.stripeCustomerId, options.log ?? silentLogger);
    credits++;
  }
  return { payouts: outcomes, credits };
}

/**
 * `transfer.reversed`: from the re-fetched transfer, the payout's reversed total rises to Stripe's; the added amount
 * leaves creator_paid and comes back to creator_available (a reversal that recovers a negative balance brings it back
 * toward zero). Replays and out-of-order deliveries add nothing twice.
 */
export async function syncTransferReversals(db: Db, stripe: StripeGateway, transferId: string) {
  const transfer = await stripe.retrieveTransfer(transferId);
  const payoutId = transfer.transfer_group?.startsWith('payout-') ? transfer.transfer_group.slice('payout-'.length) : transfer.metadata?.payout_id;
  if (!payoutId || !/^[0-9a-f-]{36}$/i.test(payoutId)) return; // not one of our payouts
  const payout = await findPayout(db, payoutId);
  if (!payout) return;
  if (payout.status !== 'paid') throw new Error(`payout ${payout.id} is ${payout.status}: the reversal waits until it is settled`);
  const raised = await raiseReversedCents(db, payout.id, transfer.amount_reversed);
  if (!raised || raised.addedCents <= 0) return;
  await postLedgerTransaction(db, {
    kind: 'payout.reversed',
    key: `payout-reversed-${payout.id}-${transfer.amount_reversed}`,
    payoutId: payout.id,
    entries: [
      { account: 'creator_paid', creatorId: payout.creatorId, amountCents: -raised.addedCents },
      { account: 'creator_available', creatorId: payout.creatorId, amountCents: raised.addedCents },
    ],
  });
}

// Registered when this module is first imported (the app, the worker and the CLI all import it), so the webhooks
// module needs no knowledge of payouts.
onStripeEvent('account.updated', (db, stripe, event) => syncConnectAccount(db, stripe, (event.data.object as { id: string }).id));
onStripeEvent('transfer.reversed', (db, stripe, event) => syncTransferReversals(db, stripe, (event.data.object as { id: string }).id));
