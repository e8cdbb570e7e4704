import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/rows.js';

/** One counted hit: how many hits the key's current window holds, this one included, and when the window ends. */
export type RateLimitHit = { hits: number; resetInMs: number };

/**
 * Counts a hit on `key` in a fixed window of `windowMs`, in one atomic upsert shared by every process: a window
 * that has ended starts again at 1 (the row is reset in place). The same shape as the copy's limit in record_copy.
 * The remaining time is measured on the database's clock, so the processes' clocks do not matter.
 */
export async function countRateLimitHit(db: Db, key: string, windowMs: number): Promise<RateLimitHit> {
  const result = await db.execute(sql`
    insert into rate_limits as r (key, hits, reset_at)
    values (${key}, 1, now() + ${windowMs}::integer * interval '1 millisecond')
    on conflict (key) do update set
      hits = case when r.reset_at <= now() then 1 else r.hits + 1 end,
      reset_at = case when r.reset_at <= now() then excluded.reset_at else r.reset_at end
    returning r.hits, greatest(0, ceil(extract(epoch from r.reset_at - now()) * 1000))::integer as reset_in_ms`);
  const [row] = rowsOf<{ hits: number; reset_in_ms: number }>(result);
  return { hits: Number(row!.hits), resetInMs: Number(row!.reset_in_ms) };
}

/** Takes back one hit of the key's current window (an attempt that turned out not to count, e.g. a good login). */
export async function uncountRateLimitHit(db: Db, key: string): Promise<void> {
  await db.execute(sql`update rate_limits set hits = hits - 1 where key = ${key} and reset_at > now() and hits > 0`);
}

/**
 * Deletes windows that have ended (an ended window counts as no row at all), at most `batch` rows a call. Rows a
 * concurrent hit holds are skipped, so two processes can run it at once; the rest waits for the next run.
 */
export async function deleteEndedRateLimits(db: Db, batch = 10_000): Promise<number> {
  const result = await db.execute(sql`
    delete from rate_limits where key in (
      select key from rate_limits where reset_at <= now() limit ${batch}::integer for update skip locked)
    returning key`);
  return rowsOf(result).length;
}
