import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/rows.js';

/** One counted hit: how many hits the key's current window holds, this one included, and when the window ends. */
export type RateLimitHit = { hits: number; resetInMs: number };

/** Hits on one key to count at once (a process's hits gathered since its last count: modules/rate-limits/counter.ts). */
export type RateLimitHits = { key: string; hits: number; windowMs: number };
/** A key's window after counting: its hits (every process's), when it ends, and which window it is (its end, ms since 1970 on the database's clock). */
export type RateLimitWindow = RateLimitHit & { windowEndsAt: number };

/**
 * Counts a hit on `key` in a fixed window of `windowMs`, in one atomic upsert shared by every process: a window
 * that has ended starts again at 1 (the row is reset in place). The same shape as the copy's limit in record_copy.
 * The remaining time is measured on the database's clock, so the processes' clocks do not matter.
 */
export async function countRateLimitHit(db: Db, key: string, windowMs: number): Promise<RateLimitHit> {
  const [window] = await countRateLimitHits(db, [{ key, hits: 1, windowMs }]);
  return { hits: window!.hits, resetInMs: window!.resetInMs };
}

/**
 * Counts hits on several keys in one statement (the same upsert as countRateLimitHit, hits at a time): a window
 * that has ended starts again at the hits counted now. Keys are written in order, so two processes counting the
 * same keys at once wait for each other but never deadlock. Answers each key's window, in the order given.
 */
export async function countRateLimitHits(db: Db, counted: readonly RateLimitHits[]): Promise<RateLimitWindow[]> {
  if (counted.length === 0) return [];
  // Arrays as single parameters (drizzle would spread a plain JS array into a list).
  const keys = sql.param(counted.map((c) => c.key));
  const hits = sql.param(counted.map((c) => c.hits));
  const windows = sql.param(counted.map((c) => c.windowMs));
  const result = await db.execute(sql`
    insert into rate_limits as r (key, hits, reset_at)
    select c.key, c.hits, now() + c.window_ms * interval '1 millisecond'
      from unnest(${keys}::text[], ${hits}::integer[], ${windows}::integer[]) as c(key, hits, window_ms)
     order by c.key
    on conflict (key) do update set
      hits = case when r.reset_at <= now() then excluded.hits else r.hits + excluded.hits end,
      reset_at = case when r.reset_at <= now() then excluded.reset_at else r.reset_at end
    returning r.key, r.hits, greatest(0, ceil(extract(epoch from r.reset_at - now()) * 1000))::integer as reset_in_ms,
              floor(extract(epoch from r.reset_at) * 1000)::bigint as window_ends_at`);
  const byKey = new Map(
    rowsOf<{ key: string; hits: number; reset_in_ms: number; window_ends_at: number | string }>(result).map((row) => [
      row.key,
      { hits: Number(row.hits), resetInMs: Number(row.reset_in_ms), windowEndsAt: Number(row.window_ends_at) },
    ]),
  );
  return counted.map((c) => byKey.get(c.key)!);
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
