import { sql } from 'drizzle-orm';
import type { ReconcileCheck } from '../ledger/reconcile.js';

// The payout invariants, for `flowtab reconcile` and the tests' reconcile after each test: the reconcile check list
// names this array; nothing registers itself.

/** Per creator, what the payouts in some states add up to must equal one ledger account's balance. */
function payoutsMatchAccount(name: string, statuses: string[], amount: ReturnType<typeof sql>, account: string, label: string): ReconcileCheck {
  return {
    name,
    query: () => sql`
      with p as (select creator_id, sum(${amount}) as total from payouts
                  where status in (${sql.join(statuses.map((status) => sql`${status}`), sql`, `)}) group by creator_id),
           l as (select creator_id, sum(amount_cents) as total from ledger_entries where account = ${account} group by creator_id)
      select coalesce(p.creator_id, l.creator_id) as creator_id, coalesce(p.total, 0)::bigint as payouts, coalesce(l.total, 0)::bigint as ledger
        from p full join l on l.creator_id = p.creator_id
       where coalesce(p.total, 0) <> coalesce(l.total, 0)`,
    describe: (r: { creator_id: string; payouts: string; ledger: string }) => `creator ${r.creator_id}: ${label} say ${r.payouts} ¢, ${account} says ${r.ledger} ¢`,
  };
}

export const payoutReconcileChecks: ReconcileCheck[] = [
  payoutsMatchAccount(
    'paid payouts (net of reversals) equal each creator’s creator_paid',
    ['paid'],
    sql`amount_cents - reversed_cents`,
    'creator_paid',
    'paid payouts',
  ),
  payoutsMatchAccount('open payouts equal each creator’s creator_in_transit', ['pending', 'processing'], sql`amount_cents`, 'creator_in_transit', 'open payouts'),
  {
    name: 'each payout has one reservation, and one settlement matching its status',
    query: () => sql`
      select p.id, p.status,
             count(lt.id) filter (where lt.kind = 'payout.reserved')::int as reserved,
             count(lt.id) filter (where lt.kind = 'payout.paid')::int as paid,
             count(lt.id) filter (where lt.kind = 'payout.failed')::int as failed
        from payouts p left join ledger_transactions lt on lt.payout_id = p.id
       group by p.id, p.status
      having count(lt.id) filter (where lt.kind = 'payout.reserved') <> 1
          or count(lt.id) filter (where lt.kind = 'payout.paid') <> case when p.status = 'paid' then 1 else 0 end
          or count(lt.id) filter (where lt.kind = 'payout.failed') <> case when p.status = 'failed' then 1 else 0 end`,
    describe: (r: { id: string; status: string; reserved: number; paid: number; failed: number }) =>
      `payout ${r.id} is ${r.status} with ${r.reserved} reservation(s), ${r.paid} paid and ${r.failed} failed posting(s)`,
  },
  {
    name: 'every paid payout has exactly one transfer, and no transfer pays two payouts',
    query: () => sql`
      select id, status, stripe_transfer_id from payouts
       where (status = 'paid') <> (stripe_transfer_id is not null)
      union all
      select min(id::text)::uuid, 'duplicate', stripe_transfer_id from payouts where stripe_transfer_id is not null
       group by stripe_transfer_id having count(*) > 1`,
    describe: (r: { id: string; status: string; stripe_transfer_id: string | null }) => `payout ${r.id} (${r.status}) has transfer ${r.stripe_transfer_id ?? 'none'}`,
  },
  {
    name: 'pending and applied credits equal each creator’s creator_credit_applied',
    query: () => sql`
      with c as (select creator_id, sum(amount_cents) as total from credit_applications where status in ('pending', 'applied') group by creator_id),
           l as (select creator_id, sum(amount_cents) as total from ledger_entries where account = 'creator_credit_applied' group by creator_id)
      select coalesce(c.creator_id, l.creator_id) as creator_id, coalesce(c.total, 0)::bigint as credits, coalesce(l.total, 0)::bigint as ledger
        from c full join l on l.creator_id = c.creator_id
       where coalesce(c.total, 0) <> coalesce(l.total, 0)`,
    describe: (r: { creator_id: string; credits: string; ledger: string }) => `creator ${r.creator_id}: credit applications say ${r.credits} ¢, creator_credit_applied says ${r.ledger} ¢`,
  },
];
