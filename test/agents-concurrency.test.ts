import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingPeriods, copies } from '../src/server/db/schema.js';
import { createFlow, createMember, giveSubscription, type Member } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { type ServerProcess, startServerProcess } from './support/processes.js';
import { expectReconciled } from './support/reconcile.js';

/**
 * Agents and the Copy button at once (SPEC §4 and §16): copy_flow over MCP and POST /copy share record_copy, so one
 * subscriber firing both in parallel from two server processes counts exactly the paid cap, and a flow copied through
 * both paths is recorded once.
 */
describe.runIf(process.env.DATABASE_URL)('copy_flow and the Copy button in parallel, two server processes', () => {
  let t: TestApp;
  let servers: ServerProcess[] = [];
  let author: Member;
  const clients: Client[] = [];

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
      RATE_LIMIT_TOKEN_PER_MINUTE: '100000',
    };
    servers = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(servers.map((s) => s.stop()));
    await t?.close();
  });

  it('130 parallel copies (66 copy_flow, 64 button) of 110 premium flows: 110 recorded, exactly 100 counted, 20 duplicates', async () => {
    const member = await createMember(t);
    const { periodId } = await giveSubscription(t, member, 'active', { isPaid: true });
    const created = await t.request({ method: 'POST', url: '/v1/tokens', token: member.token, payload: { name: 'agent', scopes: ['flows:read', 'flows:copy'] } });
    expect(created.status).toBe(201);
    const flows = [];
    for (let i = 0; i < 110; i++) flows.push(await createFlow(t, author));
    for (const server of servers) {
      const client = new Client({ name: 'flowtab-concurrency', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${created.body.token}` } } }),
      );
      clients.push(client);
    }

    // Every flow once, and 20 of them a second time through the other path, spread over both processes.
    const refs = [...flows.map((flow) => flow.slug), ...flows.slice(0, 20).map((flow) => flow.slug)];
    const results = await Promise.all(
      refs.map(async (ref, i) => {
        const server = i % 2;
        // The repeats go through the path their first copy did not take.
        const viaMcp = i < 110 ? i % 4 < 2 : (i - 110) % 4 >= 2;
        if (viaMcp) {
          const result = (await clients[server]!.callTool({ name: 'copy_flow', arguments: { slug: ref } })) as CallToolResult;
          if (!result.isError) return { status: 200, counted: (result.structuredContent as { counted_for_payout: boolean }).counted_for_payout, via: 'mcp' };
          const problem = JSON.parse((result.content[1] as { text: string }).text) as { status: number };
          return { status: problem.status, counted: false, via: 'mcp' };
        }
        const response = await fetch(`${servers[server]!.url}/v1/flows/${ref}/copy`, { method: 'POST', headers: { authorization: `Bearer ${member.token}` } });
        const body = (await response.json()) as { counted_for_payout?: boolean };
        return { status: response.status, counted: body.counted_for_payout === true, via: 'button' };
      }),
    );

    expect(results.filter((r) => r.via === 'mcp')).toHaveLength(66);
    expect(results.filter((r) => r.status === 200)).toHaveLength(110);
    expect(results.filter((r) => r.status === 409)).toHaveLength(20);
    expect(results.filter((r) => r.counted)).toHaveLength(100);
    const [period] = await t.database.db.select().from(billingPeriods).where(eq(billingPeriods.id, periodId));
    expect(period).toMatchObject({ copiesCount: 110, countedCopies: 100, earnedCents: 700 });
    expect(await t.database.db.select().from(copies).where(eq(copies.billingPeriodId, periodId))).toHaveLength(110);
    const earnings = await t.request({ method: 'GET', url: '/v1/creators/me/earnings', token: author.token });
    expect(earnings.body.total_earnings_cents).toBe(700);
    await expectReconciled(t);
  }, 120_000);
});
