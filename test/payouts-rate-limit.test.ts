import { randomBytes } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { flows, payouts, users } from '../src/server/db/schema.js';
import { payoutProgress } from '../src/server/cli/payouts.js';
import { type PayoutRunProgress, runPayouts } from '../src/server/modules/payouts/runs.js';
import { createMember, giveSubscription } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { pastTheHold, releaseHeld } from './support/payouts.js';
import { expectReconciled } from './support/reconcile.js';

// A payout run while the emulator enforces Stripe's test-mode rate limit (25 requests/s): the run backs off, finishes,
// and pays every creator exactly once (the full 2,000-creator run is `npm run bench:payouts-ratelimit`).

const CREATORS = 100;
// A dollar a copy and a one-dollar minimum: one counted copy makes a creator payable.
const ENV = { RATE_PER_COPY_CENTS: '100', MIN_PAYOUT_CENTS: '100', PAID_COPIES_PER_PERIOD: '500', COPY_LIMIT_PER_PERIOD: '1000' };

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(ENV, { stripe: true });
});
afterAll(() => t?.close());
afterEach(async () => {
  await t.emulator('/_emulator/faults', undefined, { json: {} });
  await expectReconciled(t);
});

async function inParallel<T>(count: number, concurrency: number, run: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < count; i = next++) results[i] = await run(i);
  }));
  return results;
}

/**
 * `count` creators with an onboarded Express account on the emulator and one premium flow each (made directly: the
 * accounts and the money are what this test is about), and a subscriber whose copies (through the API) earn each of
 * them 100 ¢, held, then released past the hold.
 */
async function creatorsWithAvailableEarnings(count: number) {
  // Their account.updated events are not needed (the creators are made with payouts enabled): not delivered.
  await t.emulator('/_emulator/faults', undefined, { json: { webhooks: { drop_rate: 1 } } });
  const accountIds = await inParallel(count, 12, async () => {
    const account = await t.ctx.stripe.raw.accounts.create({ type: 'express', capabilities: { transfers: { requested: true } } });
    await t.emulator(`/_emulator/accounts/${account.id}/onboard`, {});
    return account.id;
  });
  await t.emulator('/_emulator/faults', undefined, { json: {} });
  const tag = randomBytes(4).toString('hex');
  const creators = await t.database.db
    .insert(users)
    .values(accountIds.map((accountId, i) => ({ email: `rl-${tag}-${i}@example.com`, username: `rl_${tag}_${i}`, passwordHash: 'x', connectAccountId: accountId, payoutsEnabled: true })))
    .returning({ id: users.id, accountId: users.connectAccountId });
  const made = await t.database.db
    .insert(flows)
    .values(creators.map((c, i) => ({ slug: `rl-${tag}-${i}`, title: `Flow ${i}`, summary: 'A flow', body: 'Do the thing.', authorId: c.id, publishedAt: new Date() })))
    .returning({ slug: flows.slug });
  const subscriber = await createMember(t);
  await giveSubscription(t, subscriber, 'active', { basisCents: 100 * count * 2, isPaid: true });
  await inParallel(made.length, 4, async (i) => {
    const copy = await t.request({ method: 'POST', url: `/v1/flows/${made[i]!.slug}/copy`, token: subscriber.token });
    expect(copy.body.payout_earned).toBe(100);
  });
  const asOf = await pastTheHold(t);
  await releaseHeld(t, asOf);
  return { creators: creators.map((c) => ({ id: c.id, accountId: c.accountId! })), asOf };
}

describe('a payout run under Stripe’s rate limit', () => {
  it(`backs off on 429s and pays each of ${CREATORS} creators exactly once at 25 requests/s`, async () => {
    const { creators, asOf } = await creatorsWithAvailableEarnings(CREATORS);
    const before = (await t.emulator('/_emulator/stats')) as { rate_limited: number };
    // Stripe's test-mode limit; transfers answered in 300 ms as on Stripe, 32 in flight: more than 25 a second are sent.
    await t.emulator('/_emulator/faults', undefined, { json: { rate_limit: { requests_per_second: 25 }, latency_ms: 300 } });
    const progress: Array<PayoutRunProgress & { at: number }> = [];
    // The CLI's bar, on a terminal that this test reads.
    let terminal = '';
    const bar = payoutProgress({ isTTY: true, write: (text: string) => (terminal += text) });
    const started = Date.now();
    const summary = await runPayouts(t.ctx, {
      asOf,
      concurrency: 32,
      onProgress: (p) => {
        progress.push({ ...p, at: Date.now() });
        bar.update(p);
      },
    }).finally(() => bar.stop());
    const elapsedMs = Date.now() - started;
    const after = (await t.emulator('/_emulator/stats')) as { rate_limited: number };
    await t.emulator('/_emulator/faults', undefined, { json: {} });

    expect(summary).toMatchObject({ eligible: CREATORS, created: CREATORS, paid: CREATORS, paid_cents: CREATORS * 100, failed: 0, still_processing: 0 });
    // The limit was really hit, and respected: 120 transfers cannot go faster than 25 a second.
    expect(after.rate_limited - before.rate_limited).toBeGreaterThan(0);
    expect(elapsedMs).toBeGreaterThanOrEqual(((CREATORS - 25) / 25) * 1000);
    const waits = progress.filter((p) => p.rateLimit !== undefined && p.rateLimit.waitingUntil > p.at);
    expect(waits.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ phase: 'pay', done: CREATORS, total: CREATORS });
    // The bar said so while it waited, and ends on the whole run with the count of refusals.
    expect(terminal).toContain("waiting on Stripe's rate limit (");
    expect(terminal).toMatch(new RegExp(`\\] ${CREATORS}/${CREATORS} {2}\\(Stripe's rate limit: \\d+ requests? refused\\)`));

    // Exactly once, counted on the emulator: one transfer per creator, for the payout's amount, under its id.
    const transfers = await t.ctx.stripe.raw.transfers.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
    const ours = transfers.filter((tr) => creators.some((c) => c.accountId === tr.destination));
    expect(ours).toHaveLength(CREATORS);
    const rows = await t.database.db.select().from(payouts).where(inArray(payouts.creatorId, creators.map((c) => c.id)));
    expect(rows).toHaveLength(CREATORS);
    for (const creator of creators) {
      const [payout] = rows.filter((p) => p.creatorId === creator.id);
      const [transfer, ...more] = ours.filter((tr) => tr.destination === creator.accountId);
      expect(more).toHaveLength(0);
      expect(payout).toMatchObject({ status: 'paid', amountCents: 100, stripeTransferId: transfer!.id });
      expect(transfer).toMatchObject({ amount: 100, transfer_group: `payout-${payout!.id}` });
    }

    // A second run finds nothing to pay and sends nothing.
    const again = await runPayouts(t.ctx, { asOf });
    expect(again).toMatchObject({ created: 0, paid: 0 });
    const [creator] = creators;
    expect(await t.database.db.select().from(payouts).where(eq(payouts.creatorId, creator!.id))).toHaveLength(1);
  });
});
