import { and, desc, eq, getTableColumns, type Param, type Placeholder, type SQL, sql } from 'drizzle-orm';
import { type Db, PLANNED_FOR_ITS_VALUES } from '../../db/client.js';
import { isCheckViolation } from '../../db/errors.js';
import { rowsOf } from '../../db/rows.js';
import { createExpiringMap, type ExpiringMap } from '../../expiring-map.js';
import { flowLikes, flows, users } from '../../db/schema.js';
import { type FlowListQuery, RANKED_MATCHES, RESULT_WINDOW } from './schemas.js';

export type FlowRow = typeof flows.$inferSelect;
export type FlowWithAuthor = Omit<FlowRow, 'searchVector' | 'publicSearchVector'> & { authorUsername: string; bodyPreview: string; likedByMe: boolean };

/**
 * A search becomes a tsquery: every word must match, the last one also as a prefix (typing "claim err" finds "claim
 * error"); earlier words match whole (stemmed), so a long query does not fan out into many prefix scans. Everything
 * but letters and digits is dropped.
 */
export function toSearchQuery(q: string): string | undefined {
  const words = q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return undefined;
  const kept = words.slice(0, 12);
  return kept.map((w, i) => (i === kept.length - 1 ? `${w}:*` : w)).join(' & ');
}

const { searchVector: _searchVector, publicSearchVector: _publicSearchVector, ...flowColumns } = getTableColumns(flows);
/** A flow's copies, exact, from the sharded counters (flows.copy_count is their total as of the last refresh, for sorting). */
export const exactCopyCount = sql<number>`(select coalesce(sum(c.copies), 0)::bigint from flow_copy_counters c where c.flow_id = ${flows.id})`.mapWith(Number);
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

/** A list item: the card's fields, never the body, steps or notes (GET /v1/flows/{ref} has those). */
export type FlowListRow = Omit<FlowRow, 'searchVector' | 'publicSearchVector' | 'body' | 'steps' | 'notes'> & {
  authorUsername: string;
  likedByMe: boolean;
};
const { body: _body, steps: _steps, notes: _notes, ...listColumns } = flowColumns;

/** What a list request asks: the values of its statement's placeholders, and how many rows it reads (see bound). */
type ListValues = {
  tsquery: string | undefined;
  tags: string[] | undefined;
  worksWith: string[] | undefined;
  premium: boolean | undefined;
  featured: boolean | undefined;
  author: string | undefined;
  authorId: string | undefined;
  needed: number;
  pageLimit: number;
  offset: number;
};
type ListSort = 'relevance' | 'popular' | 'liked' | 'new';
/** A value of the request: a placeholder in the statement built once per shape, a parameter in one built for this call. */
type ValueOf = (name: keyof ListValues) => Placeholder | Param;

/**
 * The matching flows of a request, kept to `limit` rows in the sort's order when a limit is given. A member's own flows
 * match and rank by their full text, everyone else's by the public document, in one OR: a common word is then one walk
 * along the sort's index testing each flow once, a rare one a BitmapOr of the two documents' indexes. (Two branches, a
 * UNION ALL of everyone else's and the member's own, walked twice and ranked twice the candidates: 0.94 against 0.52
 * ms for a member with 6,946 flows searching a word in a quarter of the library.)
 */
function matchingFlows(db: Db, values: ListValues, scope: SearchScope, sort: ListSort, value: ValueOf, limit: SQL | undefined, walks = false): SQL {
  const matched = searchedWords(values, value, walks);
  // Walked (see isWalkedAlongTheSort): words and tags tested by their operators' functions, which no index serves, so
  // the statement has one plan, the walk along the sort's index, whatever the values, and is prepared and planned once.
  const test = (document: SQL) => (walks ? sql`ts_match_vq(${document}, ${matched})` : sql`${document} @@ ${matched}`);
  // Written out, not a parameter: a prepared statement's generic plan can use the partial indexes (WHERE status =
  // 'published') only if it says which status it wants.
  const filters: SQL[] = [sql`${flows.status} = 'published'`];
  if (values.tags !== undefined) filters.push(walks ? sql`arraycontains(${flows.tags}, ${value('tags')}::text[])` : sql`${flows.tags} @> ${value('tags')}::text[]`);
  if (values.worksWith !== undefined) filters.push(sql`lower(${flows.worksWith}::text)::text[] && ${value('worksWith')}::text[]`);
  if (values.premium !== undefined) filters.push(sql`${flows.isPremium} = ${value('premium')}`);
  if (values.featured !== undefined) filters.push(sql`${flows.featured} = ${value('featured')}`);
  if (values.author !== undefined) filters.push(sql`${flows.authorId} = (select ${users.id} from ${users} where lower(${users.username}) = lower(${value('author')}))`);

  // The order of the sort; relevance picks its candidates by popularity and ranks them afterwards.
  const order = ((): SQL[] => {
    switch (sort) {
      case 'relevance':
      case 'popular':
        return [desc(flows.copyCount), desc(flows.createdAt), desc(flows.id)];
      case 'liked':
        return [desc(flows.likeCount), desc(flows.createdAt), desc(flows.id)];
      case 'new':
        return [desc(flows.createdAt), desc(flows.id)];
    }
  })();
  const [document, matches] = ((): [SQL, SQL | undefined] => {
    if (!matched) return [sql`null::tsvector`, undefined];
    if (scope.readsEveryBody) return [sql`${flows.searchVector}`, test(sql`${flows.searchVector}`)];
    if (!scope.authorId) return [sql`${flows.publicSearchVector}`, test(sql`${flows.publicSearchVector}`)];
    // Walked, the member is also an InitPlan (as the words are, searchedWords): a plan made for the member's id knows
    // how many flows they wrote, so it always looked cheaper than the generic plan, and PostgreSQL planned every
    // request again (0.6 ms of a member's 1.1 ms of database CPU per search).
    const isOwn = walks ? sql`${flows.authorId} = (select ${value('authorId')}::uuid)` : sql`${flows.authorId} = ${value('authorId')}`;
    return [
      sql`case when ${isOwn} then ${flows.searchVector} else ${flows.publicSearchVector} end`,
      sql`(${test(sql`${flows.publicSearchVector}`)} or (${isOwn} and ${test(sql`${flows.searchVector}`)}))`,
    ];
  })();
  const select = db
    .select({ id: flows.id, document: sql<string>`${document}`.as('document'), copyCount: flows.copyCount, likeCount: flows.likeCount, createdAt: flows.createdAt })
    .from(flows)
    .where(and(...filters, matches))
    .$dynamic();
  return limit === undefined ? select.getSQL() : sql`${select.orderBy(...order)} limit ${limit}`;
}

/**
 * The search's words as a tsquery. Walked, they are made once per statement (an InitPlan), not folded into the plan:
 * then the generic plan costs what a plan made for the words does, and PostgreSQL keeps it (plan_cache_mode auto).
 */
function searchedWords(values: ListValues, value: ValueOf, walks: boolean): SQL | undefined {
  if (values.tsquery === undefined) return undefined;
  return walks ? sql`(select to_tsquery('english', ${value('tsquery')}))` : sql`to_tsquery('english', ${value('tsquery')})`;
}

/**
 * How many rows a page's statement reads, written into its text, not sent as a parameter. PostgreSQL plans a prepared
 * statement whose LIMIT is a parameter as if it returned a tenth of the table, so that generic plan always looks
 * dearer than one made for the call's own values, is never chosen, and every call is planned again: on the newest
 * list, planning was most of the database's 0.55 ms per request. Pages are few (at most RESULT_WINDOW rows are paged),
 * so are the statements. The offset stays a parameter: with the limits known the generic plan is as good, and a
 * statement with a parameter is one the connection prepares (db/client.ts).
 */
function bound(count: number): SQL {
  if (!Number.isSafeInteger(count) || count < 0) throw new Error(`a page bound must be a whole number, not ${count}`);
  return sql.raw(String(count));
}

/**
 * The page's statement for a request of this shape (which sort, filters, scope and page size, not their values),
 * with placeholders for the values: built once per shape and database handle, so a list request does not rebuild it.
 * Its text is the same for every request of the shape, so the connection prepares it once and keeps its generic plan
 * (db/client.ts) — unless it filters or searches without being walked (isWalkedAlongTheSort), where
 * PLANNED_FOR_ITS_VALUES has it planned for each request's values instead.
 */
function pageStatement(db: Db, values: ListValues, scope: SearchScope, sort: ListSort, walks: boolean) {
  const shape = JSON.stringify([
    walks,
    values.needed,
    values.pageLimit,
    sort,
    values.tsquery !== undefined,
    values.tags !== undefined,
    values.worksWith !== undefined,
    values.premium !== undefined,
    values.featured !== undefined,
    values.author !== undefined,
    scope.readsEveryBody,
    scope.authorId !== undefined,
  ]);
  let built = pageStatements.get(db);
  if (!built) pageStatements.set(db, (built = new Map<string, PageStatement>()));
  const known = built.get(shape);
  if (known) return known;

  const placeholder: ValueOf = (name) => sql.placeholder(name);
  const matched = searchedWords(values, placeholder, walks);
  const pageOrder = ((): SQL => {
    switch (sort) {
      case 'relevance':
        return sql`ts_rank(m.document, ${matched}) desc, m.copy_count desc, m.created_at desc, m.id desc`;
      case 'popular':
        return sql`m.copy_count desc, m.created_at desc, m.id desc`;
      case 'liked':
        return sql`m.like_count desc, m.created_at desc, m.id desc`;
      case 'new':
        return sql`m.created_at desc, m.id desc`;
    }
  })();
  // One statement: the page's ids in order (one more than the page, to know whether another follows), then their rows.
  const candidates = matchingFlows(db, values, scope, sort, placeholder, bound(values.needed), walks);
  const pageIds = sql`select m.id from (${candidates}) m order by ${pageOrder} limit ${bound(values.pageLimit)} offset ${sql.placeholder('offset')}`;
  // Words and filters decide the best plan (a rare word by its index, a common one along the sort's), so a list that
  // has them is planned for each request's values, never from a prepared generic plan (db/client.ts); unless it is
  // walked, which has one plan whatever the words.
  const isFiltered = [values.tsquery, values.tags, values.worksWith, values.premium, values.featured, values.author].some((v) => v !== undefined);
  const planning = isFiltered && !walks ? PLANNED_FOR_ITS_VALUES : sql``;
  const statement: PageStatement = selectListRowsFor(db, scope.authorId === undefined ? undefined : sql.placeholder('authorId'))
    .innerJoin(sql`${planning} unnest(array(${pageIds})) with ordinality as page (id, position)`, sql`page.id = ${flows.id}`)
    .orderBy(sql`page.position`)
    .prepare(undefined as unknown as string);
  if (built.size >= PAGE_STATEMENTS_KEPT) built.delete(built.keys().next().value!);
  built.set(shape, statement);
  return statement;
}

/** Page statements by database handle (bench and test handles have their own) and shape; shapes are few (< 2,000). */
type PageStatement = { execute(values: ListValues): Promise<FlowListRow[]> };
const pageStatements = new WeakMap<Db, Map<string, PageStatement>>();
const PAGE_STATEMENTS_KEPT = 2_000;

/**
 * One page of published flows, and whether more follow (one row past the page is read). The matching
 * (matchingFlows) keeps only the rows the page can need — in the sort's order, by the partial indexes of migration
 * 0014 — and relevance ranks only the RANKED_MATCHES most copied matches, so no request reads or ranks every match.
 */
export async function listPublishedFlows(
  db: Db,
  query: FlowListQuery,
  scope: SearchScope,
): Promise<{ rows: FlowListRow[]; hasMore: boolean; total: number; totalIsExact: boolean }> {
  const tsquery = query.q ? toSearchQuery(query.q) : undefined;
  const sort: ListSort = query.sort === 'relevance' && !tsquery ? 'new' : (query.sort ?? (tsquery ? 'relevance' : 'new'));
  const offset = (query.page - 1) * query.page_size;
  const values: ListValues = {
    tsquery,
    tags: query.tags?.length ? query.tags.map((t) => t.toLowerCase()) : undefined,
    worksWith: query.works_with?.length ? query.works_with.map((t) => t.toLowerCase()) : undefined,
    premium: query.premium,
    featured: query.featured,
    // An empty value filters nothing. What is undefined here decides the statement's shape, so nothing else may.
    author: query.author || undefined,
    authorId: scope.authorId,
    needed: sort === 'relevance' ? RANKED_MATCHES : offset + query.page_size + 1,
    pageLimit: query.page_size + 1,
    offset,
  };
  const matchKey = JSON.stringify([tsquery, values.tags, values.worksWith, query.premium, query.featured, values.author, scope.readsEveryBody, scope.authorId]);
  const parameter: ValueOf = (name) => sql.param(values[name] ?? null);
  const walks = await isWalkedAlongTheSort(db, values, () => matchingFlows(db, values, scope, sort, parameter, bound(values.needed)), JSON.stringify([matchKey, sort, values.needed]));
  const rows: FlowListRow[] = await pageStatement(db, values, scope, sort, walks).execute(values);
  const window = sort === 'relevance' ? RANKED_MATCHES : RESULT_WINDOW;
  const isLastPage = rows.length <= query.page_size;
  const hasMore = !isLastPage && offset + query.page_size < window;
  const ordered = rows.slice(0, query.page_size);
  // A last page that the window did not cut knows the exact total; otherwise the matches are counted (few) or estimated.
  // The estimate depends only on which flows match (not on the sort or the page): remembered under that, a while.
  // A page past the end (no rows, not the first) says nothing of how many there are: it is counted like any other.
  const isPastTheEnd = rows.length === 0 && offset > 0;
  if (isLastPage && !isPastTheEnd && offset + rows.length < window) return { rows: ordered, hasMore, total: offset + rows.length, totalIsExact: true };
  const known = isPastTheEnd ? 0 : offset + rows.length;
  const total = await countMatches(db, () => matchingFlows(db, values, scope, sort, parameter, undefined), matchKey, known);
  return { rows: ordered, hasMore, total: total.count, totalIsExact: total.isExact };
}

/**
 * Whether a search or a filtered list is walked: its candidates read along the sort's index, testing each flow, from
 * a statement prepared once (pageStatement) instead of one planned for every request's values. Planning a search for
 * its words was most of its database time (0.16–0.24 ms of its CPU; README, Benchmarks), and a prepared generic plan
 * cannot be trusted with it: made without the values, it may read every flow with a common word or tag through that
 * index. So the planner is asked (EXPLAIN, without running it) how it would read the candidates for these values, and
 * its choice is remembered a while per values, scope, sort and depth (WALKS_TTL_MS): where it walks the sort's index
 * (common words, a prefix, a common tag), later requests take the walked statement, which has no other plan; where it
 * reads a word's or a tag's index first (rare ones), they stay planned for their values. Not for an author's flows:
 * their own index (author, then popularity) is the better walk, and the planner's to choose.
 */
async function isWalkedAlongTheSort(db: Db, values: ListValues, candidates: () => SQL, key: string): Promise<boolean> {
  const isFiltered = [values.tsquery, values.tags, values.worksWith, values.premium, values.featured].some((v) => v !== undefined);
  if (!isFiltered || values.author !== undefined) return false;
  let remembered = walkedSearches.get(db);
  if (!remembered) walkedSearches.set(db, (remembered = createExpiringMap<string, boolean>(WALKS_KEPT)));
  const now = Date.now();
  const known = remembered.get(key, now);
  if (known !== undefined) return known;
  const [row] = rowsOf<{ 'QUERY PLAN': unknown }>(await db.execute(sql`${PLANNED_FOR_ITS_VALUES} explain (format json) ${candidates()}`));
  const plan: unknown = typeof row?.['QUERY PLAN'] === 'string' ? JSON.parse(row['QUERY PLAN']) : row?.['QUERY PLAN'];
  // The candidates' LIMIT reads straight from an index scan: the sort's index, in its order, stopping at the limit. A
  // bitmap of the word's index, or a scan of the table, reads every match and sorts them.
  const limit = (plan as [{ Plan: PlanNode }])[0].Plan;
  const isWalk = limit['Node Type'] === 'Limit' && limit.Plans?.[0]?.['Node Type'] === 'Index Scan';
  remembered.set(key, isWalk, now + WALKS_TTL_MS);
  return isWalk;
}

type PlanNode = { 'Node Type': string; Plans?: PlanNode[] };
/** The planner's choices by database handle (each has its own statistics) and search; at most WALKS_KEPT, oldest first out. */
const walkedSearches = new WeakMap<Db, ExpiringMap<string, boolean>>();
const WALKS_TTL_MS = 60_000;
const WALKS_KEPT = 1_000;

/**
 * How many rows the matching flows' query has: counted exactly when the planner expects at most RESULT_WINDOW
 * (counting stops past it, so its cost stays bounded even when the estimate was low), else the planner's estimate.
 * `atLeast` rows are known to exist, which a stale estimate must not undercut. The query is built only when a
 * statement needs it: most requests find their estimate remembered (estimateRows).
 */
async function countMatches(db: Db, matching: () => SQL, matchKey: string, atLeast: number): Promise<{ count: number; isExact: boolean }> {
  const estimate = await estimateRows(db, matching, matchKey);
  if (estimate <= RESULT_WINDOW) {
    const [row] = rowsOf<{ count: number }>(await db.execute(sql`${PLANNED_FOR_ITS_VALUES} select count(*)::int as count from (select 1 from (${matching()}) m limit ${RESULT_WINDOW + 1}) capped`));
    const counted = Number(row?.count ?? 0);
    if (counted <= RESULT_WINDOW) return { count: counted, isExact: true };
  }
  return { count: Math.max(estimate, atLeast, RESULT_WINDOW + 1), isExact: false };
}

/**
 * The planner's estimates (from the table statistics, which ANALYZE refreshes far less often) by match key, for a
 * minute: most list requests then need two statements, not three. At most ESTIMATES_KEPT keys, the oldest dropped first.
 */
const ESTIMATE_TTL_MS = 60_000;
const ESTIMATES_KEPT = 1_000;
const estimates = createExpiringMap<string, number>(ESTIMATES_KEPT);

/** The planner's row estimate for a query, without running it; remembered per match key (above). */
async function estimateRows(db: Db, matching: () => SQL, matchKey: string): Promise<number> {
  const now = Date.now();
  const known = estimates.get(matchKey, now);
  if (known !== undefined) return known;
  const [row] = rowsOf<{ 'QUERY PLAN': unknown }>(await db.execute(sql`${PLANNED_FOR_ITS_VALUES} explain (format json) ${matching()}`));
  const plan: unknown = typeof row?.['QUERY PLAN'] === 'string' ? JSON.parse(row['QUERY PLAN']) : row?.['QUERY PLAN'];
  const rows = Math.round(Number((plan as [{ Plan: { 'Plan Rows': number } }])[0].Plan['Plan Rows']) || 0);
  estimates.set(matchKey, rows, now + ESTIMATE_TTL_MS);
  return rows;
}

/**
 * The list columns of a page's flows for a viewer. The author and the viewer's like are one primary-key probe per
 * row (a join would let the planner hash every member for a page of twenty).
 */
function selectListRowsFor(db: Db, viewerId: Placeholder | undefined) {
  return db
    .select({
      ...listColumns,
      copyCount: exactCopyCount,
      authorUsername: sql<string>`(select ${users.username} from ${users} where ${users.id} = ${flows.authorId})`,
      likedByMe: viewerId
        ? sql<boolean>`exists (select 1 from ${flowLikes} where ${flowLikes.flowId} = ${flows.id} and ${flowLikes.userId} = ${viewerId})`
        : sql<boolean>`false`,
    })
    .from(flows)
    .$dynamic();
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
