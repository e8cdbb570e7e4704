import { and, desc, eq, getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/rows.js';
import { flows, users } from '../../db/schema.js';
import type { FlowListQuery } from './schemas.js';

export type FlowRow = typeof flows.$inferSelect;
export type FlowWithAuthor = Omit<FlowRow, 'searchVector'> & { authorUsername: string };

export type FlowContent = Pick<FlowRow, 'title' | 'summary' | 'body' | 'tags'>;

/** The weighted search document: title first, then tags and summary, then the body. */
function searchVectorOf(flow: FlowContent): SQL {
  return sql`setweight(to_tsvector('english', ${flow.title}), 'A')
    || setweight(to_tsvector('english', ${flow.tags.join(' ')} || ' ' || ${flow.summary}), 'B')
    || setweight(to_tsvector('english', ${flow.body}), 'C')`;
}

/** Words become prefix terms ("linked" finds LinkedIn); everything but letters and digits is dropped. */
export function toPrefixQuery(q: string): string | undefined {
  const words = q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.length === 0 ? undefined : words.slice(0, 12).map((w) => `${w}:*`).join(' & ');
}

const { searchVector: _searchVector, ...flowColumns } = getTableColumns(flows);
// The exact count from the sharded counters (flows.copy_count is their periodic total, for sorting).
const exactCopyCount = sql<number>`(select coalesce(sum(c.copies), 0)::bigint from flow_copy_counters c where c.flow_id = ${flows.id})`.mapWith(Number);
const withAuthor = { ...flowColumns, copyCount: exactCopyCount, authorUsername: users.username };

export async function insertFlowWithFreeSlug(
  db: Db,
  values: Omit<typeof flows.$inferInsert, 'slug' | 'searchVector'>,
  baseSlug: string,
): Promise<FlowRow> {
  // The unique index decides; on a clash try a suffixed slug. ON CONFLICT keeps the transaction usable.
  for (let attempt = 0; attempt < 20; attempt++) {
    const slug = attempt === 0 ? baseSlug : `${baseSlug}-${attempt < 5 ? attempt + 1 : Math.random().toString(36).slice(2, 7)}`;
    const [row] = await db
      .insert(flows)
      .values({ ...values, slug, searchVector: searchVectorOf(values as FlowContent) as unknown as string })
      .onConflictDoNothing({ target: flows.slug })
      .returning();
    if (row) return row;
  }
  throw new Error(`no free slug for ${baseSlug}`);
}

/** `content` is the flow's searchable text after the change, when the change touches it: the index follows. */
export async function updateFlow(
  db: Db,
  id: string,
  values: Partial<typeof flows.$inferInsert>,
  content?: FlowContent,
): Promise<FlowRow | undefined> {
  const searchVector = content ? (searchVectorOf(content) as unknown as string) : undefined;
  const [row] = await db
    .update(flows)
    .set({ ...values, searchVector, updatedAt: new Date() })
    .where(eq(flows.id, id))
    .returning();
  return row;
}

export async function findFlowByRef(db: Db, ref: string): Promise<FlowWithAuthor | undefined> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref);
  const [row] = await db
    .select(withAuthor)
    .from(flows)
    .innerJoin(users, eq(users.id, flows.authorId))
    .where(isUuid ? eq(flows.id, ref) : eq(flows.slug, ref.toLowerCase()));
  return row as FlowWithAuthor | undefined;
}

export async function listPublishedFlows(db: Db, query: FlowListQuery): Promise<{ rows: FlowWithAuthor[]; total: number }> {
  const conditions: SQL[] = [eq(flows.status, 'published')];
  const tsquery = query.q ? toPrefixQuery(query.q) : undefined;
  if (tsquery) conditions.push(sql`${flows.searchVector} @@ to_tsquery('english', ${tsquery})`);
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
        return tsquery
          ? [sql`ts_rank(${flows.searchVector}, to_tsquery('english', ${tsquery})) desc`, desc(flows.createdAt)]
          : [desc(flows.createdAt)];
      case 'popular':
        return [desc(flows.copyCount), desc(flows.createdAt)];
      case 'new':
        return [desc(flows.createdAt)];
    }
  })();

  const [rows, [count]] = await Promise.all([
    db
      .select(withAuthor)
      .from(flows)
      .innerJoin(users, eq(users.id, flows.authorId))
      .where(where)
      .orderBy(...orderBy, desc(flows.id))
      .limit(query.page_size)
      .offset((query.page - 1) * query.page_size),
    db.select({ total: sql<number>`count(*)::int` }).from(flows).innerJoin(users, eq(users.id, flows.authorId)).where(where),
  ]);
  return { rows: rows as FlowWithAuthor[], total: count?.total ?? 0 };
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
