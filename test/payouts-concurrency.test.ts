import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../src/server/context.js';
import { openDatabase } from '../src/server/db/client.js';
import { runPayouts } from '../src/server/modules/payouts/runs.js';
import { createTestApp, TEST_ENV, type TestApp } from './support/app.js';
import { isPostgres } from './support/database.js';
import { connectedCreatorsWhoEarned, type Creator, expectPaidOnce, PAYOUT_ENV, pastTheHold, releaseHeld } from './support/payouts.js';
import { expectReconciled } from './support/reconcile.js';

// Several processes (or pools) running payouts against one PostgreSQL at the same moment.

const root = path.resolve(import.meta.dirname, '..');

describe.runIf(isPostgres())('payout runs at once on PostgreSQL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(PAYOUT_ENV, { stripe: true });
  });
  afterAll(() => t?.close());
  afterEach(async () => {
    await t.emulator('/_emulator/faults', undefined, { json: {} });
    await expectReconciled(t);
  });

  const creatorsWithEarnings = (count: number) => connectedCreatorsWhoEarned(t, count, (i) => 5 + (i % 2), { flows: 6 });

  async function expectEachPaidOnce(creators: Creator[]) {
    for (const creator of creators) await expectPaidOnce(t, creator);
  }

  function flowtab(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/server/cli.ts'), ...args], {
        cwd: root,
        env: { ...process.env, ...TEST_ENV, ...PAYOUT_ENV, LOG_LEVEL: 'warn', DATABASE_URL: t.database.url!, STRIPE_API_BASE: t.emulatorUrl! },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('two `flowtab payouts run` processes at once: one transfer per creator', async () => {
    const creators = await creatorsWithEarnings(12);
    const asOf = (await pastTheHold(t)).toISOString();
    // A little latency keeps both processes in flight together.
    await t.emulator('/_emulator/faults', undefined, { json: { latency_ms: 30 } });
    const [a, b] = await Promise.all([flowtab(['payouts', 'run', '--as-of', asOf]), flowtab(['payouts', 'run', '--as-of', asOf])]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    for (const output of [a.stdout, b.stdout]) expect(output).toMatch(/Payout run run-\d{4}-\d{2}-\d{2}/);
    const paid = [a.stdout, b.stdout].map((output) => Number(/paid\s+(\d+)/.exec(output)?.[1] ?? NaN));
    expect(paid[0]! + paid[1]!).toBe(creators.length);
    await expectEachPaidOnce(creators);
  });

  it('four pools running the same run and a later run at once, with lost responses: one transfer per creator', async () => {
    const creators = await creatorsWithEarnings(10);
    const ids = creators.map((c) => c.id);
    const asOf = await pastTheHold(t);
    await t.emulator('/_emulator/faults', undefined, { json: { latency_ms: 20, paths: { 'POST /v1/transfers': { error_after_rate: 0.3 } }, seed: 3 } });
    const contexts = await Promise.all(
      [1, 2, 3, 4].map(async () => {
        const database = await openDatabase({ databaseUrl: t.database.url!, poolSize: 5 });
        return createContext(t.config, { database, stripe: { ...t.stripeSetup } });
      }),
    );
    try {
      const later = new Date(asOf.getTime() + 86_400_000);
      await Promise.all(contexts.map((ctx, i) => runPayouts(ctx, { asOf: i % 2 === 0 ? asOf : later, creatorIds: ids, concurrency: 4 })));
      // Whatever stayed unclear is finished by one more run.
      await runPayouts(t.ctx, { asOf, creatorIds: ids, leaseMs: 0 });
    } finally {
      await Promise.all(contexts.map((ctx) => ctx.database.close()));
    }
    await t.emulator('/_emulator/faults', undefined, { json: {} });
    await expectEachPaidOnce(creators);
  });

  it('a withdrawal racing a scheduled run: one payout, one transfer', async () => {
    const creators = await creatorsWithEarnings(6);
    const asOf = await pastTheHold(t);
    await releaseHeld(t, asOf);
    await t.emulator('/_emulator/faults', undefined, { json: { latency_ms: 20 } });
    const withdrawals = creators.map((creator) => t.request({ method: 'POST', url: '/v1/creators/me/payouts', token: creator.token }));
    const run = runPayouts(t.ctx, { asOf, creatorIds: creators.map((c) => c.id) });
    const responses = await Promise.all(withdrawals);
    await run;
    expect(responses.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    await expectEachPaidOnce(creators);
  });
});
