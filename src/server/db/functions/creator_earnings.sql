-- A creator's earnings over time (SPEC §6, §8): when held earnings are released, the balances, and the available
-- balance (what a payout would send, what a withdrawal or an earnings credit may take). One authority each, used by
-- every statement that needs them (ledger and payouts repositories).
-- Applied by migrate() after the migrations, every time (CREATE OR REPLACE): edit here, not in a migration.

-- When a period's held earnings become available: hold days after the later of the period's end and its payment;
-- NULL while the period is not paid (its earnings are pending or void, never released). STABLE, not IMMUTABLE:
-- adding days to a timestamptz depends on the time zone; either way it is inlined into the calling query.
CREATE OR REPLACE FUNCTION earnings_release_at(p_period_status text, p_period_end timestamptz, p_paid_at timestamptz, p_hold_days integer)
RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_period_status = 'paid' THEN greatest(p_period_end, p_paid_at) + make_interval(days => p_hold_days) END
$$;

-- Every creator's balance in every ledger account: the sum of its entries (balances are never stored). The one
-- aggregate of the ledger by creator. A set-returning SQL function, so the planner inlines it like a view: conditions
-- on creator_id and account are applied before the aggregate (the creator-and-account index), and a condition on the
-- balance becomes its HAVING.
CREATE OR REPLACE FUNCTION creator_balances() RETURNS TABLE (creator_id uuid, account text, balance_cents bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT e.creator_id, e.account, sum(e.amount_cents)::bigint FROM ledger_entries e WHERE e.creator_id IS NOT NULL
   GROUP BY e.creator_id, e.account
$$;

-- The available balance (what a payout sends, what a withdrawal or an earnings credit may take): the creator's
-- creator_available balance, 0 without entries. It may be negative after a reversal of money already paid out.
CREATE OR REPLACE FUNCTION creator_available_cents(p_creator_id uuid) RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce((SELECT b.balance_cents FROM creator_balances() b
                    WHERE b.creator_id = p_creator_id AND b.account = 'creator_available'), 0)::bigint
$$;
