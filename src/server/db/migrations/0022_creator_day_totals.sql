-- Creator analytics and statements without re-summing copies (SPEC §15, §17): every copy's figures by creator and UTC
-- day, and by flow and UTC day, kept the way 0015 keeps the monthly ones. The copies trigger appends each copy's
-- change to a tail (no row another copy needs), fold_creator_totals() moves the tail into both totals, and a read sums
-- the totals over its days and their tail. Every copy counts here, counted or not (analytics shows both); its gross is
-- its payout_cents (0 when not counted) and its net that less its withheld_cents.
--
-- withheld_cents is what refunds, disputes or voiding took back from a counted copy: its creator-period's net
-- (period_earnings.net_cents, what the ledger and the balances hold) is shared over the period's counted copies of the
-- creator in copy order (copied_at, id) by cumulative floors, net_i = ⌊S_i·N/G⌋ − ⌊S_{i−1}·N/G⌋ (S the running gross,
-- G the period's gross), and each copy withholds its gross less its share. The shares are whole cents, each at most the
-- copy's gross, and a period's add up to exactly its net, so any series or statement that covers a period agrees with
-- the balances to the cent. Almost every period keeps all it earned (withheld 0); share_period_net() shares a period
-- out again whenever its net, its gross or its copies' order changes, under the period's lock.
-- The trigger functions live here, with their triggers: a change to them is a new migration.

-- Nothing may copy or post while the totals are built from what exists: writers wait for this migration's commit.
LOCK TABLE ledger_entries, copies, period_earnings IN SHARE ROW EXCLUSIVE MODE;--> statement-breakpoint

ALTER TABLE copies ADD COLUMN withheld_cents bigint NOT NULL DEFAULT 0;--> statement-breakpoint
ALTER TABLE copies ADD CONSTRAINT copies_withheld_check CHECK (withheld_cents >= 0 AND withheld_cents <= payout_cents);--> statement-breakpoint

CREATE TABLE creator_day_totals (
  creator_id uuid NOT NULL REFERENCES users (id),
  day date NOT NULL,
  copies integer NOT NULL,
  counted_copies integer NOT NULL,
  gross_cents bigint NOT NULL,
  withheld_cents bigint NOT NULL,
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
  withheld_cents bigint NOT NULL,
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
  gross_cents bigint NOT NULL,
  withheld_cents bigint NOT NULL
);--> statement-breakpoint
CREATE INDEX creator_day_changes_creator_idx ON creator_day_changes (creator_id, day);--> statement-breakpoint

-- The rule above for one creator-period: each of its counted copies and what it withholds. The one statement of it:
-- share_period_net() stores it, reconcile compares what is stored with it.
CREATE FUNCTION period_net_shares(p_creator_id uuid, p_billing_period_id uuid) RETURNS TABLE (copy_id uuid, withheld bigint)
LANGUAGE sql STABLE AS $$
  SELECT x.id,
         -- sum() of bigint is numeric: back to bigint, so that / is integer division (a floor: nothing is negative).
         coalesce(x.payout_cents
           - ((sum(x.payout_cents) OVER running)::bigint * pe.net_cents / nullif((sum(x.payout_cents) OVER ())::bigint, 0)
            - ((sum(x.payout_cents) OVER running)::bigint - x.payout_cents) * pe.net_cents / nullif((sum(x.payout_cents) OVER ())::bigint, 0)),
           0)
    FROM copies x
    JOIN period_earnings pe ON pe.creator_id = x.creator_id AND pe.billing_period_id = x.billing_period_id
   WHERE x.creator_id = p_creator_id AND x.billing_period_id = p_billing_period_id AND x.is_counted
  WINDOW running AS (ORDER BY x.copied_at, x.id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
$$;--> statement-breakpoint

-- Stores a creator-period's shares, writing only the copies whose withheld cents change (the copies trigger moves
-- their days). Callers hold the period's lock.
CREATE FUNCTION share_period_net(p_creator_id uuid, p_billing_period_id uuid) RETURNS void LANGUAGE sql AS $$
  UPDATE copies c SET withheld_cents = s.withheld
    FROM period_net_shares(p_creator_id, p_billing_period_id) s
   WHERE c.id = s.copy_id AND c.withheld_cents <> s.withheld;
$$;--> statement-breakpoint

-- A creator-period whose net or gross changes, while it keeps (or kept) less than it earned: a refund's or a dispute's
-- rebalance, voiding, a counted copy in a reduced period (record_copy writes the row before the copy: the copies
-- trigger shares again once the copy is there).
CREATE FUNCTION period_earnings_share_net() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM share_period_net(NEW.creator_id, NEW.billing_period_id);
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER period_earnings_share_net AFTER UPDATE OF net_cents, gross_cents ON period_earnings
  FOR EACH ROW WHEN ((OLD.net_cents, OLD.gross_cents) IS DISTINCT FROM (NEW.net_cents, NEW.gross_cents)
    AND (NEW.net_cents < NEW.gross_cents OR OLD.net_cents < OLD.gross_cents))
  EXECUTE FUNCTION period_earnings_share_net();--> statement-breakpoint

-- One trigger for both grains: every copy moves its day (out of where it was, into where it is), and a counted one
-- its month under its period's current earnings state, as before. A counted copy that joins, leaves or moves within a
-- reduced period has that period's net shared again (which updates its copies, each back here for its day only).
CREATE OR REPLACE FUNCTION creator_totals_track_copy() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_moved boolean := true;
  v_state text;
  v_is_reduced boolean;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    -- What the months and the shares depend on; a change of flow or of withheld cents moves the days only.
    v_moved := (OLD.copied_at, OLD.is_counted, OLD.payout_cents, OLD.creator_id, OLD.billing_period_id)
      IS DISTINCT FROM (NEW.copied_at, NEW.is_counted, NEW.payout_cents, NEW.creator_id, NEW.billing_period_id);
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO creator_day_changes (creator_id, day, flow_id, copies, counted_copies, gross_cents, withheld_cents)
      VALUES (OLD.creator_id, (OLD.copied_at AT TIME ZONE 'UTC')::date, OLD.flow_id, -1,
              -(CASE WHEN OLD.is_counted THEN 1 ELSE 0 END), -OLD.payout_cents, -OLD.withheld_cents);
    IF OLD.is_counted AND v_moved THEN
      SELECT pe.state, pe.net_cents < pe.gross_cents INTO v_state, v_is_reduced FROM period_earnings pe
       WHERE pe.creator_id = OLD.creator_id AND pe.billing_period_id = OLD.billing_period_id;
      INSERT INTO creator_month_changes (creator_id, month, state, copy_count, amount_cents)
        VALUES (OLD.creator_id, date_trunc('month', OLD.copied_at AT TIME ZONE 'UTC')::date, coalesce(v_state, 'pending'),
                -1, -OLD.payout_cents);
      IF v_is_reduced THEN
        PERFORM share_period_net(OLD.creator_id, OLD.billing_period_id);
      END IF;
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO creator_day_changes (creator_id, day, flow_id, copies, counted_copies, gross_cents, withheld_cents)
      VALUES (NEW.creator_id, (NEW.copied_at AT TIME ZONE 'UTC')::date, NEW.flow_id, 1,
              CASE WHEN NEW.is_counted THEN 1 ELSE 0 END, NEW.payout_cents, NEW.withheld_cents);
    IF NEW.is_counted AND v_moved THEN
      SELECT pe.state, pe.net_cents < pe.gross_cents INTO v_state, v_is_reduced FROM period_earnings pe
       WHERE pe.creator_id = NEW.creator_id AND pe.billing_period_id = NEW.billing_period_id;
      INSERT INTO creator_month_changes (creator_id, month, state, copy_count, amount_cents)
        VALUES (NEW.creator_id, date_trunc('month', NEW.copied_at AT TIME ZONE 'UTC')::date, coalesce(v_state, 'pending'),
                1, NEW.payout_cents);
      IF v_is_reduced THEN
        PERFORM share_period_net(NEW.creator_id, NEW.billing_period_id);
      END IF;
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
  FOR EACH ROW WHEN ((OLD.is_counted, OLD.copied_at, OLD.payout_cents, OLD.creator_id, OLD.billing_period_id, OLD.flow_id, OLD.withheld_cents)
        IS DISTINCT FROM (NEW.is_counted, NEW.copied_at, NEW.payout_cents, NEW.creator_id, NEW.billing_period_id, NEW.flow_id, NEW.withheld_cents))
  EXECUTE FUNCTION creator_totals_track_copy();--> statement-breakpoint
CREATE TRIGGER creator_totals_track_copy_delete AFTER DELETE ON copies
  FOR EACH ROW EXECUTE FUNCTION creator_totals_track_copy();--> statement-breakpoint

-- As in 0015, now with the days too, and every reduced period shared out again first (tools that write rows directly
-- write no withheld cents).
CREATE OR REPLACE FUNCTION rebuild_creator_totals() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE ledger_entries, copies, period_earnings IN SHARE ROW EXCLUSIVE MODE;
  PERFORM share_period_net(pe.creator_id, pe.billing_period_id) FROM period_earnings pe WHERE pe.net_cents < pe.gross_cents;
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
  INSERT INTO flow_day_totals (flow_id, day, creator_id, copies, counted_copies, gross_cents, withheld_cents)
    SELECT c.flow_id, (c.copied_at AT TIME ZONE 'UTC')::date, c.creator_id, count(*), count(*) FILTER (WHERE c.is_counted),
           sum(c.payout_cents), sum(c.withheld_cents)
      FROM copies c
     GROUP BY 1, 2, 3;
  INSERT INTO creator_day_totals (creator_id, day, copies, counted_copies, gross_cents, withheld_cents)
    SELECT f.creator_id, f.day, sum(f.copies), sum(f.counted_copies), sum(f.gross_cents), sum(f.withheld_cents)
      FROM flow_day_totals f GROUP BY 1, 2;
END;
$$;--> statement-breakpoint
SELECT rebuild_creator_totals();
