-- A creator's earnings over time (SPEC §6, §8): when held earnings are released, and the available balance (what a
-- payout would send, what a withdrawal or an earnings credit may take). One authority each, used by every statement
-- that needs them (ledger and payouts repositories).
-- Applied by migrate() after the migrations, every time (CREATE OR REPLACE): edit here, not in a migration.

-- When a period's held earnings become available: hold days after the later of the period's end and its payment;
-- NULL while the period is not paid (its earnings are pending or void, never released). STABLE, not IMMUTABLE:
-- adding days to a timestamptz depends on the time zone; either way it is inlined into the calling query.
CREATE OR REPLACE FUNCTION earnings_release_at(p_period_status text, p_period_end timestamptz, p_paid_at timestamptz, p_hold_days integer)
RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_period_status = 'paid' THEN greatest(p_period_end, p_paid_at) + make_interval(days => p_hold_days) END
$$;

-- Every creator's available balance: the sum of their creator_available ledger entries (it may be negative after a
-- reversal of money already paid out). A set-returning SQL function, so the planner inlines it like a view: a
-- condition on creator_id is applied before the aggregate, and a filter on the balance becomes its HAVING.
CREATE OR REPLACE FUNCTION creator_available_balances() RETURNS TABLE (creator_id uuid, available_cents bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT e.creator_id, sum(e.amount_cents)::bigint FROM ledger_entries e WHERE e.account = 'creator_available' GROUP BY e.creator_id
$$;

-- One creator's available balance (0 without entries).
CREATE OR REPLACE FUNCTION creator_available_cents(p_creator_id uuid) RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce((SELECT b.available_cents FROM creator_available_balances() b WHERE b.creator_id = p_creator_id), 0)::bigint
$$;
