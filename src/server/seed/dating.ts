import { sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';

// Dates for the demo history. The seed makes its past through the modules' own steps, all inside one transaction,
// so everything they write carries the transaction's now(); these statements then date each step when it happened in
// the story (a copy when it was copied, a payout run on its day), so the console's monthly figures (finance by month,
// the ledger of a month) have a past. Set-based, one statement per kind of row. Nothing here changes an amount, a
// state or a link between rows: `flowtab reconcile` checks the same invariants before and after.

/** Each copy's ledger transaction is dated when the copy was made (copies are backdated by the copies module). */
export async function dateCopyHistory(tx: Tx): Promise<void> {
  await tx.execute(sql`
    update ledger_transactions t set created_at = c.copied_at
      from copies c
     where t.key = copy_transaction_key(c.id) and t.created_at = now()`);
}

/**
 * Everything of the history still carrying the transaction's time happened at `at` (a payout run): its ledger
 * transactions, the payouts it made, the earnings it released, and the payout mails it sent (sent then: they are
 * history, never delivered again).
 */
export async function dateUndatedHistory(tx: Tx, at: Date): Promise<void> {
  const when = sql`${at.toISOString()}::timestamptz`;
  await tx.execute(sql`update ledger_transactions set created_at = ${when} where created_at = now()`);
  await tx.execute(sql`
    update payouts set created_at = ${when}, updated_at = ${when}, paid_at = case when status = 'paid' then ${when} end
     where created_at = now()`);
  await tx.execute(sql`update period_earnings set updated_at = ${when} where updated_at = now() and state in ('available', 'paid')`);
  await tx.execute(sql`
    update email_outbox set created_at = ${when}, next_attempt_at = ${when}, status = 'sent', sent_at = ${when}, attempts = 1
     where created_at = now() and template in ('payout_sent', 'payout_failed')`);
}

/**
 * Ledger entries take their transaction's date. Entries are immutable (a trigger refuses UPDATE): the seed, which
 * wrote them in this same transaction a moment ago, lifts that guard for this one statement. ALTER TABLE is
 * transactional and locks the table until commit, so no other session ever sees the ledger without its guard.
 */
export async function dateLedgerEntries(tx: Tx): Promise<void> {
  // ALTER TABLE waits for no trigger event: the balance checks of the entries written so far (deferred to commit) run now.
  await tx.execute(sql`set constraints ledger_entries_balanced immediate`);
  await tx.execute(sql`alter table ledger_entries disable trigger ledger_entries_no_update_or_delete`);
  await tx.execute(sql`
    update ledger_entries e set created_at = t.created_at
      from ledger_transactions t
     where t.id = e.transaction_id and e.created_at <> t.created_at`);
  await tx.execute(sql`alter table ledger_entries enable trigger ledger_entries_no_update_or_delete`);
  await tx.execute(sql`set constraints ledger_entries_balanced deferred`);
}

/**
 * The demo creators' connected accounts (`acct_demo_*`) stood behind the past payout runs only; no Stripe account
 * exists for them. Disconnected, each demo login can connect a real (emulator) account; the payouts keep their
 * destination.
 */
export async function disconnectDemoAccounts(tx: Tx): Promise<void> {
  await tx.execute(sql`
    update users set connect_account_id = null, payouts_enabled = false, updated_at = now()
     where connect_account_id like 'acct\\_demo\\_%'`);
}
