import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PAYOUT_RUN_QUEUE, type PayoutWorker, startPayoutWorker } from '../src/server/modules/payouts/jobs.js';
import { createTestApp, type TestApp } from './support/app.js';
import { connectCreator, type Creator, createCreator, earn, PAYOUT_ENV, pastTheHold, payoutsOf, transfersTo } from './support/payouts.js';
import { expectReconciled } from './support/reconcile.js';

// pg-boss runs on both databases: its own pool on PostgreSQL, the `db` adapter on the embedded PGlite.

let t: TestApp;
const workers: PayoutWorker[] = [];
beforeAll(async () => {
  t = await createTestApp({ ...PAYOUT_ENV, PAYOUT_CRON: '0 6 1 * *' }, { stripe: true });
});
afterAll(async () => {
  for (const worker of workers) await worker.stop();
  await t?.close();
});
afterEach(() => expectReconciled(t));

const silent = pino({ level: 'silent' });

async function waitFor(check: () => Promise<boolean>, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the payout jobs');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('the payout schedule on pg-boss', () => {
  it('registers PAYOUT_CRON; a run job enqueues one job per creator, and two workers pay each creator once', async () => {
    const creators: Creator[] = [];
    for (let i = 0; i < 3; i++) {
      const creator = await createCreator(t, 6);
      await connectCreator(t, creator);
      await earn(t, creator, 6);
      creators.push(creator);
    }
    const belowMinimum = await createCreator(t, 6);
    await connectCreator(t, belowMinimum);
    await earn(t, belowMinimum, 2);
    const asOf = await pastTheHold(t);

    // Two worker "processes" on the same database.
    workers.push(await startPayoutWorker(t.ctx, silent), await startPayoutWorker(t.ctx, silent, { schedule: false }));
    const schedules = await workers[0]!.boss.getSchedules();
    expect(schedules).toEqual(expect.arrayContaining([expect.objectContaining({ name: PAYOUT_RUN_QUEUE, cron: '0 6 1 * *', timezone: 'UTC' })]));

    // The cron would send this on the 1st; both workers may pick run jobs up.
    await workers[0]!.boss.send(PAYOUT_RUN_QUEUE, { asOf: asOf.toISOString() });
    await workers[1]!.boss.send(PAYOUT_RUN_QUEUE, { asOf: asOf.toISOString() });
    await waitFor(async () => {
      const rows = (await Promise.all(creators.map((c) => payoutsOf(t, c.id)))).flat();
      return rows.length === creators.length && rows.every((p) => p.status === 'paid');
    });
    for (const creator of creators) {
      const [payout, ...others] = await payoutsOf(t, creator.id);
      expect(others).toHaveLength(0);
      expect(payout).toMatchObject({ status: 'paid', amountCents: 600, kind: 'scheduled' });
      expect((await transfersTo(t, creator.accountId!)).map((tr) => tr.id)).toEqual([payout!.stripeTransferId]);
    }
    expect(await payoutsOf(t, belowMinimum.id)).toHaveLength(0);
    expect(await transfersTo(t, belowMinimum.accountId!)).toHaveLength(0);
  });
});
