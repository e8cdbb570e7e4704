-- record_copy and record_copies: the whole copy (SPEC §3, §4, §7, §11, §13). The one authority for the copy's money
-- rules: the session, the per-minute rate limit, the dedupe, the fair-use limit, the paid cap, the creator pool
-- (period_pool_cents), access (is_good_standing), pending or held, and the creator's net after refunds
-- (period_net_cents). Its behaviour is pinned by test/record-copy-parity.test.ts, which drives both functions over a
-- table of cases; no TypeScript restates it.
--
-- record_copies records many copies in one statement, so one transaction and one WAL flush (group commit, SPEC §17);
-- record_copy is record_copies with one copy. Both are record_subscriber_copy (a copy's changes to the copier's own
-- rows) per copy, then the rows copies share with other subscribers' copies, once for all.
--
-- Applied by migrate() after the migrations, every time (CREATE OR REPLACE): edit this file, not a migration. Its
-- history is migrations 0003, 0006 and 0011; a change of signature (arguments or result columns) still needs a
-- migration that drops the old function first.
--
-- Outcomes: session_ended | suspended | rate_limited | not_found | subscription_required | free | duplicate | limit |
-- recorded.

-- The key of a counted copy's ledger transaction (unique, as every transaction's key is): how record_copies writes it
-- and how reconcile, the demo seed's dating and the benches' seeds find it (no index on copy_id since migration 0021).
-- The id is cast to text: `text || uuid` is only STABLE, so the function would be called, not inlined, in each query.
CREATE OR REPLACE FUNCTION copy_transaction_key(p_copy_id uuid) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT 'copy:' || p_copy_id::text
$$;

-- One copy's changes to the copier's own rows: their rate limit, the copy, their period row and the earnings row of
-- the flow's creator in that period. What it would change in rows other subscribers' copies share (the creator's
-- ledger entries, the flow's counter) it returns instead: earning_account and earning_delta, to post; the outcome
-- 'recorded' or 'free', to count. Its first lock is the copier's rate-limit row, taken before any other row of theirs,
-- so it orders every copy of one subscriber, from any process.
CREATE OR REPLACE FUNCTION record_subscriber_copy(
  p_session_id uuid,
  p_user_id uuid,
  p_flow_ref text,
  p_rate_cents bigint,
  p_paid_cap integer,
  p_share_percent integer,
  p_copy_limit integer,
  p_copies_per_minute integer,
  OUT outcome text,
  OUT copy_id uuid,
  OUT flow_id uuid,
  OUT copied_at timestamptz,
  OUT copies_count integer,
  OUT counted_copies integer,
  OUT is_counted boolean,
  OUT period_end timestamptz,
  OUT body text,
  OUT subscription_status text,
  OUT retry_at timestamptz,
  OUT creator_id uuid,
  OUT billing_period_id uuid,
  OUT earning_account text,
  OUT earning_delta bigint
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_is_admin boolean;
  v_user_status text;
  v_hits integer;
  v_retry_at timestamptz;
  v_flow_id uuid;
  v_author_id uuid;
  v_is_premium boolean;
  v_body text;
  v_sub_id text;
  v_sub_status text;
  v_sub_start timestamptz;
  v_sub_end timestamptz;
  v_plan_cents bigint;
  v_period_id uuid;
  v_copy_id uuid;
  v_copied_at timestamptz;
  v_copies integer;
  v_counted integer;
  v_is_counted boolean;
  v_period_status text;
  v_basis bigint;
  v_refunded bigint;
  v_earned bigint;
  v_old_net bigint;
  v_net bigint;
  v_period_end timestamptz;
  v_state text;
  v_period_length interval;
BEGIN
  copies_count := 0;
  counted_copies := 0;
  is_counted := false;
  earning_delta := 0;

  -- The session named by the token, checked here rather than by a second query: ended or expired sessions and
  -- suspended members stop at once, on every process. The role comes from the account, never from the token.
  SELECT u.role = 'admin', u.status INTO v_is_admin, v_user_status
    FROM sessions s JOIN users u ON u.id = s.user_id
   WHERE s.id = p_session_id AND s.user_id = p_user_id AND s.revoked_at IS NULL AND s.expires_at > now();
  IF v_user_status IS NULL THEN
    outcome := 'session_ended';
    RETURN;
  ELSIF v_user_status <> 'active' THEN
    outcome := 'suspended';
    RETURN;
  END IF;

  -- The per-minute rate limit, per member and shared by every process (a fixed window in rate_limits).
  INSERT INTO rate_limits AS r (key, hits, reset_at) VALUES ('copy:' || p_user_id, 1, now() + interval '1 minute')
    ON CONFLICT (key) DO UPDATE SET
      hits = CASE WHEN r.reset_at <= now() THEN 1 ELSE r.hits + 1 END,
      reset_at = CASE WHEN r.reset_at <= now() THEN now() + interval '1 minute' ELSE r.reset_at END
    RETURNING r.hits, r.reset_at INTO v_hits, v_retry_at;
  IF v_hits > p_copies_per_minute THEN
    outcome := 'rate_limited';
    retry_at := v_retry_at;
    RETURN;
  END IF;

  IF p_flow_ref ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
    SELECT f.id, f.author_id, f.is_premium, f.body INTO v_flow_id, v_author_id, v_is_premium, v_body
      FROM flows f WHERE f.id = p_flow_ref::uuid AND f.status = 'published';
  ELSE
    SELECT f.id, f.author_id, f.is_premium, f.body INTO v_flow_id, v_author_id, v_is_premium, v_body
      FROM flows f WHERE f.slug = lower(p_flow_ref) AND f.status = 'published';
  END IF;
  IF v_flow_id IS NULL THEN
    outcome := 'not_found';
    RETURN;
  END IF;
  flow_id := v_flow_id;

  SELECT s.id, s.status, s.current_period_start, s.current_period_end, s.plan_amount_cents
    INTO v_sub_id, v_sub_status, v_sub_start, v_sub_end, v_plan_cents
    FROM subscriptions s WHERE s.user_id = p_user_id AND s.duplicate_of IS NULL
   ORDER BY is_good_standing(s.status) DESC, s.current_period_end DESC
   LIMIT 1;
  subscription_status := v_sub_status;

  IF v_sub_status IS NULL OR NOT is_good_standing(v_sub_status) THEN
    -- Not in good standing: premium flows are closed (but to their author and admins); free ones are copied unpaid.
    IF v_is_premium AND v_author_id <> p_user_id AND NOT v_is_admin THEN
      outcome := 'subscription_required';
      RETURN;
    END IF;
    -- Once per member and flow (the unique key treats the missing period as one value): a repeat is a duplicate.
    INSERT INTO copies (user_id, flow_id, creator_id, billing_period_id)
      VALUES (p_user_id, v_flow_id, v_author_id, NULL)
      ON CONFLICT DO NOTHING
      RETURNING id, copies.copied_at INTO v_copy_id, v_copied_at;
    body := v_body;
    IF v_copy_id IS NULL THEN
      outcome := 'duplicate';
      RETURN;
    END IF;
    outcome := 'free';
    copy_id := v_copy_id;
    copied_at := v_copied_at;
    RETURN;
  END IF;

  -- Stripe renews at the period end; until its webhooks arrive, our mirror still shows the period that ended. A copy
  -- made after that end belongs to the new period (SPEC §4, §7), made here; the webhooks then set its end and basis.
  v_period_length := v_sub_end - v_sub_start;
  WHILE v_sub_end <= now() AND v_period_length > interval '0' LOOP
    v_sub_start := v_sub_end;
    v_sub_end := v_sub_end + v_period_length;
  END LOOP;

  -- The subscriber's current period, made here if the webhooks have not made it yet (pool basis: the plan price), and
  -- locked: one subscriber's parallel copies take turns here, from any process, and so does every other write of the
  -- period's counts and of its creators' net (the rebalance after a refund). NO KEY UPDATE, not UPDATE: copies and
  -- earnings rows hold KEY SHARE locks on it through their foreign keys.
  SELECT bp.id, bp.copies_count, bp.counted_copies, bp.status, bp.basis_cents, bp.refunded_cents, bp.earned_cents, bp.period_end
    INTO v_period_id, v_copies, v_counted, v_period_status, v_basis, v_refunded, v_earned, v_period_end
    FROM billing_periods bp WHERE bp.subscription_id = v_sub_id AND bp.period_start = v_sub_start
     FOR NO KEY UPDATE;
  IF v_period_id IS NULL THEN
    INSERT INTO billing_periods (subscription_id, user_id, period_start, period_end, basis_cents)
      VALUES (v_sub_id, p_user_id, v_sub_start, v_sub_end, v_plan_cents)
      ON CONFLICT (subscription_id, period_start) DO NOTHING;
    SELECT bp.id, bp.copies_count, bp.counted_copies, bp.status, bp.basis_cents, bp.refunded_cents, bp.earned_cents, bp.period_end
      INTO v_period_id, v_copies, v_counted, v_period_status, v_basis, v_refunded, v_earned, v_period_end
      FROM billing_periods bp WHERE bp.subscription_id = v_sub_id AND bp.period_start = v_sub_start
       FOR NO KEY UPDATE;
  END IF;
  period_end := v_period_end;

  -- Once per member, flow and period. Under the period's lock no other copy of this member is being made, so a copy
  -- found here is the one; the unique key stays the last word (were one made meanwhile, the insert below would fail
  -- the whole statement, and the batcher records its copies again one by one, which find it here).
  PERFORM 1 FROM copies c WHERE c.user_id = p_user_id AND c.flow_id = v_flow_id AND c.billing_period_id = v_period_id;
  IF FOUND THEN
    outcome := 'duplicate';
    body := v_body;
    copies_count := v_copies;
    counted_copies := v_counted;
    RETURN;
  END IF;
  IF v_copies >= p_copy_limit THEN
    -- Over the fair-use limit: no copy is made.
    outcome := 'limit';
    copies_count := v_copies;
    counted_copies := v_counted;
    RETURN;
  END IF;

  -- Paid only for a premium flow copied by someone other than its author, under the cap, while the pool covers it.
  v_is_counted := coalesce(v_period_status <> 'void' AND v_counted < p_paid_cap
    AND v_earned + p_rate_cents <= period_pool_cents(v_period_status, v_basis, v_refunded, p_share_percent)
    AND v_is_premium AND v_author_id <> p_user_id, false);
  UPDATE billing_periods SET
      copies_count = copies_count + 1,
      counted_copies = counted_copies + CASE WHEN v_is_counted THEN 1 ELSE 0 END,
      earned_cents = earned_cents + CASE WHEN v_is_counted THEN p_rate_cents ELSE 0 END,
      updated_at = now()
   WHERE id = v_period_id
   RETURNING billing_periods.copies_count, billing_periods.counted_copies, billing_periods.earned_cents INTO v_copies, v_counted, v_earned;

  IF v_is_counted THEN
    -- The creator's net from the period is period_net_cents of its gross (the same rule the rebalance after a refund
    -- applies); the ledger moves by the change from the net before (read in the same statement, under the period's lock).
    WITH before AS (
      SELECT pe.net_cents FROM period_earnings pe WHERE pe.creator_id = v_author_id AND pe.billing_period_id = v_period_id
    )
    INSERT INTO period_earnings AS pe (creator_id, billing_period_id, state, gross_cents, net_cents, counted_copies)
      VALUES (v_author_id, v_period_id, CASE WHEN v_period_status = 'paid' THEN 'held' ELSE 'pending' END,
              p_rate_cents, period_net_cents(p_rate_cents, v_period_status, v_basis, v_refunded, v_earned, p_share_percent), 1)
      ON CONFLICT (creator_id, billing_period_id) DO UPDATE SET
        gross_cents = pe.gross_cents + excluded.gross_cents,
        net_cents = period_net_cents(pe.gross_cents + excluded.gross_cents, v_period_status, v_basis, v_refunded, v_earned, p_share_percent),
        counted_copies = pe.counted_copies + 1,
        updated_at = now()
      RETURNING pe.state, pe.net_cents, (SELECT before.net_cents FROM before) INTO v_state, v_net, v_old_net;
    creator_id := v_author_id;
    billing_period_id := v_period_id;
    earning_account := CASE v_state WHEN 'pending' THEN 'creator_pending' WHEN 'held' THEN 'creator_held' ELSE 'creator_available' END;
    earning_delta := v_net - coalesce(v_old_net, 0);
  END IF;

  -- The copy, counted or not as decided above: made after its period's earnings row, so the monthly totals (an
  -- insert trigger) file a counted copy under that row's state.
  INSERT INTO copies (user_id, flow_id, creator_id, billing_period_id, is_counted, payout_cents)
    VALUES (p_user_id, v_flow_id, v_author_id, v_period_id, v_is_counted, CASE WHEN v_is_counted THEN p_rate_cents ELSE 0 END)
    RETURNING id, copies.copied_at INTO v_copy_id, v_copied_at;

  outcome := 'recorded';
  copy_id := v_copy_id;
  copied_at := v_copied_at;
  copies_count := v_copies;
  counted_copies := v_counted;
  is_counted := v_is_counted;
  body := v_body;
END;
$$;

-- Many copies in one statement: `item` is each copy's place in the arrays. Copies are taken by subscriber, and each
-- subscriber's in the order given, so two copies by one member come out exactly as one after the other. The rows
-- shared with other subscribers' copies come last, in one fixed order (the ledger by creator, the counters by flow):
-- every batch takes its locks subscribers first (by id), then creators, then flows, so parallel batches (and single
-- copies, batches of one) may wait for each other but never deadlock.
CREATE OR REPLACE FUNCTION record_copies(
  p_session_ids uuid[],
  p_user_ids uuid[],
  p_flow_refs text[],
  p_rate_cents bigint,
  p_paid_cap integer,
  p_share_percent integer,
  p_copy_limit integer,
  p_counter_shards integer,
  p_copies_per_minute integer
) RETURNS TABLE (
  item integer,
  outcome text,
  copy_id uuid,
  flow_id uuid,
  copied_at timestamptz,
  copies_count integer,
  counted_copies integer,
  is_counted boolean,
  period_end timestamptz,
  body text,
  subscription_status text,
  retry_at timestamptz
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_item record;
  v_copy record;
  v_earning_copies uuid[] := '{}';
  v_earning_creators uuid[] := '{}';
  v_earning_periods uuid[] := '{}';
  v_earning_accounts text[] := '{}';
  v_earning_deltas bigint[] := '{}';
  v_copied_flows uuid[] := '{}';
BEGIN
  FOR v_item IN
    SELECT i.n, i.session_id, i.user_id, i.flow_ref
      FROM unnest(p_session_ids, p_user_ids, p_flow_refs) WITH ORDINALITY AS i(session_id, user_id, flow_ref, n)
     ORDER BY i.user_id, i.n
  LOOP
    SELECT * INTO v_copy FROM record_subscriber_copy(v_item.session_id, v_item.user_id, v_item.flow_ref, p_rate_cents,
      p_paid_cap, p_share_percent, p_copy_limit, p_copies_per_minute);
    item := v_item.n;
    outcome := v_copy.outcome;
    copy_id := v_copy.copy_id;
    flow_id := v_copy.flow_id;
    copied_at := v_copy.copied_at;
    copies_count := v_copy.copies_count;
    counted_copies := v_copy.counted_copies;
    is_counted := v_copy.is_counted;
    period_end := v_copy.period_end;
    body := v_copy.body;
    subscription_status := v_copy.subscription_status;
    retry_at := v_copy.retry_at;
    RETURN NEXT;
    IF v_copy.earning_delta <> 0 THEN
      v_earning_copies := v_earning_copies || v_copy.copy_id;
      v_earning_creators := v_earning_creators || v_copy.creator_id;
      v_earning_periods := v_earning_periods || v_copy.billing_period_id;
      v_earning_accounts := v_earning_accounts || v_copy.earning_account;
      v_earning_deltas := v_earning_deltas || v_copy.earning_delta;
    END IF;
    IF v_copy.outcome IN ('recorded', 'free') THEN
      v_copied_flows := v_copied_flows || v_copy.flow_id;
    END IF;
  END LOOP;

  -- The creators' ledger entries: one balanced transaction per counted copy, keyed by the copy, posted by creator.
  IF cardinality(v_earning_copies) > 0 THEN
    WITH earning AS (
      SELECT * FROM unnest(v_earning_copies, v_earning_creators, v_earning_periods, v_earning_accounts, v_earning_deltas)
        AS e(copy_id, creator_id, period_id, account, delta)
    ), posted AS (
      INSERT INTO ledger_transactions (kind, key, billing_period_id, copy_id)
        SELECT 'copy.earned', copy_transaction_key(e.copy_id), e.period_id, e.copy_id FROM earning e ORDER BY e.creator_id, e.copy_id
        RETURNING ledger_transactions.id, ledger_transactions.copy_id
    )
    INSERT INTO ledger_entries (transaction_id, account, creator_id, billing_period_id, amount_cents)
      SELECT posted.id, side.account, side.creator_id, e.period_id, side.amount_cents
        FROM posted JOIN earning e ON e.copy_id = posted.copy_id
        CROSS JOIN LATERAL (VALUES (e.account, e.creator_id, e.delta), ('platform_creator_expense', NULL::uuid, -e.delta))
          AS side(account, creator_id, amount_cents)
       ORDER BY e.creator_id, e.copy_id, side.creator_id NULLS LAST;
  END IF;

  -- One of several counter rows per flow, so a popular flow is not one hot row: one shard per flow and batch.
  IF cardinality(v_copied_flows) > 0 THEN
    INSERT INTO flow_copy_counters AS c (flow_id, shard, copies)
      SELECT g.flow_id, floor(random() * p_counter_shards)::int, g.copies
        FROM (SELECT f.flow_id, count(*) AS copies FROM unnest(v_copied_flows) AS f(flow_id) GROUP BY f.flow_id) g
       ORDER BY g.flow_id
      ON CONFLICT (flow_id, shard) DO UPDATE SET copies = c.copies + excluded.copies;
  END IF;
END;
$$;

-- One copy: a batch of one, so both forms are the same code.
CREATE OR REPLACE FUNCTION record_copy(
  p_session_id uuid,
  p_user_id uuid,
  p_flow_ref text,
  p_rate_cents bigint,
  p_paid_cap integer,
  p_share_percent integer,
  p_copy_limit integer,
  p_counter_shards integer,
  p_copies_per_minute integer
) RETURNS TABLE (
  outcome text,
  copy_id uuid,
  flow_id uuid,
  copied_at timestamptz,
  copies_count integer,
  counted_copies integer,
  is_counted boolean,
  period_end timestamptz,
  body text,
  subscription_status text,
  retry_at timestamptz
) LANGUAGE sql AS $$
  SELECT b.outcome, b.copy_id, b.flow_id, b.copied_at, b.copies_count, b.counted_copies, b.is_counted, b.period_end, b.body,
         b.subscription_status, b.retry_at
    FROM record_copies(ARRAY[p_session_id], ARRAY[p_user_id], ARRAY[p_flow_ref], p_rate_cents, p_paid_cap, p_share_percent,
                       p_copy_limit, p_counter_shards, p_copies_per_minute) b;
$$;
