-- A billing period's money (SPEC §4, §6, §8): the creator pool and what a creator keeps from the period after refunds,
-- disputes or a repricing. The one authority: record_copy counts against period_pool_cents and writes
-- period_net_cents; the rebalance after a refund (ledger repository, reapplyEarningsFactor) rewrites every creator's net
-- with period_net_cents; reconcile checks the pool with period_pool_cents. No TypeScript restates them; the parity
-- test (test/record-copy-parity.test.ts) drives them through record_copy and the rebalance.
-- Applied by migrate() after the migrations, every time (CREATE OR REPLACE): edit here, not in a migration.

-- floor(share% × what the period kept): the most its creators may ever earn from it. A void period keeps nothing.
CREATE OR REPLACE FUNCTION period_pool_cents(p_status text, p_basis_cents bigint, p_refunded_cents bigint, p_share_percent integer)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_status = 'void' THEN 0::bigint
              ELSE p_share_percent::bigint * greatest(p_basis_cents - p_refunded_cents, 0) / 100 END
$$;

-- What a creator keeps of the gross it earned in the period: floor(gross × factor), where the factor is the refund
-- proportion kept / basis, or, if the pool has shrunk below what the period earned (an invoice lower than the basis
-- the copies were counted against), pool / earned. Either way Σ net ≤ pool for any split across creators, so the
-- invariant holds after every refund, dispute or repricing. A void period, or one with no basis, keeps nothing.
-- p_earned_cents is the whole period's gross (billing_periods.earned_cents), including p_gross_cents.
CREATE OR REPLACE FUNCTION period_net_cents(
  p_gross_cents bigint,
  p_status text,
  p_basis_cents bigint,
  p_refunded_cents bigint,
  p_earned_cents bigint,
  p_share_percent integer
) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN p_status = 'void' OR p_basis_cents <= 0 THEN 0::bigint
    WHEN p_earned_cents = 0
      OR greatest(p_basis_cents - p_refunded_cents, 0) * p_earned_cents
         <= period_pool_cents(p_status, p_basis_cents, p_refunded_cents, p_share_percent) * p_basis_cents
      THEN p_gross_cents * greatest(p_basis_cents - p_refunded_cents, 0) / p_basis_cents
    ELSE p_gross_cents * period_pool_cents(p_status, p_basis_cents, p_refunded_cents, p_share_percent) / p_earned_cents
  END
$$;
