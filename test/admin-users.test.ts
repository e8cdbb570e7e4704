import { and, eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server/app.js';
import { createContext } from '../src/server/context.js';
import { inTransaction } from '../src/server/db/client.js';
import { adminRefunds, auditEntries, users } from '../src/server/db/schema.js';
import { recordAudit } from '../src/server/modules/admin/audit/service.js';
import { runPayouts } from '../src/server/modules/payouts/runs.js';
import { createAdmin, createMember, type Member, subscribeThroughCheckout } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import {
  connectCreator,
  connectedCreatorWhoEarned,
  createCreator,
  earn,
  expectPaidOnce,
  PAYOUT_ENV,
  payoutsOf,
  releaseHeld,
  transfersTo,
} from './support/payouts.js';
import { expectReconciled } from './support/reconcile.js';
import { waitUntil } from './support/wait.js';

// The console's users area (SPEC §14): search, one member's whole story, and the audited switches.

let t: TestApp;
let admin: Member;
beforeAll(async () => {
  t = await createTestApp(PAYOUT_ENV, { stripe: true });
  admin = await createAdmin(t);
});
afterAll(() => t?.close());
afterEach(async () => {
  await expectReconciled(t);
});

// What every process must see within 5 seconds (SPEC §13).
const WITHIN_5_S = 5_000;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

const getUsers = (query: string, token = admin.token) => t.request({ method: 'GET', url: `/v1/admin/users${query}`, token });
const getUser = (id: string, token = admin.token) => t.request({ method: 'GET', url: `/v1/admin/users/${id}`, token });
const patchUser = (id: string, payload: Record<string, unknown>, token = admin.token) =>
  t.request({ method: 'PATCH', url: `/v1/admin/users/${id}`, token, payload });
const entriesAbout = (userId: string) =>
  t.database.db
    .select()
    .from(auditEntries)
    .where(and(eq(auditEntries.targetType, 'user'), eq(auditEntries.targetId, userId)))
    .orderBy(auditEntries.id);
const accountOf = async (userId: string) => {
  const [row] = await t.database.db.select({ status: users.status, role: users.role, payoutsPaused: users.payoutsPaused }).from(users).where(eq(users.id, userId));
  return row!;
};

describe('the guard', () => {
  it('guests get 401 and members 403 on every users endpoint, and a member’s PATCH changes nothing', async () => {
    const member = await createMember(t);
    const target = await createMember(t);
    const calls = [
      { method: 'GET' as const, url: '/v1/admin/users' },
      { method: 'GET' as const, url: `/v1/admin/users?q=${target.username}` },
      { method: 'GET' as const, url: `/v1/admin/users/${target.id}` },
      { method: 'PATCH' as const, url: `/v1/admin/users/${target.id}`, payload: { status: 'suspended', reason: 'spam' } },
    ];
    for (const call of calls) {
      const guest = await t.request(call);
      expect(guest.status, `${call.method} ${call.url} as a guest`).toBe(401);
      const asMember = await t.request({ ...call, token: member.token });
      expect(asMember.status, `${call.method} ${call.url} as a member`).toBe(403);
      expect(asMember.body.type).toMatch(/admin-only$/);
    }
    expect(await accountOf(target.id)).toMatchObject({ status: 'active' });
    expect(await entriesAbout(target.id)).toHaveLength(0);
  });
});

describe('GET /v1/admin/users', () => {
  it('finds members by part of the email or username (any case) and by id; newest first, in pages', async () => {
    const tag = Math.random().toString(36).slice(2, 8);
    const older = await createMember(t, { username: `seek_${tag}_older`, email: `Older.${tag}@Example.com` });
    const newer = await createMember(t, { username: `seek_${tag}_newer`, email: `newer.${tag}@example.com` });

    const byUsername = await getUsers(`?q=${`SEEK_${tag}`.toUpperCase()}`);
    expect(byUsername.status).toBe(200);
    expect(byUsername.body).toMatchObject({ total: 2, page: 1, has_more: false });
    expect(byUsername.body.items.map((u: { id: string }) => u.id)).toEqual([newer.id, older.id]);
    expect(byUsername.body.items[1]).toEqual({
      id: older.id,
      username: older.username,
      email: older.email,
      display_name: null,
      role: 'member',
      status: 'active',
      payouts_paused: false,
      email_verified: true,
      is_creator: false,
      subscription_status: null,
      deleted: false,
      deleted_at: null,
      created_at: expect.any(String),
    });

    const byEmail = await getUsers(`?q=${encodeURIComponent(`older.${tag}@example`)}`);
    expect(byEmail.body.items.map((u: { id: string }) => u.id)).toEqual([older.id]);
    const byId = await getUsers(`?q=${newer.id.toUpperCase()}`);
    expect(byId.body.items.map((u: { id: string }) => u.id)).toEqual([newer.id]);

    const first = await getUsers(`?q=seek_${tag}&page_size=1`);
    expect(first.body).toMatchObject({ total: 2, page: 1, page_size: 1, has_more: true });
    expect(first.body.items.map((u: { id: string }) => u.id)).toEqual([newer.id]);
    const second = await getUsers(`?q=seek_${tag}&page_size=1&page=2`);
    expect(second.body).toMatchObject({ total: 2, page: 2, has_more: false });
    expect(second.body.items.map((u: { id: string }) => u.id)).toEqual([older.id]);

    // LIKE wildcards are plain characters, and a search that matches nothing is an empty page.
    expect((await getUsers(`?q=${encodeURIComponent(`seek_${tag}%`)}`)).body).toMatchObject({ items: [], total: 0 });
    expect((await getUsers('?q=%25')).body.items).toEqual([]);
    // Without q: everyone, newest first.
    const everyone = await getUsers('?page_size=100');
    expect(everyone.body.total).toBeGreaterThanOrEqual(3);
    const created = everyone.body.items.map((u: { created_at: string }) => Date.parse(u.created_at));
    expect(created).toEqual([...created].sort((a, b) => b - a));
  });

  it('answers 400 to a bad page or an unknown parameter', async () => {
    expect((await getUsers('?page=0')).status).toBe(400);
    expect((await getUsers('?page_size=1000')).status).toBe(400);
    expect((await getUsers('?sort=name')).status).toBe(400);
  });
});

describe('GET /v1/admin/users/{id}', () => {
  it('shows a subscribed creator’s account, subscription, invoices, balances, payout, Connect and Stripe ids; the subscriber’s usage', async () => {
    const creator = await createCreator(t);
    await subscribeThroughCheckout(t, creator);
    const accountId = await connectCreator(t, creator);
    const subscriber = await earn(t, creator, 6);
    await releaseHeld(t);
    const withdrawal = await t.request({ method: 'POST', url: '/v1/creators/me/payouts', token: creator.token });
    expect(withdrawal.status).toBe(201);
    const payout = await expectPaidOnce(t, creator, { amountCents: 600 });

    const found = await getUsers(`?q=${accountId}`);
    expect(found.body.items.map((u: { id: string }) => u.id)).toEqual([creator.id]);
    expect(found.body.items[0]).toMatchObject({ is_creator: true, subscription_status: 'active' });

    const detail = await getUser(creator.id);
    expect(detail.status).toBe(200);
    const [customer] = await t.database.db.select({ id: users.stripeCustomerId }).from(users).where(eq(users.id, creator.id));
    expect(detail.body.account).toMatchObject({
      id: creator.id,
      username: creator.username,
      email: creator.email,
      role: 'member',
      status: 'active',
      payouts_paused: false,
      email_verified: true,
      email_verified_at: expect.any(String),
      is_creator: true,
      deleted: false,
    });
    expect(detail.body.subscription).toMatchObject({ id: expect.stringMatching(/^sub_/), status: 'active', cancel_at_period_end: false });
    expect(detail.body.stripe).toEqual({ customer_id: customer!.id, subscription_id: detail.body.subscription.id, connect_account_id: accountId });
    expect(detail.body.connect).toEqual({ status: 'enabled', account_id: accountId, payouts_enabled: true });
    expect(detail.body.balances).toEqual({ pending_cents: 0, held_cents: 0, available_cents: 0, in_transit_cents: 0, paid_cents: 600, credited_cents: 0 });
    expect(detail.body.payouts).toEqual([
      expect.objectContaining({ id: payout.id, amount_cents: 600, status: 'paid', kind: 'withdrawal', failure_reason: null, stripe_transfer_id: payout.stripeTransferId }),
    ]);
    expect(detail.body.invoices).toEqual([
      expect.objectContaining({
        subscription_id: detail.body.subscription.id,
        status: 'paid',
        total_cents: 1000,
        amount_paid_cents: 1000,
        collected_cents: 1000,
        refunded_cents: 0,
        refundable_cents: 1000,
        paid_at: expect.any(String),
      }),
    ]);
    // The creator copied nothing in their own period.
    expect(detail.body.usage).toMatchObject({ copies: 0, counted_copies: 0, paid_copies_remaining: 100, status: 'paid', collected_cents: 1000 });
    expect(detail.body.admin_refunds).toEqual([]);

    // The subscriber: why was I charged — the period's copies, the invoice, and a console refund on it.
    const before = await getUser(subscriber.id);
    const invoiceId = before.body.invoices[0].id as string;
    expect(before.body.usage).toMatchObject({
      copies: 6,
      counted_copies: 6,
      paid_copies_remaining: 94,
      paid_copies_per_period: 100,
      basis_cents: 1000,
      collected_cents: 1000,
      refunded_cents: 0,
      earned_cents: 600,
      invoice_id: invoiceId,
      status: 'paid',
    });
    expect(before.body.balances).toMatchObject({ paid_cents: 0, available_cents: 0 });
    expect(before.body.connect).toEqual({ status: 'not_connected', account_id: null, payouts_enabled: false });
    // A console refund that Stripe refused (the refunds area writes these): listed with who asked for it.
    const [refused] = await t.database.db.insert(adminRefunds).values({
      idempotencyKey: `test-${invoiceId}`,
      actorId: admin.id,
      invoiceId,
      chargeId: 'ch_test_refused',
      amountCents: 300,
      reason: 'customer asked',
      status: 'failed',
      failureReason: 'charge already refunded',
    }).returning();
    // Its audit entry targets the refund, and still shows on the member's page (entries about the member).
    await inTransaction(t.database.db, (tx) =>
      recordAudit(tx, { actorId: admin.id, action: 'refund.created', target: { type: 'refund', id: refused!.id }, reason: 'customer asked' }),
    );
    const after = await getUser(subscriber.id);
    expect(after.body.admin_refunds).toEqual([
      expect.objectContaining({ invoice_id: invoiceId, amount_cents: 300, status: 'failed', actor: { id: admin.id, username: admin.username } }),
    ]);
    expect(after.body.audit).toEqual([expect.objectContaining({ action: 'refund.created', target_type: 'refund', target_id: refused!.id })]);
  });

  it('a member who never subscribed has no subscription, usage, invoices or Stripe ids', async () => {
    const member = await createMember(t, { verified: false });
    const detail = await getUser(member.id);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      account: { email_verified: false, email_verified_at: null, subscription_status: null },
      subscription: null,
      usage: null,
      invoices: [],
      payouts: [],
      audit: [],
      stripe: { customer_id: null, subscription_id: null, connect_account_id: null },
    });
  });

  it('an unknown id is 404 and a malformed one 400, never 500', async () => {
    expect((await getUser(UNKNOWN_ID)).status).toBe(404);
    expect((await getUser('not-a-uuid')).status).toBe(400);
    expect((await patchUser(UNKNOWN_ID, { status: 'suspended', reason: 'spam' })).status).toBe(404);
    expect((await patchUser('not-a-uuid', { status: 'suspended', reason: 'spam' })).status).toBe(400);
  });
});

describe('PATCH /v1/admin/users/{id}', () => {
  it('each switch writes exactly one audit entry with before, after and the reason; a repeat changes nothing and writes none', async () => {
    const member = await createMember(t);
    const steps = [
      { body: { status: 'suspended' }, action: 'user.suspended', before: { status: 'active' }, after: { status: 'suspended' } },
      { body: { status: 'active' }, action: 'user.reinstated', before: { status: 'suspended' }, after: { status: 'active' } },
      { body: { role: 'admin' }, action: 'user.role_changed', before: { role: 'member' }, after: { role: 'admin' } },
      { body: { role: 'member' }, action: 'user.role_changed', before: { role: 'admin' }, after: { role: 'member' } },
      { body: { payouts_paused: true }, action: 'user.payouts_paused', before: { payouts_paused: false }, after: { payouts_paused: true } },
      { body: { payouts_paused: false }, action: 'user.payouts_resumed', before: { payouts_paused: true }, after: { payouts_paused: false } },
    ];
    for (const [i, step] of steps.entries()) {
      const reason = `step ${i}: ticket #${100 + i}`;
      const response = await patchUser(member.id, { ...step.body, reason });
      expect(response.status, step.action).toBe(200);
      expect(response.body.user).toMatchObject({ id: member.id, ...step.body });
      expect(response.body.audit).toEqual([
        {
          id: expect.any(Number),
          actor: { id: admin.id, username: admin.username },
          action: step.action,
          target_type: 'user',
          target_id: member.id,
          before: step.before,
          after: step.after,
          reason,
          created_at: expect.any(String),
        },
      ]);
      const entries = await entriesAbout(member.id);
      expect(entries).toHaveLength(i + 1);
      expect(entries.at(-1)).toMatchObject({ actorId: admin.id, action: step.action, before: step.before, after: step.after, reason });
    }
    // Already so: 200, nothing written.
    const repeat = await patchUser(member.id, { payouts_paused: false, reason: 'again' });
    expect(repeat.status).toBe(200);
    expect(repeat.body.audit).toEqual([]);
    expect(await entriesAbout(member.id)).toHaveLength(steps.length);

    // Two switches at once: one entry each, in one transaction.
    const both = await patchUser(member.id, { status: 'suspended', payouts_paused: true, reason: 'fraud ring' });
    expect(both.body.audit.map((e: { action: string }) => e.action)).toEqual(['user.suspended', 'user.payouts_paused']);
    expect(await accountOf(member.id)).toEqual({ status: 'suspended', role: 'member', payoutsPaused: true });
    expect(await entriesAbout(member.id)).toHaveLength(steps.length + 2);

    // The detail shows the newest entries about the member.
    const detail = await getUser(member.id);
    expect(detail.body.audit.map((e: { action: string }) => e.action).slice(0, 3)).toEqual(['user.payouts_paused', 'user.suspended', 'user.payouts_resumed']);
  });

  it('without a reason (or with only spaces), with nothing to change or an unknown field: 400 and nothing changed', async () => {
    const member = await createMember(t);
    for (const payload of [
      { status: 'suspended' },
      { status: 'suspended', reason: '' },
      { status: 'suspended', reason: '   ' },
      { reason: 'nothing to change' },
      { status: 'banned', reason: 'spam' },
      { role: 'owner', reason: 'spam' },
      { payouts_paused: 'yes', reason: 'spam' },
      { status: 'suspended', reason: 'spam', email: 'x@example.com' },
    ]) {
      const response = await patchUser(member.id, payload);
      expect(response.status, JSON.stringify(payload)).toBe(400);
    }
    expect(await accountOf(member.id)).toEqual({ status: 'active', role: 'member', payoutsPaused: false });
    expect(await entriesAbout(member.id)).toHaveLength(0);
  });

  it('an admin cannot suspend, demote or pause themself (409), so the console keeps its admin; nothing is written', async () => {
    const self = await createAdmin(t);
    for (const body of [{ status: 'suspended' }, { role: 'member' }, { payouts_paused: true }]) {
      const response = await patchUser(self.id, { ...body, reason: 'oops' }, self.token);
      expect(response.status).toBe(409);
      expect(response.body.type).toMatch(/own-account$/);
      expect(response.body.detail).toMatch(/another admin/);
    }
    expect(await accountOf(self.id)).toEqual({ status: 'active', role: 'admin', payoutsPaused: false });
    expect(await entriesAbout(self.id)).toHaveLength(0);
  });

  it('a deleted account is shown as deleted, and changing it is 409', async () => {
    const member = await createMember(t);
    const deleted = await t.request({ method: 'DELETE', url: '/v1/users/me', token: member.token, payload: { password: member.password } });
    expect(deleted.status).toBe(204);
    const detail = await getUser(member.id);
    expect(detail.body.account).toMatchObject({ deleted: true, deleted_at: expect.any(String), username: `deleted-${member.id}` });
    const response = await patchUser(member.id, { status: 'suspended', reason: 'cleanup' });
    expect(response.status).toBe(409);
    expect(response.body.type).toMatch(/account-deleted$/);
    expect(await entriesAbout(member.id)).toHaveLength(0);
  });

  it('the change and its audit entry are one transaction: when the entry cannot be written, the account stays as it was', async () => {
    const member = await createMember(t);
    await t.database.db.execute(sql`
      create function test_refuse_audit() returns trigger language plpgsql as $$
      begin
        if new.reason = 'refuse this entry' then raise exception 'audit refused by the test'; end if;
        return new;
      end $$`);
    await t.database.db.execute(sql`create trigger test_refuse_audit before insert on audit_entries for each row execute function test_refuse_audit()`);
    try {
      const response = await patchUser(member.id, { status: 'suspended', payouts_paused: true, reason: 'refuse this entry' });
      expect(response.status).toBe(500);
      expect(await accountOf(member.id)).toEqual({ status: 'active', role: 'member', payoutsPaused: false });
      expect(await entriesAbout(member.id)).toHaveLength(0);
      // Other reasons go through, proving the trigger is what refused.
      expect((await patchUser(member.id, { status: 'suspended', reason: 'spam' })).status).toBe(200);
      expect(await accountOf(member.id)).toMatchObject({ status: 'suspended' });
    } finally {
      await t.database.db.execute(sql`drop trigger test_refuse_audit on audit_entries`);
      await t.database.db.execute(sql`drop function test_refuse_audit()`);
    }
  });
});

describe('suspension and role changes reach every process within 5 seconds', () => {
  it('a suspended member’s next request is refused here at once and on another process within 5 s; reinstated, it works again', async () => {
    const other = await buildApp(await createContext(t.config, { database: t.database, stripe: t.stripeSetup }));
    try {
      const member = await createMember(t);
      const meOnOther = () => other.inject({ method: 'GET', url: '/v1/users/me', headers: { authorization: `Bearer ${member.token}` } });
      expect((await meOnOther()).statusCode).toBe(200); // now remembered by the other process
      expect((await t.request({ method: 'GET', url: '/v1/users/me', token: member.token })).status).toBe(200);

      expect((await patchUser(member.id, { status: 'suspended', reason: 'chargeback fraud' })).status).toBe(200);
      const suspendedAt = Date.now();
      const here = await t.request({ method: 'GET', url: '/v1/users/me', token: member.token });
      expect(here.status).toBe(403);
      expect(here.body.type).toMatch(/account-suspended$/);
      await waitUntil(async () => (await meOnOther()).statusCode === 403, { message: 'the other process to refuse the suspended member', timeoutMs: WITHIN_5_S });
      expect(Date.now() - suspendedAt).toBeLessThanOrEqual(WITHIN_5_S);

      expect((await patchUser(member.id, { status: 'active', reason: 'appeal accepted' })).status).toBe(200);
      await waitUntil(async () => (await meOnOther()).statusCode === 200, { message: 'the reinstated member to be served', timeoutMs: WITHIN_5_S });
    } finally {
      await other.close();
    }
  });

  it('a promoted member gains the console and a demoted admin loses it within 5 s, everywhere; a just-demoted admin changes nothing', async () => {
    const other = await buildApp(await createContext(t.config, { database: t.database, stripe: t.stripeSetup }));
    try {
      const member = await createMember(t);
      const bystander = await createMember(t);
      const usersOnOther = () => other.inject({ method: 'GET', url: '/v1/admin/users', headers: { authorization: `Bearer ${member.token}` } });
      expect((await usersOnOther()).statusCode).toBe(403);

      expect((await patchUser(member.id, { role: 'admin', reason: 'new support hire' })).status).toBe(200);
      await waitUntil(async () => (await usersOnOther()).statusCode === 200, { message: 'the promotion to apply', timeoutMs: WITHIN_5_S });

      // The other process now remembers the member as an admin; demoted here, their next change there is refused
      // even while that memory lasts (the change checks the actor under lock).
      expect((await patchUser(member.id, { role: 'member', reason: 'left the team' })).status).toBe(200);
      const demotedAt = Date.now();
      const attempt = await other.inject({
        method: 'PATCH',
        url: `/v1/admin/users/${bystander.id}`,
        headers: { authorization: `Bearer ${member.token}` },
        payload: { status: 'suspended', reason: 'revenge' },
      });
      expect(attempt.statusCode).toBe(403);
      expect(await accountOf(bystander.id)).toMatchObject({ status: 'active' });
      expect(await entriesAbout(bystander.id)).toHaveLength(0);
      await waitUntil(async () => (await usersOnOther()).statusCode === 403, { message: 'the demotion to apply', timeoutMs: WITHIN_5_S });
      expect(Date.now() - demotedAt).toBeLessThanOrEqual(WITHIN_5_S);
    } finally {
      await other.close();
    }
  });
});

describe('payouts paused', () => {
  it('a paused creator is skipped by payout runs and cannot withdraw (409); resumed, the next run pays them once', async () => {
    const { creator, accountId } = await connectedCreatorWhoEarned(t, 6);
    await releaseHeld(t);

    const paused = await patchUser(creator.id, { payouts_paused: true, reason: 'identity check pending' });
    expect(paused.status).toBe(200);
    const mine = await t.request({ method: 'GET', url: '/v1/creators/me/payouts', token: creator.token });
    expect(mine.body).toMatchObject({ payouts_paused: true, can_withdraw: false, available_cents: 600 });
    const earnings = await t.request({ method: 'GET', url: '/v1/creators/me/earnings', token: creator.token });
    expect(earnings.body).toMatchObject({ payouts_paused: true, can_withdraw: false });

    const skipped = await runPayouts(t.ctx, { creatorIds: [creator.id] });
    expect(skipped).toMatchObject({ eligible: 0, created: 0, paid: 0 });
    const dryRun = await runPayouts(t.ctx, { creatorIds: [creator.id], isDryRun: true });
    expect(dryRun.eligible).toBe(0);
    const withdrawal = await t.request({ method: 'POST', url: '/v1/creators/me/payouts', token: creator.token });
    expect(withdrawal.status).toBe(409);
    expect(withdrawal.body.type).toMatch(/payouts-paused$/);
    expect(withdrawal.body.detail).toMatch(/contact support/);
    expect(await payoutsOf(t, creator.id)).toHaveLength(0);
    expect(await transfersTo(t, accountId)).toHaveLength(0);
    await expectReconciled(t);

    const resumed = await patchUser(creator.id, { payouts_paused: false, reason: 'identity verified' });
    expect(resumed.body.audit).toEqual([expect.objectContaining({ action: 'user.payouts_resumed' })]);
    expect((await t.request({ method: 'GET', url: '/v1/creators/me/payouts', token: creator.token })).body).toMatchObject({
      payouts_paused: false,
      can_withdraw: true,
    });
    const run = await runPayouts(t.ctx, { creatorIds: [creator.id] });
    expect(run).toMatchObject({ eligible: 1, created: 1, paid: 1, paid_cents: 600 });
    await expectPaidOnce(t, creator, { amountCents: 600, kind: 'scheduled' });
  });
});
