import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/rows.js';
import { type EarningState, type LedgerAccount, ledgerEntries, ledgerTransactions } from '../../db/schema.js';

export type LedgerEntryInput = { account: LedgerAccount; creatorId?: string; billingPeriodId?: string; amountCents: number };
export type LedgerTransactionInput = {
  kind: string;
  /** Posting twice with the same key does nothing the second time. */
  key?: string;
  billingPeriodId?: string;
  copyId?: string;
  payoutId?: string;
  entries: LedgerEntryInput[];
};

/** Posts a balanced transaction; returns false when its key was already posted. The database re-checks the balance at commit. */
export async function postLedgerTransaction(db: Db, input: LedgerTransactionInput): Promise<boolean> {
  const entries = input.entries.filter((entry) => entry.amountCents !== 0);
  if (entries.length === 0) return false;
  const sum = entries.reduce((total, entry) => total + entry.amountCents, 0);
  if (sum !== 0) throw new Error(`ledger transaction ${input.kind} does not balance: ${sum}`);
  const [transaction] = await db
    .insert(ledgerTransactions)
    .values({ kind: input.kind, key: input.key, billingPeriodId: input.billingPeriodId, copyId: input.copyId, payoutId: input.payoutId })
    .onConflictDoNothing({ target: ledgerTransactions.key })
    .returning({ id: ledgerTransactions.id });
  if (!transaction) return false;
  await db.insert(ledgerEntries).values(
    entries.map((entry) => ({
      transactionId: transaction.id,
      account: entry.account,
      creatorId: entry.creatorId,
      billingPeriodId: entry.billingPeriodId ?? input.billingPeriodId,
      amountCents: entry.amountCents,
    })),
  );
  return true;
}

/** The creator-side account that holds an earning in this lifecycle state. */
export function accountForState(state: EarningState): LedgerAccount | undefined {
  switch (state) {
    case 'pending':
      return 'creator_pending';
    case 'held':
      return 'creator_held';
    case 'available':
    case 'paid':
      // Paid-out earnings that are reversed later come out of the available balance, which may go negative.
      return 'creator_available';
    case 'void':
      return undefined;
  }
}

export type CreatorBalances = Record<LedgerAccount, number>;

/** Every account's balance for one creator, from `creator_balances()` (db/functions/creator_earnings.sql). */
export async function creatorBalances(db: Db, creatorId: string): Promise<Partial<CreatorBalances>> {
  const result = await db.execute(sql`select b.account, b.balance_cents from creator_balances() b where b.creator_id = ${creatorId}`);
  const rows = rowsOf<{ account: LedgerAccount; balance_cents: string | number }>(result);
  return Object.fromEntries(rows.map((row) => [row.account, Number(row.balance_cents)]));
}

/** One account's balance for one creator (e.g. creator_available: what a payout would send), from `creator_balances()`. */
export async function creatorAccountBalance(db: Db, creatorId: string, account: LedgerAccount): Promise<number> {
  const result = await db.execute(sql`
    select coalesce((select b.balance_cents from creator_balances() b
                      where b.creator_id = ${creatorId} and b.account = ${account}), 0)::bigint as total`);
  const [row] = rowsOf<{ total: string | number }>(result);
  return Number(row?.total ?? 0);
}

/** How many tail changes one fold moves (one transaction each): small enough to keep each fold's locks brief. */
const FOLD_BATCH = 5_000;

/**
 * Moves the creator totals' tails into the totals (`fold_creator_totals`, db/functions/creator_earnings.sql), a batch
 * per transaction, until the tails are short; returns how many changes it moved. Reads are exact whether or not this
 * ran: it only keeps the tails that every balance read sums short.
 */
export async function foldCreatorTotals(db: Db, options: { maxBatches?: number } = {}): Promise<number> {
  let moved = 0;
  for (let batch = 0; batch < (options.maxBatches ?? 100); batch += 1) {
    const result = await db.execute(sql`select fold_creator_totals(${FOLD_BATCH}::int) as moved`);
    const count = Number(rowsOf<{ moved: number }>(result)[0]?.moved ?? 0);
    moved += count;
    if (count < FOLD_BATCH) break;
  }
  return moved;
}

export async function creatorAccountBalances(db: Db, creatorIds: string[], accounts: LedgerAccount[]) {
  if (creatorIds.length === 0 || accounts.length === 0) return [];
  const result = await db.execute(sql`
    select b.creator_id, b.account, b.balance_cents from creator_balances() b
     where b.creator_id in (${sql.join(creatorIds.map((id) => sql`${id}::uuid`), sql`, `)})
       and b.account in (${sql.join(accounts.map((account) => sql`${account}`), sql`, `)})`);
  return rowsOf<{ creator_id: string; account: LedgerAccount; balance_cents: string | number }>(result).map((row) => ({
    creatorId: row.creator_id,
    account: row.account,
    total: String(row.balance_cents),
  }));
}

type EarningDelta = { creatorId: string; state: EarningState; deltaCents: number };

/**
 * Sets every creator's net from this period to `period_net_cents` of their gross (db/functions/period_money.sql, the
 * rule record_copy applies too), from the period row as it is now; returns the changes to post.
 */
export async function reapplyEarningsFactor(db: Db, billingPeriodId: string, sharePercent: number): Promise<EarningDelta[]> {
  const result = await db.execute(sql`
    with old as (
      select creator_id, net_cents from period_earnings
      where billing_period_id = ${billingPeriodId} and state <> 'void'
      for update
    )
    update period_earnings pe
       set net_cents = period_net_cents(pe.gross_cents, bp.status, bp.basis_cents, bp.refunded_cents, bp.earned_cents, ${sharePercent}::int),
           updated_at = now()
      from old, billing_periods bp
     where pe.billing_period_id = ${billingPeriodId} and pe.creator_id = old.creator_id and bp.id = pe.billing_period_id
    returning pe.creator_id, pe.state, pe.net_cents - old.net_cents as delta`);
  return rowsOf<{ creator_id: string; state: EarningState; delta: string | number }>(result)
    .map((row) => ({ creatorId: row.creator_id, state: row.state, deltaCents: Number(row.delta) }))
    .filter((row) => row.deltaCents !== 0);
}

/** Moves a period's earnings from one state to the next; returns what moved, so the ledger can follow. */
export async function transitionEarnings(
  db: Db,
  billingPeriodId: string,
  from: EarningState,
  to: EarningState,
): Promise<{ creatorId: string; netCents: number }[]> {
  const result = await db.execute(sql`
    with old as (
      select creator_id, net_cents from period_earnings
       where billing_period_id = ${billingPeriodId} and state = ${from}
       for update
    )
    update period_earnings pe
       set state = ${to}, updated_at = now(), net_cents = case when ${to} = 'void' then 0 else pe.net_cents end
      from old
     where pe.billing_period_id = ${billingPeriodId} and pe.creator_id = old.creator_id and pe.state = ${from}
    returning pe.creator_id, old.net_cents as moved`);
  return rowsOf<{ creator_id: string; moved: string | number }>(result).map((row) => ({ creatorId: row.creator_id, netCents: Number(row.moved) }));
}

/** Held earnings whose hold has passed (`earnings_release_at` ≤ asOf) become available, once. */
export async function releaseDueEarnings(db: Db, asOf: Date, holdDays: number, limit: number) {
  const result = await db.execute(sql`
    with due as (
      select pe.creator_id, pe.billing_period_id
        from period_earnings pe
        join billing_periods bp on bp.id = pe.billing_period_id
       where pe.state = 'held'
         and earnings_release_at(bp.status, bp.period_end, bp.paid_at, ${holdDays}::int) <= ${asOf}
       order by pe.billing_period_id
       limit ${limit}
       for update of pe skip locked
    )
    update period_earnings pe
       set state = 'available', released_at = ${asOf}, updated_at = now()
      from due
     where pe.creator_id = due.creator_id and pe.billing_period_id = due.billing_period_id
    returning pe.creator_id, pe.billing_period_id, pe.net_cents`);
  return rowsOf<{ creator_id: string; billing_period_id: string; net_cents: string | number }>(result).map((row) => ({
    creatorId: row.creator_id,
    billingPeriodId: row.billing_period_id,
    netCents: Number(row.net_cents),
  }));
}
