import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingPeriods, copies, flows as flowsTable } from '../src/server/db/schema.js';
import { createFlow, createMember, giveSubscription, type Member } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { type ServerProcess, startServerProcess } from './support/processes.js';
import { expectReconciled } from './support/reconcile.js';

// Exactness under parallel load from two server processes sharing one PostgreSQL database (SPEC §4).
describe.runIf(process.env.DATABASE_URL)('copies under concurrency, two server processes', () => {
  let t: TestApp;
  let servers: ServerProcess[] = [];
  let author: Member;

  beforeAll(async () => {
    t = await createTestApp();
    author = await createMember(t);
    const env = {
      DATABASE_URL: t.database.url!,
      STRIPE_API_BASE: 'http://127.0.0.1:9',
      STRIPE_WEBHOOK_SECRET: 'whsec_unused',
      STRIPE_PRICE_ID: 'price_unused',
      FLOWTAB_JOBS: 'off',
      DATABASE_POOL_SIZE: '10',
      // One subscriber's copies serialize on one billing-period row, so the last of the storm waits for the others:
      // this test checks what is counted, not how long the queue is (that is bench/copy's), so the wait for a pooled
      // connection may exceed the default 2 s on a slow or busy machine instead of answering 503.
      DATABASE_CONNECT_TIMEOUT_MS: '30000',
      RATE_LIMIT_COPY_PER_MINUTE: '100000',
    };
    servers = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await t?.close();
  });

  const copyOn = (server: ServerProcess, member: Member, ref: string) =>
    fetch(`${server.url}/v1/flows/${ref}/copy`, { method: 'POST', headers: { authorization: `Bearer ${member.token}` } }).then(async (r) => ({
      status: r.status,
      body: await r.json(),
    }));

  it('the server processes run as `flowtab` is deployed: Node started with 64 MB semi-spaces, no memory reducer (bin/flowtab.js)', () => {
    for (const server of servers) {
      const commandLine = readFileSync(`/proc/${server.child.pid}/cmdline`, 'utf8').split('\0');
      expect(commandLine).toContain('--max-semi-space-size=64');
      expect(commandLine).toContain('--no-memory-reducer');
      expect(commandLine).toContain(path.resolve(import.meta.dirname, '../bin/flowtab.js'));
    }
  });

  it('200 parallel copies of 150 premium flows by one subscriber: exactly 150 recorded and 100 counted', async () => {
    const member = await createMember(t);
    const { periodId } = await giveSubscription(t, member, 'active', { isPaid: true });
    const flows = [];
    for (let i = 0; i < 150; i++) flows.push(await createFlow(t, author));
    // 150 distinct flows plus 50 repeats, spread over both processes.
    const refs = [...flows.map((f) => f.slug), ...flows.slice(0, 50).map((f) => f.id)];
    const results = await Promise.all(refs.map((ref, i) => copyOn(servers[i % 2]!, member, ref)));

    expect(results.filter((r) => r.status === 200)).toHaveLength(150);
    expect(results.filter((r) => r.status === 409)).toHaveLength(50);
    expect(results.filter((r) => r.status === 200 && r.body.counted_for_payout)).toHaveLength(100);
    const [period] = await t.database.db.select().from(billingPeriods).where(eq(billingPeriods.id, periodId));
    expect(period).toMatchObject({ copiesCount: 150, countedCopies: 100, earnedCents: 700 });
    expect(await t.database.db.select().from(copies).where(eq(copies.billingPeriodId, periodId))).toHaveLength(150);
    await expectReconciled(t);
  });

  it('50 parallel copies of one flow: 1 recorded and 49 × 409', async () => {
    const member = await createMember(t);
    const { periodId } = await giveSubscription(t, member, 'active', { isPaid: true });
    const flow = await createFlow(t, author);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => copyOn(servers[i % 2]!, member, flow.slug)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(49);
    const recorded = await t.database.db.select().from(copies).where(eq(copies.billingPeriodId, periodId));
    expect(recorded).toHaveLength(1);
    const [row] = await t.database.db.select().from(flowsTable).where(eq(flowsTable.id, flow.id));
    expect(row).toBeDefined();
    await expectReconciled(t);
  });

  it('many subscribers copying one popular flow at once all count', async () => {
    const flow = await createFlow(t, author);
    const members = await Promise.all(Array.from({ length: 40 }, () => createMember(t)));
    for (const member of members) await giveSubscription(t, member, 'active', { isPaid: true });
    const results = await Promise.all(members.map((member, i) => copyOn(servers[i % 2]!, member, flow.slug)));
    expect(results.every((r) => r.status === 200 && r.body.counted_for_payout)).toBe(true);
    const view = await t.request({ method: 'GET', url: `/v1/flows/${flow.slug}` });
    expect(view.body.copy_count).toBe(40);
    await expectReconciled(t);
  });
});
