import { eq, type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/server/db/rows.js';
import { flows, subscriptions } from '../src/server/db/schema.js';
import { refreshFlowCopyCounts } from '../src/server/modules/copies/repository.js';
import { getTags, resolveAccess } from '../src/server/modules/flows/service.js';
import { createAdmin, createFlow, createMember, flowInput, giveSubscription, type Member } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';

let t: TestApp;
let author: Member;
beforeAll(async () => {
  t = await createTestApp();
  author = await createMember(t);
});
afterAll(() => t.close());

const countFlows = async () => (await t.database.db.select().from(flows)).length;

describe('POST /v1/flows', () => {
  it('publishes a flow with a slug from its title', async () => {
    const response = await t.request({
      method: 'POST',
      url: '/v1/flows',
      token: author.token,
      payload: flowInput({ title: 'Find Cheap Flights — Ünïcode!', tags: ['Travel', 'travel', 'flights'] }),
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      slug: 'find-cheap-flights-unicode',
      status: 'published',
      is_premium: true,
      locked: false,
      tags: ['travel', 'flights'],
      author: { id: author.id, username: author.username },
      copy_count: 0,
    });
    const again = await createFlow(t, author, { title: 'Find cheap flights unicode' });
    expect(again.slug).toBe('find-cheap-flights-unicode-2');
  });

  it('needs a login', async () => {
    const response = await t.request({ method: 'POST', url: '/v1/flows', payload: flowInput() });
    expect(response.status).toBe(401);
  });

  it.each([
    ['no title', { title: undefined }],
    ['a numeric title', { title: 12345 }],
    ['a huge body', { body: 'x'.repeat(60_000) }],
    ['a bad domain', { target_sites: ['not a domain'] }],
    ['too many tags', { tags: Array.from({ length: 11 }, (_, i) => `tag${i}`) }],
    ['an unknown field', { price: 100 }],
    ['steps that are not strings', { steps: [{ text: 'x' }] }],
  ])('rejects %s with 400 and stores nothing', async (_label, overrides) => {
    const before = await countFlows();
    const response = await t.request({ method: 'POST', url: '/v1/flows', token: author.token, payload: flowInput(overrides) });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(await countFlows()).toBe(before);
  });

  it('lets only admins feature a flow', async () => {
    const response = await t.request({ method: 'POST', url: '/v1/flows', token: author.token, payload: flowInput({ featured: true }) });
    expect(response.status).toBe(403);
    const admin = await createAdmin(t);
    const featured = await t.request({ method: 'POST', url: '/v1/flows', token: admin.token, payload: flowInput({ featured: true }) });
    expect(featured.status).toBe(201);
    expect(featured.body.featured).toBe(true);
  });
});

describe('the paywall', () => {
  it('gives guests and plain members a locked preview of premium flows, and full free flows', async () => {
    const premium = await createFlow(t, author, { is_premium: true });
    const free = await createFlow(t, author, { is_premium: false });
    const member = await createMember(t);
    for (const token of [undefined, member.token]) {
      const locked = await t.request({ method: 'GET', url: `/v1/flows/${premium.slug}`, token });
      expect(locked.status).toBe(200);
      expect(locked.body.locked).toBe(true);
      expect(locked.body.body.length).toBeLessThan(premium.body.length);
      expect(locked.body.body.endsWith('…')).toBe(true);
      expect(locked.body.steps).toHaveLength(2);
      expect(locked.body.notes).toEqual([]);
      const open = await t.request({ method: 'GET', url: `/v1/flows/${free.slug}`, token });
      expect(open.body).toMatchObject({ locked: false, body: free.body });
    }
  });

  it('gives the full body to subscribers in good standing, the author and admins, but not to past_due members', async () => {
    const premium = await createFlow(t, author);
    const subscriber = await createMember(t);
    await giveSubscription(t, subscriber, 'active');
    const trialing = await createMember(t);
    await giveSubscription(t, trialing, 'trialing');
    const lapsed = await createMember(t);
    await giveSubscription(t, lapsed, 'past_due');
    const admin = await createAdmin(t);
    for (const reader of [subscriber, trialing, author, admin]) {
      const response = await t.request({ method: 'GET', url: `/v1/flows/${premium.id}`, token: reader.token });
      expect(response.body).toMatchObject({ locked: false, body: premium.body });
    }
    const response = await t.request({ method: 'GET', url: `/v1/flows/${premium.id}`, token: lapsed.token });
    expect(response.body.locked).toBe(true);
  });

  it('opens at once for a new subscriber, and closes within 4 s of a subscription ending', async () => {
    const member = await createMember(t);
    const viewer = { id: member.id, role: 'member' as const, sessionId: undefined };
    const now = Date.now();
    expect((await resolveAccess(t.database.db, viewer, now)).isSubscriber).toBe(false);
    const { subscriptionId } = await giveSubscription(t, member, 'active');
    // A "no" is never remembered: the paywall opens on the next request.
    expect((await resolveAccess(t.database.db, viewer, now)).isSubscriber).toBe(true);
    await t.database.db.update(subscriptions).set({ status: 'canceled' }).where(eq(subscriptions.id, subscriptionId));
    // A "yes" is remembered for 4 s (as a session is), then asked again.
    expect((await resolveAccess(t.database.db, viewer, now + 3_999)).isSubscriber).toBe(true);
    expect((await resolveAccess(t.database.db, viewer, now + 4_001)).isSubscriber).toBe(false);
  });

  it('applies the same rule in listings', async () => {
    const premium = await createFlow(t, author, { title: `Paywalled listing ${Date.now()}` });
    const list = await t.request({ method: 'GET', url: `/v1/flows?q=${encodeURIComponent(premium.title)}` });
    const item = list.body.items.find((f: { id: string }) => f.id === premium.id);
    expect(item.locked).toBe(true);
    expect(item).not.toHaveProperty('body');
  });
});

describe('GET /v1/flows', () => {
  it('searches title, summary, body and tags by word prefix, filters and paginates with a total', async () => {
    const creator = await createMember(t);
    await createFlow(t, creator, { title: 'Zanzibar hotel finder', tags: ['travel'], works_with: ['Manus'], is_premium: false });
    await createFlow(t, creator, { title: 'Quarterly report drafter', body: 'Write a zanzibarish memo about sales.', tags: ['writing'] });
    await createFlow(t, creator, { title: 'Recipe planner', tags: ['zanzibar-food'], works_with: ['Comet'] });

    const search = await t.request({ method: 'GET', url: '/v1/flows?q=zanzibar' });
    expect(search.status).toBe(200);
    expect(search.body.total).toBe(3);
    expect(search.body.items[0].title).toBe('Zanzibar hotel finder');

    const free = await t.request({ method: 'GET', url: `/v1/flows?q=zanzibar&premium=false` });
    expect(free.body.items.map((f: { title: string }) => f.title)).toEqual(['Zanzibar hotel finder']);
    const byTool = await t.request({ method: 'GET', url: `/v1/flows?author=${creator.username}&works_with=manus,opera%20neon` });
    expect(byTool.body.total).toBe(1);
    const byTag = await t.request({ method: 'GET', url: `/v1/flows?author=${creator.username}&tags=writing` });
    expect(byTag.body.items.map((f: { title: string }) => f.title)).toEqual(['Quarterly report drafter']);

    const page1 = await t.request({ method: 'GET', url: `/v1/flows?author=${creator.username}&page_size=2&sort=new` });
    const page2 = await t.request({ method: 'GET', url: `/v1/flows?author=${creator.username}&page_size=2&page=2&sort=new` });
    expect(page1.body).toMatchObject({ total: 3, page: 1, page_size: 2, has_more: true });
    expect(page2.body).toMatchObject({ total: 3, page: 2, has_more: false });
    expect(page2.body.items).toHaveLength(1);
    expect(page1.body.items[0].title).toBe('Recipe planner');
    // A page past the end is empty and still tells the total (it had said its offset, 18, as exact).
    const past = await t.request({ method: 'GET', url: `/v1/flows?author=${creator.username}&page_size=2&page=10&sort=new` });
    expect(past.body).toMatchObject({ items: [], total: 3, total_is_exact: true, page: 10, has_more: false });
  });

  it('one statement per shape, each request its own values: an empty author filters nothing, then a named one filters, then empty again', async () => {
    const [one, two] = [await createMember(t), await createMember(t)];
    await createFlow(t, one, { title: 'Shape check one' });
    await createFlow(t, two, { title: 'Shape check two' });
    const titles = async (query: string) =>
      ((await t.request({ method: 'GET', url: `/v1/flows?page_size=100&sort=new&${query}` })).body.items as { title: string }[]).map((f) => f.title);
    // The same shapes (sort, which filters) with different values, in an order where a statement kept from the first
    // request would answer the next wrongly.
    for (const round of [1, 2]) {
      expect(await titles('author='), `round ${round}`).toEqual(expect.arrayContaining(['Shape check one', 'Shape check two']));
      expect(await titles(`author=${one.username}`), `round ${round}`).toEqual(['Shape check one']);
      expect(await titles(`author=${two.username.toUpperCase()}`), `round ${round}`).toEqual(['Shape check two']);
    }
  });

  it('never reveals locked text: a word only past a premium preview is found by subscribers and the author, not others', async () => {
    const creator = await createMember(t);
    const secret = `quixotrelm${Date.now().toString(36)}`;
    const visible = `plovdivian${Date.now().toString(36)}`;
    const body = `${visible} ${'Read every section of the page carefully before writing. '.repeat(8)}Then use the ${secret} trick.`;
    const flow = await createFlow(t, creator, { body, is_premium: true });
    expect(flow.body).toContain(secret);
    const guestView = await t.request({ method: 'GET', url: `/v1/flows/${flow.slug}` });
    expect(guestView.body.locked).toBe(true);
    expect(guestView.body.body).not.toContain(secret);

    const member = await createMember(t);
    const subscriber = await createMember(t);
    await giveSubscription(t, subscriber, 'active');
    const found = async (q: string, token?: string) => (await t.request({ method: 'GET', url: `/v1/flows?q=${q}`, token })).body.total;
    for (const q of [secret, secret.slice(0, 5), `trick%20${secret.slice(0, 6)}`]) {
      expect(await found(q)).toBe(0);
      expect(await found(q, member.token)).toBe(0);
      expect(await found(q, subscriber.token)).toBe(1);
      expect(await found(q, creator.token)).toBe(1);
    }
    // What the preview shows anyone is searchable by anyone, and a free flow is searched in full.
    expect(await found(visible)).toBe(1);
    await t.request({ method: 'PATCH', url: `/v1/flows/${flow.id}`, token: creator.token, payload: { is_premium: false } });
    expect(await found(secret)).toBe(1);
  });

  it('sorts by popularity', async () => {
    const creator = await createMember(t);
    const quiet = await createFlow(t, creator);
    const popular = await createFlow(t, creator);
    const { eq } = await import('drizzle-orm');
    await t.database.db.update(flows).set({ copyCount: 42 }).where(eq(flows.id, popular.id));
    const response = await t.request({ method: 'GET', url: `/v1/flows?author=${creator.username}&sort=popular` });
    expect(response.body.items.map((f: { id: string }) => f.id)).toEqual([popular.id, quiet.id]);
  });

  it('folds the copy counters into the popularity a batch at a time, twice at once harmlessly, and sort=popular follows', async () => {
    const creator = await createMember(t);
    const made: { id: string }[] = [];
    for (let i = 0; i < 5; i++) made.push(await createFlow(t, creator));
    // The counters as copies leave them: a flow's copies spread over shards; the third flow never copied.
    const shards: [number, number, number][] = [[0, 0, 1], [0, 1, 2], [1, 0, 7], [3, 2, 5], [4, 0, 1]];
    for (const [flow, shard, copies] of shards) {
      await t.database.db.execute(sql`insert into flow_copy_counters (flow_id, shard, copies) values (${made[flow]!.id}, ${shard}, ${copies})`);
    }
    // Batches of two: the five flows (and any other test's) take several statements.
    expect(await refreshFlowCopyCounts(t.database.db, { batchSize: 2 })).toBeGreaterThanOrEqual(4);
    const counts = async () =>
      rowsOf<{ id: string; copy_count: number }>(await t.database.db.execute(sql`select id, copy_count::int from flows where author_id = ${creator.id}`));
    expect(new Map((await counts()).map((row) => [row.id, row.copy_count]))).toEqual(new Map(made.map((flow, i) => [flow.id, [3, 7, 0, 5, 1][i]])));
    const popular = await t.request({ method: 'GET', url: `/v1/flows?author=${creator.username}&sort=popular` });
    expect(popular.body.items.map((f: { id: string }) => f.id)).toEqual([1, 3, 0, 4, 2].map((i) => made[i]!.id));
    expect(await refreshFlowCopyCounts(t.database.db, { batchSize: 2 })).toBe(0);

    // More copies, and two refreshes at once: the same rows in the same order, so the second finds nothing to change.
    await t.database.db.execute(sql`update flow_copy_counters set copies = copies + 10 where flow_id = ${made[4]!.id}`);
    const both = await Promise.all([refreshFlowCopyCounts(t.database.db, { batchSize: 2 }), refreshFlowCopyCounts(t.database.db, { batchSize: 2 })]);
    expect(both.sort()).toEqual([0, 1]);
    const again = await t.request({ method: 'GET', url: `/v1/flows?author=${creator.username}&sort=popular` });
    expect(again.body.items.map((f: { id: string }) => f.id)).toEqual([4, 1, 3, 0, 2].map((i) => made[i]!.id));
  });

  it.each([
    ['page=0'],
    ['page_size=1000'],
    ['sort=random'],
    ['premium=maybe'],
    [`q=${'x'.repeat(500)}`],
    ['unknown=1'],
  ])('rejects %s with 400', async (query) => {
    const response = await t.request({ method: 'GET', url: `/v1/flows?${query}` });
    expect(response.status).toBe(400);
    expect(response.body.type).toContain('problems/validation');
  });

  it('lists tags of published flows with counts', async () => {
    await createFlow(t, author, { tags: ['tagcount-x'] });
    await createFlow(t, author, { tags: ['tagcount-x'] });
    const response = await t.request({ method: 'GET', url: '/v1/tags' });
    expect(response.body.items).toContainEqual({ tag: 'tagcount-x', count: 2 });
  });

  it('counts the tags once a minute per process: a flow published after a count shows in the next one', async () => {
    await createFlow(t, author, { tags: ['tagcount-y'] });
    // A count made now (past any earlier one's minute, on the service's clock) …
    const start = Date.now() + 120_000;
    const first = await getTags(t.database.db, start);
    expect(first.items).toContainEqual({ tag: 'tagcount-y', count: 1 });
    await createFlow(t, author, { tags: ['tagcount-y', 'tagcount-z'] });
    // … answers the API within its minute, without counting again …
    const soon = await t.request({ method: 'GET', url: '/v1/tags' });
    expect(soon.body).toEqual(first);
    expect((await getTags(t.database.db, start + 59_000)).items).toEqual(first.items);
    // … and a minute later the tags are counted again.
    const later = await getTags(t.database.db, start + 61_000);
    expect(later.items).toContainEqual({ tag: 'tagcount-y', count: 2 });
    expect(later.items).toContainEqual({ tag: 'tagcount-z', count: 1 });
  });
});

describe('editing and archiving', () => {
  it('lets the author edit, keeps the slug, and refuses other members', async () => {
    const flow = await createFlow(t, author);
    const edited = await t.request({ method: 'PATCH', url: `/v1/flows/${flow.id}`, token: author.token, payload: { title: 'A brand new title', is_premium: false } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ title: 'A brand new title', slug: flow.slug, is_premium: false });
    const found = await t.request({ method: 'GET', url: '/v1/flows?q=brand%20new%20title' });
    expect(found.body.items.some((f: { id: string }) => f.id === flow.id)).toBe(true);

    const stranger = await createMember(t);
    const denied = await t.request({ method: 'PATCH', url: `/v1/flows/${flow.id}`, token: stranger.token, payload: { title: 'Hijacked title' } });
    expect(denied.status).toBe(403);
    const empty = await t.request({ method: 'PATCH', url: `/v1/flows/${flow.id}`, token: author.token, payload: {} });
    expect(empty.status).toBe(400);
    const unchanged = await t.request({ method: 'GET', url: `/v1/flows/${flow.id}` });
    expect(unchanged.body.title).toBe('A brand new title');
  });

  it('archives on delete: gone for others, kept in the database, visible to the author', async () => {
    const flow = await createFlow(t, author);
    const stranger = await createMember(t);
    expect((await t.request({ method: 'DELETE', url: `/v1/flows/${flow.id}`, token: stranger.token })).status).toBe(403);
    const archived = await t.request({ method: 'DELETE', url: `/v1/flows/${flow.id}`, token: author.token });
    expect(archived.status).toBe(200);
    expect(archived.body.status).toBe('archived');
    expect((await t.request({ method: 'GET', url: `/v1/flows/${flow.slug}` })).status).toBe(404);
    expect((await t.request({ method: 'GET', url: `/v1/flows/${flow.slug}`, token: author.token })).status).toBe(200);
    const list = await t.request({ method: 'GET', url: `/v1/flows?author=${author.username}&page_size=100` });
    expect(list.body.items.some((f: { id: string }) => f.id === flow.id)).toBe(false);
  });

  it('hides drafts from everyone but the author', async () => {
    const draft = await createFlow(t, author, { status: 'draft' });
    expect((await t.request({ method: 'GET', url: `/v1/flows/${draft.slug}` })).status).toBe(404);
    expect((await t.request({ method: 'GET', url: `/v1/flows/${draft.slug}`, token: author.token })).status).toBe(200);
  });

  it('answers 404 for unknown flows', async () => {
    expect((await t.request({ method: 'GET', url: '/v1/flows/no-such-flow' })).status).toBe(404);
    expect((await t.request({ method: 'PATCH', url: '/v1/flows/00000000-0000-0000-0000-000000000000', token: author.token, payload: { title: 'xyz' } })).status).toBe(404);
  });
});

// A list reads each flow's card columns and a tag filter tests its tags: those must be in the flow's row, not in the
// TOAST table (migration 0020), even when the row is over the TOAST threshold because its search documents are large.
describe("a flow's row", () => {
  /** Shared buffers a statement touched (hit or read), from its plan. */
  async function buffersOf(statement: SQL): Promise<number> {
    const [row] = rowsOf<{ 'QUERY PLAN': unknown }>(await t.database.db.execute(sql`explain (analyze, buffers, format json) ${statement}`));
    const plan = (typeof row?.['QUERY PLAN'] === 'string' ? JSON.parse(row['QUERY PLAN']) : row?.['QUERY PLAN']) as [{ Plan: Record<string, number> }];
    return plan[0].Plan['Shared Hit Blocks']! + plan[0].Plan['Shared Read Blocks']!;
  }

  it('keeps the card in the row when the body goes out of line', async () => {
    // 400 distinct words: with both search documents (a free flow's public one is the whole text), the row is over the
    // TOAST threshold, so PostgreSQL moves columns out of line.
    const body = Array.from({ length: 400 }, (_, i) => `w${(i * 7919).toString(36)}x${i.toString(36)}`).join(' ');
    const flow = await createFlow(t, author, { body, is_premium: false, tags: ['research', 'linkedin'] });
    const reading = (columns: SQL) => buffersOf(sql`select ${columns} from ${flows} where ${flows.id} = ${flow.id}`);
    const rowAlone = await reading(sql`1`);
    // The row was over the threshold (its body went out of line), so the test says something...
    expect(await reading(sql`length(${flows.body})`)).toBeGreaterThan(rowAlone);
    // ...and the card came from the row itself.
    const card = sql`length(${flows.slug}) + length(${flows.title}) + length(${flows.summary}) + length(${flows.status}) + cardinality(${flows.tags}) + cardinality(${flows.worksWith}) + cardinality(${flows.targetSites})`;
    expect(await reading(card)).toBe(rowAlone);
  });
});
