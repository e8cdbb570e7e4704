-- record_copy: the whole copy in one statement (SPEC §3, §4, §7, §11, §13). The one authority for the copy's money
-- rules: the session, the per-minute rate limit, the dedupe, the fair-use limit, the paid cap, the creator pool
-- (period_pool_cents), access (is_good_standing), pending or held, and the creator's net after refunds
-- (period_net_cents). Its behaviour is pinned by test/record-copy-parity.test.ts, which drives this function over a
-- table of cases; no TypeScript restates it.
--
-- Applied by migrate() after the migrations, every time (CREATE OR REPLACE): edit this file, not a migration. Its
-- history is migrations 0003, 0006 and 0011; a change of signature (arguments or result columns) still needs a
-- migration that drops the old function first.
--
-- Outcomes: session_ended | suspended | rate_limited | not_found | subscription_required | free | duplicate | limit |
-- recorded.
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
  v_delta bigint;
  v_transaction_id uuid;
  v_period_length interval;
BEGIN
  -- The session named by the token, checked here rather than by a second query: ended or expired sessions and
  -- suspended members stop at once, on every process. The role comes from the account, never from the token.
  SELECT u.role = 'admin', u.status INTO v_is_admin, v_user_status
    FROM sessions s JOIN users u ON u.id = s.user_id
   WHERE s.id = p_session_id AND s.user_id = p_user_id AND s.revoked_at IS NULL AND s.expires_at > now();
  IF v_user_status IS NULL THEN
    RETURN QUERY SELECT 'session_ended', NULL::uuid, NULL::uuid, NULL::timestamptz, 0, 0, false, NULL::timestamptz, NULL::text, NULL::text, NULL::timestamptz;
    RETURN;
  ELSIF v_user_status <> 'active' THEN
    RETURN QUERY SELECT 'suspended', NULL::uuid, NULL::uuid, NULL::timestamptz, 0, 0, false, NULL::timestamptz, NULL::text, NULL::text, NULL::timestamptz;
    RETURN;
  END IF;

  -- The per-minute rate limit, per member and shared by every process (a fixed window in rate_limits).
  INSERT INTO rate_limits AS r (key, hits, reset_at) VALUES ('copy:' || p_user_id, 1, now() + interval '1 minute')
    ON CONFLICT (key) DO UPDATE SET
      hits = CASE WHEN r.reset_at <= now() THEN 1 ELSE r.hits + 1 END,
      reset_at = CASE WHEN r.reset_at <= now() THEN now() + interval '1 minute' ELSE r.reset_at END
    RETURNING r.hits, r.reset_at INTO v_hits, v_retry_at;
  IF v_hits > p_copies_per_minute THEN
    RETURN QUERY SELECT 'rate_limited', NULL::uuid, NULL::uuid, NULL::timestamptz, 0, 0, false, NULL::timestamptz, NULL::text, NULL::text, v_retry_at;
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
    RETURN QUERY SELECT 'not_found', NULL::uuid, NULL::uuid, NULL::timestamptz, 0, 0, false, NULL::timestamptz, NULL::text, NULL::text, NULL::timestamptz;
    RETURN;
  END IF;

  SELECT s.id, s.status, s.current_period_start, s.current_period_end, s.plan_amount_cents
    INTO v_sub_id, v_sub_status, v_sub_start, v_sub_end, v_plan_cents
    FROM subscriptions s WHERE s.user_id = p_user_id AND s.duplicate_of IS NULL
   ORDER BY is_good_standing(s.status) DESC, s.current_period_end DESC
   LIMIT 1;

  IF v_sub_status IS NULL OR NOT is_good_standing(v_sub_status) THEN
    -- Not in good standing: premium flows are closed (but to their author and admins); free ones are copied unpaid.
    IF v_is_premium AND v_author_id <> p_user_id AND NOT v_is_admin THEN
      RETURN QUERY SELECT 'subscription_required', NULL::uuid, v_flow_id, NULL::timestamptz, 0, 0, false, NULL::timestamptz, NULL::text, v_sub_status, NULL::timestamptz;
      RETURN;
    END IF;
    -- Once per member and flow (the unique key treats the missing period as one value): a repeat is a duplicate.
    INSERT INTO copies (user_id, flow_id, creator_id, billing_period_id)
      VALUES (p_user_id, v_flow_id, v_author_id, NULL)
      ON CONFLICT DO NOTHING
      RETURNING id, copies.copied_at INTO v_copy_id, v_copied_at;
    IF v_copy_id IS NULL THEN
      RETURN QUERY SELECT 'duplicate', NULL::uuid, v_flow_id, NULL::timestamptz, 0, 0, false, NULL::timestamptz, v_body, v_sub_status, NULL::timestamptz;
      RETURN;
    END IF;
    INSERT INTO flow_copy_counters AS c (flow_id, shard, copies)
      VALUES (v_flow_id, floor(random() * p_counter_shards)::int, 1)
      ON CONFLICT (flow_id, shard) DO UPDATE SET copies = c.copies + 1;
    RETURN QUERY SELECT 'free', v_copy_id, v_flow_id, v_copied_at, 0, 0, false, NULL::timestamptz, v_body, v_sub_status, NULL::timestamptz;
    RETURN;
  END IF;

  -- Stripe renews at the period end; until its webhooks arrive, our mirror still shows the period that ended. A copy
  -- made after that end belongs to the new period (SPEC §4, §7), made here; the webhooks then set its end and basis.
  v_period_length := v_sub_end - v_sub_start;
  WHILE v_sub_end <= now() AND v_period_length > interval '0' LOOP
    v_sub_start := v_sub_end;
    v_sub_end := v_sub_end + v_period_length;
  END LOOP;

  -- The subscriber's current period; made here if the webhooks have not made it yet (pool basis: the plan price).
  SELECT bp.id INTO v_period_id FROM billing_periods bp WHERE bp.subscription_id = v_sub_id AND bp.period_start = v_sub_start;
  IF v_period_id IS NULL THEN
    INSERT INTO billing_periods (subscription_id, user_id, period_start, period_end, basis_cents)
      VALUES (v_sub_id, p_user_id, v_sub_start, v_sub_end, v_plan_cents)
      ON CONFLICT (subscription_id, period_start) DO NOTHING;
    SELECT bp.id INTO v_period_id FROM billing_periods bp WHERE bp.subscription_id = v_sub_id AND bp.period_start = v_sub_start;
  END IF;

  -- Once per member, flow and period: the unique key decides, even for parallel requests.
  INSERT INTO copies (user_id, flow_id, creator_id, billing_period_id)
    VALUES (p_user_id, v_flow_id, v_author_id, v_period_id)
    ON CONFLICT DO NOTHING
    RETURNING id, copies.copied_at INTO v_copy_id, v_copied_at;
  IF v_copy_id IS NULL THEN
    RETURN QUERY SELECT 'duplicate', NULL::uuid, v_flow_id, NULL::timestamptz, bp.copies_count, bp.counted_copies, false, bp.period_end, v_body, v_sub_status, NULL::timestamptz
      FROM billing_periods bp WHERE bp.id = v_period_id;
    RETURN;
  END IF;

  -- The subscriber-period row, locked: one subscriber's parallel copies take turns here, from any process.
  -- NO KEY UPDATE, not UPDATE: the copy just inserted holds a KEY SHARE lock on this row through its foreign key.
  SELECT bp.copies_count, bp.counted_copies, bp.status, bp.basis_cents, bp.refunded_cents, bp.period_end,
         bp.status <> 'void' AND bp.counted_copies < p_paid_cap
           AND bp.earned_cents + p_rate_cents <= period_pool_cents(bp.status, bp.basis_cents, bp.refunded_cents, p_share_percent)
    INTO v_copies, v_counted, v_period_status, v_basis, v_refunded, v_period_end, v_is_counted
    FROM billing_periods bp WHERE bp.id = v_period_id
     FOR NO KEY UPDATE;
  IF v_copies >= p_copy_limit THEN
    -- Over the fair-use limit: the copy is not kept.
    DELETE FROM copies WHERE id = v_copy_id;
    RETURN QUERY SELECT 'limit', NULL::uuid, v_flow_id, NULL::timestamptz, v_copies, v_counted, false, v_period_end, NULL::text, v_sub_status, NULL::timestamptz;
    RETURN;
  END IF;
  -- Paid only for a premium flow copied by someone other than its author, under the cap, while the pool covers it.
  v_is_counted := v_is_counted AND v_is_premium AND v_author_id <> p_user_id;
  UPDATE billing_periods SET
      copies_count = copies_count + 1,
      counted_copies = counted_copies + CASE WHEN v_is_counted THEN 1 ELSE 0 END,
      earned_cents = earned_cents + CASE WHEN v_is_counted THEN p_rate_cents ELSE 0 END,
      updated_at = now()
   WHERE id = v_period_id
   RETURNING billing_periods.copies_count, billing_periods.counted_copies, billing_periods.earned_cents INTO v_copies, v_counted, v_earned;

  IF v_is_counted THEN
    UPDATE copies SET is_counted = true, payout_cents = p_rate_cents WHERE id = v_copy_id;
    -- The creator's net from the period is period_net_cents of its gross (the same rule the rebalance after a refund
    -- applies); the ledger moves by the change. The period row's lock serializes every write of this row's net.
    SELECT pe.net_cents INTO v_old_net FROM period_earnings pe WHERE pe.creator_id = v_author_id AND pe.billing_period_id = v_period_id;
    INSERT INTO period_earnings AS pe (creator_id, billing_period_id, state, gross_cents, net_cents, counted_copies)
      VALUES (v_author_id, v_period_id, CASE WHEN v_period_status = 'paid' THEN 'held' ELSE 'pending' END,
              p_rate_cents, period_net_cents(p_rate_cents, v_period_status, v_basis, v_refunded, v_earned, p_share_percent), 1)
      ON CONFLICT (creator_id, billing_period_id) DO UPDATE SET
        gross_cents = pe.gross_cents + excluded.gross_cents,
        net_cents = period_net_cents(pe.gross_cents + excluded.gross_cents, v_period_status, v_basis, v_refunded, v_earned, p_share_percent),
        counted_copies = pe.counted_copies + 1,
        updated_at = now()
      RETURNING pe.state, pe.net_cents INTO v_state, v_net;
    v_delta := v_net - coalesce(v_old_net, 0);
    IF v_delta <> 0 THEN
      INSERT INTO ledger_transactions (kind, key, billing_period_id, copy_id)
        VALUES ('copy.earned', 'copy:' || v_copy_id, v_period_id, v_copy_id) RETURNING id INTO v_transaction_id;
      INSERT INTO ledger_entries (transaction_id, account, creator_id, billing_period_id, amount_cents) VALUES
        (v_transaction_id, CASE v_state WHEN 'pending' THEN 'creator_pending' WHEN 'held' THEN 'creator_held' ELSE 'creator_available' END,
         v_author_id, v_period_id, v_delta),
        (v_transaction_id, 'platform_creator_expense', NULL, v_period_id, -v_delta);
    END IF;
  END IF;

  -- One of several counter rows per flow, so a popular flow is not one hot row.
  INSERT INTO flow_copy_counters AS c (flow_id, shard, copies)
    VALUES (v_flow_id, floor(random() * p_counter_shards)::int, 1)
    ON CONFLICT (flow_id, shard) DO UPDATE SET copies = c.copies + 1;

  RETURN QUERY SELECT 'recorded', v_copy_id, v_flow_id, v_copied_at, v_copies, v_counted, v_is_counted, v_period_end, v_body, v_sub_status, NULL::timestamptz;
END;
$$;
