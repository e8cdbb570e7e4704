import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../src/server/db/schema.js';
import { createFlow, createMember, type Member } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { expectReconciled } from './support/reconcile.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());
afterEach(() => expectReconciled(t));

const profile = (username: string, token?: string) => t.request({ method: 'GET', url: `/v1/users/${encodeURIComponent(username)}`, token });
const copy = (member: Member, ref: string) => t.request({ method: 'POST', url: `/v1/flows/${ref}/copy`, token: member.token });
const like = (member: Member, ref: string) => t.request({ method: 'PUT', url: `/v1/flows/${ref}/like`, token: member.token });

describe('GET /v1/users/{username}', () => {
  it('shows the public profile and the totals of published flows only, whatever the case of the username', async () => {
    const creator = await createMember(t, { username: `Ada_${Date.now().toString(36)}` });
    const patch = await t.request({
      method: 'PATCH',
      url: '/v1/users/me',
      token: creator.token,
      payload: { display_name: 'Ada L.', bio: 'Writes research flows.', links: ['https://ada.example.com'], avatar_url: 'https://ada.example.com/a.png' },
    });
    expect(patch.status).toBe(200);
    // Two free published flows (anyone logged in may copy them), one draft, one archived.
    const [first, second] = [await createFlow(t, creator, { is_premium: false }), await createFlow(t, creator, { is_premium: false })];
    const draft = await createFlow(t, creator, { status: 'draft' });
    const archived = await createFlow(t, creator, { is_premium: false });
    const [reader, other] = [await createMember(t), await createMember(t)];
    for (const ref of [first.slug, second.slug, archived.slug]) expect((await copy(reader, ref)).status).toBe(200);
    expect((await copy(other, first.slug)).status).toBe(200);
    for (const ref of [first.slug, archived.slug]) expect((await like(reader, ref)).status).toBe(200);
    expect((await t.request({ method: 'DELETE', url: `/v1/flows/${archived.id}`, token: creator.token })).status).toBe(200);

    const response = await profile(creator.username.toLowerCase());
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      username: creator.username,
      display_name: 'Ada L.',
      bio: 'Writes research flows.',
      links: ['https://ada.example.com'],
      avatar_url: 'https://ada.example.com/a.png',
      joined_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      flows_count: 2,
      total_copies: 3,
      total_likes: 1,
    });
    expect((await profile(creator.username.toUpperCase())).body.username).toBe(creator.username);
    // No private field: no email, no id, no role.
    expect(JSON.stringify(response.body)).not.toContain(creator.email);

    // The profile page lists the published flows with GET /v1/flows?author=
    const listed = await t.request({ method: 'GET', url: `/v1/flows?author=${creator.username.toUpperCase()}` });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((f: { id: string }) => f.id).sort()).toEqual([first.id, second.id].sort());
    expect(listed.body.items.map((f: { id: string }) => f.id)).not.toContain(draft.id);
  });

  it('a member with nothing published has zeros; guests and flows:read tokens may read profiles', async () => {
    const member = await createMember(t);
    expect((await profile(member.username)).body).toMatchObject({ flows_count: 0, total_copies: 0, total_likes: 0, display_name: null, bio: null, links: [] });
    const token = await t.request({ method: 'POST', url: '/v1/tokens', token: member.token, payload: { name: 'reader', scopes: ['flows:read'] } });
    const byToken = await t.request({ method: 'GET', url: `/v1/users/${member.username}`, headers: { authorization: `Bearer ${token.body.token}` } });
    expect(byToken.status).toBe(200);
  });

  it('is 404 for unknown, deleted and suspended accounts; /users/me is still the caller', async () => {
    expect((await profile('nobody-here-at-all')).status).toBe(404);
    expect((await profile('x'.repeat(65))).status).toBe(400);

    const suspended = await createMember(t);
    await createFlow(t, suspended);
    expect((await profile(suspended.username)).status).toBe(200);
    await t.database.db.update(users).set({ status: 'suspended' }).where(eq(users.id, suspended.id));
    const hidden = await profile(suspended.username);
    expect(hidden.status).toBe(404);
    expect(hidden.body.type).toBe('https://flowtab.pro/problems/not-found');

    const leaving = await createMember(t);
    expect((await profile(leaving.username)).status).toBe(200);
    const deleted = await t.request({ method: 'DELETE', url: '/v1/users/me', token: leaving.token, payload: { password: leaving.password } });
    expect(deleted.status).toBe(204);
    expect((await profile(leaving.username)).status).toBe(404);

    const me = await createMember(t);
    expect((await t.request({ method: 'GET', url: '/v1/users/me', token: me.token })).body.username).toBe(me.username);
  });
});
