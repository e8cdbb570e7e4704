import { createServer, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JobRunner, startJobs } from '../src/server/jobs/runner.js';
import { PROCESSING_LEASE_MS } from '../src/server/modules/payouts/sending.js';
import { createTestApp, type TestApp } from './support/app.js';
import { connectedCreatorWhoEarned, expectPaidOnce, PAYOUT_ENV, pastTheHold, payoutsOf } from './support/payouts.js';
import { startWorkerProcess, type WorkerProcess } from './support/processes.js';
import { expectReconciled } from './support/reconcile.js';
import { waitUntil } from './support/wait.js';

// A worker killed while a payout is processing (claimed, Stripe asked, no answer yet): another worker finishes it
// within a minute of the claim's lease ending, with the same transfer key, and the books still reconcile.
// PostgreSQL only: the workers are processes of their own. Takes the lease (2 minutes) and a little.

const RECOVERY_BOUND_MS = 60_000;

describe.runIf(process.env.DATABASE_URL)('recovery of a payout whose worker was killed', () => {
  let t: TestApp;
  let sender: JobRunner;
  let silentStripe: Server;
  const sockets: Socket[] = [];
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    t = await createTestApp({ ...PAYOUT_ENV, PAYOUT_CRON: '0 6 1 * *' }, { stripe: true });
    // A Stripe that takes every request and never answers: the first worker's transfer hangs after its claim.
    silentStripe = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silentStripe.listen(0, '127.0.0.1', resolve));
    // Sends jobs only: an empty table runs none here.
    sender = await startJobs(t.ctx, pino({ level: 'silent' }), { schedule: false, jobs: {} });
  }, 60_000);
  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    await sender?.stop();
    for (const socket of sockets) socket.destroy();
    silentStripe?.close();
    await t?.close();
  });

  it(`is paid once, within ${RECOVERY_BOUND_MS / 1000} s of its lease's end`, async () => {
    const { creator } = await connectedCreatorWhoEarned(t, 6);
    const asOf = await pastTheHold(t);
    const address = silentStripe.address();
    if (typeof address !== 'object' || !address) throw new Error('no address');
    const workerEnv = { ...PAYOUT_ENV, DATABASE_URL: t.database.url!, STRIPE_SECRET_KEY: 'sk_test_flowtab', STRIPE_WEBHOOK_SECRET: 'whsec_unused', STRIPE_PRICE_ID: 'price_unused' };

    const doomed = await startWorkerProcess({ ...workerEnv, STRIPE_API_BASE: `http://127.0.0.1:${address.port}` });
    workers.push(doomed);
    await sender.send('payouts.run', { asOf: asOf.toISOString() });
    const claimed = await waitUntil(async () => (await payoutsOf(t, creator.id)).find((p) => p.status === 'processing'), {
      message: 'the first worker to claim the payout',
      timeoutMs: 60_000,
      intervalMs: 100,
      explain: () => doomed.output(),
    });
    doomed.child.kill('SIGKILL');
    const leaseEndsAt = claimed.updatedAt.getTime() + PROCESSING_LEASE_MS;

    workers.push(await startWorkerProcess({ ...workerEnv, STRIPE_API_BASE: t.emulatorUrl! }));
    const paid = await waitUntil(async () => (await payoutsOf(t, creator.id)).find((p) => p.status === 'paid'), {
      message: 'the second worker to finish the payout',
      timeoutMs: leaseEndsAt - Date.now() + RECOVERY_BOUND_MS + 15_000,
      intervalMs: 250,
      explain: async () => ({ payouts: await payoutsOf(t, creator.id), worker: workers[1]!.output() }),
    });
    expect(paid.paidAt!.getTime()).toBeGreaterThanOrEqual(leaseEndsAt);
    expect(paid.paidAt!.getTime() - leaseEndsAt).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    await expectPaidOnce(t, creator, { amountCents: 600, kind: 'scheduled' });
    await expectReconciled(t);
  }, PROCESSING_LEASE_MS + RECOVERY_BOUND_MS + 120_000);
});
