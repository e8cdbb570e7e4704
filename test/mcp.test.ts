import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingPeriods } from '../src/server/db/schema.js';
import { createFlow, createMember, giveSubscription, type Member } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { expectReconciled } from './support/reconcile.js';

/**
 * The MCP server at /mcp, driven by the SDK's own client over real HTTP (Streamable HTTP), as Claude, Cursor or any
 * MCP client would: tools, prompts, the paywall, copies counted and paid exactly like the Copy button.
 */
let t: TestApp;
let baseUrl: string;
let author: Member;
const clients: Client[] = [];

beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  author = await createMember(t);
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await t.close();
});

async function tokenFor(member: Member, scopes = ['flows:read', 'flows:copy']): Promise<string> {
  const response = await t.request({ method: 'POST', url: '/v1/tokens', token: member.token, payload: { name: 'MCP test', scopes } });
  expect(response.status).toBe(201);
  return response.body.token;
}

async function connect(bearer: string): Promise<Client> {
  const client = new Client({ name: 'flowtab-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${bearer}` } } });
  await client.connect(transport);
  clients.push(client);
  return client;
}

const call = (client: Client, name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
const textOf = (result: CallToolResult) => result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
const problemOf = (result: CallToolResult) => {
  const part = result.content.find((item) => item.type === 'text' && item.text.startsWith('{'));
  return JSON.parse(part && part.type === 'text' ? part.text : '{}');
};
const pendingCents = async (member: Member) => {
  const earnings = await t.request({ method: 'GET', url: '/v1/creators/me/earnings', token: member.token });
  expect(earnings.status).toBe(200);
  return earnings.body.pending_cents as number;
};

async function subscriber(): Promise<Member> {
  const member = await createMember(t);
  await giveSubscription(t, member, 'active');
  return member;
}

describe('MCP server at /mcp', () => {
  it('lists its four tools, with input schemas made from zod and descriptions, and says who it is', async () => {
    const client = await connect(await tokenFor(await createMember(t)));
    expect(client.getServerVersion()).toMatchObject({ name: 'flowtab', title: 'Flowtab.Pro' });
    expect(client.getInstructions()).toMatch(/copy_flow/);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['copy_flow', 'get_flow', 'my_usage', 'search_flows']);
    const search = tools.find((tool) => tool.name === 'search_flows')!;
    expect(search.inputSchema).toMatchObject({ type: 'object', required: ['query'], properties: { query: { type: 'string' }, premium: { type: 'boolean' } } });
    expect(search.inputSchema.properties?.tags).toMatchObject({ type: 'array', items: { type: 'string' } });
    const copy = tools.find((tool) => tool.name === 'copy_flow')!;
    expect(copy.inputSchema).toMatchObject({ required: ['slug'], properties: { slug: { type: 'string' } } });
    expect(copy.description).toMatch(/\$0\.07/);
    expect(copy.annotations).toMatchObject({ readOnlyHint: false, idempotentHint: true });
    for (const tool of tools) expect(tool.description!.length, tool.name).toBeGreaterThan(120);
  });

  it('prompts are the flows the caller may read: free ones for a member, premium ones too for a subscriber', async () => {
    const free = await createFlow(t, author, { is_premium: false });
    const premium = await createFlow(t, author);
    const member = await connect(await tokenFor(await createMember(t)));
    const asMember = await listAllPrompts(member);
    expect(asMember.map((prompt) => prompt.name)).toContain(free.slug);
    expect(asMember.map((prompt) => prompt.name)).not.toContain(premium.slug);
    expect(asMember.find((prompt) => prompt.name === free.slug)).toMatchObject({ title: free.title, description: expect.stringContaining('counts as a copy') });

    const paying = await connect(await tokenFor(await subscriber()));
    const asSubscriber = await listAllPrompts(paying);
    expect(asSubscriber.map((prompt) => prompt.name)).toEqual(expect.arrayContaining([free.slug, premium.slug]));
    await expect(paying.listPrompts({ cursor: 'not-a-cursor' })).rejects.toThrow(/cursor/i);
  });

  it('search_flows finds flows, and never reveals locked text to a non-subscriber', async () => {
    const flow = await createFlow(t, author, { title: 'Track Zanzibar ferry prices', body: `Open the ferry site. ${'Compare. '.repeat(80)}SECRETWORD at the end.` });
    const client = await connect(await tokenFor(await createMember(t)));
    const found = await call(client, 'search_flows', { query: 'zanzibar ferry' });
    expect(found.isError).toBeFalsy();
    expect(found.structuredContent).toMatchObject({ total: 1, page: 1, has_more: false, items: [{ slug: flow.slug, is_premium: true, locked: true }] });
    expect(textOf(found)).toContain(flow.slug);
    // A word only in the locked part of the text finds nothing for someone who may not read it.
    const hidden = await call(client, 'search_flows', { query: 'secretword' });
    expect(hidden.structuredContent).toMatchObject({ total: 0, items: [] });
    const filtered = await call(client, 'search_flows', { query: 'zanzibar', premium: false });
    expect(filtered.structuredContent).toMatchObject({ total: 0 });
    // Input the schema refuses is a tool error, not a crash.
    const bad = await call(client, 'search_flows', { query: 42 });
    expect(bad.isError).toBe(true);
  });

  it('get_flow of a locked flow as a non-subscriber is the preview: locked, without the locked text', async () => {
    const body = `Start here. ${'Keep reading the page carefully. '.repeat(40)}LOCKEDTAIL do the final step.`;
    const flow = await createFlow(t, author, { body, notes: ['A pitfall only subscribers see'] });
    const client = await connect(await tokenFor(await createMember(t)));
    const result = await call(client, 'get_flow', { slug: flow.slug });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ slug: flow.slug, locked: true, is_premium: true, notes: [] });
    const structured = result.structuredContent as { body: string; steps: string[] };
    expect(structured.body.length).toBeLessThan(body.length);
    expect(structured.steps).toHaveLength(2);
    expect(JSON.stringify(result)).not.toContain('LOCKEDTAIL');
    expect(JSON.stringify(result)).not.toContain('A pitfall only subscribers see');
    expect(textOf(result)).toMatch(/LOCKED: this is a preview/);
    // A subscriber reads it whole; an unknown slug is a 404 tool error.
    const paying = await connect(await tokenFor(await subscriber()));
    expect((await call(paying, 'get_flow', { slug: flow.slug })).structuredContent).toMatchObject({ locked: false, body });
    const missing = await call(paying, 'get_flow', { slug: 'no-such-flow' });
    expect(missing.isError).toBe(true);
    expect(problemOf(missing)).toMatchObject({ status: 404 });
  });

  it('copy_flow as a subscriber is counted and pays the creator 7¢ (pending); again is the 409 as a tool error', async () => {
    const creator = await createMember(t);
    const flow = await createFlow(t, creator);
    const member = await subscriber();
    const client = await connect(await tokenFor(member));
    const before = await pendingCents(creator);

    const copied = await call(client, 'copy_flow', { slug: flow.slug });
    expect(copied.isError).toBeFalsy();
    expect(copied.structuredContent).toMatchObject({ flow_id: flow.id, counted_for_payout: true, payout_earned: 7, copies_this_month: 1, copies_remaining: 99, text: flow.body });
    expect(textOf(copied)).toContain(flow.body);
    expect(await pendingCents(creator)).toBe(before + 7);
    const usage = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
    expect(usage.body).toMatchObject({ copies_this_month: 1, copies_remaining: 99 });

    const again = await call(client, 'copy_flow', { slug: flow.slug });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toMatch(/Already copied this period \(409\): You already copied this flow in this billing period/);
    expect(problemOf(again)).toMatchObject({ status: 409, type: expect.stringMatching(/already-copied$/), copies_this_month: 1, text: flow.body });
    // The button sees the same period: the same flow is a 409 there too, and nothing more was earned.
    expect((await t.request({ method: 'POST', url: `/v1/flows/${flow.slug}/copy`, token: member.token })).status).toBe(409);
    expect(await pendingCents(creator)).toBe(before + 7);
    await expectReconciled(t);
  });

  it('copy_flow refusals carry the problem: 403 for a premium flow without a subscription, 404 for no flow', async () => {
    const flow = await createFlow(t, author);
    const member = await createMember(t);
    const client = await connect(await tokenFor(member));
    const refused = await call(client, 'copy_flow', { slug: flow.slug });
    expect(refused.isError).toBe(true);
    expect(problemOf(refused)).toMatchObject({ status: 403, type: expect.stringMatching(/subscription-required$/), detail: expect.stringMatching(/Premium subscription required/) });
    expect(textOf(refused)).toMatch(/\(403\)/);
    const missing = await call(client, 'copy_flow', { slug: 'no-such-flow' });
    expect(problemOf(missing)).toMatchObject({ status: 404 });
    expect((await t.request({ method: 'GET', url: '/v1/copies/me', token: member.token })).body.items).toEqual([]);
  });

  it('prompts/get is a copy: counted and paid once; getting it again hands the text over without counting', async () => {
    const creator = await createMember(t);
    const flow = await createFlow(t, creator);
    const member = await subscriber();
    const client = await connect(await tokenFor(member));
    const before = await pendingCents(creator);
    const prompt = await client.getPrompt({ name: flow.slug });
    expect(prompt.messages).toEqual([{ role: 'user', content: { type: 'text', text: flow.body } }]);
    expect(prompt.description).toMatch(/Counted: the creator earned \$0\.07/);
    expect(await pendingCents(creator)).toBe(before + 7);
    const again = await client.getPrompt({ name: flow.slug });
    expect(again.messages[0]!.content).toEqual({ type: 'text', text: flow.body });
    expect(again.description).toMatch(/not counted again/);
    expect(await pendingCents(creator)).toBe(before + 7);
    const usage = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
    expect(usage.body.copies_this_month).toBe(1);
    // A premium prompt for a non-subscriber: the 403 as a JSON-RPC error.
    const outsider = await connect(await tokenFor(await createMember(t)));
    await expect(outsider.getPrompt({ name: flow.slug })).rejects.toThrow(/Premium subscription required/);
  });

  it('a read-only token: copy_flow and prompts/get are refused naming flows:copy, and nothing is recorded', async () => {
    const flow = await createFlow(t, author);
    const member = await subscriber();
    const client = await connect(await tokenFor(member, ['flows:read']));
    expect((await call(client, 'search_flows', { query: '' })).isError).toBeFalsy();
    const refused = await call(client, 'copy_flow', { slug: flow.slug });
    expect(refused.isError).toBe(true);
    expect(problemOf(refused)).toMatchObject({ status: 403, required_scope: 'flows:copy' });
    expect(textOf(refused)).toContain('flows:copy');
    await expect(client.getPrompt({ name: flow.slug })).rejects.toThrow(/flows:copy/);
    expect((await t.request({ method: 'GET', url: '/v1/copies/me', token: member.token })).body.items).toEqual([]);
    // And a copy-only token cannot search.
    const copyOnly = await connect(await tokenFor(member, ['flows:copy']));
    expect(problemOf(await call(copyOnly, 'search_flows', { query: '' }))).toMatchObject({ status: 403, required_scope: 'flows:read' });
  });

  it('my_usage reports the subscription and this period’s copies', async () => {
    const member = await subscriber();
    const client = await connect(await tokenFor(member));
    const usage = await call(client, 'my_usage');
    expect(usage.structuredContent).toMatchObject({ is_subscriber: true, status: 'active', copies_this_month: 0, copies_remaining: 100, paid_copies_per_period: 100 });
    expect(textOf(usage)).toMatch(/100 of 100 paid copies left/);
    const free = await call(await connect(await tokenFor(await createMember(t))), 'my_usage');
    expect(free.structuredContent).toMatchObject({ is_subscriber: false });
    expect(textOf(free)).toMatch(/\/pricing/);
  });

  it('a login session works as well as a token', async () => {
    const member = await subscriber();
    const flow = await createFlow(t, author);
    const client = await connect(member.token);
    expect((await call(client, 'copy_flow', { slug: flow.slug })).structuredContent).toMatchObject({ counted_for_payout: true });
    const [period] = await t.database.db.select().from(billingPeriods).where(eq(billingPeriods.userId, member.id));
    expect(period).toMatchObject({ copiesCount: 1, countedCopies: 1 });
  });

  it('unauthenticated: 401 with WWW-Authenticate: Bearer and a problem that says how to get a token', async () => {
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const post = (headers: Record<string, string> = {}) =>
      fetch(`${baseUrl}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(initialize) });
    const anonymous = await post();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer realm="Flowtab.Pro"/);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    expect((await anonymous.json()).detail).toMatch(/personal access token.*\/account.*POST \/v1\/tokens/);
    // The security headers are there as on every response.
    expect(anonymous.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(anonymous.headers.get('x-content-type-options')).toBe('nosniff');

    // A revoked token: 401 and the same challenge.
    const member = await createMember(t);
    const token = await tokenFor(member);
    const listed = await t.request({ method: 'GET', url: '/v1/tokens', token: member.token });
    await t.request({ method: 'DELETE', url: `/v1/tokens/${listed.body.items[0].id}`, token: member.token });
    const revoked = await post({ authorization: `Bearer ${token}` });
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect((await revoked.json()).detail).toMatch(/revoked/);

    // The SDK's client fails to connect rather than seeing an empty server.
    const client = new Client({ name: 'flowtab-test', version: '1.0.0' });
    await expect(client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`)))).rejects.toThrow();
  });

  it('bad input to /mcp is a 4xx: not JSON, not JSON-RPC, NUL, wrong media type; GET and DELETE are 405', async () => {
    const token = await tokenFor(await createMember(t));
    const post = (body: string, contentType = 'application/json') =>
      fetch(`${baseUrl}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType, accept: 'application/json, text/event-stream' }, body });
    for (const [body, type] of [
      ['{not json', 'application/json'],
      ['{"hello":"world"}', 'application/json'],
      ['[]', 'application/json'],
      ['{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_flows","arguments":{"query":"a\\u0000b"}}}', 'application/json'],
      ['{"jsonrpc":"2.0","id":1,"method":"initialize"}', 'text/plain'],
      ['', 'application/json'],
    ] as const) {
      const response = await post(body, type);
      expect(response.status, `${type} ${body}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${type} ${body}`).toBeLessThan(500);
    }
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(`${baseUrl}/mcp`, { method, headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    // Not in the OpenAPI document (it is one JSON-RPC endpoint, described by tools/list).
    const document = await t.request({ method: 'GET', url: '/openapi.json' });
    expect(Object.keys(document.body.paths)).not.toContain('/mcp');
    expect(Object.keys(document.body.paths)).toContain('/v1/tokens');
  });
});

async function listAllPrompts(client: Client) {
  const prompts = [];
  let cursor: string | undefined;
  do {
    const page = await client.listPrompts(cursor ? { cursor } : {});
    prompts.push(...page.prompts);
    cursor = page.nextCursor;
  } while (cursor);
  return prompts;
}
