import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/server/db/client.js';
import { rowsOf } from '../src/server/db/rows.js';
import { accountTokens, emailOutbox, flows, subscriptions, users } from '../src/server/db/schema.js';
import { getCreatorFlows, getEarnings } from '../src/server/modules/creators/service.js';
import { runPayouts } from '../src/server/modules/payouts/runs.js';
import { enqueueEmail } from '../src/server/modules/email/service.js';
import { createFlow, createMember, flushWebhooks, giveSubscription, subscribeThroughCheckout } from './factories.js';
import { createTestApp, type Response, type TestApp } from './support/app.js';
import { latestMail, mailedLink } from './support/mail.js';
import { connectedCreatorWhoEarned, createCreator, earn, PAYOUT_ENV, pastTheHold, payoutsOf, releaseHeld } from './support/payouts.js';
import { expectReconciled } from './support/reconcile.js';

/**
 * SPEC §13 accounts, end to end through HTTP and the mail outbox: verification, password reset, profile, password and
 * email changes, export and deletion, and every bad input (nothing changes on any error).
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ ...PAYOUT_ENV, PUBLIC_URL: 'https://flowtab.test' }, { stripe: true });
});
afterAll(() => t?.close());
afterEach(async () => {
  await t.emulator('/_emulator/faults', undefined, { json: {} });
  await expectReconciled(t);
});

const outbox = () => ({ db: t.database.db, config: t.config });
const me = (token: string) => t.request({ method: 'GET', url: '/v1/users/me', token });
const post = (url: string, payload: Record<string, unknown>, token?: string) => t.request({ method: 'POST', url, payload, token });
const logIn = (login: string, password: string) => post('/v1/auth/token', { login, password });
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function expectProblem(response: Response, status: number, type?: string) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers['content-type']).toContain('application/problem+json');
  if (type) expect(response.body.type).toBe(`https://flowtab.pro/problems/${type}`);
}

/** Everything a failed request must leave as it was: the member's row, their tokens, sessions and mails. */
async function snapshotOf(userId: string) {
  const [user] = await t.database.db.select().from(users).where(eq(users.id, userId));
  const tokens = await t.database.db.select().from(accountTokens).where(eq(accountTokens.userId, userId));
  const mails = await t.database.db.select({ id: emailOutbox.id }).from(emailOutbox).where(eq(emailOutbox.userId, userId));
  const [sessions] = rowsOf<{ open: number }>(
    await t.database.db.execute(sql`select count(*)::int as open from sessions where user_id = ${userId} and revoked_at is null`),
  );
  return { user, tokens: tokens.sort((a, b) => a.id.localeCompare(b.id)), mails: mails.length, openSessions: Number(sessions!.open) };
}

async function expireTokens(userId: string) {
  await t.database.db.update(accountTokens).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(accountTokens.userId, userId));
}

describe('email verification', () => {
  it('registering mails PUBLIC_URL/verify-email?token=… (text and HTML); the token is stored hashed; POST /v1/auth/verify-email → 204, once', async () => {
    const member = await createMember(t, { verified: false });
    expect((await me(member.token)).body.email_verified).toBe(false);

    const link = await mailedLink(outbox(), member.email, 'welcome', '/verify-email');
    expect(link.url).toBe(`https://flowtab.test/verify-email?token=${link.token}`);
    // Stored as its SHA-256 only; the outbox holds it sealed, never in the clear.
    const [stored] = await t.database.db.select().from(accountTokens).where(eq(accountTokens.userId, member.id));
    expect(stored).toMatchObject({ purpose: 'verify_email', tokenHash: sha256(link.token), newEmail: member.email, usedAt: null });
    const { row } = (await latestMail(outbox(), member.email, 'welcome'))!;
    expect(JSON.stringify(row.data)).not.toContain(link.token);

    expect((await post('/v1/auth/verify-email', { token: link.token })).status).toBe(204);
    expect((await me(member.token)).body.email_verified).toBe(true);
    const again = await post('/v1/auth/verify-email', { token: link.token });
    expectProblem(again, 400, 'invalid-token');
    expect(again.body.reason).toBe('used');
    expect(again.body.detail).toMatch(/already used/);
  });

  it('an unverified member may browse, subscribe and copy, but publishing and Connect answer 403 saying so and how', async () => {
    const author = await createMember(t);
    const free = await createFlow(t, author, { is_premium: false });
    const member = await createMember(t, { verified: false });

    expect((await t.request({ method: 'GET', url: '/v1/flows', token: member.token })).status).toBe(200);
    expect((await t.request({ method: 'GET', url: `/v1/flows/${free.slug}`, token: member.token })).status).toBe(200);
    expect((await t.request({ method: 'POST', url: `/v1/flows/${free.slug}/copy`, token: member.token })).status).toBe(200);
    const checkout = await t.request({ method: 'POST', url: '/v1/subscriptions/checkout', token: member.token });
    expect(checkout.status).toBe(200);
    expect(checkout.body.url).toEqual(expect.any(String));

    const flowsBefore = (await t.database.db.select().from(flows).where(eq(flows.authorId, member.id))).length;
    const publish = await t.request({ method: 'POST', url: '/v1/flows', token: member.token, payload: flowInputOf({ status: 'published' }) });
    expectProblem(publish, 403, 'email-not-verified');
    expect(publish.body.detail).toMatch(/Verify your email address to publish flows/);
    expect(publish.body.detail).toMatch(/verify-email\/resend/);
    expect((await t.database.db.select().from(flows).where(eq(flows.authorId, member.id))).length).toBe(flowsBefore);

    // A draft is fine; publishing it is not.
    const draft = await t.request({ method: 'POST', url: '/v1/flows', token: member.token, payload: flowInputOf({ status: 'draft' }) });
    expect(draft.status).toBe(201);
    expectProblem(await t.request({ method: 'PATCH', url: `/v1/flows/${draft.body.id}`, token: member.token, payload: { status: 'published' } }), 403, 'email-not-verified');
    const connect = await t.request({ method: 'POST', url: '/v1/creators/me/connect', token: member.token });
    expectProblem(connect, 403, 'email-not-verified');
    expect(connect.body.detail).toMatch(/to set up payouts/);
    expect((await t.database.db.select().from(users).where(eq(users.id, member.id)))[0]!.connectAccountId).toBeNull();

    // Verified, both work.
    await verifyWith(await mailedLink(outbox(), member.email, 'welcome', '/verify-email'));
    expect((await t.request({ method: 'PATCH', url: `/v1/flows/${draft.body.id}`, token: member.token, payload: { status: 'published' } })).status).toBe(200);
    expect((await t.request({ method: 'POST', url: '/v1/creators/me/connect', token: member.token })).status).toBe(200);
  });

  it('resend → 202 with a new link that works; 409 once verified; rate limited per account (429 with Retry-After); members only', async () => {
    const member = await createMember(t, { verified: false });
    const resent = await post('/v1/auth/verify-email/resend', {}, member.token);
    expect(resent.status).toBe(202);
    const link = await mailedLink(outbox(), member.email, 'verify_email', '/verify-email');
    const mail = await latestMail(outbox(), member.email, 'verify_email');
    expect(mail!.subject).toBe('Confirm your email address for Flowtab.Pro');
    await verifyWith(link);
    expectProblem(await post('/v1/auth/verify-email/resend', {}, member.token), 409, 'already-verified');
    expectProblem(await post('/v1/auth/verify-email/resend', {}), 401);

    const other = await createMember(t, { verified: false });
    for (let i = 0; i < 5; i++) expect((await post('/v1/auth/verify-email/resend', {}, other.token)).status).toBe(202);
    const before = await snapshotOf(other.id);
    const limited = await post('/v1/auth/verify-email/resend', {}, other.token);
    expectProblem(limited, 429, 'rate-limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(await snapshotOf(other.id)).toEqual(before);
  });

  it('expired, unknown and other-purpose tokens → 400 naming which, and nothing changes', async () => {
    const member = await createMember(t, { verified: false });
    const link = await mailedLink(outbox(), member.email, 'welcome', '/verify-email');
    const before = await snapshotOf(member.id);

    const unknown = await post('/v1/auth/verify-email', { token: 'x'.repeat(43) });
    expectProblem(unknown, 400, 'invalid-token');
    expect(unknown.body).toMatchObject({ reason: 'unknown', detail: expect.stringMatching(/unknown token/) });

    expect((await post('/v1/auth/password-reset', { email: member.email })).status).toBe(202);
    const reset = await mailedLink(outbox(), member.email, 'password_reset', '/reset-password');
    const wrongPurpose = await post('/v1/auth/verify-email', { token: reset.token });
    expectProblem(wrongPurpose, 400, 'invalid-token');
    expect(wrongPurpose.body).toMatchObject({ reason: 'wrong_purpose', detail: expect.stringMatching(/for resetting a password, not for verifying/) });
    const verifyAsReset = await post('/v1/auth/password-reset/confirm', { token: link.token, password: 'a brand new password' });
    expectProblem(verifyAsReset, 400, 'invalid-token');
    expect(verifyAsReset.body.reason).toBe('wrong_purpose');

    await expireTokens(member.id);
    const expired = await post('/v1/auth/verify-email', { token: link.token });
    expectProblem(expired, 400, 'invalid-token');
    expect(expired.body).toMatchObject({ reason: 'expired', detail: expect.stringMatching(/expired/) });

    const after = await snapshotOf(member.id);
    expect(after.user).toEqual(before.user);
    expect(after.tokens.every((token) => token.usedAt === null)).toBe(true);
    expect((await me(member.token)).body.email_verified).toBe(false);
  });

  it('a verification link for an address the account no longer has is refused (stale)', async () => {
    const member = await createMember(t, { verified: false });
    const oldLink = await mailedLink(outbox(), member.email, 'welcome', '/verify-email');
    const newEmail = `moved-${member.id.slice(0, 8)}@example.com`;
    expect((await post('/v1/users/me/email', { password: member.password, new_email: newEmail }, member.token)).status).toBe(202);
    await verifyWith(await mailedLink(outbox(), newEmail, 'email_change', '/verify-email'));
    const stale = await post('/v1/auth/verify-email', { token: oldLink.token });
    expectProblem(stale, 400, 'invalid-token');
    // The change retired the old address's links: used, as far as anyone can tell.
    expect(['stale', 'used']).toContain(stale.body.reason);
  });
});

describe('password reset', () => {
  it('202 for a known address with a 60-minute single-use link; confirm → 204 ends every session; old password out, new one in', async () => {
    const member = await createMember(t);
    const second = (await logIn(member.username, member.password)).body.access_token as string;
    const asked = await post('/v1/auth/password-reset', { email: member.email.toUpperCase() });
    expect(asked.status).toBe(202);
    const link = await mailedLink(outbox(), member.email, 'password_reset', '/reset-password');
    expect(link.url).toBe(`https://flowtab.test/reset-password?token=${link.token}`);
    const mail = await latestMail(outbox(), member.email, 'password_reset');
    expect(mail!.text).toContain('60 minutes');
    const [stored] = await t.database.db
      .select()
      .from(accountTokens)
      .where(and(eq(accountTokens.userId, member.id), eq(accountTokens.purpose, 'reset_password')));
    expect(stored!.tokenHash).toBe(sha256(link.token));
    const lifetimeMs = stored!.expiresAt.getTime() - stored!.createdAt.getTime();
    expect(Math.abs(lifetimeMs - 60 * 60_000)).toBeLessThan(5_000);

    expect((await post('/v1/auth/password-reset/confirm', { token: link.token, password: 'a brand new password' })).status).toBe(204);
    expect((await me(member.token)).status).toBe(401);
    expect((await me(second)).status).toBe(401);
    expectProblem(await logIn(member.username, member.password), 401);
    expect((await logIn(member.email, 'a brand new password')).status).toBe(200);
    const reused = await post('/v1/auth/password-reset/confirm', { token: link.token, password: 'yet another password' });
    expectProblem(reused, 400, 'invalid-token');
    expect(reused.body.reason).toBe('used');
    expect((await logIn(member.email, 'a brand new password')).status).toBe(200);
  });

  it('202 for an unknown address too, the same answer, with no mail and no token', async () => {
    const mailsBefore = (await t.database.db.select({ id: emailOutbox.id }).from(emailOutbox)).length;
    const tokensBefore = (await t.database.db.select({ id: accountTokens.id }).from(accountTokens)).length;
    const member = await createMember(t, { verified: false });
    const mailsOfMember = (await t.database.db.select({ id: emailOutbox.id }).from(emailOutbox)).length - mailsBefore;
    const tokensOfMember = (await t.database.db.select({ id: accountTokens.id }).from(accountTokens)).length - tokensBefore;

    const unknown = await post('/v1/auth/password-reset', { email: `nobody-${member.id}@example.com` });
    const known = await post('/v1/auth/password-reset', { email: member.email });
    expect(unknown.status).toBe(202);
    expect(known.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
    // Only the known address got a token and a mail.
    expect((await t.database.db.select({ id: emailOutbox.id }).from(emailOutbox)).length - mailsBefore).toBe(mailsOfMember + 1);
    expect((await t.database.db.select({ id: accountTokens.id }).from(accountTokens)).length - tokensBefore).toBe(tokensOfMember + 1);
  });

  it('answers a known and an unknown address in the same time (medians over many tries)', async () => {
    // Different addresses each try, as an attacker probing many would; the per-address limit is not in the way.
    const known: string[] = [];
    for (let i = 0; i < 12; i++) known.push((await createMember(t, { verified: false })).email);
    const unknown = known.map((email) => `x${email}`);
    const time = async (email: string) => {
      const started = process.hrtime.bigint();
      const response = await post('/v1/auth/password-reset', { email });
      expect(response.status).toBe(202);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    for (let i = 0; i < 3; i++) await time(`warm-up-${i}@example.com`);
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const round = async () => {
      const knownMs: number[] = [];
      const unknownMs: number[] = [];
      // Interleaved, so a busy moment on the machine falls on both sides alike.
      for (let i = 0; i < known.length; i++) {
        if (i % 2 === 0) {
          knownMs.push(await time(known[i]!));
          unknownMs.push(await time(unknown[i]!));
        } else {
          unknownMs.push(await time(unknown[i]!));
          knownMs.push(await time(known[i]!));
        }
      }
      return { known: median(knownMs), unknown: median(unknownMs) };
    };
    // The same work either way: one statement, no argon2, no network, no wait for the disk. The bound is generous for
    // a loaded two-core machine, and a round may be unlucky, so up to three rounds are measured; a difference that is
    // really there (a password hashed, a mail sent inline, a disk flush on one side only) fails every round.
    const rounds: { known: number; unknown: number }[] = [];
    const isClose = ({ known: k, unknown: u }: { known: number; unknown: number }) => Math.abs(k - u) < Math.max(15, 0.5 * Math.min(k, u));
    while (rounds.length < 3 && !rounds.some(isClose)) rounds.push(await round());
    const report = rounds.map((r) => `known ${r.known.toFixed(1)} ms / unknown ${r.unknown.toFixed(1)} ms`).join('; ');
    console.info(`password reset medians: ${report}`);
    expect(rounds.some(isClose), report).toBe(true);
  });

  it('a weak new password → 400 naming the rule, and nothing changes (the link still works)', async () => {
    const member = await createMember(t);
    await post('/v1/auth/password-reset', { email: member.email });
    const link = await mailedLink(outbox(), member.email, 'password_reset', '/reset-password');
    const before = await snapshotOf(member.id);
    for (const [password, rule] of [
      ['short', /at least 10 characters/],
      [member.username.toUpperCase(), /not be your username/],
      [member.email, /not be your email address/],
    ] as const) {
      const weak = await post('/v1/auth/password-reset/confirm', { token: link.token, password });
      expectProblem(weak, 400, 'weak-password');
      expect(weak.body.detail).toMatch(rule);
      expect(weak.body.errors[0]).toMatchObject({ path: '/password', message: expect.stringMatching(rule) });
    }
    expect(await snapshotOf(member.id)).toEqual(before);
    expect((await post('/v1/auth/password-reset/confirm', { token: link.token, password: 'a fine new password' })).status).toBe(204);
  });

  it('expired and unknown links → 400 naming which; the password stays', async () => {
    const member = await createMember(t);
    await post('/v1/auth/password-reset', { email: member.email });
    const link = await mailedLink(outbox(), member.email, 'password_reset', '/reset-password');
    await expireTokens(member.id);
    const before = await snapshotOf(member.id);
    const expired = await post('/v1/auth/password-reset/confirm', { token: link.token, password: 'a fine new password' });
    expectProblem(expired, 400, 'invalid-token');
    expect(expired.body).toMatchObject({ reason: 'expired', detail: expect.stringMatching(/expired.*new password reset link/) });
    const unknown = await post('/v1/auth/password-reset/confirm', { token: `${link.token}x`, password: 'a fine new password' });
    expectProblem(unknown, 400, 'invalid-token');
    expect(unknown.body.reason).toBe('unknown');
    expect(await snapshotOf(member.id)).toEqual(before);
    expect((await logIn(member.username, member.password)).status).toBe(200);
  });

  it('bad input → 400 problem+json; a few requests per address, then 429 for known and unknown alike', async () => {
    expectProblem(await post('/v1/auth/password-reset', { email: 'not an address' }), 400);
    expectProblem(await post('/v1/auth/password-reset', { email: 'a@example.com', extra: 1 }), 400);
    expectProblem(await post('/v1/auth/password-reset/confirm', { token: '', password: 'a fine new password' }), 400);
    const member = await createMember(t, { verified: false });
    for (const email of [member.email, `none-${member.id}@example.com`]) {
      for (let i = 0; i < 5; i++) expect((await post('/v1/auth/password-reset', { email })).status).toBe(202);
      const limited = await post('/v1/auth/password-reset', { email });
      expectProblem(limited, 429, 'rate-limited');
      expect(limited.headers['retry-after']).toBeDefined();
    }
  });
});

describe('profile', () => {
  it('PATCH /v1/users/me sets display name, bio, https links and avatar; GET shows them; null clears', async () => {
    const member = await createMember(t);
    const profile = {
      display_name: '  Ada Lovelace  ',
      bio: 'Writes flows for research.\nLikes engines.',
      links: ['https://ada.example.com', 'https://github.com/ada'],
      avatar_url: 'https://images.example.com/ada.png',
    };
    const patched = await t.request({ method: 'PATCH', url: '/v1/users/me', token: member.token, payload: profile });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ ...profile, display_name: 'Ada Lovelace' });
    expect((await me(member.token)).body).toMatchObject({ display_name: 'Ada Lovelace', links: profile.links });
    const cleared = await t.request({ method: 'PATCH', url: '/v1/users/me', token: member.token, payload: { bio: null, avatar_url: null, links: [] } });
    expect(cleared.body).toMatchObject({ display_name: 'Ada Lovelace', bio: null, avatar_url: null, links: [] });
  });

  it.each([
    ['an http link', { links: ['http://example.com'] }, /https/],
    ['a javascript: link', { links: ['javascript:alert(1)'] }, /https/],
    ['a link with credentials', { links: ['https://user:pass@example.com'] }, /https/],
    ['a link without a real host', { links: ['https://localhost/me'] }, /https/],
    ['six links', { links: [1, 2, 3, 4, 5, 6].map((i) => `https://example.com/${i}`) }, /5/],
    ['a repeated link', { links: ['https://example.com', 'https://example.com'] }, /repeat/],
    ['an http avatar', { avatar_url: 'http://example.com/a.png' }, /https/],
    ['a data: avatar', { avatar_url: 'data:image/png;base64,AAAA' }, /https/],
    ['a long display name', { display_name: 'x'.repeat(61) }, /60/],
    ['an empty display name', { display_name: '   ' }, /empty/],
    ['a control character', { display_name: 'a\u0007b' }, /control/],
    ['a long bio', { bio: 'x'.repeat(501) }, /500/],
    ['an unknown field', { email: 'x@example.com' }, /email/],
    ['a wrong type', { links: 'https://example.com' }, /array/],
  ])('refuses %s with 400 naming the field, and changes nothing', async (_label, payload, message) => {
    const member = await createMember(t);
    await t.request({ method: 'PATCH', url: '/v1/users/me', token: member.token, payload: { display_name: 'Kept', links: ['https://kept.example.com'] } });
    const before = await snapshotOf(member.id);
    const response = await t.request({ method: 'PATCH', url: '/v1/users/me', token: member.token, payload });
    expectProblem(response, 400);
    expect(response.body.detail).toMatch(message);
    expect(await snapshotOf(member.id)).toEqual(before);
  });

  it('needs a login', async () => {
    expectProblem(await t.request({ method: 'PATCH', url: '/v1/users/me', payload: { bio: 'x' } }), 401);
  });
});

describe('changing the password', () => {
  it('→ 204: this session goes on, every other session ends; the old password stops working', async () => {
    const member = await createMember(t);
    const other = (await logIn(member.email, member.password)).body.access_token as string;
    const changed = await post('/v1/users/me/password', { current_password: member.password, new_password: 'my new long password' }, member.token);
    expect(changed.status).toBe(204);
    expect((await me(member.token)).status).toBe(200);
    expect((await me(other)).status).toBe(401);
    expectProblem(await logIn(member.username, member.password), 401);
    expect((await logIn(member.username, 'my new long password')).status).toBe(200);
  });

  it('a wrong current password → 401 with one message, the session stays; a weak new one → 400 naming the rule; nothing changes', async () => {
    const member = await createMember(t);
    const other = (await logIn(member.email, member.password)).body.access_token as string;
    const before = await snapshotOf(member.id);
    const wrong = await post('/v1/users/me/password', { current_password: 'not my password', new_password: 'my new long password' }, member.token);
    expectProblem(wrong, 401, 'invalid-credentials');
    expect(wrong.body.detail).toBe('The password is wrong.');
    // The same message on every password-checking endpoint.
    const wrongOnEmail = await post('/v1/users/me/email', { password: 'not my password', new_email: 'x@example.com' }, member.token);
    const wrongOnDelete = await t.request({ method: 'DELETE', url: '/v1/users/me', token: member.token, payload: { password: 'not my password' } });
    expect([wrongOnEmail.status, wrongOnDelete.status]).toEqual([401, 401]);
    expect(wrongOnEmail.body.detail).toBe(wrong.body.detail);
    expect(wrongOnDelete.body.detail).toBe(wrong.body.detail);
    for (const [newPassword, rule] of [
      ['too short', /at least 10 characters/],
      [member.username, /not be your username/],
      [member.email.toUpperCase(), /not be your email address/],
    ] as const) {
      const weak = await post('/v1/users/me/password', { current_password: member.password, new_password: newPassword }, member.token);
      expectProblem(weak, 400, 'weak-password');
      expect(weak.body.detail).toMatch(rule);
      expect(weak.body.errors[0].path).toBe('/new_password');
    }
    expect(await snapshotOf(member.id)).toEqual(before);
    expect((await me(member.token)).status).toBe(200);
    expect((await me(other)).status).toBe(200);
  });

  it('registering follows the same rule', async () => {
    for (const [password, rule] of [
      ['nine char', /at least 10 characters/],
      ['same_as_username', /not be your username/],
      ['same@example.com', /not be your email address/],
    ] as const) {
      const response = await post('/v1/auth/register', { email: 'same@example.com', username: 'same_as_username', password });
      expectProblem(response, 400, 'weak-password');
      expect(response.body.detail).toMatch(rule);
    }
    expect(await t.database.db.select().from(users).where(eq(users.username, 'same_as_username'))).toEqual([]);
  });
});

describe('changing the email address', () => {
  it('→ 202; a link to the new address applies the change, the old address is told; logins follow the new address', async () => {
    const member = await createMember(t);
    const newEmail = `new-${member.id.slice(0, 8)}@example.com`;
    const asked = await post('/v1/users/me/email', { password: member.password, new_email: newEmail }, member.token);
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ pending_email: newEmail, expires_at: expect.any(String) });
    // Not applied yet.
    expect((await me(member.token)).body).toMatchObject({ email: member.email, pending_email: newEmail });

    const link = await mailedLink(outbox(), newEmail, 'email_change', '/verify-email');
    expect((await latestMail(outbox(), newEmail, 'email_change'))!.row.userId).toBe(member.id);
    await verifyWith(link);
    expect((await me(member.token)).body).toMatchObject({ email: newEmail, email_verified: true, pending_email: null });
    const notice = await latestMail(outbox(), member.email, 'email_changed');
    expect(notice!.text).toContain(newEmail);
    expect(notice!.subject).toBe('Your Flowtab.Pro email address was changed');
    expect((await logIn(newEmail, member.password)).status).toBe(200);
    expectProblem(await logIn(member.email, member.password), 401);
    expectProblem(await post('/v1/auth/verify-email', { token: link.token }), 400, 'invalid-token');
  });

  it('a taken address → 409 saying nothing about whether it is verified; a wrong password → 401; bad addresses → 400; nothing changes', async () => {
    const member = await createMember(t);
    const verifiedOwner = await createMember(t);
    const unverifiedOwner = await createMember(t, { verified: false });
    const before = await snapshotOf(member.id);
    const takenVerified = await post('/v1/users/me/email', { password: member.password, new_email: verifiedOwner.email.toUpperCase() }, member.token);
    const takenUnverified = await post('/v1/users/me/email', { password: member.password, new_email: unverifiedOwner.email }, member.token);
    expectProblem(takenVerified, 409, 'account-taken');
    expectProblem(takenUnverified, 409, 'account-taken');
    const { instance: _a, ...first } = takenVerified.body;
    const { instance: _b, ...second } = takenUnverified.body;
    expect(first).toEqual(second);
    expect(JSON.stringify(first)).not.toMatch(/verif/i);

    expectProblem(await post('/v1/users/me/email', { password: 'wrong password', new_email: 'free@example.com' }, member.token), 401, 'invalid-credentials');
    expectProblem(await post('/v1/users/me/email', { password: member.password, new_email: member.email }, member.token), 400);
    expectProblem(await post('/v1/users/me/email', { password: member.password, new_email: 'not an address' }, member.token), 400);
    expectProblem(await post('/v1/users/me/email', { password: member.password, new_email: `x-${member.id}@deleted.invalid` }, member.token), 400);
    expectProblem(await post('/v1/users/me/email', { password: member.password, new_email: 'free@example.com' }), 401);
    expect(await snapshotOf(member.id)).toEqual(before);
  });

  it('a newer request retires the older link; an address taken before the link is used → 409 and nothing changes', async () => {
    const member = await createMember(t);
    const first = `first-${member.id.slice(0, 8)}@example.com`;
    const second = `second-${member.id.slice(0, 8)}@example.com`;
    await post('/v1/users/me/email', { password: member.password, new_email: first }, member.token);
    const firstLink = await mailedLink(outbox(), first, 'email_change', '/verify-email');
    await post('/v1/users/me/email', { password: member.password, new_email: second }, member.token);
    const secondLink = await mailedLink(outbox(), second, 'email_change', '/verify-email');
    expectProblem(await post('/v1/auth/verify-email', { token: firstLink.token }), 400, 'invalid-token');

    await createMember(t, { email: second, verified: false });
    const before = await snapshotOf(member.id);
    expectProblem(await post('/v1/auth/verify-email', { token: secondLink.token }), 409, 'account-taken');
    expect(await snapshotOf(member.id)).toEqual(before);
  });
});

describe('export', () => {
  it('GET /v1/users/me/export → one JSON document with the account, sessions, subscription history, invoices, copies, flows, earnings, payouts and mails; no secrets', async () => {
    const creator = await createCreator(t, 2);
    await t.request({ method: 'PATCH', url: '/v1/users/me', token: creator.token, payload: { bio: 'I write flows.' } });
    const subscriber = await createMember(t);
    await giveSubscription(t, subscriber, 'active', { isPaid: true });
    for (const flow of creator.flows) await t.request({ method: 'POST', url: `/v1/flows/${flow.slug}/copy`, token: subscriber.token });

    const response = await t.request({ method: 'GET', url: '/v1/users/me/export', token: subscriber.token });
    expect(response.status).toBe(200);
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="flowtab-member_\w+-\d{4}-\d{2}-\d{2}\.json"$/);
    const document = response.body;
    expect(document).toMatchObject({ format: 'flowtab.account-export/1', account: { id: subscriber.id, email: subscriber.email, username: subscriber.username } });
    expect(document.sessions.length).toBeGreaterThan(0);
    expect(document.subscriptions).toHaveLength(1);
    expect(document.billing_periods).toHaveLength(1);
    expect(document.invoices).toHaveLength(1);
    expect(document.copies.map((c: { flow_slug: string }) => c.flow_slug).sort()).toEqual(creator.flows.map((f) => f.slug).sort());
    expect(document.mails.map((m: { template: string }) => m.template)).toContain('welcome');
    expect(document.account_links.map((l: { purpose: string }) => l.purpose)).toContain('verify_email');

    const creatorExport = (await t.request({ method: 'GET', url: '/v1/users/me/export', token: creator.token })).body;
    expect(creatorExport.account.bio).toBe('I write flows.');
    expect(creatorExport.flows).toHaveLength(2);
    // Each flow's copies as they are, before the popularity refresh has run.
    expect(creatorExport.flows.map((f: { copy_count: number }) => f.copy_count)).toEqual([1, 1]);
    expect(creatorExport.earnings.periods).toHaveLength(1);
    expect(creatorExport.earnings.periods[0]).toMatchObject({ gross_cents: 200, counted_copies: 2 });
    const balances = creatorExport.earnings.balances;
    expect((balances.creator_pending ?? 0) + (balances.creator_held ?? 0)).toBe(200);
    expect(creatorExport.earnings.ledger_entries.length).toBeGreaterThan(0);
    expect(creatorExport.payouts).toEqual([]);

    // No password hash, no token hash, no token: nothing that opens the account.
    const [row] = await t.database.db.select().from(users).where(eq(users.id, subscriber.id));
    const tokenHashes = (await t.database.db.select().from(accountTokens).where(eq(accountTokens.userId, subscriber.id))).map((r) => r.tokenHash);
    const text = JSON.stringify(document);
    expect(text).not.toContain(row!.passwordHash);
    expect(text).not.toMatch(/\$argon2|password_hash|token_hash/i);
    for (const hash of tokenHashes) expect(text).not.toContain(hash);
    expect(text).not.toContain(subscriber.token);
    expectProblem(await t.request({ method: 'GET', url: '/v1/users/me/export' }), 401);
  });
});

describe('deleting the account', () => {
  it('→ 204: subscription cancelled at Stripe at once, flows archived, every session ended, personal data erased; copies, ledger and earnings kept', async () => {
    // A creator who also subscribes; a reader whose copies earned the creator money.
    const creator = await createCreator(t, 3);
    await t.request({ method: 'PATCH', url: '/v1/users/me', token: creator.token, payload: { display_name: 'Soon Gone', bio: 'bio', links: ['https://me.example.com'] } });
    const reader = await earn(t, creator, 3);
    await subscribeThroughCheckout(t, creator);
    const otherSession = (await logIn(creator.username, creator.password)).body.access_token as string;
    const [subscription] = await t.database.db.select().from(subscriptions).where(eq(subscriptions.userId, creator.id));
    const asCreator = { id: creator.id, role: 'member' as const, sessionId: undefined };
    const earningsBefore = await getEarnings(t.database.db, asCreator, { minPayoutCents: t.config.minPayoutCents });
    const flowStatsBefore = await getCreatorFlows(t.database.db, asCreator);
    const copiesBefore = await countRows('copies', sql`creator_id = ${creator.id} or user_id = ${creator.id}`);
    const ledgerBefore = await countRows('ledger_entries', sql`creator_id = ${creator.id}`);
    const hashBefore = (await t.database.db.select().from(users).where(eq(users.id, creator.id)))[0]!.passwordHash;

    const deleted = await t.request({ method: 'DELETE', url: '/v1/users/me', token: creator.token, payload: { password: creator.password } });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);

    // Stripe: cancelled at once (not at period end).
    const atStripe = await t.ctx.stripe.retrieveSubscription(subscription!.id);
    expect(atStripe.status).toBe('canceled');
    await flushWebhooks(t);
    expect((await t.database.db.select().from(subscriptions).where(eq(subscriptions.id, subscription!.id)))[0]!.status).toBe('canceled');

    // Sessions: every one ended; no login works, by the old name, address or password.
    expect((await me(creator.token)).status).toBe(401);
    expect((await me(otherSession)).status).toBe(401);
    expectProblem(await logIn(creator.username, creator.password), 401);
    expectProblem(await logIn(creator.email, creator.password), 401);

    // Personal data erased; the row stays, pseudonymous.
    const [row] = await t.database.db.select().from(users).where(eq(users.id, creator.id));
    expect(row).toMatchObject({
      email: `deleted-${creator.id}@deleted.invalid`,
      username: `deleted-${creator.id}`,
      displayName: null,
      bio: null,
      links: [],
      avatarUrl: null,
      emailVerifiedAt: null,
    });
    expect(row!.deletedAt).toBeInstanceOf(Date);
    expect(row!.passwordHash).not.toBe(hashBefore);
    expectProblem(await logIn(`deleted-${creator.id}`, creator.password), 401);

    // Flows archived: gone from the library and their pages.
    const own = await t.database.db.select().from(flows).where(eq(flows.authorId, creator.id));
    expect(own.map((f) => f.status)).toEqual(['archived', 'archived', 'archived']);
    expect((await t.request({ method: 'GET', url: `/v1/flows/${creator.flows[0]!.slug}`, token: reader.token })).status).toBe(404);

    // Mails: the deletion notice to the address the account had; no other mail mentions the address or the name any
    // more, none is left to send (a notice the cancellation's webhook queued just before is dropped), and nothing new
    // is ever queued to the erased address.
    const notice = await latestMail(outbox(), creator.email, 'account_deleted');
    expect(notice!.subject).toBe('Your Flowtab.Pro account was deleted');
    const erasedEmail = `deleted-${creator.id}@deleted.invalid`;
    const mails = await t.database.db.select().from(emailOutbox).where(eq(emailOutbox.userId, creator.id));
    expect(mails.filter((m) => JSON.stringify(m).includes(creator.email)).map((m) => m.template)).toEqual(['account_deleted']);
    expect(mails.filter((m) => JSON.stringify(m).includes(creator.username)).map((m) => m.template)).toEqual(['account_deleted']);
    expect(mails.filter((m) => m.template !== 'account_deleted').every((m) => m.toAddress === erasedEmail && m.status !== 'pending')).toBe(true);
    const late = await inTransaction(t.database.db, (tx) => enqueueEmail(tx, { causeKey: `late:${creator.id}`, userId: creator.id, to: erasedEmail, template: 'welcome', data: { username: 'x' } }));
    expect(late).toBe(false);
    // A handler that read the old address just before the erasure (the cancellation's webhook, racing the deletion)
    // cannot queue to it either: the outbox takes a member's mail only while the account exists.
    const stale = await inTransaction(t.database.db, (tx) => enqueueEmail(tx, { causeKey: `stale:${creator.id}`, userId: creator.id, to: creator.email, template: 'subscription_ended', data: { username: creator.username, subscriptionId: subscription!.id, endedAt: new Date().toISOString(), reason: 'other' } }));
    expect(stale).toBe(false);

    // Copies, ledger and earnings kept, and they add up the same.
    expect(await countRows('copies', sql`creator_id = ${creator.id} or user_id = ${creator.id}`)).toBe(copiesBefore);
    expect(await countRows('ledger_entries', sql`creator_id = ${creator.id}`)).toBe(ledgerBefore);
    expect(await getEarnings(t.database.db, asCreator, { minPayoutCents: t.config.minPayoutCents })).toEqual(earningsBefore);
    // Per flow: the same copies and earnings; only the status moved to archived.
    const flowStatsAfter = await getCreatorFlows(t.database.db, asCreator);
    expect(flowStatsAfter.items.map((f) => f.status)).toEqual(flowStatsBefore.items.map(() => 'archived'));
    expect(flowStatsAfter.items.map((f) => ({ ...f, status: undefined }))).toEqual(flowStatsBefore.items.map((f) => ({ ...f, status: undefined })));
    await expectReconciled(t);

    // The address is free again.
    expect((await post('/v1/auth/register', { email: creator.email, username: `again_${creator.id.slice(0, 8)}`, password: 'a fresh password' })).status).toBe(201);
  });

  it('a wrong password → 401 and nothing changes; no body → 400', async () => {
    const member = await createMember(t);
    await createFlow(t, member);
    const before = await snapshotOf(member.id);
    expectProblem(await t.request({ method: 'DELETE', url: '/v1/users/me', token: member.token, payload: { password: 'not my password' } }), 401, 'invalid-credentials');
    expectProblem(await t.request({ method: 'DELETE', url: '/v1/users/me', token: member.token }), 400);
    expectProblem(await t.request({ method: 'DELETE', url: '/v1/users/me', payload: { password: member.password } }), 401);
    expect(await snapshotOf(member.id)).toEqual(before);
    expect((await t.database.db.select().from(flows).where(eq(flows.authorId, member.id)))[0]!.status).toBe('published');
  });

  it('409 while earnings of at least MIN_PAYOUT_CENTS are available, and while a payout is in flight; after the payout, deletion works and reconcile stays clean', async () => {
    const { creator } = await connectedCreatorWhoEarned(t, 6, { flows: 6 }); // 600 ¢ ≥ MIN_PAYOUT_CENTS (500)
    const asOf = await pastTheHold(t);
    await releaseHeld(t, asOf);
    const before = await snapshotOf(creator.id);

    const waiting = await t.request({ method: 'DELETE', url: '/v1/users/me', token: creator.token, payload: { password: creator.password } });
    expectProblem(waiting, 409, 'account-deletion-blocked');
    expect(waiting.body).toMatchObject({ reason: 'balance_waiting', available_cents: 600 });
    expect(waiting.body.detail).toMatch(/\$6\.00.*Withdraw them first/);
    expect(await snapshotOf(creator.id)).toEqual(before);

    // Stripe fails every transfer: the payout stays processing (in flight).
    await t.emulator('/_emulator/faults', undefined, { json: { paths: { 'POST /v1/transfers': { error_rate: 1 } } } });
    const run = await runPayouts(t.ctx, { asOf, creatorIds: [creator.id] });
    expect(run.still_processing).toBe(1);
    const inFlight = await t.request({ method: 'DELETE', url: '/v1/users/me', token: creator.token, payload: { password: creator.password } });
    expectProblem(inFlight, 409, 'account-deletion-blocked');
    expect(inFlight.body).toMatchObject({ reason: 'payout_in_flight', payout_id: (await payoutsOf(t, creator.id))[0]!.id });
    expect((await me(creator.token)).status).toBe(200);

    await t.emulator('/_emulator/faults', undefined, { json: {} });
    await runPayouts(t.ctx, { asOf, creatorIds: [creator.id], leaseMs: 0 });
    expect((await payoutsOf(t, creator.id)).map((p) => p.status)).toEqual(['paid']);
    const asCreator = { id: creator.id, role: 'member' as const, sessionId: undefined };
    const earningsBefore = await getEarnings(t.database.db, asCreator, { minPayoutCents: t.config.minPayoutCents });
    expect((await t.request({ method: 'DELETE', url: '/v1/users/me', token: creator.token, payload: { password: creator.password } })).status).toBe(204);
    expect(await getEarnings(t.database.db, asCreator, { minPayoutCents: t.config.minPayoutCents })).toEqual(earningsBefore);
    expect((await payoutsOf(t, creator.id)).map((p) => p.status)).toEqual(['paid']);
  });

  it('a balance below the minimum does not stop a deletion', async () => {
    const creator = await createCreator(t, 2);
    await earn(t, creator, 2); // 200 ¢ held, below the 500 ¢ minimum once available
    expect((await t.request({ method: 'DELETE', url: '/v1/users/me', token: creator.token, payload: { password: creator.password } })).status).toBe(204);
  });
});

// ---------------------------------------------------------------------------------------------------------------

async function verifyWith(link: { token: string }) {
  const response = await post('/v1/auth/verify-email', { token: link.token });
  expect(response.status, JSON.stringify(response.body)).toBe(204);
}

function flowInputOf(overrides: Record<string, unknown>) {
  return {
    title: `A flow ${Math.random().toString(36).slice(2)}`,
    summary: 'A summary of the flow.',
    body: 'Do the thing carefully, step by step, and report back.',
    steps: ['Open the page', 'Do the thing'],
    ...overrides,
  };
}

async function countRows(table: 'copies' | 'ledger_entries', where: ReturnType<typeof sql>): Promise<number> {
  const [row] = rowsOf<{ n: number }>(await t.database.db.execute(sql`select count(*)::int as n from ${sql.identifier(table)} where ${where}`));
  return Number(row!.n);
}

