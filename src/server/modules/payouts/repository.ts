import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/rows.js';
import { creditApplications, flows, payouts, users } from '../../db/schema.js';

export type PayoutRow = typeof payouts.$inferSelect;
export type CreditApplicationRow = typeof creditApplications.$inferSelect;

const uuidList = (ids: string[]): SQL => sql`(${sql.join(
  ids.map((id) => sql`${id}::uuid`),
  sql`, `,
)})`;

// ---------------------------------------------------------------------------------------------------------------
// Creators and their connected accounts

export type PayoutCreator = Pick<typeof users.$inferSelect, 'id' | 'email' | 'username' | 'connectAccountId' | 'payoutsEnabled' | 'payoutsPaused' | 'stripeCustomerId'
>;

export async function findPayoutCreator(db: Db, userId: string): Promise<PayoutCreator | undefined> {
  const [row] = await db
    .select({
      id: users.id,
      email: users.email,
      username: users.username,
      connectAccountId: users.connectAccountId,
      payoutsEnabled: users.payoutsEnabled,
      payoutsPaused: users.payoutsPaused,
      stripeCustomerId: users.stripeCustomerId,
    })
    .from(users)
    .where(eq(users.id, userId));
  return row;
}

/** A creator is a member who has written a flow (archived ones included: their earnings stay). */
export async function hasAuthoredFlow(db: Db, userId: string): Promise<boolean> {
  const [row] = await db.select({ id: flows.id }).from(flows).where(eq(flows.authorId, userId)).limit(1);
  return row !== undefined;
}

/** Stores the account once: a second request (same idempotency key, same account) changes nothing. */
export async function linkConnectAccount(db: Db, userId: string, accountId: string): Promise<string | undefined> {
  await db
    .update(users)
    .set({ connectAccountId: accountId, updatedAt: new Date() })
    .where(and(eq(users.id, userId), sql`${users.connectAccountId} is null`));
  const [row] = await db.select({ accountId: users.connectAccountId }).from(users).where(eq(users.id, userId));
  return row?.accountId ?? undefined;
}

export async function setPayoutsEnabledByAccount(db: Db, accountId: string, isEnabled: boolean): Promise<number> {
  const rows = await db
    .update(users)
    .set({ payoutsEnabled: isEnabled, updatedAt: new Date() })
    .where(eq(users.connectAccountId, accountId))
    .returning({ id: users.id });
  return rows.length;
}

/**
 * Serializes every movement out of a creator's available balance (payouts, withdrawals, credits). FOR NO KEY UPDATE
 * does not block inserts that reference the user (copies, ledger entries), so copy traffic never waits on it. A
 * creator whose payouts an operator paused is not payable (the pause's UPDATE and this lock wait on each other).
 */
export async function lockPayableCreators(db: Db, creatorIds: string[], options: { skipLocked: boolean }): Promise<string[]> {
  if (creatorIds.length === 0) return [];
  const result = await db.execute(sql`
    select id from users
     where id in ${uuidList(creatorIds)} and payouts_enabled and connect_account_id is not null and not payouts_paused
     order by id
     for no key update ${options.skipLocked ? sql`skip locked` : sql``}`);
  return rowsOf<{ id: string }>(result).map((row) => row.id);
}

export async function lockCreator(db: Db, creatorId: string): Promise<boolean> {
  const result = await db.execute(sql`select id from users where id = ${creatorId} for no key update`);
  return rowsOf(result).length > 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Payouts

export type PayoutCandidate = { creatorId: string; availableCents: number };

/**
 * Who a run pays: creators with payouts enabled (and not paused by an operator) and available ≥ the minimum, one
 * aggregate over the ledger. With
 * `dueHeldAsOf` (dry runs) held earnings whose hold ends by then are counted as if released.
 */
export async function findPayoutCandidates(
  db: Db,
  input: { minCents: number; creatorIds?: string[]; dueHeld?: { asOf: Date; holdDays: number } },
): Promise<PayoutCandidate[]> {
  const { dueHeld } = input;
  // The available balance from creator_balances() (db/functions/creator_earnings.sql); a dry run adds the held
  // entries of the periods whose earnings_release_at has come by then.
  const balances = dueHeld
    ? sql`select a.creator_id, sum(a.cents)::bigint as available_cents
            from (select c.creator_id, c.balance_cents as cents from creator_balances() c where c.account = 'creator_available'
                  union all
                  select e.creator_id, e.amount_cents from ledger_entries e join billing_periods bp on bp.id = e.billing_period_id
                   where e.account = 'creator_held'
                     and earnings_release_at(bp.status, bp.period_end, bp.paid_at, ${dueHeld.holdDays}::int) <= ${dueHeld.asOf}) a
           group by a.creator_id`
    : sql`select c.creator_id, c.balance_cents as available_cents from creator_balances() c where c.account = 'creator_available'`;
  // Aggregate first, then join the (few) creators: PostgreSQL does not push an aggregate below a join by itself (the
  // grouped subquery stays one; the conditions on the creator and the minimum are applied inside it).
  const result = await db.execute(sql`
    select b.creator_id, b.available_cents
      from (${balances}) b
      join users u on u.id = b.creator_id
     where b.available_cents >= ${input.minCents}
       ${input.creatorIds ? sql`and b.creator_id in ${uuidList(input.creatorIds)}` : sql``}
       and u.payouts_enabled and u.connect_account_id is not null and not u.payouts_paused
     order by b.creator_id`);
  return rowsOf<{ creator_id: string; available_cents: string | number }>(result).map((row) => ({
    creatorId: row.creator_id,
    availableCents: Number(row.available_cents),
  }));
}

export type ReservedPayout = { id: string; creatorId: string; amountCents: number };

/**
 * One statement, inside the caller's transaction and after `lockPayableCreators`: for each creator whose available
 * balance is at least the minimum, a pending payout for all of it (the unique keys skip a creator who already has one
 * for this run key, or one still open), the reservation available → in_transit in the ledger, and their available
 * earnings rows marked paid by it. The balance is read under the creator's lock, so nothing is reserved twice.
 */
export async function reservePayouts(
  db: Db,
  input: { creatorIds: string[]; runKey: string; kind: 'scheduled' | 'withdrawal'; minCents: number },
): Promise<ReservedPayout[]> {
  if (input.creatorIds.length === 0) return [];
  const result = await db.execute(sql`
    with balance as (
      select b.creator_id, b.balance_cents as available
        from creator_balances() b
       where b.creator_id in ${uuidList(input.creatorIds)} and b.account = 'creator_available' and b.balance_cents >= ${input.minCents}
    ),
    created as (
      insert into payouts (creator_id, amount_cents, kind, run_key, destination_account_id)
      select b.creator_id, b.available, ${input.kind}, ${input.runKey}, u.connect_account_id
        from balance b join users u on u.id = b.creator_id
       where u.payouts_enabled and u.connect_account_id is not null and not u.payouts_paused
      on conflict do nothing
      returning id, creator_id, amount_cents
    ),
    reservation as (
      insert into ledger_transactions (kind, key, payout_id)
      select 'payout.reserved', 'payout-reserve-' || c.id, c.id from created c
      returning id, payout_id
    ),
    entries as (
      insert into ledger_entries (transaction_id, account, creator_id, amount_cents)
      select r.id, leg.account, c.creator_id, leg.sign * c.amount_cents
        from reservation r
        join created c on c.id = r.payout_id
       cross join (values ('creator_available', -1), ('creator_in_transit', 1)) as leg(account, sign)
    ),
    marked as (
      update period_earnings pe
         set state = 'paid', payout_id = c.id, updated_at = now()
        from created c
       where pe.creator_id = c.creator_id and pe.state = 'available'
    )
    select id, creator_id, amount_cents from created order by creator_id`);
  return rowsOf<{ id: string; creator_id: string; amount_cents: string | number }>(result).map((row) => ({
    id: row.id,
    creatorId: row.creator_id,
    amountCents: Number(row.amount_cents),
  }));
}

/**
 * Takes a payout for one sending attempt: pending, or processing whose last attempt is older than the lease (a crashed
 * or timed-out sender). Counts the attempt. The Stripe key is the payout id, so even two senders would make one transfer.
 */
export async function claimPayout(db: Db, payoutId: string, leaseMs: number): Promise<PayoutRow | undefined> {
  const [row] = await db
    .update(payouts)
    .set({ status: 'processing', attempts: sql`${payouts.attempts} + 1`, updatedAt: sql`now()` })
    .where(
      and(
        eq(payouts.id, payoutId),
        sql`(${payouts.status} = 'pending' or (${payouts.status} = 'processing' and ${payouts.updatedAt} <= now() - ${leaseMs} * interval '1 millisecond'))`,
      ),
    )
    .returning();
  return row;
}

/** Open payouts nobody is working on: pending or processing past the lease (oldest first). */
export async function listResumablePayouts(
  db: Db,
  input: { leaseMs: number; creatorIds?: string[]; limit: number },
): Promise<{ id: string; creatorId: string }[]> {
  const result = await db.execute(sql`
    select id, creator_id from payouts
     where status in ('pending', 'processing') and updated_at <= now() - ${input.leaseMs} * interval '1 millisecond'
       ${input.creatorIds ? sql`and creator_id in ${uuidList(input.creatorIds)}` : sql``}
     order by created_at
     limit ${input.limit}`);
  return rowsOf<{ id: string; creator_id: string }>(result).map((row) => ({ id: row.id, creatorId: row.creator_id }));
}

/** Paid is the truth whatever attempt learned it: not fenced on the attempt count. */
export async function markPayoutPaid(db: Db, payoutId: string, transferId: string): Promise<PayoutRow | undefined> {
  const [row] = await db
    .update(payouts)
    .set({ status: 'paid', stripeTransferId: transferId, paidAt: sql`now()`, failureReason: null, updatedAt: sql`now()` })
    .where(and(eq(payouts.id, payoutId), eq(payouts.status, 'processing')))
    .returning();
  return row;
}

/** Fenced on the attempt that learned it: a stale sender whose lease ran out changes nothing. */
export async function markPayoutFailed(db: Db, claimed: Pick<PayoutRow, 'id' | 'attempts'>, reason: string): Promise<PayoutRow | undefined> {
  const [row] = await db
    .update(payouts)
    .set({ status: 'failed', failureReason: reason, updatedAt: sql`now()` })
    .where(and(eq(payouts.id, claimed.id), eq(payouts.status, 'processing'), eq(payouts.attempts, claimed.attempts)))
    .returning();
  return row;
}

/** Stripe's answer was unclear: the payout stays processing, to be retried with the same key once the lease ends. */
export async function recordPayoutAttemptError(db: Db, claimed: Pick<PayoutRow, 'id' | 'attempts'>, error: string) {
  await db
    .update(payouts)
    .set({ failureReason: error, updatedAt: sql`now()` })
    .where(and(eq(payouts.id, claimed.id), eq(payouts.status, 'processing'), eq(payouts.attempts, claimed.attempts)));
}

/** A failed payout's earnings rows are available again (its money went back to the available account). */
export async function unmarkPayoutEarnings(db: Db, payoutId: string) {
  await db.execute(sql`
    update period_earnings set state = 'available', payout_id = null, updated_at = now()
     where payout_id = ${payoutId} and state = 'paid'`);
}

export async function findPayout(db: Db, payoutId: string): Promise<PayoutRow | undefined> {
  const [row] = await db.select().from(payouts).where(eq(payouts.id, payoutId));
  return row;
}

export async function listCreatorPayouts(db: Db, creatorId: string, limit: number): Promise<PayoutRow[]> {
  return db.select().from(payouts).where(eq(payouts.creatorId, creatorId)).orderBy(desc(payouts.createdAt), desc(payouts.id)).limit(limit);
}

export async function findPayoutByRunKey(db: Db, creatorId: string, runKey: string): Promise<PayoutRow | undefined> {
  const [row] = await db
    .select()
    .from(payouts)
    .where(and(eq(payouts.creatorId, creatorId), eq(payouts.runKey, runKey)));
  return row;
}

export async function findOpenPayout(db: Db, creatorId: string): Promise<PayoutRow | undefined> {
  const [row] = await db
    .select()
    .from(payouts)
    .where(and(eq(payouts.creatorId, creatorId), sql`${payouts.status} in ('pending', 'processing')`));
  return row;
}

/**
 * Raises the payout's reversed total to what Stripe reports (never lowers it); returns how much was added, so a
 * replayed or out-of-order `transfer.reversed` adds nothing twice.
 */
export async function raiseReversedCents(db: Db, payoutId: string, reversedTotal: number): Promise<{ addedCents: number; row: PayoutRow } | undefined> {
  const result = await db.execute(sql`
    with previous as (select id, reversed_cents from payouts where id = ${payoutId} for update)
    update payouts p
       set reversed_cents = ${reversedTotal}, updated_at = now()
      from previous
     where p.id = previous.id and previous.reversed_cents < ${reversedTotal}
    returning p.id, p.creator_id, ${reversedTotal}::bigint - previous.reversed_cents as added`);
  const [row] = rowsOf<{ id: string; creator_id: string; added: string | number }>(result);
  if (!row) return undefined;
  return { addedCents: Number(row.added), row: (await findPayout(db, row.id))! };
}

export type PayoutState = {
  connectAccountId: string | null;
  payoutsEnabled: boolean;
  payoutsPaused: boolean;
  availableCents: number;
  openPayoutId: string | null;
  hasWithdrawnToday: boolean;
};

/**
 * Everything the summary decides from, as columns of a query over the creator's user row `u` (readPayoutState; the
 * creators module's earnings read selects them in its own one statement, passing the available balance it already
 * read with the others). Read them back with `toPayoutState`.
 */
export function payoutStateColumns(withdrawalRunKey: string, availableCents: SQL = sql`creator_available_cents(u.id)`): SQL {
  return sql`
    u.connect_account_id, u.payouts_enabled, u.payouts_paused,
    ${availableCents} as available,
    (select p.id from payouts p where p.creator_id = u.id and p.status in ('pending', 'processing') limit 1) as open_payout_id,
    exists (select 1 from payouts p where p.creator_id = u.id and p.run_key = ${withdrawalRunKey}) as has_withdrawn_today`;
}

export type PayoutStateColumns = {
  connect_account_id: string | null;
  payouts_enabled: boolean;
  payouts_paused: boolean;
  available: string | number;
  open_payout_id: string | null;
  has_withdrawn_today: boolean;
};

export function toPayoutState(row: PayoutStateColumns): PayoutState {
  return {
    connectAccountId: row.connect_account_id,
    payoutsEnabled: row.payouts_enabled,
    payoutsPaused: row.payouts_paused,
    availableCents: Number(row.available),
    openPayoutId: row.open_payout_id,
    hasWithdrawnToday: row.has_withdrawn_today,
  };
}

/** Everything the summary decides from, read in one statement. */
export async function readPayoutState(db: Db, creatorId: string, withdrawalRunKey: string): Promise<PayoutState | undefined> {
  const result = await db.execute(sql`select ${payoutStateColumns(withdrawalRunKey)} from users u where u.id = ${creatorId}`);
  const [row] = rowsOf<PayoutStateColumns>(result);
  return row ? toPayoutState(row) : undefined;
}

/** How many of a creator's payouts their summary lists, newest first. */
export const LISTED_PAYOUTS = 50;

/**
 * The creator's newest payouts as one JSON array, a column of a query over their user row `u` (the earnings read);
 * `payoutsOfJson` reads it back.
 */
export function recentPayoutsJson(): SQL {
  return sql`(
    select coalesce(json_agg(p order by p.created_at desc, p.id desc), '[]'::json)
      from (select p.id, p.amount_cents, p.currency, p.status, p.kind, p.created_at, p.paid_at, p.failure_reason,
                   p.reversed_cents, p.stripe_transfer_id
              from payouts p where p.creator_id = u.id
             order by p.created_at desc, p.id desc limit ${LISTED_PAYOUTS}) p)`;
}

export type ListedPayout = Pick<
  PayoutRow,
  'id' | 'amountCents' | 'currency' | 'status' | 'kind' | 'createdAt' | 'paidAt' | 'failureReason' | 'reversedCents' | 'stripeTransferId'
>;

export function payoutsOfJson(value: unknown): ListedPayout[] {
  const rows = (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>[];
  return rows.map((row) => ({
    id: row.id as string,
    amountCents: Number(row.amount_cents),
    currency: row.currency as string,
    status: row.status as PayoutRow['status'],
    kind: row.kind as PayoutRow['kind'],
    createdAt: new Date(row.created_at as string),
    paidAt: row.paid_at === null ? null : new Date(row.paid_at as string),
    failureReason: row.failure_reason as string | null,
    reversedCents: Number(row.reversed_cents),
    stripeTransferId: row.stripe_transfer_id as string | null,
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// Credit applications (earnings → the creator's own Stripe customer balance)

/**
 * After `lockCreator`: records the application only if the available balance covers it (the whole balance when no
 * amount is given), in one statement. Nothing is inserted when the id exists already (a replayed request) or another
 * application of this creator is still pending (the partial unique index).
 */
export async function insertCreditApplication(
  db: Db,
  input: { id: string; creatorId: string; amountCents: number | undefined },
): Promise<CreditApplicationRow | undefined> {
  const amount = input.amountCents === undefined ? sql`b.available` : sql`${input.amountCents}::bigint`;
  const result = await db.execute(sql`
    with b as (select creator_available_cents(${input.creatorId}::uuid) as available)
    insert into credit_applications (id, creator_id, amount_cents)
    select ${input.id}, ${input.creatorId}, ${amount} from b
     where ${amount} > 0 and ${amount} <= b.available
    on conflict do nothing
    returning id`);
  const [row] = rowsOf<{ id: string }>(result);
  return row ? findCreditApplication(db, row.id) : undefined;
}

export async function findCreditApplication(db: Db, id: string): Promise<CreditApplicationRow | undefined> {
  const [row] = await db.select().from(creditApplications).where(eq(creditApplications.id, id));
  return row;
}

/**
 * The status is written out, not a parameter: the creator's pending application is found by the partial index
 * credit_applications_one_pending_per_creator, which a prepared statement's generic plan can use only if it says which
 * status it wants (with a parameter, it scanned every application: test/prepared-statements.test.ts).
 */
export async function findPendingCreditApplication(db: Db, creatorId: string): Promise<CreditApplicationRow | undefined> {
  const [row] = await db
    .select()
    .from(creditApplications)
    .where(and(eq(creditApplications.creatorId, creatorId), sql`${creditApplications.status} = 'pending'`));
  return row;
}

export async function markCreditApplied(
  db: Db,
  id: string,
  balanceTransaction: { id: string; createdAt: Date },
): Promise<CreditApplicationRow | undefined> {
  const [row] = await db
    .update(creditApplications)
    .set({
      status: 'applied',
      stripeBalanceTransactionId: balanceTransaction.id,
      stripeCreatedAt: balanceTransaction.createdAt,
      failureReason: null,
      updatedAt: sql`now()`,
    })
    .where(and(eq(creditApplications.id, id), eq(creditApplications.status, 'pending')))
    .returning();
  return row;
}

export async function markCreditFailed(db: Db, id: string, reason: string): Promise<CreditApplicationRow | undefined> {
  const [row] = await db
    .update(creditApplications)
    .set({ status: 'failed', failureReason: reason, updatedAt: sql`now()` })
    .where(and(eq(creditApplications.id, id), eq(creditApplications.status, 'pending')))
    .returning();
  return row;
}

export async function touchCreditApplication(db: Db, id: string, error: string) {
  await db
    .update(creditApplications)
    .set({ failureReason: error, updatedAt: sql`now()` })
    .where(and(eq(creditApplications.id, id), eq(creditApplications.status, 'pending')));
}

export async function listStalePendingCredits(db: Db, leaseMs: number, limit: number): Promise<string[]> {
  const result = await db.execute(sql`
    select id from credit_applications
     where status = 'pending' and updated_at <= now() - ${leaseMs} * interval '1 millisecond'
     order by created_at limit ${limit}`);
  return rowsOf<{ id: string }>(result).map((row) => row.id);
}
