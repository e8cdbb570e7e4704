import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flows, users } from '../src/server/db/schema.js';
import { createFlow, createMember, flowInput, type Member } from './factories.js';
import { createTestApp, type Response, type TestApp } from './support/app.js';

/**
 * SPEC §11: any byte sequence in a path, query or body gets a 4xx problem+json, never a 500. PostgreSQL refuses NUL
 * in text (SQLSTATE 22021), so NUL, invalid UTF-8 and lone surrogates are refused at the edge, naming the field.
 */
let t: TestApp;
let member: Member;
let flow: { id: string; slug: string };
beforeAll(async () => {
  t = await createTestApp();
  member = await createMember(t);
  flow = await createFlow(t, member);
});
afterAll(() => t.close());

const count = async (table: typeof flows | typeof users) => (await t.database.db.select().from(table)).length;

function expectInvalid(response: Response, field: string, message: RegExp) {
  expect(response.status, JSON.stringify(response.body)).toBe(400);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status: 400, type: 'https://flowtab.pro/problems/validation', title: 'Invalid request' });
  expect(response.body.detail.startsWith(`${field}: `), response.body.detail).toBe(true);
  expect(response.body.detail).toMatch(message);
}

describe('NUL characters', () => {
  it('in a path parameter: GET /v1/flows/%00 and POST /v1/flows/%00/copy are 400, not 500', async () => {
    expectInvalid(await t.request({ method: 'GET', url: '/v1/flows/%00' }), 'params/ref', /NUL/);
    expectInvalid(await t.request({ method: 'GET', url: `/v1/flows/${flow.slug}%00` }), 'params/ref', /NUL/);
    expectInvalid(await t.request({ method: 'POST', url: '/v1/flows/%00/copy', token: member.token }), 'params/ref', /NUL/);
  });

  it('in the query: ?author=%00, ?tags=a%00, ?works_with and ?q are 400, naming the parameter', async () => {
    expectInvalid(await t.request({ method: 'GET', url: '/v1/flows?author=%00' }), 'querystring/author', /NUL/);
    expectInvalid(await t.request({ method: 'GET', url: '/v1/flows?tags=a%00' }), 'querystring/tags', /NUL/);
    expectInvalid(await t.request({ method: 'GET', url: '/v1/flows?page=1&works_with=Comet,%00' }), 'querystring/works_with', /NUL/);
    expectInvalid(await t.request({ method: 'GET', url: '/v1/flows?q=find%00me' }), 'querystring/q', /NUL/);
    expectInvalid(await t.request({ method: 'GET', url: '/v1/email/unsubscribe?token=%00' }), 'querystring/token', /NUL/);
  });

  it('in a JSON body ("\\u0000"): 400 naming the field, and nothing is written', async () => {
    const [flowsBefore, usersBefore] = [await count(flows), await count(users)];
    expectInvalid(await t.request({ method: 'POST', url: '/v1/flows', token: member.token, payload: flowInput({ title: 'Bad \u0000 title' }) }), 'body/title', /NUL/);
    expectInvalid(await t.request({ method: 'POST', url: '/v1/flows', token: member.token, payload: flowInput({ steps: ['ok', 'no\u0000'] }) }), 'body/steps/1', /NUL/);
    expectInvalid(await t.request({ method: 'PATCH', url: `/v1/flows/${flow.id}`, token: member.token, payload: { body: '\u0000' } }), 'body/body', /NUL/);
    expectInvalid(await t.request({ method: 'POST', url: '/v1/auth/token', payload: { login: 'someone\u0000', password: 'x' } }), 'body/login', /NUL/);
    expectInvalid(
      await t.request({ method: 'POST', url: '/v1/auth/register', payload: { email: 'nul@example.com', username: 'nul_user', password: 'pass\u0000word' } }),
      'body/password',
      /NUL/,
    );
    expectInvalid(await t.request({ method: 'POST', url: '/v1/flows', token: member.token, payload: { ...flowInput(), 'x\u0000': 1 } }), 'body/x\\u0000', /NUL/);
    expect([await count(flows), await count(users)]).toEqual([flowsBefore, usersBefore]);
  });
});

describe('text that is not UTF-8 or not Unicode', () => {
  it('invalid UTF-8 in the path is a problem+json 400 (Fastify answered plain JSON)', async () => {
    for (const url of ['/v1/flows/%C3%28', '/v1/flows/%FF/copy', '/%FF']) {
      const response = await t.request({ method: url.endsWith('copy') ? 'POST' : 'GET', url, token: member.token });
      expect(response.status, url).toBe(400);
      expect(response.headers['content-type'], url).toMatch(/^application\/problem\+json/);
      expect(response.body.detail).toBe('path: must be valid UTF-8');
    }
  });

  it('invalid UTF-8 in the query is 400 (it was decoded to U+FFFD and searched for)', async () => {
    expectInvalid(await t.request({ method: 'GET', url: '/v1/flows?author=%FF' }), 'querystring/author', /UTF-8/);
    expectInvalid(await t.request({ method: 'GET', url: '/v1/flows?q=%ED%A0%80' }), 'querystring/q', /UTF-8/);
    expectInvalid(await t.request({ method: 'GET', url: '/v1/flows?%C0%80=1' }), 'querystring', /NUL|UTF-8/);
  });

  it('a JSON body that is not UTF-8 is 400 (it was decoded to U+FFFD and stored)', async () => {
    const before = await count(flows);
    const json = Buffer.from(JSON.stringify(flowInput({ title: 'Latin-1 café' })), 'latin1');
    const response = await t.request({ method: 'POST', url: '/v1/flows', token: member.token, headers: { 'content-type': 'application/json' }, payload: json });
    expectInvalid(response, 'body', /UTF-8/);
    expect(await count(flows)).toBe(before);
  });

  it('a lone surrogate ("\\ud800") in a JSON string is 400 (it was stored as U+FFFD)', async () => {
    const before = await count(flows);
    expectInvalid(await t.request({ method: 'POST', url: '/v1/flows', token: member.token, payload: flowInput({ body: 'text \ud800 more' }) }), 'body/body', /surrogate/);
    expect(await count(flows)).toBe(before);
  });

  it('valid text, emoji and other scripts included, is still accepted', async () => {
    const created = await t.request({ method: 'POST', url: '/v1/flows', token: member.token, payload: flowInput({ title: 'Résumé 👩‍💻 日本語', tags: ['ok'] }) });
    expect(created.status).toBe(201);
    expect(created.body.title).toBe('Résumé 👩‍💻 日本語');
    const search = await t.request({ method: 'GET', url: `/v1/flows?q=${encodeURIComponent('Résumé')}&author=${member.username}` });
    expect(search.status).toBe(200);
    expect(search.body.items.map((item: { id: string }) => item.id)).toContain(created.body.id);
  });
});

describe('other malformed requests', () => {
  it('a deeply nested JSON body is checked without exhausting the stack', async () => {
    const depth = 100_000;
    const payload = `${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`;
    const response = await t.request({ method: 'POST', url: '/v1/flows', token: member.token, headers: { 'content-type': 'application/json' }, payload });
    expect(response.status).toBe(400);
    expect(response.body.detail).toMatch(/^body\/0\/0\/0\/.*: must not contain NUL/);
  });

  it('a path parameter longer than the router allows is a problem+json 4xx', async () => {
    const response = await t.request({ method: 'GET', url: `/v1/flows/${'a'.repeat(150)}` });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
