import pg from 'pg';

/**
 * Set-based seeding (generate_series) of what months of copying leave behind, shaped as the app writes it:
 * `creators` creators with connected accounts and payouts enabled, 3 flows per creator on average (every creator one,
 * the rest skewed toward the first creators, so earnings range from a few cents to hundreds of dollars), subscribers
 * with one paid period each copying 80 distinct flows over its 30 days (counted, 7 ¢), one `copy.earned` ledger
 * transaction per copy (creator_held / platform_creator_expense), and every creator-period past its hold, released to
 * creator_available.
 *
 * Triggers (the ledger's balance check, foreign keys) are off while loading (session_replication_role = replica);
 * `verifyLedger` checks the balance afterwards with one aggregate.
 */
export async function seedPayoutData(url: string, input: { copies: number; creators: number; accountIds: string[] }) {
  const copiesPerSubscriber = 80;
  const subscribers = Math.ceil(input.copies / copiesPerSubscriber);
  const flows = input.creators * 3;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const timings: Record<string, number> = {};
  const step = async (name: string, statement: string, values: unknown[] = []) => {
    const started = performance.now();
    await client.query(statement, values);
    timings[name] = (timings[name] ?? 0) + performance.now() - started;
  };
  try {
    await client.query('set session_replication_role = replica');
    await client.query(`set work_mem = '256MB'`);
    await step(
      'creators',
      `create table bench_creators as
         select i, gen_random_uuid() as id, ($1::text[])[i + 1] as account_id from generate_series(0, ${input.creators - 1}) i`,
      [input.accountIds],
    );
    await step(
      'creators',
      `insert into users (id, email, username, password_hash, connect_account_id, payouts_enabled)
         select id, 'creator' || i || '@bench.test', 'creator' || i, 'x', account_id, true from bench_creators`,
    );
    await step(
      'flows',
      `create table bench_flows as
         select f, gen_random_uuid() as id,
                case when f < ${input.creators} then f
                     else floor(${input.creators} * power((f - ${input.creators})::float8 / ${flows - input.creators}, 2))::int end as creator_i
           from generate_series(0, ${flows - 1}) f;
       insert into flows (id, slug, title, summary, body, author_id, search_vector)
         select bf.id, 'bench-flow-' || bf.f, 'Flow ' || bf.f, 'A benchmark flow', 'Do the thing.', c.id, to_tsvector('simple', 'flow')
           from bench_flows bf join bench_creators c on c.i = bf.creator_i;`,
    );
    await step(
      'subscribers and paid periods',
      `create table bench_subscribers as
         select s, gen_random_uuid() as id, gen_random_uuid() as period_id from generate_series(0, ${subscribers - 1}) s;
       insert into users (id, email, username, password_hash)
         select id, 'subscriber' || s || '@bench.test', 'subscriber' || s, 'x' from bench_subscribers;
       insert into subscriptions (id, user_id, customer_id, status, current_period_start, current_period_end, plan_amount_cents)
         select 'sub_bench_' || s, id, 'cus_bench_' || s, 'active', now() - interval '90 days', now() - interval '60 days', 1000 from bench_subscribers;
       insert into billing_periods (id, subscription_id, user_id, period_start, period_end, status, basis_cents, amount_paid_cents, paid_at,
                                    copies_count, counted_copies, earned_cents, invoice_id)
         select period_id, 'sub_bench_' || s, id, now() - interval '90 days', now() - interval '60 days', 'paid', 1000, 1000,
                now() - interval '90 days', ${copiesPerSubscriber}, ${copiesPerSubscriber}, ${copiesPerSubscriber * 7}, 'in_bench_' || s
           from bench_subscribers;
       insert into invoices (id, subscription_id, customer_id, billing_period_id, status, subtotal_cents, total_cents,
                             amount_due_cents, amount_paid_cents, collected_cents, paid_at)
         select 'in_bench_' || s, 'sub_bench_' || s, 'cus_bench_' || s, period_id, 'paid', 1000, 1000, 1000, 1000, 1000,
                now() - interval '90 days'
           from bench_subscribers;`,
    );
    // k × 104729 (a prime) mod the flow count is distinct for k = 1..80: each subscriber copies 80 different flows.
    await step(
      'copies',
      `insert into copies (id, user_id, flow_id, creator_id, billing_period_id, is_counted, payout_cents, copied_at)
         select gen_random_uuid(), s.id, f.id, c.id, s.period_id, true, 7,
                now() - interval '90 days' + ((s.s * 7 + k * 13) % 720) * interval '1 hour'
           from bench_subscribers s
          cross join generate_series(1, ${copiesPerSubscriber}) k
           join bench_flows f on f.f = (s.s * 7919 + k * 104729) % ${flows}
           join bench_creators c on c.i = f.creator_i
          where s.s * ${copiesPerSubscriber} + k <= ${input.copies};`,
    );
    await step(
      'ledger: one copy.earned per copy',
      `with t as (
         insert into ledger_transactions (id, kind, key, billing_period_id, copy_id, created_at)
         select gen_random_uuid(), 'copy.earned', copy_transaction_key(c.id), c.billing_period_id, c.id, c.copied_at from copies c
         returning id, copy_id, billing_period_id
       )
       insert into ledger_entries (transaction_id, account, creator_id, billing_period_id, amount_cents)
       select t.id, leg.account, case when leg.sign > 0 then c.creator_id end, t.billing_period_id, leg.sign * c.payout_cents
         from t join copies c on c.id = t.copy_id
        cross join (values ('creator_held', 1), ('platform_creator_expense', -1)) as leg(account, sign);`,
    );
    await step(
      'period earnings, released past the hold',
      `insert into period_earnings (creator_id, billing_period_id, state, gross_cents, net_cents, counted_copies, released_at)
         select creator_id, billing_period_id, 'available', sum(payout_cents), sum(payout_cents), count(*), now() - interval '40 days'
           from copies group by creator_id, billing_period_id;
       with t as (
         insert into ledger_transactions (id, kind, key, billing_period_id)
         select gen_random_uuid(), 'earnings.released', 'released:' || billing_period_id || ':' || creator_id, billing_period_id from period_earnings
         returning id, key, billing_period_id
       )
       insert into ledger_entries (transaction_id, account, creator_id, billing_period_id, amount_cents)
       select t.id, leg.account, pe.creator_id, pe.billing_period_id, leg.sign * pe.net_cents
         from t join period_earnings pe on t.key = 'released:' || pe.billing_period_id || ':' || pe.creator_id
        cross join (values ('creator_held', -1), ('creator_available', 1)) as leg(account, sign);`,
    );
    await client.query('set session_replication_role = origin');
    // The rows above were written with triggers off: the creators' running totals are built from them once.
    await step('creator totals', 'select rebuild_creator_totals();');
    await step('analyze', 'drop table bench_flows, bench_subscribers, bench_creators; analyze;');
    const counts = await client.query<{ copies: string; entries: string; earnings: string }>(
      `select (select count(*) from copies) as copies, (select count(*) from ledger_entries) as entries, (select count(*) from period_earnings) as earnings`,
    );
    return { timings, subscribers, flows, ...mapCounts(counts.rows[0]!) };
  } finally {
    await client.end();
  }
}

function mapCounts(row: { copies: string; entries: string; earnings: string }) {
  return { copyRows: Number(row.copies), ledgerEntries: Number(row.entries), earningRows: Number(row.earnings) };
}

/** Every ledger transaction sums to zero (what the deferred trigger checks at commit, done once for the bulk load). */
export async function verifyLedger(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>(
      `select count(*) as n from (select transaction_id from ledger_entries group by transaction_id having sum(amount_cents) <> 0) x`,
    );
    return Number(result.rows[0]!.n);
  } finally {
    await client.end();
  }
}
