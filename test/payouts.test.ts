import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { emailOutbox, periodEarnings, users } from '../src/server/db/schema.js';
import { createStripeGateway } from '../src/server/integrations/stripe/client.js';
import { claimPayout, lockPayableCreators, reservePayouts } from '../src/server/modules/payouts/repository.js';
import { runPayouts } from '../src/server/modules/payouts/runs.js';
import { createMember, flushWebhooks } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import {
  balancesOf,
  connectCreator,
  connectedCreatorsWhoEarned,
  connectedCreatorWhoEarned,
  createCreator,
  earn,
  expectPaidOnce,
  PAYOUT_ENV,
  pastTheHold,
  payoutsOf,
  releaseHeld,
  setPayoutsEnabled,
  transfersTo,
} from './support/payouts.js';
import { expectReconciled } from './support/reconcile.js';
import { waitUntil } from './support/wait.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(PAYOUT_ENV, { stripe: true });
});
afterAll(() => t?.close());
afterEach(async () => {
  await t.emulator('/_emulator/faults', undefined, { json: {} });
  await expectReconciled(t);
});

describe('the monthly run', () => {
  it('subscribe → copies → period paid → hold passes → run → one transfer on the emulator; a second run pays nothing', async () => {
    const { creator, accountId } = await connectedCreatorWhoEarned(t, 6);
    expect(await balancesOf(t, creator.id)).toMatchObject({ held: 600, available: 0 });

    // Before the hold ends nothing is available, so nothing is paid.
    const early = await runPayouts(t.ctx, { asOf: new Date(), creatorIds: [creator.id] });
    expect(early).toMatchObject({ created: 0, paid: 0 });
    expect(await transfersTo(t, accountId)).toHaveLength(0);

    const asOf = await pastTheHold(t);
    expect(await releaseHeld(t, asOf)).toBeGreaterThan(0);
    expect(await balancesOf(t, creator.id)).toMatchObject({ held: 0, available: 600 });

    const run = await runPayouts(t.ctx, { asOf });
    expect(run.created).toBeGreaterThanOrEqual(1);
    const [payout] = await payoutsOf(t, creator.id);
    expect(payout).toMatchObject({ status: 'paid', amountCents: 600, kind: 'scheduled', runKey: run.run_key, attempts: 1 });
    const transfers = await transfersTo(t, accountId);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]).toMatchObject({ id: payout!.stripeTransferId, amount: 600, currency: 'usd', transfer_group: `payout-${payout!.id}` });
    expect((await t.ctx.stripe.raw.transfers.retrieve(payout!.stripeTransferId!)).metadata).toMatchObject({ payout_id: payout!.id });
    expect(await balancesOf(t, creator.id)).toMatchObject({ available: 0, inTransit: 0, paid: 600 });
    const rows = await t.database.db.select().from(periodEarnings).where(eq(periodEarnings.creatorId, creator.id));
    expect(rows.map((r) => [r.state, r.payoutId])).toEqual([['paid', payout!.id]]);
    await expectReconciled(t);
    const mails = await t.database.db.select().from(emailOutbox).where(eq(emailOutbox.userId, creator.id));
    expect(mails.filter((m) => m.template === 'payout_sent').map((m) => m.causeKey)).toEqual([`payout-sent:${payout!.id}`]);

    // The same run again, and a later one: nothing more is paid.
    expect(await runPayouts(t.ctx, { asOf })).toMatchObject({ created: 0, paid: 0, retried: 0 });
    expect(await runPayouts(t.ctx, { asOf: new Date(asOf.getTime() + 31 * 86_400_000) })).toMatchObject({ created: 0, paid: 0 });
    expect(await transfersTo(t, accountId)).toHaveLength(1);
    expect(await payoutsOf(t, creator.id)).toHaveLength(1);

    const view = await t.request({ method: 'GET', url: '/v1/creators/me/payouts', token: creator.token });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      connect: { status: 'enabled', account_id: accountId },
      available_cents: 0,
      can_withdraw: false,
      min_payout_cents: 500,
      payouts: [{ id: payout!.id, amount_cents: 600, status: 'paid', kind: 'scheduled', paid_at: expect.any(String), failure_reason: null }],
    });
  });

  it('the run releases held earnings itself when run --as-of a date past the hold; a dry run changes nothing', async () => {
    const { creator, accountId } = await connectedCreatorWhoEarned(t, 5);
    const asOf = await pastTheHold(t);
    const dry = await runPayouts(t.ctx, { asOf, isDryRun: true, creatorIds: [creator.id] });
    expect(dry).toMatchObject({ is_dry_run: true, eligible: 1, eligible_cents: 500, created: 0 });
    expect(await balancesOf(t, creator.id)).toMatchObject({ held: 500, available: 0 });
    const run = await runPayouts(t.ctx, { asOf, creatorIds: [creator.id] });
    expect(run).toMatchObject({ released: 1, eligible: 1, created: 1, paid: 1, paid_cents: 500 });
    expect((await transfersTo(t, accountId)).map((tr) => tr.amount)).toEqual([500]);
  });

  it('below the minimum the money rolls over to a later run', async () => {
    const { creator, accountId } = await connectedCreatorWhoEarned(t, 3);
    const first = await runPayouts(t.ctx, { asOf: await pastTheHold(t), creatorIds: [creator.id] });
    expect(first).toMatchObject({ eligible: 0, created: 0 });
    expect(await balancesOf(t, creator.id)).toMatchObject({ available: 300, paid: 0 });
    expect(await payoutsOf(t, creator.id)).toHaveLength(0);

    await earn(t, creator, 3);
    const second = await runPayouts(t.ctx, { asOf: await pastTheHold(t, 2), creatorIds: [creator.id] });
    expect(second).toMatchObject({ created: 1, paid: 1, paid_cents: 600 });
    expect((await transfersTo(t, accountId)).map((tr) => tr.amount)).toEqual([600]);
  });

  it('a creator without Connect accrues, and is paid everything once connected', async () => {
    const creator = await createCreator(t);
    await earn(t, creator, 6);
    const asOf = await pastTheHold(t);
    expect(await runPayouts(t.ctx, { asOf, creatorIds: [creator.id] })).toMatchObject({ created: 0 });
    await earn(t, creator, 2);
    expect(await runPayouts(t.ctx, { asOf: await pastTheHold(t), creatorIds: [creator.id] })).toMatchObject({ created: 0 });
    expect(await balancesOf(t, creator.id)).toMatchObject({ available: 800, paid: 0 });

    // Onboarding started but not finished: still nothing.
    const started = await t.request({ method: 'POST', url: '/v1/creators/me/connect', token: creator.token });
    expect(started.body.status).toBe('onboarding');
    expect(await runPayouts(t.ctx, { asOf: await pastTheHold(t, 3), creatorIds: [creator.id] })).toMatchObject({ created: 0 });

    const accountId = await connectCreator(t, creator);
    const run = await runPayouts(t.ctx, { asOf: await pastTheHold(t, 4), creatorIds: [creator.id] });
    expect(run).toMatchObject({ created: 1, paid: 1, paid_cents: 800 });
    expect((await transfersTo(t, accountId)).map((tr) => tr.amount)).toEqual([800]);
  });

  it('a payout Stripe refuses fails, its money is available again, and the next run pays it with a new payout', async () => {
    const creator = await createCreator(t);
    const started = await t.request({ method: 'POST', url: '/v1/creators/me/connect', token: creator.token });
    const accountId = started.body.account_id as string;
    // Our row says enabled, but Stripe's account cannot receive transfers yet: Stripe answers 400.
    await setPayoutsEnabled(t, creator.id, true);
    await earn(t, creator, 6);
    const asOf = await pastTheHold(t);
    const run = await runPayouts(t.ctx, { asOf, creatorIds: [creator.id] });
    expect(run).toMatchObject({ created: 1, paid: 0, failed: 1 });
    const [failed] = await payoutsOf(t, creator.id);
    expect(failed).toMatchObject({ status: 'failed', amountCents: 600, stripeTransferId: null });
    expect(failed!.failureReason).toMatch(/capabilit/i);
    expect(await balancesOf(t, creator.id)).toMatchObject({ available: 600, inTransit: 0, paid: 0 });
    const rows = await t.database.db.select().from(periodEarnings).where(eq(periodEarnings.creatorId, creator.id));
    expect(rows.every((r) => r.state === 'available' && r.payoutId === null)).toBe(true);
    const view = await t.request({ method: 'GET', url: '/v1/creators/me/payouts', token: creator.token });
    expect(view.body.payouts[0]).toMatchObject({ status: 'failed', failure_reason: expect.stringMatching(/capabilit/i) });
    const mails = await t.database.db.select().from(emailOutbox).where(eq(emailOutbox.userId, creator.id));
    expect(mails.filter((m) => m.template === 'payout_failed').map((m) => m.causeKey)).toEqual([`payout-failed:${failed!.id}`]);

    // The same run again does not retry it (one payout per creator per run) ...
    expect(await runPayouts(t.ctx, { asOf, creatorIds: [creator.id] })).toMatchObject({ created: 0 });
    // ... the next run does, once the account can be paid.
    await t.emulator(`/_emulator/accounts/${accountId}/onboard`, {});
    await flushWebhooks(t);
    const next = await runPayouts(t.ctx, { asOf: new Date(asOf.getTime() + 31 * 86_400_000), creatorIds: [creator.id] });
    expect(next).toMatchObject({ created: 1, paid: 1, paid_cents: 600 });
    const all = await payoutsOf(t, creator.id);
    expect(all.map((p) => p.status).sort()).toEqual(['failed', 'paid']);
    expect((await transfersTo(t, accountId)).map((tr) => tr.amount)).toEqual([600]);
  });
});

describe('never paying twice', () => {
  it('a process killed between the Stripe call and the commit: the rerun settles the same transfer', async () => {
    const { creator, accountId } = await connectedCreatorWhoEarned(t, 6);
    const asOf = await pastTheHold(t);
    await releaseHeld(t, asOf);

    // What a run does up to the Stripe call — reserve, claim, transfer — and then it dies: nothing is committed after.
    const [reserved] = await t.database.db.transaction(async (tx) =>
      reservePayouts(tx, {
        creatorIds: await lockPayableCreators(tx, [creator.id], { skipLocked: false }),
        runKey: 'run-crashed',
        kind: 'scheduled',
        minCents: t.config.minPayoutCents,
      }),
    );
    const claimed = (await claimPayout(t.database.db, reserved!.id, 0))!;
    const transfer = await t.ctx.stripe.createTransfer({
      payoutId: claimed.id,
      creatorId: creator.id,
      amountCents: claimed.amountCents,
      currency: claimed.currency,
      destination: claimed.destinationAccountId,
    });
    expect(await balancesOf(t, creator.id)).toMatchObject({ available: 0, inTransit: 600, paid: 0 });

    // A rerun right away leaves it to its (possibly still living) owner until the lease ends: no second call either.
    expect(await runPayouts(t.ctx, { asOf, creatorIds: [creator.id] })).toMatchObject({ created: 0, retried: 0, paid: 0 });
    // Once the lease has ended the rerun retries with the same key and settles the one transfer.
    const rerun = await runPayouts(t.ctx, { asOf, creatorIds: [creator.id], leaseMs: 0 });
    expect(rerun).toMatchObject({ retried: 1, paid: 1, created: 0 });
    const [payout] = await payoutsOf(t, creator.id);
    expect(payout).toMatchObject({ status: 'paid', stripeTransferId: transfer.id, attempts: 2 });
    expect((await transfersTo(t, accountId)).map((tr) => tr.id)).toEqual([transfer.id]);
    expect(await balancesOf(t, creator.id)).toMatchObject({ available: 0, inTransit: 0, paid: 600 });
  });

  it('lost responses and 30% errors on transfers: every creator is paid exactly once after retries', async () => {
    const creators = await connectedCreatorsWhoEarned(t, 6, (i) => 5 + (i % 2), { flows: 6 });
    const ids = creators.map((c) => c.id);
    const asOf = await pastTheHold(t);
    // 30% of transfer calls fail before Stripe does anything, 30% of the rest lose their response after it did;
    // lookups fail too.
    await t.emulator('/_emulator/faults', undefined, {
      json: { paths: { 'POST /v1/transfers': { error_rate: 0.3, error_after_rate: 0.3 }, 'GET /v1/transfers': { error_rate: 0.3 } }, seed: 11 },
    });
    // No SDK retries: every unclear answer is left to our own retry (the next run, same key).
    const flaky = { ...t.ctx, stripe: createStripeGateway({ ...t.stripeSetup, maxNetworkRetries: 0 }) };
    const summaries = [];
    for (let runs = 0; runs < 20; runs++) {
      summaries.push(await runPayouts(flaky, { asOf, creatorIds: ids, leaseMs: 0 }));
      const open = (await Promise.all(ids.map((id) => payoutsOf(t, id)))).flat().filter((p) => p.status !== 'paid');
      if (open.length === 0) break;
    }
    // The faults did bite (the first run could not finish everyone), and later runs finished it.
    expect(summaries[0]!.paid).toBeLessThan(6);
    expect(summaries.length).toBeLessThan(20);
    expect(summaries.reduce((total, s) => total + s.paid, 0)).toBe(6);
    expect(summaries.reduce((total, s) => total + s.created, 0)).toBe(6);
    await t.emulator('/_emulator/faults', undefined, { json: {} });
    for (const creator of creators) await expectPaidOnce(t, creator);
  });

  it('timeouts (Stripe did the work, the answer came too late): the retry finds the transfer instead of making another', async () => {
    const creators = await connectedCreatorsWhoEarned(t, 4, () => 6, { flows: 6 });
    const ids = creators.map((c) => c.id);
    const asOf = await pastTheHold(t);
    await t.emulator('/_emulator/faults', undefined, {
      json: { paths: { 'POST /v1/transfers': { timeout_ms: 1200 }, 'GET /v1/transfers': { error_rate: 0.5 } }, seed: 5 },
    });
    const impatient = { ...t.ctx, stripe: createStripeGateway({ ...t.stripeSetup, timeoutMs: 300, maxNetworkRetries: 0 }) };
    const first = await runPayouts(impatient, { asOf, creatorIds: ids });
    expect(first).toMatchObject({ created: 4, paid: 0, still_processing: 4 });
    // Later runs (same keys) until one finds nothing left unclear.
    await waitUntil(
      async () => {
        const result = await runPayouts(impatient, { asOf, creatorIds: ids, leaseMs: 0 });
        return result.still_processing === 0 && result.retried === 0;
      },
      { message: 'a run that finds every payout settled', timeoutMs: 30_000, intervalMs: 100 },
    );
    await t.emulator('/_emulator/faults', undefined, { json: {} });
    for (const creator of creators) await expectPaidOnce(t, creator, { amountCents: 600 });
  });
});

describe('connect', () => {
  it('creates one Express account per creator, a fresh link on every call, and account.updated enables payouts', async () => {
    const creator = await createCreator(t, 1);
    const first = await t.request({ method: 'POST', url: '/v1/creators/me/connect', token: creator.token });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'onboarding', account_id: expect.stringMatching(/^acct_/), url: expect.stringContaining('/connect/onboarding/') });
    const second = await t.request({ method: 'POST', url: '/v1/creators/me/connect', token: creator.token });
    expect(second.body.account_id).toBe(first.body.account_id);
    expect(second.body.url).not.toBe(first.body.url);
    const account = await t.ctx.stripe.raw.accounts.retrieve(first.body.account_id);
    expect(account).toMatchObject({ type: 'express', metadata: { user_id: creator.id } });
    expect(account.capabilities).toHaveProperty('transfers');
    const accounts = (await t.ctx.stripe.raw.accounts.list({ limit: 100 })).data.filter((a) => a.metadata?.user_id === creator.id);
    expect(accounts).toHaveLength(1);

    await t.emulator(`/_emulator/accounts/${first.body.account_id}/onboard`, {});
    await flushWebhooks(t);
    const [row] = await t.database.db.select().from(users).where(eq(users.id, creator.id));
    expect(row).toMatchObject({ connectAccountId: first.body.account_id, payoutsEnabled: true });
    const enabled = await t.request({ method: 'POST', url: '/v1/creators/me/connect', token: creator.token });
    expect(enabled.body).toMatchObject({ status: 'enabled', account_id: first.body.account_id });
  });

  it('two connect requests at once make one account', async () => {
    const creator = await createCreator(t, 1);
    const responses = await Promise.all([1, 2, 3].map(() => t.request({ method: 'POST', url: '/v1/creators/me/connect', token: creator.token })));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(new Set(responses.map((r) => r.body.account_id)).size).toBe(1);
  });

  it('401 for guests, 403 for members who have not written a flow', async () => {
    expect((await t.request({ method: 'POST', url: '/v1/creators/me/connect' })).status).toBe(401);
    const member = await createMember(t);
    const denied = await t.request({ method: 'POST', url: '/v1/creators/me/connect', token: member.token });
    expect(denied.status).toBe(403);
    expect(denied.headers['content-type']).toContain('application/problem+json');
    expect(denied.body.type).toContain('not-a-creator');
  });
});

describe('withdraw now', () => {
  it('409 without Connect, below the minimum, and a second time the same day; 201 paid otherwise', async () => {
    const creator = await createCreator(t);
    const withdraw = () => t.request({ method: 'POST', url: '/v1/creators/me/payouts', token: creator.token });

    const notConnected = await withdraw();
    expect(notConnected.status).toBe(409);
    expect(notConnected.body).toMatchObject({ type: expect.stringContaining('payouts-not-enabled'), connect_status: 'not_connected' });

    const accountId = await connectCreator(t, creator);
    await earn(t, creator, 4);
    await releaseHeld(t, new Date(Date.now() + 400 * 86_400_000));
    const below = await withdraw();
    expect(below.status).toBe(409);
    expect(below.body).toMatchObject({ type: expect.stringContaining('below-minimum'), available_cents: 400, min_payout_cents: 500 });
    expect(await payoutsOf(t, creator.id)).toHaveLength(0);

    await earn(t, creator, 3);
    await releaseHeld(t, new Date(Date.now() + 400 * 86_400_000));
    const before = await t.request({ method: 'GET', url: '/v1/creators/me/payouts', token: creator.token });
    expect(before.body).toMatchObject({ available_cents: 700, can_withdraw: true, next_withdrawal_at: null });
    const ok = await withdraw();
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ amount_cents: 700, status: 'paid', kind: 'withdrawal' });
    expect((await transfersTo(t, accountId)).map((tr) => tr.amount)).toEqual([700]);

    await earn(t, creator, 6);
    await releaseHeld(t, new Date(Date.now() + 400 * 86_400_000));
    const again = await withdraw();
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ type: expect.stringContaining('withdrawal-limit'), next_withdrawal_at: expect.any(String) });
    const after = await t.request({ method: 'GET', url: '/v1/creators/me/payouts', token: creator.token });
    expect(after.body).toMatchObject({ available_cents: 600, can_withdraw: false, next_withdrawal_at: again.body.next_withdrawal_at });
    expect(await transfersTo(t, accountId)).toHaveLength(1);
    // The scheduled run still pays what is available (a different run key).
    expect(await runPayouts(t.ctx, { asOf: new Date(Date.now() + 400 * 86_400_000), creatorIds: [creator.id] })).toMatchObject({ paid: 1, paid_cents: 600 });
  });

  it('five withdrawals at once: one payout, one transfer, the rest 409', async () => {
    const { creator, accountId } = await connectedCreatorWhoEarned(t, 6);
    await releaseHeld(t, new Date(Date.now() + 400 * 86_400_000));
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => t.request({ method: 'POST', url: '/v1/creators/me/payouts', token: creator.token })),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(await transfersTo(t, accountId)).toHaveLength(1);
    expect(await payoutsOf(t, creator.id)).toHaveLength(1);
  });

  it('GET /v1/creators/me/payouts shows only the caller’s payouts', async () => {
    const { creator } = await connectedCreatorWhoEarned(t, 6);
    await runPayouts(t.ctx, { asOf: await pastTheHold(t), creatorIds: [creator.id] });
    const other = await createMember(t);
    const theirs = await t.request({ method: 'GET', url: '/v1/creators/me/payouts', token: other.token });
    expect(theirs.status).toBe(200);
    expect(theirs.body).toMatchObject({ payouts: [], connect: { status: 'not_connected', account_id: null }, available_cents: 0, can_withdraw: false });
    expect((await t.request({ method: 'GET', url: '/v1/creators/me/payouts' })).status).toBe(401);
  });
});
