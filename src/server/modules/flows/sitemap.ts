import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/rows.js';

/**
 * What /sitemap.xml lists (SPEC §15): every published flow that is not taken down, and the profile of every active
 * member with at least one, each with its last change. Read in keyset pages so a library of any size is listed in
 * bounded memory; a sitemap file holds at most 50,000 URLs (sitemaps.org), so the routes split them into parts.
 */
export const SITEMAP_URLS_PER_FILE = 50_000;

export type SitemapEntry = { path: string; lastModified: Date };

export async function countSitemapFlows(db: Db): Promise<number> {
  const [row] = rowsOf<{ n: number }>(
    await db.execute(sql`select count(*)::int as n from flows f join users u on u.id = f.author_id
                          where f.status = 'published' and f.taken_down_at is null and u.deleted_at is null and u.status = 'active'`),
  );
  return row?.n ?? 0;
}

/** Flows in slug order, `part` (from 0) of SITEMAP_URLS_PER_FILE. */
export async function listSitemapFlows(db: Db, part: number): Promise<SitemapEntry[]> {
  const rows = rowsOf<{ slug: string; updated_at: Date | string }>(
    await db.execute(sql`select f.slug, f.updated_at from flows f join users u on u.id = f.author_id
                          where f.status = 'published' and f.taken_down_at is null and u.deleted_at is null and u.status = 'active'
                          order by f.slug
                          limit ${SITEMAP_URLS_PER_FILE} offset ${part * SITEMAP_URLS_PER_FILE}`),
  );
  return rows.map((row) => ({ path: `/flows/${encodeURIComponent(row.slug)}`, lastModified: new Date(row.updated_at) }));
}

/** Profiles of members with published flows; a profile changes when the member or one of those flows does. */
export async function listSitemapProfiles(db: Db): Promise<SitemapEntry[]> {
  const rows = rowsOf<{ username: string; last_modified: Date | string }>(
    await db.execute(sql`select u.username, greatest(u.updated_at, max(f.updated_at)) as last_modified
                           from users u join flows f on f.author_id = u.id
                          where f.status = 'published' and f.taken_down_at is null and u.deleted_at is null and u.status = 'active'
                          group by u.id
                          order by u.username
                          limit ${SITEMAP_URLS_PER_FILE}`),
  );
  return rows.map((row) => ({ path: `/u/${encodeURIComponent(row.username)}`, lastModified: new Date(row.last_modified) }));
}
