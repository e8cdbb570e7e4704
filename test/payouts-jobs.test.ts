import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jobDefinitions } from '../src/server/jobs/definitions.js';
import { type JobRunner, startJobs } from '../src/server/jobs/runner.js';
import { createTestApp, type TestApp } from './support/app.js';
import { connectedCreatorsWhoEarned, connectedCreatorWhoEarned, expectPaidOnce, PAYOUT_ENV, pastTheHold, payoutsOf, transfersTo } from './support/payouts.js';
import { expectReconciled } from './support/reconcile.js';
import { waitUntil } from './support/wait.js';

// pg-boss runs on both databases: its own pool on PostgreSQL, the `db` adapter on the embedded PGlite.

let t: TestApp;
const workers: JobRunner[] = [];
beforeAll(async () => {
  t = await createTestApp({ ...PAYOUT_ENV, PAYOUT_CRON: '0 6 1 * *' }, { stripe: true });
});
afterAll(async () => {
  for (const worker of workers) await worker.stop();
  await t?.close();
});
afterEach(() => expectReconciled(t));

const silent = pino({ level: 'silent' });

describe('the payout schedule on pg-boss', () => {
  it('registers PAYOUT_CRON; a run job enqueues one job per creator, and two workers pay each creator once', async () => {
    const creators = await connectedCreatorsWhoEarned(t, 3, () => 6, { flows: 6 });
    const { creator: belowMinimum } = await connectedCreatorWhoEarned(t, 2, { flows: 6 });
    const asOf = await pastTheHold(t);

    // Two worker "processes" on the same database.
    workers.push(await startJobs(t.ctx, silent), await startJobs(t.ctx, silent, { schedule: false }));
    const schedules = await workers[0]!.boss.getSchedules();
    expect(schedules).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'payouts.run', cron: '0 6 1 * *', timezone: 'UTC' })]));
    // Every scheduled job of the table, and nothing else.
    const scheduled = Object.entries(jobDefinitions).filter(([, job]) => 'schedule' in job).map(([name]) => name);
    expect(schedules.map((s) => s.name).sort()).toEqual(scheduled.sort());

    // The cron would send this on the 1st; both workers may pick run jobs up.
    await workers[0]!.send('payouts.run', { asOf: asOf.toISOString() });
    await workers[1]!.send('payouts.run', { asOf: asOf.toISOString() });
    await waitUntil(
      async () => {
        const rows = (await Promise.all(creators.map((c) => payoutsOf(t, c.id)))).flat();
        return rows.length === creators.length && rows.every((p) => p.status === 'paid');
      },
      { message: 'the payout jobs to pay every creator', timeoutMs: 45_000, intervalMs: 250 },
    );
    for (const creator of creators) await expectPaidOnce(t, creator, { amountCents: 600, kind: 'scheduled' });
    expect(await payoutsOf(t, belowMinimum.id)).toHaveLength(0);
    expect(await transfersTo(t, belowMinimum.accountId!)).toHaveLength(0);
  });
});
