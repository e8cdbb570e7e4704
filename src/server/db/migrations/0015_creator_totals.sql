-- A creator's balances and monthly earnings without re-summing their history (SPEC §17): running totals kept by
-- triggers in the transaction that posts a ledger entry, counts a copy or moves a period's earnings to a new state.
--
-- A posting never updates a shared total row: it appends its change to a tail table (no lock on anything another
-- copy needs, so copies of one popular creator's flows never queue behind each other), and fold_creator_totals()
-- (db/functions/creator_earnings.sql, a job every minute) moves the tail into the totals, one transaction at a time.
-- A read sums the creator's totals and their (short) tail: exact at every moment, the tail being either still there
-- or already folded, never both. `flowtab reconcile` checks both against the ledger and the copies.
-- The trigger functions live here, with their triggers: a change to them is a new migration.

-- Nothing may post while the totals are built from what exists: writers wait for this migration's commit.
LOCK TABLE ledger_entries, copies, period_earnings IN SHARE ROW EXCLUSIVE MODE;--> statement-breakpoint

CREATE TABLE creator_account_totals (
  creator_id uuid NOT NULL REFERENCES users (id),
  account text NOT NULL,
  balance_cents bigint NOT NULL,
  PRIMARY KEY (creator_id, account)
);--> statement-breakpoint
CREATE TABLE creator_balance_changes (
  id bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
  creator_id uuid NOT NULL,
  account text NOT NULL,
  amount_cents bigint NOT NULL
);--> statement-breakpoint
CREATE INDEX creator_balance_changes_creator_idx ON creator_balance_changes (creator_id, account);--> statement-breakpoint

-- Counted copies by the UTC month they were made and the state of their period's earnings (pending … paid, void).
CREATE TABLE creator_month_totals (
  creator_id uuid NOT NULL REFERENCES users (id),
  month date NOT NULL,
  state text NOT NULL,
  copy_count integer NOT NULL,
  amount_cents bigint NOT NULL,
  PRIMARY KEY (creator_id, month, state)
);--> statement-breakpoint
CREATE TABLE creator_month_changes (
  id bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
  creator_id uuid NOT NULL,
  month date NOT NULL,
  state text NOT NULL,
  copy_count integer NOT NULL,
  amount_cents bigint NOT NULL
);--> statement-breakpoint
CREATE INDEX creator_month_changes_creator_idx ON creator_month_changes (creator_id);--> statement-breakpoint

-- Every INSERT statement on the ledger appends its creator-side entries, summed by creator and account (a batch of
-- copies is one statement: one row per creator it paid).
CREATE FUNCTION creator_totals_track_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO creator_balance_changes (creator_id, account, amount_cents)
    SELECT p.creator_id, p.account, sum(p.amount_cents)
      FROM posted p
     WHERE p.creator_id IS NOT NULL
     GROUP BY p.creator_id, p.account
    HAVING sum(p.amount_cents) <> 0;
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER creator_totals_track_entries AFTER INSERT ON ledger_entries
  REFERENCING NEW TABLE AS posted FOR EACH STATEMENT EXECUTE FUNCTION creator_totals_track_entries();--> statement-breakpoint

-- A copy that becomes counted (record_copy, after its period's earnings row is written), or a counted copy whose
-- date, amount or period changes (the demo seed dates its history), moves its month's figures: out of where it was,
-- into where it is, under its period's current earnings state.
CREATE FUNCTION creator_totals_track_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.is_counted THEN
    INSERT INTO creator_month_changes (creator_id, month, state, copy_count, amount_cents)
      SELECT OLD.creator_id, date_trunc('month', OLD.copied_at AT TIME ZONE 'UTC')::date,
             coalesce((SELECT pe.state FROM period_earnings pe
                        WHERE pe.creator_id = OLD.creator_id AND pe.billing_period_id = OLD.billing_period_id), 'pending'),
             -1, -OLD.payout_cents;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.is_counted THEN
    INSERT INTO creator_month_changes (creator_id, month, state, copy_count, amount_cents)
      SELECT NEW.creator_id, date_trunc('month', NEW.copied_at AT TIME ZONE 'UTC')::date,
             coalesce((SELECT pe.state FROM period_earnings pe
                        WHERE pe.creator_id = NEW.creator_id AND pe.billing_period_id = NEW.billing_period_id), 'pending'),
             1, NEW.payout_cents;
  END IF;
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER creator_totals_track_copy_insert AFTER INSERT ON copies
  FOR EACH ROW WHEN (NEW.is_counted) EXECUTE FUNCTION creator_totals_track_copy();--> statement-breakpoint
CREATE TRIGGER creator_totals_track_copy_update AFTER UPDATE ON copies
  FOR EACH ROW WHEN ((OLD.is_counted OR NEW.is_counted)
    AND (OLD.is_counted, OLD.copied_at, OLD.payout_cents, OLD.creator_id, OLD.billing_period_id)
        IS DISTINCT FROM (NEW.is_counted, NEW.copied_at, NEW.payout_cents, NEW.creator_id, NEW.billing_period_id))
  EXECUTE FUNCTION creator_totals_track_copy();--> statement-breakpoint
CREATE TRIGGER creator_totals_track_copy_delete AFTER DELETE ON copies
  FOR EACH ROW WHEN (OLD.is_counted) EXECUTE FUNCTION creator_totals_track_copy();--> statement-breakpoint

-- A period's earnings moving to another state (held, available, paid, void...) move its counted copies' months with it.
CREATE FUNCTION creator_totals_track_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO creator_month_changes (creator_id, month, state, copy_count, amount_cents)
    SELECT NEW.creator_id, m.month, side.state, side.sign * m.copies, side.sign * m.cents
      FROM (SELECT date_trunc('month', c.copied_at AT TIME ZONE 'UTC')::date AS month, count(*)::integer AS copies,
                   sum(c.payout_cents)::bigint AS cents
              FROM copies c
             WHERE c.billing_period_id = NEW.billing_period_id AND c.creator_id = NEW.creator_id AND c.is_counted
             GROUP BY 1) m
     CROSS JOIN (VALUES (OLD.state, -1), (NEW.state, 1)) AS side(state, sign);
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER creator_totals_track_state AFTER UPDATE OF state ON period_earnings
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION creator_totals_track_state();--> statement-breakpoint

-- Builds the totals afresh from the ledger and the copies, with an empty tail: here once for what exists, and for
-- tools that write rows directly (bench seeds). Takes the same lock as above, so nothing posts meanwhile.
CREATE FUNCTION rebuild_creator_totals() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE ledger_entries, copies, period_earnings IN SHARE ROW EXCLUSIVE MODE;
  DELETE FROM creator_balance_changes;
  DELETE FROM creator_account_totals;
  DELETE FROM creator_month_changes;
  DELETE FROM creator_month_totals;
  INSERT INTO creator_account_totals (creator_id, account, balance_cents)
    SELECT e.creator_id, e.account, sum(e.amount_cents) FROM ledger_entries e
     WHERE e.creator_id IS NOT NULL GROUP BY e.creator_id, e.account;
  INSERT INTO creator_month_totals (creator_id, month, state, copy_count, amount_cents)
    SELECT c.creator_id, date_trunc('month', c.copied_at AT TIME ZONE 'UTC')::date, coalesce(pe.state, 'pending'),
           count(*), sum(c.payout_cents)
      FROM copies c
      LEFT JOIN period_earnings pe ON pe.creator_id = c.creator_id AND pe.billing_period_id = c.billing_period_id
     WHERE c.is_counted
     GROUP BY 1, 2, 3;
END;
$$;--> statement-breakpoint
SELECT rebuild_creator_totals();
