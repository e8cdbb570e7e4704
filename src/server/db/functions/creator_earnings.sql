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

-- Every creator's balance in every ledger account: the sum of its entries, read from the running totals and the
-- changes not folded into them yet (migration 0015 keeps both; fold_creator_totals below moves one into the other),
-- so a read never re-sums a creator's history. The one aggregate of the ledger by creator. A set-returning SQL
-- function, so the planner inlines it like a view: conditions on creator_id and account reach both branches (their
-- indexes), and a condition on the balance becomes its HAVING.
CREATE OR REPLACE FUNCTION creator_balances() RETURNS TABLE (creator_id uuid, account text, balance_cents bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT b.creator_id, b.account, sum(b.cents)::bigint
    FROM (SELECT t.creator_id, t.account, t.balance_cents AS cents FROM creator_account_totals t
          UNION ALL
          SELECT c.creator_id, c.account, c.amount_cents FROM creator_balance_changes c) b
   GROUP BY b.creator_id, b.account
$$;

-- Moves up to p_limit changes of each tail (balances, months, days) into the running totals, oldest first, in one
-- transaction (the caller's): a reader sees each change either still in its tail or already in a total. Changes
-- locked by another fold are skipped, and totals are written in key order, so folds may run in several places at
-- once. Returns how many changes it moved.
CREATE OR REPLACE FUNCTION fold_creator_totals(p_limit integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_balances integer;
  v_months integer;
  v_days integer;
BEGIN
  WITH moved AS (
    DELETE FROM creator_balance_changes c
     WHERE c.id IN (SELECT x.id FROM creator_balance_changes x ORDER BY x.id LIMIT p_limit FOR UPDATE SKIP LOCKED)
    RETURNING c.creator_id, c.account, c.amount_cents
  ), folded AS (
    INSERT INTO creator_account_totals AS t (creator_id, account, balance_cents)
      SELECT m.creator_id, m.account, sum(m.amount_cents) FROM moved m GROUP BY m.creator_id, m.account
       ORDER BY m.creator_id, m.account
    ON CONFLICT (creator_id, account) DO UPDATE SET balance_cents = t.balance_cents + excluded.balance_cents
  )
  SELECT count(*) INTO v_balances FROM moved;

  WITH moved AS (
    DELETE FROM creator_month_changes c
     WHERE c.id IN (SELECT x.id FROM creator_month_changes x ORDER BY x.id LIMIT p_limit FOR UPDATE SKIP LOCKED)
    RETURNING c.creator_id, c.month, c.state, c.copy_count, c.amount_cents
  ), folded AS (
    INSERT INTO creator_month_totals AS t (creator_id, month, state, copy_count, amount_cents)
      SELECT m.creator_id, m.month, m.state, sum(m.copy_count), sum(m.amount_cents) FROM moved m
       GROUP BY m.creator_id, m.month, m.state
       ORDER BY m.creator_id, m.month, m.state
    ON CONFLICT (creator_id, month, state) DO UPDATE
      SET copy_count = t.copy_count + excluded.copy_count, amount_cents = t.amount_cents + excluded.amount_cents
  )
  SELECT count(*) INTO v_months FROM moved;

  WITH moved AS (
    DELETE FROM creator_day_changes c
     WHERE c.id IN (SELECT x.id FROM creator_day_changes x ORDER BY x.id LIMIT p_limit FOR UPDATE SKIP LOCKED)
    RETURNING c.creator_id, c.day, c.flow_id, c.copies, c.counted_copies, c.gross_cents, c.withheld_cents
  ), by_creator AS (
    INSERT INTO creator_day_totals AS t (creator_id, day, copies, counted_copies, gross_cents, withheld_cents)
      SELECT m.creator_id, m.day, sum(m.copies), sum(m.counted_copies), sum(m.gross_cents), sum(m.withheld_cents) FROM moved m
       GROUP BY m.creator_id, m.day
       ORDER BY m.creator_id, m.day
    ON CONFLICT (creator_id, day) DO UPDATE
      SET copies = t.copies + excluded.copies, counted_copies = t.counted_copies + excluded.counted_copies,
          gross_cents = t.gross_cents + excluded.gross_cents, withheld_cents = t.withheld_cents + excluded.withheld_cents
  ), by_flow AS (
    INSERT INTO flow_day_totals AS t (flow_id, day, creator_id, copies, counted_copies, gross_cents, withheld_cents)
      SELECT m.flow_id, m.day, m.creator_id, sum(m.copies), sum(m.counted_copies), sum(m.gross_cents), sum(m.withheld_cents)
        FROM moved m
       GROUP BY m.flow_id, m.day, m.creator_id
       ORDER BY m.flow_id, m.day, m.creator_id
    ON CONFLICT (flow_id, day, creator_id) DO UPDATE
      SET copies = t.copies + excluded.copies, counted_copies = t.counted_copies + excluded.counted_copies,
          gross_cents = t.gross_cents + excluded.gross_cents, withheld_cents = t.withheld_cents + excluded.withheld_cents
  )
  SELECT count(*) INTO v_days FROM moved;
  RETURN v_balances + v_months + v_days;
END;
$$;

-- The available balance (what a payout sends, what a withdrawal or an earnings credit may take): the creator's
-- creator_available balance, 0 without entries. It may be negative after a reversal of money already paid out.
CREATE OR REPLACE FUNCTION creator_available_cents(p_creator_id uuid) RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce((SELECT b.balance_cents FROM creator_balances() b
                    WHERE b.creator_id = p_creator_id AND b.account = 'creator_available'), 0)::bigint
$$;
