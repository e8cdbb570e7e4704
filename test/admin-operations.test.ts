import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, stripeEvents } from '../src/server/db/schema.js';
import { runPayouts } from '../src/server/modules/payouts/runs.js';
import { createAdmin, createMember, flushWebhooks, type Member } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import {
  balancesOf,
  connectedCreatorWhoEarned,
  createCreator,
  earn,
  PAYOUT_ENV,
  pastTheHold,
  payoutsOf,
  releaseHeld,
  setPayoutsEnabled,
  transfersTo,
} from './support/payouts.js';
import { expectReconciled } from './support/reconcile.js';

// SPEC §14 payouts and webhooks in the operator console.
let t: TestApp;
let admin: Member;
let member: Member;
beforeAll(async () => {
  t = await createTestApp(PAYOUT_ENV, { stripe: true });
  admin = await createAdmin(t);
  member = await createMember(t);
});
afterAll(() => t?.close());
afterEach(() => expectReconciled(t));

const auditOf = (targetType: string, targetId: string) =>
  t.database.db
    .select()
    .from(auditEntries)
    .where(and(eq(auditEntries.targetType, targetType), eq(auditEntries.targetId, targetId)));

/** A creator whose first payout Stripe refused (the account could not receive transfers yet): 600 ¢ available again. */
async function creatorWithFailedPayout() {
  const creator = await createCreator(t);
  const started = await t.request({ method: 'POST', url: '/v1/creators/me/connect', token: creator.token });
  const accountId = started.body.account_id as string;
  creator.accountId = accountId;
  await setPayoutsEnabled(t, creator.id, true);
  await earn(t, creator, 6);
  await releaseHeld(t);
  expect(await runPayouts(t.ctx, { creatorIds: [creator.id] })).toMatchObject({ failed: 1 });
  const [failed] = await payoutsOf(t, creator.id);
  expect(failed).toMatchObject({ status: 'failed', amountCents: 600 });
  expect(await balancesOf(t, creator.id)).toMatchObject({ available: 600, inTransit: 0 });
  return { creator, accountId, failed: failed! };
}

const retryPayout = (id: string, payload: Record<string, unknown> = { reason: 'account fixed' }, token = admin.token) =>
  t.request({ method: 'POST', url: `/v1/admin/payouts/${id}/retry`, token, payload });

describe('payouts', () => {
  it('GET /v1/admin/payouts lists payouts with their creator, newest first, by status', async () => {
    const { creator, failed } = await creatorWithFailedPayout();
    const failedList = await t.request({ method: 'GET', url: '/v1/admin/payouts?status=failed&page_size=100', token: admin.token });
    expect(failedList.status).toBe(200);
    expect(failedList.body.items.every((p: { status: string }) => p.status === 'failed')).toBe(true);
    expect(failedList.body.items.find((p: { id: string }) => p.id === failed.id)).toEqual({
      id: failed.id,
      creator: { id: creator.id, username: creator.username },
      amount_cents: 600,
      kind: 'scheduled',
      status: 'failed',
      failure_reason: expect.stringMatching(/capabilit/i),
      attempts: 1,
      stripe_transfer_id: null,
      destination_account_id: creator.accountId,
      reversed_cents: 0,
      created_at: failed.createdAt.toISOString(),
      paid_at: null,
    });
    const paid = await t.request({ method: 'GET', url: '/v1/admin/payouts?status=paid', token: admin.token });
    expect(paid.body.items.some((p: { id: string }) => p.id === failed.id)).toBe(false);
    const all = await t.request({ method: 'GET', url: '/v1/admin/payouts?page_size=1', token: admin.token });
    expect(all.body).toMatchObject({ page: 1, page_size: 1, has_more: all.body.total > 1 });
    expect((await t.request({ method: 'GET', url: '/v1/admin/payouts?status=lost', token: admin.token })).status).toBe(400);
  });

  it('retrying a failed payout pays the available balance once: a second retry is 409, and nothing is paid twice', async () => {
    const { creator, accountId, failed } = await creatorWithFailedPayout();
    // Not retried while the account still cannot be paid? It can be asked, but Stripe refuses again: onboard first.
    await t.emulator(`/_emulator/accounts/${accountId}/onboard`, {});
    await flushWebhooks(t);

    const retried = await retryPayout(failed.id);
    expect(retried.status).toBe(201);
    expect(retried.body.retried).toMatchObject({ id: failed.id, status: 'failed' });
    expect(retried.body.payout).toMatchObject({ status: 'paid', amount_cents: 600, creator: { id: creator.id }, stripe_transfer_id: expect.stringMatching(/^tr_/) });
    expect((await transfersTo(t, accountId)).map((tr) => [tr.id, tr.amount])).toEqual([[retried.body.payout.stripe_transfer_id, 600]]);
    expect(await balancesOf(t, creator.id)).toMatchObject({ available: 0, inTransit: 0, paid: 600 });
    expect(await auditOf('payout', failed.id)).toEqual([
      expect.objectContaining({
        actorId: admin.id,
        action: 'payout.retried',
        reason: 'account fixed',
        after: expect.objectContaining({ retry_payout_id: retried.body.payout.id, amount_cents: 600 }),
      }),
    ]);

    // Again, even with fresh money available: that failed payout was retried once already.
    await earn(t, creator, 6);
    await releaseHeld(t);
    const again = await retryPayout(failed.id);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ retry_payout_id: retried.body.payout.id });
    // The paid payout is not failed: 409.
    const notFailed = await retryPayout(retried.body.payout.id);
    expect(notFailed.status).toBe(409);
    expect(notFailed.body).toMatchObject({ payout_status: 'paid' });
    expect(await transfersTo(t, accountId)).toHaveLength(1);
    expect(await auditOf('payout', failed.id)).toHaveLength(1);
  });

  it('two retries at once make one payout', async () => {
    const { creator, accountId, failed } = await creatorWithFailedPayout();
    await t.emulator(`/_emulator/accounts/${accountId}/onboard`, {});
    await flushWebhooks(t);
    const answers = await Promise.all([retryPayout(failed.id), retryPayout(failed.id), retryPayout(failed.id)]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409]);
    expect((await transfersTo(t, accountId)).map((tr) => tr.amount)).toEqual([600]);
    expect(await balancesOf(t, creator.id)).toMatchObject({ available: 0, paid: 600 });
  });

  it('a failed payout whose money a later run already paid: 409, nothing available', async () => {
    const { creator, accountId, failed } = await creatorWithFailedPayout();
    await t.emulator(`/_emulator/accounts/${accountId}/onboard`, {});
    await flushWebhooks(t);
    const later = new Date((await pastTheHold(t)).getTime() + 31 * 86_400_000);
    expect(await runPayouts(t.ctx, { asOf: later, creatorIds: [creator.id] })).toMatchObject({ paid: 1, paid_cents: 600 });
    const retried = await retryPayout(failed.id);
    expect(retried.status).toBe(409);
    expect(retried.body).toMatchObject({ available_cents: 0 });
    expect(await transfersTo(t, accountId)).toHaveLength(1);
    expect(await auditOf('payout', failed.id)).toEqual([]);
  });

  it('retry: unknown 404, not a UUID 400, reason missing 400', async () => {
    expect((await retryPayout(randomUUID())).status).toBe(404);
    expect((await retryPayout('nope')).status).toBe(400);
    const { failed } = await creatorWithFailedPayout();
    expect((await retryPayout(failed.id, {})).status).toBe(400);
    expect((await retryPayout(failed.id, { reason: '  ' })).status).toBe(400);
    expect((await payoutsOf(t, failed.creatorId)).map((p) => p.status)).toEqual(['failed']);
  });

  it('POST /v1/admin/payouts/run runs the payouts, audited', async () => {
    const { creator, accountId } = await connectedCreatorWhoEarned(t, 6);
    const asOf = await pastTheHold(t);
    const dry = await t.request({ method: 'POST', url: '/v1/admin/payouts/run', token: admin.token, payload: { as_of: asOf.toISOString(), dry_run: true } });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ is_dry_run: true, created: 0 });
    const run = await t.request({ method: 'POST', url: '/v1/admin/payouts/run', token: admin.token, payload: { as_of: asOf.toISOString(), reason: 'month end' } });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ is_dry_run: false, paid: expect.any(Number) });
    expect((await transfersTo(t, accountId)).map((tr) => tr.amount)).toEqual([600]);
    expect((await payoutsOf(t, creator.id)).map((p) => p.status)).toEqual(['paid']);
    expect(await auditOf('payout', run.body.run_key)).toEqual([
      expect.objectContaining({ actorId: admin.id, action: 'payouts.run', reason: 'month end', after: expect.objectContaining({ run_key: run.body.run_key }) }),
    ]);
  });
});

describe('webhook dead letters', () => {
  const deadEvent = (type: string, objectId: string) => {
    const id = `evt_dead_${randomUUID().replaceAll('-', '')}`;
    return {
      id,
      type,
      objectId,
      payload: { id, object: 'event', type, created: 1_800_000_000, data: { object: { id: objectId, object: type.split('.')[0] } } },
      stripeCreatedAt: new Date(1_800_000_000_000),
      attempts: 10,
      lastError: `No such object: '${objectId}'`,
      deadAt: new Date(),
    };
  };

  it('lists dead letters and retries one by hand: a failing one stays dead, an ignorable one goes through; audited', async () => {
    const failing = deadEvent('customer.subscription.updated', `sub_gone_${randomUUID().slice(0, 8)}`);
    const passing = deadEvent('customer.updated', `cus_any_${randomUUID().slice(0, 8)}`);
    await t.database.db.insert(stripeEvents).values([failing, passing]);

    const listed = await t.request({ method: 'GET', url: '/v1/admin/webhooks/dead?page_size=100', token: admin.token });
    expect(listed.status).toBe(200);
    const [stored] = await t.database.db.select().from(stripeEvents).where(eq(stripeEvents.id, failing.id));
    expect(listed.body.items.find((e: { id: string }) => e.id === failing.id)).toEqual({
      id: failing.id,
      type: 'customer.subscription.updated',
      object_id: failing.objectId,
      attempts: 10,
      last_error: failing.lastError,
      dead_at: stored!.deadAt!.toISOString(),
      received_at: stored!.receivedAt.toISOString(),
    });
    expect(listed.body.items.some((e: { id: string }) => e.id === passing.id)).toBe(true);
    expect(listed.body.total).toBeGreaterThanOrEqual(2);

    const stillDead = await t.request({ method: 'POST', url: `/v1/admin/webhooks/${failing.id}/retry`, token: admin.token, payload: { reason: 'Stripe had an outage' } });
    expect(stillDead.status).toBe(200);
    expect(stillDead.body).toMatchObject({ id: failing.id, outcome: 'failed', attempts: 11, is_dead: true, error: expect.stringMatching(/sub_gone/) });

    const done = await t.request({ method: 'POST', url: `/v1/admin/webhooks/${passing.id}/retry`, token: admin.token, payload: { reason: 'try again' } });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ id: passing.id, type: 'customer.updated', outcome: 'processed', attempts: 11, is_dead: false, error: null });
    const after = await t.request({ method: 'GET', url: '/v1/admin/webhooks/dead?page_size=100', token: admin.token });
    expect(after.body.items.some((e: { id: string }) => e.id === passing.id)).toBe(false);
    expect(after.body.total).toBe(listed.body.total - 1);

    expect(await auditOf('webhook_event', passing.id)).toEqual([
      expect.objectContaining({ actorId: admin.id, action: 'webhook.retried', reason: 'try again', after: expect.objectContaining({ outcome: 'processed' }) }),
    ]);
    expect(await auditOf('webhook_event', failing.id)).toEqual([
      expect.objectContaining({ action: 'webhook.retried', after: expect.objectContaining({ outcome: 'failed', is_dead: true }) }),
    ]);

    // Processed now: nothing to retry (409); unknown: 404; reason missing: 400.
    expect((await t.request({ method: 'POST', url: `/v1/admin/webhooks/${passing.id}/retry`, token: admin.token, payload: { reason: 'again' } })).status).toBe(409);
    expect((await t.request({ method: 'POST', url: '/v1/admin/webhooks/evt_not_stored/retry', token: admin.token, payload: { reason: 'x' } })).status).toBe(404);
    expect((await t.request({ method: 'POST', url: `/v1/admin/webhooks/${failing.id}/retry`, token: admin.token, payload: {} })).status).toBe(400);
    expect(await auditOf('webhook_event', passing.id)).toHaveLength(1);
  });

  it('an event that is not dead (still retried automatically) is 409', async () => {
    const event = { ...deadEvent('customer.updated', 'cus_pending'), deadAt: null, attempts: 1 };
    await t.database.db.insert(stripeEvents).values(event);
    const response = await t.request({ method: 'POST', url: `/v1/admin/webhooks/${event.id}/retry`, token: admin.token, payload: { reason: 'x' } });
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ state: 'pending' });
  });
});

describe('access', () => {
  const endpoints = (id: string) => [
    { method: 'GET' as const, url: '/v1/admin/payouts' },
    { method: 'POST' as const, url: `/v1/admin/payouts/${id}/retry`, payload: { reason: 'x' } },
    { method: 'POST' as const, url: '/v1/admin/payouts/run', payload: { dry_run: true } },
    { method: 'GET' as const, url: '/v1/admin/webhooks/dead' },
    { method: 'POST' as const, url: '/v1/admin/webhooks/evt_x/retry', payload: { reason: 'x' } },
  ];

  it('members get 403 and guests 401 on every payouts and webhooks endpoint', async () => {
    for (const endpoint of endpoints(randomUUID())) {
      expect((await t.request({ ...endpoint, token: member.token })).status, `${endpoint.method} ${endpoint.url} as a member`).toBe(403);
      expect((await t.request(endpoint)).status, `${endpoint.method} ${endpoint.url} as a guest`).toBe(401);
    }
  });
});
