import { and, desc, eq, getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { isCheckViolation } from '../../db/errors.js';
import { rowsOf } from '../../db/rows.js';
import { flowLikes, flows, users } from '../../db/schema.js';
import type { FlowListQuery } from './schemas.js';

export type FlowRow = typeof flows.$inferSelect;
export type FlowWithAuthor = Omit<FlowRow, 'searchVector' | 'publicSearchVector'> & { authorUsername: string; bodyPreview: string; likedByMe: boolean };

/** Words become prefix terms ("linked" finds LinkedIn); everything but letters and digits is dropped. */
export function toPrefixQuery(q: string): string | undefined {
  const words = q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.length === 0 ? undefined : words.slice(0, 12).map((w) => `${w}:*`).join(' & ');
}

const { searchVector: _searchVector, publicSearchVector: _publicSearchVector, ...flowColumns } = getTableColumns(flows);
// The exact count from the sharded counters (flows.copy_count is their periodic total, for sorting).
const exactCopyCount = sql<number>`(select coalesce(sum(c.copies), 0)::bigint from flow_copy_counters c where c.flow_id = ${flows.id})`.mapWith(Number);
// What a caller who may not read the body sees of it: the database's flow_preview (migration 0005) is the one
// definition, shared with the public search document.
const bodyPreview = sql<string>`flow_preview(${flows.body})`;
const withAuthor = { ...flowColumns, copyCount: exactCopyCount, authorUsername: users.username, bodyPreview };

/**
 * The flow's columns for a viewer (`viewerId` undefined: a guest): `likedByMe` comes from a LEFT JOIN on the
 * flow_likes primary key (flow_id, user_id), one index probe per row, never a scan.
 */
function selectFlowsFor(db: Db, viewerId: string | undefined) {
  if (!viewerId) {
    return db.select({ ...withAuthor, likedByMe: sql<boolean>`false` }).from(flows).innerJoin(users, eq(users.id, flows.authorId)).$dynamic();
  }
  return db
    .select({ ...withAuthor, likedByMe: sql<boolean>`(${flowLikes.userId} is not null)` })
    .from(flows)
    .innerJoin(users, eq(users.id, flows.authorId))
    .leftJoin(flowLikes, and(eq(flowLikes.flowId, flows.id), eq(flowLikes.userId, viewerId)))
    .$dynamic();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A flow reference is its id or its slug (slugs are lower case). */
function refersTo(ref: string): SQL {
  return UUID.test(ref) ? eq(flows.id, ref) : eq(flows.slug, ref.toLowerCase());
}

export async function insertFlowWithFreeSlug(
  db: Db,
  values: Omit<typeof flows.$inferInsert, 'slug' | 'searchVector' | 'publicSearchVector'>,
  baseSlug: string,
): Promise<FlowRow> {
  // The unique index decides; on a clash try a suffixed slug. ON CONFLICT keeps the transaction usable.
  for (let attempt = 0; attempt < 20; attempt++) {
    const slug = attempt === 0 ? baseSlug : `${baseSlug}-${attempt < 5 ? attempt + 1 : Math.random().toString(36).slice(2, 7)}`;
    const [row] = await db
      .insert(flows)
      .values({ ...values, slug })
      .onConflictDoNothing({ target: flows.slug })
      .returning();
    if (row) return row;
  }
  throw new Error(`no free slug for ${baseSlug}`);
}

/**
 * The search documents follow the columns by themselves (a trigger, migration 0005). A flow an operator took down
 * cannot be published (the CHECK flows_taken_down_check, SPEC §14): that refusal is the answer 'taken_down' (the
 * statement failed, so the caller's transaction is aborted and must end).
 */
export async function updateFlow(db: Db, id: string, values: Partial<typeof flows.$inferInsert>): Promise<FlowRow | 'taken_down' | undefined> {
  try {
    const [row] = await db
      .update(flows)
      .set({ ...values, updatedAt: new Date() })
      .where(eq(flows.id, id))
      .returning();
    return row;
  } catch (error) {
    if (isCheckViolation(error, 'flows_taken_down_check')) return 'taken_down';
    throw error;
  }
}

/** Dates a flow as if made, edited and published at `at` (demo history: updateFlow would stamp now). */
export async function setFlowDates(db: Db, id: string, at: Date): Promise<void> {
  await db.update(flows).set({ createdAt: at, updatedAt: at, publishedAt: at }).where(eq(flows.id, id));
}

export async function findFlowByRef(db: Db, ref: string, viewerId?: string): Promise<FlowWithAuthor | undefined> {
  const [row] = await selectFlowsFor(db, viewerId).where(refersTo(ref));
  return row;
}

/**
 * Who is searching: a caller who may read every premium body (a subscriber in good standing, an admin) searches the
 * full documents; anyone else only the public ones (a premium flow's title, tags, summary and preview), except for
 * their own flows, so search never reveals locked text.
 */
export type SearchScope = { readsEveryBody: boolean; authorId: string | undefined };

export async function listPublishedFlows(
  db: Db,
  query: FlowListQuery,
  scope: SearchScope,
): Promise<{ rows: FlowWithAuthor[]; total: number }> {
  const conditions: SQL[] = [eq(flows.status, 'published')];
  const tsquery = query.q ? toPrefixQuery(query.q) : undefined;
  const matched = tsquery ? sql`to_tsquery('english', ${tsquery})` : undefined;
  const ownFlow = scope.authorId ? sql`${flows.authorId} = ${scope.authorId}` : sql`false`;
  const document = scope.readsEveryBody
    ? sql`${flows.searchVector}`
    : sql`(case when ${ownFlow} then ${flows.searchVector} else ${flows.publicSearchVector} end)`;
  if (matched) {
    conditions.push(
      scope.readsEveryBody
        ? sql`${flows.searchVector} @@ ${matched}`
        : sql`(${flows.publicSearchVector} @@ ${matched} or (${ownFlow} and ${flows.searchVector} @@ ${matched}))`,
    );
  }
  if (query.tags?.length) conditions.push(sql`${flows.tags} @> ${toTextArray(query.tags.map((t) => t.toLowerCase()))}`);
  if (query.works_with?.length) conditions.push(sql`lower(${flows.worksWith}::text)::text[] && ${toTextArray(query.works_with.map((t) => t.toLowerCase()))}`);
  if (query.premium !== undefined) conditions.push(eq(flows.isPremium, query.premium));
  if (query.featured !== undefined) conditions.push(eq(flows.featured, query.featured));
  if (query.author) conditions.push(sql`lower(${users.username}) = lower(${query.author})`);
  const where = and(...conditions);

  const sort = query.sort ?? (tsquery ? 'relevance' : 'new');
  const orderBy = ((): SQL[] => {
    switch (sort) {
      case 'relevance':
        return matched ? [sql`ts_rank(${document}, ${matched}) desc`, desc(flows.createdAt)] : [desc(flows.createdAt)];
      case 'popular':
        return [desc(flows.copyCount), desc(flows.createdAt)];
      case 'liked':
        return [desc(flows.likeCount), desc(flows.createdAt)];
      case 'new':
        return [desc(flows.createdAt)];
    }
  })();

  const [rows, [count]] = await Promise.all([
    selectFlowsFor(db, scope.authorId)
      .where(where)
      // The id last: pages stay stable when every other key ties (equal like counts and times).
      .orderBy(...orderBy, desc(flows.id))
      .limit(query.page_size)
      .offset((query.page - 1) * query.page_size),
    db.select({ total: sql<number>`count(*)::int` }).from(flows).innerJoin(users, eq(users.id, flows.authorId)).where(where),
  ]);
  return { rows, total: count?.total ?? 0 };
}

export async function listTags(db: Db): Promise<{ tag: string; count: number }[]> {
  const result = await db.execute<{ tag: string; count: number }>(sql`
    select tag, count(*)::int as count
    from ${flows}, unnest(${flows.tags}) as tag
    where ${flows.status} = 'published'
    group by tag
    order by count desc, tag asc
    limit 200`);
  return rowsOf(result);
}

function toTextArray(values: string[]): SQL {
  return sql`array[${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )}]::text[]`;
}

/** The member's flows (every status) become archived: off the library, their copies and earnings kept. */
export async function archiveFlowsOfAuthor(db: Db, authorId: string): Promise<number> {
  const rows = await db
    .update(flows)
    .set({ status: 'archived', updatedAt: new Date() })
    .where(and(eq(flows.authorId, authorId), sql`${flows.status} <> 'archived'`))
    .returning({ id: flows.id });
  return rows.length;
}

/**
 * The member likes the flow, if it is published: one row per member and flow (the primary key), so liking twice, or
 * twenty times at once, is one like; the trigger of migration 0013 keeps flows.like_count in step. Undefined when no
 * published flow has that reference.
 */
export async function insertLike(db: Db, ref: string, userId: string): Promise<{ flowId: string } | undefined> {
  const [flow] = await db
    .select({ id: flows.id })
    .from(flows)
    .where(and(refersTo(ref), eq(flows.status, 'published')));
  if (!flow) return undefined;
  // Insert or nothing, never read-then-write: a second like of the same flow waits for the first and then does nothing.
  await db.insert(flowLikes).values({ flowId: flow.id, userId }).onConflictDoNothing();
  return { flowId: flow.id };
}

/** The member's like goes, if there was one (the trigger lowers like_count); undefined when no published flow has that reference. */
export async function deleteLike(db: Db, ref: string, userId: string): Promise<{ flowId: string } | undefined> {
  const [flow] = await db
    .select({ id: flows.id })
    .from(flows)
    .where(and(refersTo(ref), eq(flows.status, 'published')));
  if (!flow) return undefined;
  await db.delete(flowLikes).where(and(eq(flowLikes.flowId, flow.id), eq(flowLikes.userId, userId)));
  return { flowId: flow.id };
}

/** The flow's like count and whether this member likes it, as the caller's transaction sees them. */
export async function findLikeState(db: Db, flowId: string, userId: string): Promise<{ likeCount: number; likedByMe: boolean }> {
  const [row] = await db
    .select({ likeCount: flows.likeCount, likedByMe: sql<boolean>`(${flowLikes.userId} is not null)` })
    .from(flows)
    .leftJoin(flowLikes, and(eq(flowLikes.flowId, flows.id), eq(flowLikes.userId, userId)))
    .where(eq(flows.id, flowId));
  return { likeCount: row?.likeCount ?? 0, likedByMe: row?.likedByMe ?? false };
}
