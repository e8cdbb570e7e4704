import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { responseSerializerCompiler } from '../src/server/http/response-serializer.js';
import { createAdmin, createFlow, createMember, giveSubscription, type Member } from './factories.js';
import { createTestApp, TEST_ENV, type TestApp } from './support/app.js';

/**
 * Responses are written by serializers compiled from the routes' zod schemas; outside production each is checked
 * against its schema first (RESPONSE_CHECKS). Production skips the check: these tests hold that it then writes the same.
 */
describe('the compiled serializer, on its own', () => {
  const item = z.object({
    id: z.string(),
    status: z.enum(['draft', 'published']),
    note: z.string().nullable(),
    author: z.object({ name: z.string() }).nullable(),
    count: z.number().int(),
  });
  let unchecked: FastifyInstance;
  let checked: FastifyInstance;
  let answer: unknown;

  async function appWith(checks: boolean) {
    const app = Fastify();
    app.setSerializerCompiler(responseSerializerCompiler({ checks }));
    app.get('/item', { schema: { response: { 200: item } } }, async () => answer);
    await app.ready();
    return app;
  }

  beforeAll(async () => {
    unchecked = await appWith(false);
    checked = await appWith(true);
  });
  afterAll(async () => {
    await unchecked?.close();
    await checked?.close();
  });

  it('writes only the declared fields, in the declared order, and nulls where the schema allows them', async () => {
    answer = { count: 3, secret: 'a password hash', id: 'a', note: null, author: null, status: 'draft' };
    for (const app of [unchecked, checked]) {
      const response = await app.inject({ url: '/item' });
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe('{"id":"a","status":"draft","note":null,"author":null,"count":3}');
    }
    answer = { id: 'a', status: 'published', note: 'n', author: { name: 'x', email: 'hidden@example.com' }, count: 1 };
    expect((await unchecked.inject({ url: '/item' })).body).toBe('{"id":"a","status":"published","note":"n","author":{"name":"x"},"count":1}');
  });

  it('fails a response that lacks a required field, checked or not', async () => {
    answer = { id: 'a', status: 'draft', note: null, author: null };
    for (const app of [unchecked, checked]) expect((await app.inject({ url: '/item' })).statusCode).toBe(500);
  });

  it('fails a value outside its schema only when checked (the unchecked serializer writes it)', async () => {
    answer = { id: 'a', status: 'deleted', note: null, author: null, count: 1 };
    expect((await checked.inject({ url: '/item' })).statusCode).toBe(500);
    expect((await unchecked.inject({ url: '/item' })).body).toBe('{"id":"a","status":"deleted","note":null,"author":null,"count":1}');
  });
});

/** What a response says of the moment it was made (an export's time) differs between two requests, whatever writes it. */
function withoutClock(body: string): string {
  return body.replace(/"(exported_at|generated_at|as_of)":"[^"]*"/g, '"$1":"…"');
}

describe('the API without response checks (as in production)', () => {
  let t: TestApp;
  let unchecked: FastifyInstance;
  let author: Member;
  let subscriber: Member;
  let admin: Member;
  let slug: string;

  beforeAll(async () => {
    t = await createTestApp();
    expect(t.config.checksResponses).toBe(true);
    unchecked = await buildApp({ ...t.ctx, config: loadConfig({ ...TEST_ENV, RESPONSE_CHECKS: 'false' }) });
    await unchecked.ready();
    [author, subscriber, admin] = await Promise.all([createMember(t), createMember(t), createAdmin(t)]);
    await giveSubscription(t, subscriber);
    slug = (await createFlow(t, author, { title: 'Compare serializers' })).slug;
    await createFlow(t, author, { is_premium: false, tags: ['free'] });
  });
  afterAll(async () => {
    await unchecked?.close();
    await t?.close();
  });

  it('writes every GET route the same as the checked app, for guests, members, subscribers and admins', async () => {
    const document = (await t.app.inject({ url: '/openapi.json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
    const paths = Object.entries(document.paths)
      .filter(([, operations]) => 'get' in operations)
      .map(([path]) => path.replace('{ref}', slug))
      .filter((path) => path.startsWith('/v1/') && !path.includes('{') && !path.endsWith('.csv'));
    expect(paths.length).toBeGreaterThan(20);
    const compared: string[] = [];
    for (const url of [...paths, `/v1/flows?q=compare`, '/v1/flows/no-such-flow', '/v1/flows?page=0']) {
      for (const viewer of [undefined, author, subscriber, admin]) {
        const request: InjectOptions = { url, headers: viewer ? { authorization: `Bearer ${viewer.token}` } : {} };
        const [expected, actual] = [await t.app.inject(request), await unchecked.inject(request)];
        expect(actual.statusCode, `${url} as ${viewer?.username ?? 'a guest'}`).toBe(expected.statusCode);
        if (!String(expected.headers['content-type']).includes('json')) continue;
        expect(withoutClock(actual.body), `${url} as ${viewer?.username ?? 'a guest'}`).toBe(withoutClock(expected.body));
        if (expected.statusCode === 200) compared.push(url);
      }
    }
    // Lists, a flow, earnings, the account and its export, the admin console's reads: not only problems.
    expect(new Set(compared).size).toBeGreaterThan(15);
  });
});
