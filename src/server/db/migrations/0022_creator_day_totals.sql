-- Creator analytics and statements without re-summing copies (SPEC §15, §17): every copy's figures by creator and UTC
-- day, and by flow and UTC day, kept the way 0015 keeps the monthly ones. The copies trigger appends each copy's
-- change to a tail (no row another copy needs), fold_creator_totals() moves the tail into both totals, and a read sums
-- the totals over its days and their tail. Here every copy counts, counted or not (analytics shows both), and its
-- gross is its payout_cents (0 when not counted). What refunds, disputes and voids take back from a period is not
-- here: the reads take it from the few periods whose net is below their gross (the partial index below).
-- The trigger function lives here, with its triggers: a change to them is a new migration.

-- Nothing may copy while the totals are built from what exists: writers wait for this migration's commit.
LOCK TABLE ledger_entries, copies, period_earnings IN SHARE ROW EXCLUSIVE MODE;--> statement-breakpoint

CREATE TABLE creator_day_totals (
  creator_id uuid NOT NULL REFERENCES users (id),
  day date NOT NULL,
  copies integer NOT NULL,
  counted_copies integer NOT NULL,
  gross_cents bigint NOT NULL,
  PRIMARY KEY (creator_id, day)
);--> statement-breakpoint
-- The same by flow: a flow's series, a month's statement, the per-flow figures.
CREATE TABLE flow_day_totals (
  flow_id uuid NOT NULL,
  day date NOT NULL,
  creator_id uuid NOT NULL REFERENCES users (id),
  copies integer NOT NULL,
  counted_copies integer NOT NULL,
  gross_cents bigint NOT NULL,
  PRIMARY KEY (flow_id, day, creator_id)
);--> statement-breakpoint
CREATE INDEX flow_day_totals_creator_idx ON flow_day_totals (creator_id, day);--> statement-breakpoint
-- One change per copy moved, with its flow: the fold adds it to both totals.
CREATE TABLE creator_day_changes (
  id bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
  creator_id uuid NOT NULL,
  day date NOT NULL,
  flow_id uuid NOT NULL,
  copies integer NOT NULL,
  counted_copies integer NOT NULL,
  gross_cents bigint NOT NULL
);--> statement-breakpoint
CREATE INDEX creator_day_changes_creator_idx ON creator_day_changes (creator_id, day);--> statement-breakpoint

-- The creator-periods that keep less than they earned (a refund, a dispute, a repricing or a void took some back):
-- the only ones whose copies' net differs from their gross, so the only ones a read shares out copy by copy.
CREATE INDEX period_earnings_reduced_idx ON period_earnings (creator_id) WHERE net_cents < gross_cents;--> statement-breakpoint

-- One trigger for both grains: every copy moves its day (out of where it was, into where it is), and a counted one
-- its month under its period's current earnings state, as before.
CREATE OR REPLACE FUNCTION creator_totals_track_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO creator_day_changes (creator_id, day, flow_id, copies, counted_copies, gross_cents)
      VALUES (OLD.creator_id, (OLD.copied_at AT TIME ZONE 'UTC')::date, OLD.flow_id, -1,
              -(CASE WHEN OLD.is_counted THEN 1 ELSE 0 END), -OLD.payout_cents);
    IF OLD.is_counted THEN
      INSERT INTO creator_month_changes (creator_id, month, state, copy_count, amount_cents)
        SELECT OLD.creator_id, date_trunc('month', OLD.copied_at AT TIME ZONE 'UTC')::date,
               coalesce((SELECT pe.state FROM period_earnings pe
                          WHERE pe.creator_id = OLD.creator_id AND pe.billing_period_id = OLD.billing_period_id), 'pending'),
               -1, -OLD.payout_cents;
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO creator_day_changes (creator_id, day, flow_id, copies, counted_copies, gross_cents)
      VALUES (NEW.creator_id, (NEW.copied_at AT TIME ZONE 'UTC')::date, NEW.flow_id, 1,
              CASE WHEN NEW.is_counted THEN 1 ELSE 0 END, NEW.payout_cents);
    IF NEW.is_counted THEN
      INSERT INTO creator_month_changes (creator_id, month, state, copy_count, amount_cents)
        SELECT NEW.creator_id, date_trunc('month', NEW.copied_at AT TIME ZONE 'UTC')::date,
               coalesce((SELECT pe.state FROM period_earnings pe
                          WHERE pe.creator_id = NEW.creator_id AND pe.billing_period_id = NEW.billing_period_id), 'pending'),
               1, NEW.payout_cents;
    END IF;
  END IF;
  RETURN NULL;
END;
$$;--> statement-breakpoint
DROP TRIGGER creator_totals_track_copy_insert ON copies;--> statement-breakpoint
DROP TRIGGER creator_totals_track_copy_update ON copies;--> statement-breakpoint
DROP TRIGGER creator_totals_track_copy_delete ON copies;--> statement-breakpoint
CREATE TRIGGER creator_totals_track_copy_insert AFTER INSERT ON copies
  FOR EACH ROW EXECUTE FUNCTION creator_totals_track_copy();--> statement-breakpoint
CREATE TRIGGER creator_totals_track_copy_update AFTER UPDATE ON copies
  FOR EACH ROW WHEN ((OLD.is_counted, OLD.copied_at, OLD.payout_cents, OLD.creator_id, OLD.billing_period_id, OLD.flow_id)
        IS DISTINCT FROM (NEW.is_counted, NEW.copied_at, NEW.payout_cents, NEW.creator_id, NEW.billing_period_id, NEW.flow_id))
  EXECUTE FUNCTION creator_totals_track_copy();--> statement-breakpoint
CREATE TRIGGER creator_totals_track_copy_delete AFTER DELETE ON copies
  FOR EACH ROW EXECUTE FUNCTION creator_totals_track_copy();--> statement-breakpoint

-- As in 0015, now with the days too.
CREATE OR REPLACE FUNCTION rebuild_creator_totals() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE ledger_entries, copies, period_earnings IN SHARE ROW EXCLUSIVE MODE;
  DELETE FROM creator_balance_changes;
  DELETE FROM creator_account_totals;
  DELETE FROM creator_month_changes;
  DELETE FROM creator_month_totals;
  DELETE FROM creator_day_changes;
  DELETE FROM creator_day_totals;
  DELETE FROM flow_day_totals;
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
  INSERT INTO flow_day_totals (flow_id, day, creator_id, copies, counted_copies, gross_cents)
    SELECT c.flow_id, (c.copied_at AT TIME ZONE 'UTC')::date, c.creator_id, count(*), count(*) FILTER (WHERE c.is_counted),
           sum(c.payout_cents)
      FROM copies c
     GROUP BY 1, 2, 3;
  INSERT INTO creator_day_totals (creator_id, day, copies, counted_copies, gross_cents)
    SELECT f.creator_id, f.day, sum(f.copies), sum(f.counted_copies), sum(f.gross_cents) FROM flow_day_totals f GROUP BY 1, 2;
END;
$$;--> statement-breakpoint
SELECT rebuild_creator_totals();
