import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { createContext } from '../src/server/context.js';
import { rowsOf } from '../src/server/db/rows.js';
import { sessions, users } from '../src/server/db/schema.js';
import { createFlow, createMember, giveSubscription, type Member } from './factories.js';
import { createTestApp, TEST_ENV, type TestApp } from './support/app.js';
import { expectReconciled } from './support/reconcile.js';
import { waitUntil } from './support/wait.js';

let t: TestApp;
let author: Member;
beforeAll(async () => {
  t = await createTestApp();
  author = await createMember(t);
});
afterAll(() => t.close());

// What every process must see within 5 seconds (SPEC §13 and §16).
const WITHIN_5_S = 5_000;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

type Scope = 'flows:read' | 'flows:copy';
async function createToken(member: Member, scopes: Scope[], extra: Record<string, unknown> = {}) {
  const response = await t.request({ method: 'POST', url: '/v1/tokens', token: member.token, payload: { name: 'my agent', scopes, ...extra } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { id: string; token: string; scopes: Scope[]; created_at: string; expires_at: string; name: string };
}
const get = (url: string, token: string) => t.request({ method: 'GET', url, token });
const copy = (ref: string, token: string) => t.request({ method: 'POST', url: `/v1/flows/${ref}/copy`, token });

describe('personal access tokens', () => {
  it('POST /v1/tokens shows the secret once (ftp_ + 32 random bytes), GET lists it without it, and only its SHA-256 is stored', async () => {
    const member = await createMember(t);
    const created = await createToken(member, ['flows:copy', 'flows:read', 'flows:read']);
    expect(created.token).toMatch(/^ftp_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(created.token.slice(4), 'base64url')).toHaveLength(32);
    expect(created.scopes).toEqual(['flows:read', 'flows:copy']);
    // A year by default, and said so.
    const lifetimeDays = (Date.parse(created.expires_at) - Date.parse(created.created_at)) / 86_400_000;
    expect(lifetimeDays).toBeCloseTo(365, 0);
    const short = await createToken(member, ['flows:read'], { name: 'CI', expires_in_days: 7 });
    expect((Date.parse(short.expires_at) - Date.parse(short.created_at)) / 86_400_000).toBeCloseTo(7, 0);
    expect(created.token).not.toBe(short.token);

    const list = await get('/v1/tokens', member.token);
    expect(list.status).toBe(200);
    expect(list.body.items.map((item: { id: string }) => item.id)).toEqual([short.id, created.id]);
    expect(list.body.items[1]).toEqual({
      id: created.id,
      name: 'my agent',
      scopes: ['flows:read', 'flows:copy'],
      created_at: created.created_at,
      expires_at: created.expires_at,
      last_used_at: null,
      is_expired: false,
    });
    expect(JSON.stringify(list.body)).not.toContain(created.token.slice(4));

    // In the database: a session of kind token holding the hash; the plaintext appears in no column of any session.
    const [row] = await t.database.db.select().from(sessions).where(eq(sessions.id, created.id));
    expect(row).toMatchObject({ kind: 'token', userId: member.id, tokenHash: sha256(created.token), scopes: ['flows:read', 'flows:copy'] });
    const leaks = rowsOf<{ n: number }>(
      await t.database.db.execute(sql`select count(*)::int as n from sessions s where s::text like ${`%${created.token.slice(4)}%`}`),
    );
    expect(Number(leaks[0]!.n)).toBe(0);
    // Someone else's list does not have it.
    const other = await createMember(t);
    expect((await get('/v1/tokens', other.token)).body.items).toEqual([]);
  });

  it('refuses bad input: unknown or no scopes, no name, a lifetime over a year', async () => {
    const member = await createMember(t);
    const post = (payload: Record<string, unknown>) => t.request({ method: 'POST', url: '/v1/tokens', token: member.token, payload });
    expect((await post({ name: 'x', scopes: ['admin'] })).status).toBe(400);
    expect((await post({ name: 'x', scopes: [] })).status).toBe(400);
    expect((await post({ scopes: ['flows:read'] })).status).toBe(400);
    expect((await post({ name: '  ', scopes: ['flows:read'] })).status).toBe(400);
    expect((await post({ name: 'x', scopes: ['flows:read'], expires_in_days: 366 })).status).toBe(400);
    expect((await t.request({ method: 'POST', url: '/v1/tokens', payload: { name: 'x', scopes: ['flows:read'] } })).status).toBe(401);
    expect((await get('/v1/tokens', member.token)).body.items).toEqual([]);
  });

  it('works as Bearer on the reads its flows:read scope covers: flows, one flow, tags, usage, copies', async () => {
    const member = await createMember(t);
    const flow = await createFlow(t, author, { is_premium: false });
    const { token } = await createToken(member, ['flows:read']);
    expect((await get('/v1/flows', token)).status).toBe(200);
    const one = await get(`/v1/flows/${flow.slug}`, token);
    expect(one.status).toBe(200);
    expect(one.body.body).toBe(flow.body);
    expect((await get('/v1/tags', token)).status).toBe(200);
    const usage = await get('/v1/subscriptions/me', token);
    expect(usage.status).toBe(200);
    expect(usage.body.is_subscriber).toBe(false);
    expect((await get('/v1/copies/me', token)).status).toBe(200);
  });

  it('403 outside its scopes: a read-only token copying names flows:copy (nothing recorded); a copy-only token reading names flows:read', async () => {
    const member = await createMember(t);
    await giveSubscription(t, member, 'active', { isPaid: true });
    const flow = await createFlow(t, author);
    const readOnly = await createToken(member, ['flows:read']);
    const refused = await copy(flow.slug, readOnly.token);
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ type: expect.stringMatching(/insufficient-scope$/), required_scope: 'flows:copy', token_scopes: ['flows:read'] });
    expect(refused.body.detail).toContain('flows:copy');
    expect(refused.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="flows:copy"');
    expect((await get('/v1/copies/me', member.token)).body.items).toEqual([]);

    const copyOnly = await createToken(member, ['flows:copy']);
    const read = await get(`/v1/flows/${flow.slug}`, copyOnly.token);
    expect(read.status).toBe(403);
    expect(read.body).toMatchObject({ required_scope: 'flows:read' });
    expect((await copy(flow.slug, copyOnly.token)).status).toBe(200);
  });

  it('403 on everything that is not flows: the account, tokens, creator and admin routes need a login session', async () => {
    const member = await createMember(t);
    const { token, id } = await createToken(member, ['flows:read', 'flows:copy']);
    const calls = [
      { method: 'GET', url: '/v1/users/me' },
      { method: 'PATCH', url: '/v1/users/me', payload: { bio: 'hi' } },
      { method: 'GET', url: '/v1/users/me/export' },
      { method: 'GET', url: '/v1/tokens' },
      { method: 'POST', url: '/v1/tokens', payload: { name: 'more', scopes: ['flows:copy'] } },
      { method: 'DELETE', url: `/v1/tokens/${id}` },
      { method: 'POST', url: '/v1/flows', payload: { title: 'x' } },
      { method: 'GET', url: '/v1/creators/me/earnings' },
      { method: 'POST', url: '/v1/creators/me/payouts' },
      { method: 'POST', url: '/v1/subscriptions/checkout' },
      { method: 'DELETE', url: '/v1/auth/sessions' },
      { method: 'POST', url: '/v1/admin/payouts/run', payload: { dry_run: true } },
    ] as const;
    for (const call of calls) {
      const response = await t.request({ ...call, token });
      expect(response.status, `${call.method} ${call.url}`).toBe(403);
      expect(response.body, `${call.method} ${call.url}`).toMatchObject({ type: expect.stringMatching(/login-required$/), required: 'login' });
    }
    // None of them acted: the token is still there and the member was not logged out.
    expect((await get('/v1/tokens', member.token)).body.items).toHaveLength(1);
    expect((await get('/v1/flows', token)).status).toBe(200);
  });

  it('a copy through a token is the copy endpoint’s: counted, the creator paid, a repeat 409, through record_copy', async () => {
    const member = await createMember(t);
    await giveSubscription(t, member, 'active', { isPaid: true });
    const flow = await createFlow(t, author);
    const { token } = await createToken(member, ['flows:copy']);
    const first = await copy(flow.slug, token);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ flow_id: flow.id, counted_for_payout: true, payout_earned: 7, copies_this_month: 1, text: flow.body });
    const again = await copy(flow.id, token);
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/already-copied$/);
    // The member's login sees the same period: one copy, whoever made it.
    const usage = await get('/v1/subscriptions/me', member.token);
    expect(usage.body).toMatchObject({ copies_this_month: 1, copies_remaining: 99 });
    await expectReconciled(t);
  });

  it.runIf(!process.env.DATABASE_URL)('a copy with a token the process remembers is one database statement: record_copy', async () => {
    const member = await createMember(t);
    await giveSubscription(t, member, 'active', { isPaid: true });
    const [first, second] = [await createFlow(t, author), await createFlow(t, author)];
    const { token } = await createToken(member, ['flows:copy']);
    // The first use looks the token up (and records its use); then the process remembers it for up to 4 s.
    expect((await copy(first.slug, token)).status).toBe(200);
    const query = vi.spyOn(t.database.pglite!, 'query');
    try {
      const copied = await copy(second.slug, token);
      expect(copied.status).toBe(200);
      const statements = query.mock.calls.map(([text]) => String(text));
      expect(statements).toHaveLength(1);
      expect(statements[0]).toMatch(/record_copy\(/);
    } finally {
      query.mockRestore();
    }
  });

  it('DELETE /v1/tokens/{id} revokes at once: 204, the copy 401 everywhere at once, reads 401 here at once and on another process within 5 s', async () => {
    const other = await buildApp(await createContext(t.config, { database: t.database, stripe: t.stripeSetup }));
    try {
      const member = await createMember(t);
      await giveSubscription(t, member, 'active', { isPaid: true });
      const flows = [await createFlow(t, author), await createFlow(t, author), await createFlow(t, author)];
      const { token, id } = await createToken(member, ['flows:read', 'flows:copy']);
      const readOnOther = () => other.inject({ method: 'GET', url: '/v1/subscriptions/me', headers: { authorization: `Bearer ${token}` } });
      const copyOnOther = (ref: string) => other.inject({ method: 'POST', url: `/v1/flows/${ref}/copy`, headers: { authorization: `Bearer ${token}` } });
      // Both processes now remember the token.
      expect((await get('/v1/subscriptions/me', token)).status).toBe(200);
      expect((await readOnOther()).statusCode).toBe(200);
      expect((await copyOnOther(flows[0]!.slug)).statusCode).toBe(200);

      expect((await t.request({ method: 'DELETE', url: `/v1/tokens/${id}`, token: member.token })).status).toBe(204);
      const revokedAt = Date.now();
      // The copy checks the session in its own statement: refused at once on both processes.
      const here = await copy(flows[1]!.slug, token);
      expect(here.status).toBe(401);
      expect(here.headers['content-type']).toContain('application/problem+json');
      expect((await copyOnOther(flows[2]!.slug)).statusCode).toBe(401);
      // Reads: this process forgot it at once; the other within its 4 s memory.
      const read = await get('/v1/subscriptions/me', token);
      expect(read.status).toBe(401);
      expect(read.body.detail).toMatch(/revoked/);
      await waitUntil(async () => (await readOnOther()).statusCode === 401, { message: 'the other process to refuse the revoked token', timeoutMs: WITHIN_5_S });
      expect(Date.now() - revokedAt).toBeLessThanOrEqual(WITHIN_5_S);
      // Gone from the list; revoking twice is a 404; nothing was copied after the revocation.
      expect((await get('/v1/tokens', member.token)).body.items).toEqual([]);
      expect((await t.request({ method: 'DELETE', url: `/v1/tokens/${id}`, token: member.token })).status).toBe(404);
      expect((await get('/v1/copies/me', member.token)).body.items).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('a member cannot revoke another member’s token, nor a login session through /v1/tokens', async () => {
    const owner = await createMember(t);
    const stranger = await createMember(t);
    const { token, id } = await createToken(owner, ['flows:read']);
    expect((await t.request({ method: 'DELETE', url: `/v1/tokens/${id}`, token: stranger.token })).status).toBe(404);
    const login = t.ctx.tokens.verify(owner.token);
    if (login?.kind !== 'session') throw new Error('expected a session token');
    expect((await t.request({ method: 'DELETE', url: `/v1/tokens/${login.sessionId}`, token: owner.token })).status).toBe(404);
    expect((await get('/v1/flows', token)).status).toBe(200);
    expect((await get('/v1/users/me', owner.token)).status).toBe(200);
  });

  it('unknown, malformed and expired tokens are 401 problem+json', async () => {
    const member = await createMember(t);
    expect((await get('/v1/flows', `ftp_${'A'.repeat(43)}`)).status).toBe(401);
    expect((await get('/v1/flows', 'ftp_short')).status).toBe(401);
    const { token, id } = await createToken(member, ['flows:read']);
    await t.database.db.update(sessions).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(sessions.id, id));
    t.ctx.sessions.forget(member.id);
    const expired = await get('/v1/flows', token);
    expect(expired.status).toBe(401);
    expect(expired.body.detail).toMatch(/unknown, revoked or expired/);
    expect((await get('/v1/tokens', member.token)).body.items[0]).toMatchObject({ id, is_expired: true });
  });

  it('last_used_at follows use, written at most once a minute', async () => {
    const member = await createMember(t);
    const { token, id } = await createToken(member, ['flows:read']);
    const lastUsed = async () => (await t.database.db.select({ at: sessions.lastUsedAt }).from(sessions).where(eq(sessions.id, id)))[0]!.at;
    expect(await lastUsed()).toBeNull();
    expect((await get('/v1/tags', token)).status).toBe(200);
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);
    expect((await get('/v1/tokens', member.token)).body.items[0].last_used_at).toBe(first!.toISOString());
    // Used again 30 s later (as the database sees it), after this process forgot it: not written again.
    const thirtySecondsAgo = sql`now() - interval '30 seconds'`;
    await t.database.db.update(sessions).set({ lastUsedAt: thirtySecondsAgo }).where(eq(sessions.id, id));
    const stale = await lastUsed();
    t.ctx.sessions.forget(member.id);
    expect((await get('/v1/tags', token)).status).toBe(200);
    expect(await lastUsed()).toEqual(stale);
    // Over a minute old: written on the next lookup.
    await t.database.db.update(sessions).set({ lastUsedAt: sql`now() - interval '2 minutes'` }).where(eq(sessions.id, id));
    t.ctx.sessions.forget(member.id);
    expect((await get('/v1/tags', token)).status).toBe(200);
    expect((await lastUsed())!.getTime()).toBeGreaterThan(stale!.getTime());
  });

  it('a suspended member’s token stops: the copy at once, reads within 5 s', async () => {
    const member = await createMember(t);
    const flow = await createFlow(t, author, { is_premium: false });
    const { token } = await createToken(member, ['flows:read', 'flows:copy']);
    expect((await get('/v1/tags', token)).status).toBe(200);
    await t.database.db.update(users).set({ status: 'suspended' }).where(eq(users.id, member.id));
    const refused = await copy(flow.slug, token);
    expect(refused.status).toBe(403);
    expect(refused.body.type).toMatch(/account-suspended$/);
    await waitUntil(async () => (await get('/v1/tags', token)).status === 403, { message: 'the suspended member’s token to be refused', timeoutMs: WITHIN_5_S });
  });

  it('log out everywhere ends the member’s tokens too (they are sessions)', async () => {
    const member = await createMember(t);
    const { token } = await createToken(member, ['flows:read']);
    expect((await get('/v1/tags', token)).status).toBe(200);
    expect((await t.request({ method: 'DELETE', url: '/v1/auth/sessions', token: member.token })).status).toBe(204);
    expect((await get('/v1/tags', token)).status).toBe(401);
  });

  it('rate limited per token, shared by processes: 429 with Retry-After past the budget; the member’s other token and login go on', async () => {
    const config = loadConfig({ ...TEST_ENV, RATE_LIMIT_TOKEN_PER_MINUTE: '5' });
    const apps = [
      await buildApp(await createContext(config, { database: t.database, stripe: t.stripeSetup })),
      await buildApp(await createContext(config, { database: t.database, stripe: t.stripeSetup })),
    ];
    try {
      const member = await createMember(t);
      await giveSubscription(t, member, 'active', { isPaid: true });
      const flow = await createFlow(t, author);
      const busy = await createToken(member, ['flows:read', 'flows:copy']);
      const calm = await createToken(member, ['flows:read']);
      const on = (i: number, token: string, url = '/v1/tags', method: 'GET' | 'POST' = 'GET') =>
        apps[i % 2]!.inject({ method, url, headers: { authorization: `Bearer ${token}` } });
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await on(i, busy.token)).statusCode);
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      const limited = await on(5, busy.token);
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['content-type']).toContain('application/problem+json');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.json().detail).toMatch(/5 requests in a minute/);
      expect((await on(0, calm.token)).statusCode).toBe(200);
      expect((await apps[1]!.inject({ method: 'GET', url: '/v1/tags', headers: { authorization: `Bearer ${member.token}` } })).statusCode).toBe(200);
      // The copy is limited per member inside record_copy (RATE_LIMIT_COPY_PER_MINUTE), in its single statement.
      expect((await on(0, busy.token, `/v1/flows/${flow.slug}/copy`, 'POST')).statusCode).toBe(200);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });
});
