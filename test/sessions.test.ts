import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server/app.js';
import { createContext } from '../src/server/context.js';
import { users } from '../src/server/db/schema.js';
import { createFlow, createMember, giveSubscription, type Member } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { waitUntil } from './support/wait.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const me = (token: string) => t.request({ method: 'GET', url: '/v1/users/me', token });
const logIn = async (member: Member) => {
  const response = await t.request({ method: 'POST', url: '/v1/auth/token', payload: { login: member.username, password: member.password } });
  expect(response.status).toBe(200);
  return response.body.access_token as string;
};
// What every process must see within 5 seconds (SPEC §13).
const WITHIN_5_S = 5_000;

describe('sessions', () => {
  it('POST /v1/auth/logout ends this session only: its token is refused, the member’s other sessions go on', async () => {
    const member = await createMember(t);
    const other = await logIn(member);
    const out = await t.request({ method: 'POST', url: '/v1/auth/logout', token: member.token });
    expect(out.status).toBe(204);
    const after = await me(member.token);
    expect(after.status).toBe(401);
    expect(after.headers['content-type']).toContain('application/problem+json');
    expect(after.body.detail).toMatch(/session has ended/);
    expect((await me(other)).status).toBe(200);
  });

  it('a logged-out token cannot copy either (the copy checks its session in its own statement)', async () => {
    const author = await createMember(t);
    const flow = await createFlow(t, author, { is_premium: false });
    const member = await createMember(t);
    await giveSubscription(t, member, 'active', { isPaid: true });
    await t.request({ method: 'POST', url: '/v1/auth/logout', token: member.token });
    const copy = await t.request({ method: 'POST', url: `/v1/flows/${flow.slug}/copy`, token: member.token });
    expect(copy.status).toBe(401);
    expect(copy.body.detail).toMatch(/session has ended/);
  });

  it('DELETE /v1/auth/sessions ends every session of the member, and only theirs', async () => {
    const member = await createMember(t);
    const second = await logIn(member);
    const bystander = await createMember(t);
    expect((await t.request({ method: 'DELETE', url: '/v1/auth/sessions', token: second })).status).toBe(204);
    expect((await me(member.token)).status).toBe(401);
    expect((await me(second)).status).toBe(401);
    expect((await me(bystander.token)).status).toBe(200);
    // Logging in again opens a new session.
    expect((await me(await logIn(member))).status).toBe(200);
  });

  it('a session ended on one API process is refused by another within 5 seconds', async () => {
    const other = await buildApp(await createContext(t.config, { database: t.database, stripe: t.stripeSetup }));
    try {
      const member = await createMember(t);
      const meOnOther = () => other.inject({ method: 'GET', url: '/v1/users/me', headers: { authorization: `Bearer ${member.token}` } });
      expect((await meOnOther()).statusCode).toBe(200); // now remembered by the other process
      await t.request({ method: 'POST', url: '/v1/auth/logout', token: member.token });
      const endedAt = Date.now();
      await waitUntil(async () => (await meOnOther()).statusCode === 401, { message: 'the other process to refuse the ended session', timeoutMs: WITHIN_5_S });
      expect(Date.now() - endedAt).toBeLessThanOrEqual(WITHIN_5_S);
    } finally {
      await other.close();
    }
  });

  it('suspension stops copies at once and every other request within 5 seconds', async () => {
    const author = await createMember(t);
    const flow = await createFlow(t, author, { is_premium: false });
    const member = await createMember(t);
    expect((await me(member.token)).status).toBe(200);
    await t.database.db.update(users).set({ status: 'suspended' }).where(eq(users.id, member.id));
    const copy = await t.request({ method: 'POST', url: `/v1/flows/${flow.slug}/copy`, token: member.token });
    expect(copy.status).toBe(403);
    expect(copy.body.type).toMatch(/account-suspended$/);
    await waitUntil(async () => (await me(member.token)).status === 403, { message: 'the suspended member to be refused', timeoutMs: WITHIN_5_S });
  });

  it('the role comes from the account, not the token: a demoted admin loses admin rights within 5 seconds', async () => {
    const member = await createMember(t);
    const runPayouts = () => t.request({ method: 'POST', url: '/v1/admin/payouts/run', token: member.token, payload: { dry_run: true } });
    expect((await runPayouts()).status).toBe(403);
    await t.database.db.update(users).set({ role: 'admin' }).where(eq(users.id, member.id));
    // Promoted without logging in again: the same token now carries admin rights…
    await waitUntil(async () => (await runPayouts()).status !== 403, { message: 'the promotion to apply', timeoutMs: WITHIN_5_S });
    await t.database.db.update(users).set({ role: 'member' }).where(eq(users.id, member.id));
    // …and loses them the same way.
    await waitUntil(async () => (await runPayouts()).status === 403, { message: 'the demotion to apply', timeoutMs: WITHIN_5_S });
  });

  it('a token that names no session (or someone else’s) is refused', async () => {
    const member = await createMember(t);
    const stranger = await createMember(t);
    const strangerSession = t.ctx.tokens.verify(stranger.token);
    if (strangerSession?.kind !== 'session') throw new Error('expected a session token');
    const forged = t.ctx.tokens.issue({ userId: member.id, sessionId: strangerSession.sessionId, expiresAt: new Date(Date.now() + 60_000) });
    expect((await me(forged)).status).toBe(401);
    // The CLI's operator token opens only the payout run of a development server, nothing else.
    const operator = t.ctx.tokens.issueOperator();
    expect((await me(operator)).status).toBe(401);
    const run = await t.request({ method: 'POST', url: '/v1/admin/payouts/run', token: operator, payload: { dry_run: true } });
    expect(run.status).toBe(200);
  });
});
