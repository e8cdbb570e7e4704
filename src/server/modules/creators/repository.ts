import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/rows.js';
import type { EarningState } from '../../db/schema.js';

/** Counted copies of the creator's flows by calendar month (UTC), with the least advanced state among them. */
export async function monthlyEarnings(db: Db, creatorId: string) {
  const result = await db.execute(sql`
    select to_char(date_trunc('month', c.copied_at at time zone 'UTC'), 'YYYY-MM') as month,
           count(*)::int as copy_count,
           sum(c.payout_cents)::bigint as amount_cents,
           min(case pe.state when 'pending' then 1 when 'held' then 2 when 'available' then 3 when 'paid' then 4 else 5 end) as stage
      from copies c
      join period_earnings pe on pe.creator_id = c.creator_id and pe.billing_period_id = c.billing_period_id
     where c.creator_id = ${creatorId} and c.is_counted
     group by 1
     order by 1 desc
     limit 24`);
  const stages: EarningState[] = ['pending', 'held', 'available', 'paid', 'void'];
  return rowsOf<{ month: string; copy_count: number; amount_cents: string; stage: number }>(result).map((row) => ({
    month: row.month,
    copy_count: Number(row.copy_count),
    amount_cents: Number(row.amount_cents),
    status: stages[Number(row.stage) - 1]!,
  }));
}

/** Each of the creator's flows with its copies and what they earned (gross, before any refund reversal). */
export async function flowStats(db: Db, creatorId: string) {
  const result = await db.execute(sql`
    select f.id, f.slug, f.title, f.status, f.is_premium, (f.taken_down_at is not null) as taken_down, f.like_count,
           (select coalesce(sum(copies), 0) from flow_copy_counters fc where fc.flow_id = f.id)::bigint as copy_count,
           count(c.id) filter (where c.is_counted)::int as counted_copies,
           coalesce(sum(c.payout_cents), 0)::bigint as earnings_cents
      from flows f
      left join copies c on c.flow_id = f.id and c.is_counted
     where f.author_id = ${creatorId}
     group by f.id
     order by earnings_cents desc, f.created_at desc`);
  return rowsOf<Record<string, unknown>>(result).map((row) => ({
    flow_id: row.id as string,
    slug: row.slug as string,
    title: row.title as string,
    status: row.status as 'draft' | 'published' | 'archived',
    is_premium: row.is_premium as boolean,
    taken_down: row.taken_down as boolean,
    like_count: Number(row.like_count),
    copy_count: Number(row.copy_count),
    counted_copies: Number(row.counted_copies),
    earnings_cents: Number(row.earnings_cents),
  }));
}
