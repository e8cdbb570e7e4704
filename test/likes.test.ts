import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { flowLikes, flows } from '../src/server/db/schema.js';
import { createAdmin, createFlow, createMember, type Member } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { expectReconciled } from './support/reconcile.js';

let t: TestApp;
let author: Member;
beforeAll(async () => {
  t = await createTestApp();
  author = await createMember(t);
});
afterAll(() => t.close());
afterEach(() => expectReconciled(t));

const like = (member: Member | undefined, ref: string) => t.request({ method: 'PUT', url: `/v1/flows/${ref}/like`, token: member?.token });
const unlike = (member: Member | undefined, ref: string) => t.request({ method: 'DELETE', url: `/v1/flows/${ref}/like`, token: member?.token });
const detail = (member: Member | undefined, ref: string) => t.request({ method: 'GET', url: `/v1/flows/${ref}`, token: member?.token });
const likeRows = async (flowId: string) => (await t.database.db.select().from(flowLikes).where(eq(flowLikes.flowId, flowId))).length;
const storedLikeCount = async (flowId: string) => (await t.database.db.select({ n: flows.likeCount }).from(flows).where(eq(flows.id, flowId)))[0]!.n;

describe('PUT and DELETE /v1/flows/{ref}/like', () => {
  it('is idempotent: liking twice is one like, by id or by slug; unliking twice leaves none', async () => {
    const flow = await createFlow(t, author);
    const member = await createMember(t);
    expect(await like(member, flow.slug)).toMatchObject({ status: 200, body: { like_count: 1, liked_by_me: true } });
    expect(await like(member, flow.id)).toMatchObject({ status: 200, body: { like_count: 1, liked_by_me: true } });
    expect(await likeRows(flow.id)).toBe(1);
    expect(await unlike(member, flow.slug.toUpperCase())).toMatchObject({ status: 200, body: { like_count: 0, liked_by_me: false } });
    expect(await unlike(member, flow.id)).toMatchObject({ status: 200, body: { like_count: 0, liked_by_me: false } });
    expect([await likeRows(flow.id), await storedLikeCount(flow.id)]).toEqual([0, 0]);
  });

  it('20 likes at once by one member are one like; three members make 3; one unlike makes 2', async () => {
    const flow = await createFlow(t, author);
    const [first, second, third] = [await createMember(t), await createMember(t), await createMember(t)];
    const storm = await Promise.all(Array.from({ length: 20 }, () => like(first, flow.slug)));
    expect(storm.map((r) => r.status)).toEqual(Array<number>(20).fill(200));
    expect(storm.every((r) => r.body.liked_by_me === true)).toBe(true);
    expect([await likeRows(flow.id), await storedLikeCount(flow.id)]).toEqual([1, 1]);

    await Promise.all([like(second, flow.id), like(third, flow.slug), like(second, flow.slug)]);
    expect([await likeRows(flow.id), await storedLikeCount(flow.id)]).toEqual([3, 3]);
    expect(await unlike(second, flow.slug)).toMatchObject({ status: 200, body: { like_count: 2, liked_by_me: false } });

    // Each viewer sees their own like, in the detail and in the list; guests see none.
    const views = await Promise.all([first, second, third, undefined].map((viewer) => detail(viewer, flow.slug)));
    expect(views.map((v) => [v.body.like_count, v.body.liked_by_me])).toEqual([
      [2, true],
      [2, false],
      [2, true],
      [2, false],
    ]);
    const listed = async (viewer: Member | undefined) =>
      (await t.request({ method: 'GET', url: `/v1/flows?author=${author.username}&page_size=100`, token: viewer?.token })).body.items.find(
        (f: { id: string }) => f.id === flow.id,
      );
    expect(await listed(first)).toMatchObject({ like_count: 2, liked_by_me: true });
    expect(await listed(second)).toMatchObject({ like_count: 2, liked_by_me: false });
    expect(await listed(undefined)).toMatchObject({ like_count: 2, liked_by_me: false });
  });

  it('guests are 401; personal access tokens are refused (liking needs a login); unknown, draft and archived flows are 404', async () => {
    const flow = await createFlow(t, author);
    const member = await createMember(t);
    expect((await like(undefined, flow.slug)).status).toBe(401);
    expect((await unlike(undefined, flow.slug)).status).toBe(401);

    const token = await t.request({ method: 'POST', url: '/v1/tokens', token: member.token, payload: { name: 'agent', scopes: ['flows:read', 'flows:copy'] } });
    expect(token.status).toBe(201);
    const byToken = await t.request({ method: 'PUT', url: `/v1/flows/${flow.slug}/like`, headers: { authorization: `Bearer ${token.body.token}` } });
    expect(byToken.status).toBe(403);
    expect(await likeRows(flow.id)).toBe(0);

    const draft = await createFlow(t, author, { status: 'draft' });
    const archived = await createFlow(t, author);
    expect((await t.request({ method: 'DELETE', url: `/v1/flows/${archived.id}`, token: author.token })).status).toBe(200);
    for (const ref of ['no-such-flow', '00000000-0000-4000-8000-000000000000', draft.id, archived.slug]) {
      expect((await like(member, ref)).status, ref).toBe(404);
      expect((await unlike(member, ref)).status, ref).toBe(404);
    }
    // Even the author cannot like their draft: only published flows are liked.
    expect((await like(author, draft.id)).status).toBe(404);
    expect(await likeRows(draft.id)).toBe(0);
  });
});

describe('GET /v1/flows?sort=liked', () => {
  it('orders by like count, then newest, with stable pages when counts tie', async () => {
    const creator = await createMember(t);
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await createFlow(t, creator));
    // Same created_at for all five: only the id tiebreaker keeps pages stable.
    await t.database.db.execute(sql`update flows set created_at = '2026-01-01T00:00:00Z' where author_id = ${creator.id}`);
    const fans = [await createMember(t), await createMember(t)];
    for (const fan of fans) expect((await like(fan, made[3]!.slug)).status).toBe(200);
    expect((await like(fans[0], made[1]!.slug)).status).toBe(200);

    const page = async (n: number) =>
      (await t.request({ method: 'GET', url: `/v1/flows?author=${creator.username.toUpperCase()}&sort=liked&page_size=2&page=${n}` })).body;
    const pages = [await page(1), await page(2), await page(3)];
    expect(pages[0].total).toBe(5);
    const order = pages.flatMap((p) => p.items.map((f: { id: string; like_count: number }) => [f.id, f.like_count]));
    expect(order).toHaveLength(5);
    expect(new Set(order.map(([id]) => id)).size).toBe(5);
    expect(order.slice(0, 2)).toEqual([
      [made[3]!.id, 2],
      [made[1]!.id, 1],
    ]);
    expect(order.slice(2).map(([, n]) => n)).toEqual([0, 0, 0]);
    // The same query twice gives the same order (the id breaks the ties).
    const again = [await page(1), await page(2), await page(3)].flatMap((p) => p.items.map((f: { id: string }) => f.id));
    expect(again).toEqual(order.map(([id]) => id));
  });

  it('refuses an unknown sort with 400', async () => {
    expect((await t.request({ method: 'GET', url: '/v1/flows?sort=likes' })).status).toBe(400);
  });
});

describe('taken-down flows (SPEC §14)', () => {
  it('the author cannot publish a flow an operator took down: 409 flow-taken-down, and the author sees taken_down', async () => {
    const flow = await createFlow(t, author);
    await t.database.db.execute(sql`update flows set status = 'draft', taken_down_at = now() where id = ${flow.id}`);

    const publish = await t.request({ method: 'PATCH', url: `/v1/flows/${flow.id}`, token: author.token, payload: { status: 'published' } });
    expect(publish.status).toBe(409);
    expect(publish.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(publish.body).toMatchObject({ type: 'https://flowtab.pro/problems/flow-taken-down', status: 409 });
    expect(publish.body.detail).toMatch(/operator took this flow down.*contact support/i);
    const [row] = await t.database.db.select().from(flows).where(eq(flows.id, flow.id));
    expect(row!.status).toBe('draft');

    // An admin through the author's route is refused the same way: restoring is the console's act.
    const admin = await createAdmin(t);
    expect((await t.request({ method: 'PATCH', url: `/v1/flows/${flow.id}`, token: admin.token, payload: { status: 'published' } })).status).toBe(409);

    // Other edits still work, and the author's views say it was taken down.
    const edit = await t.request({ method: 'PATCH', url: `/v1/flows/${flow.id}`, token: author.token, payload: { title: 'A better title for review' } });
    expect(edit).toMatchObject({ status: 200, body: { taken_down: true, status: 'draft', title: 'A better title for review' } });
    const mine = await t.request({ method: 'GET', url: '/v1/creators/me/flows', token: author.token });
    expect(mine.body.items.find((f: { flow_id: string }) => f.flow_id === flow.id)).toMatchObject({ taken_down: true, status: 'draft' });
    expect((await detail(undefined, flow.slug)).status).toBe(404);
    expect((await detail(author, flow.slug)).body.taken_down).toBe(true);
  });

  it('when the operator takes it down while the author publishes, the CHECK answers 409, not 500', async () => {
    const flow = await createFlow(t, author, { status: 'draft' });
    // The service read the flow before the take-down: only the database's CHECK sees it. Simulated by a trigger that
    // takes the flow down just before the author's UPDATE writes its row.
    await t.database.db.execute(sql`
      create or replace function test_take_down_first() returns trigger language plpgsql as $$
      begin new.taken_down_at := now(); return new; end $$`);
    await t.database.db.execute(sql.raw(`create trigger test_take_down_first before update of status on flows for each row
      when (new.id = '${flow.id}') execute function test_take_down_first()`));
    try {
      const publish = await t.request({ method: 'PATCH', url: `/v1/flows/${flow.id}`, token: author.token, payload: { status: 'published' } });
      expect(publish.status).toBe(409);
      expect(publish.body.type).toBe('https://flowtab.pro/problems/flow-taken-down');
    } finally {
      await t.database.db.execute(sql`drop trigger test_take_down_first on flows`);
      await t.database.db.execute(sql`drop function test_take_down_first()`);
    }
    const [row] = await t.database.db.select().from(flows).where(eq(flows.id, flow.id));
    expect([row!.status, row!.takenDownAt]).toEqual(['draft', null]);
  });

  it('published flows carry taken_down: false', async () => {
    const flow = await createFlow(t, author);
    expect((await detail(undefined, flow.slug)).body).toMatchObject({ taken_down: false, like_count: 0, liked_by_me: false });
  });
});
