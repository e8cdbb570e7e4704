import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../src/server/db/schema.js';
import { createMember } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const countUsers = async () => (await t.database.db.select().from(users)).length;

function expectProblem(response: { status: number; body: any; headers: Record<string, unknown> }, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toContain('application/problem+json');
  expect(response.body).toMatchObject({ status, type: expect.stringContaining('https://flowtab.pro/problems/'), title: expect.any(String) });
}

describe('POST /v1/auth/register', () => {
  it('creates a member, hashes the password with argon2id and returns a working token', async () => {
    const response = await t.request({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: 'ada@example.com', username: 'ada', password: 'analytical engine' },
    });
    expect(response.status).toBe(201);
    expect(response.body.user).toMatchObject({ email: 'ada@example.com', username: 'ada', role: 'member', is_creator: false });
    expect(response.body.token_type).toBe('bearer');
    const [row] = await t.database.db.select().from(users);
    expect(row?.passwordHash).toMatch(/^\$argon2id\$/);
    const me = await t.request({ method: 'GET', url: '/v1/users/me', token: response.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.username).toBe('ada');
  });

  it('refuses a duplicate email or username (any case) with 409 and changes nothing', async () => {
    const member = await createMember(t);
    const before = await countUsers();
    const sameEmail = await t.request({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: member.email.toUpperCase(), username: 'someone_else', password: 'long enough pw' },
    });
    expectProblem(sameEmail, 409);
    expect(sameEmail.body.field).toBe('email');
    const sameUsername = await t.request({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: 'other@example.com', username: member.username.toUpperCase(), password: 'long enough pw' },
    });
    expectProblem(sameUsername, 409);
    expect(sameUsername.body.field).toBe('username');
    expect(await countUsers()).toBe(before);
  });

  it.each([
    ['a missing field', { email: 'x@example.com', password: 'long enough pw' }],
    ['a wrong type', { email: 'x@example.com', username: 42, password: 'long enough pw' }],
    ['a bad email', { email: 'not-an-email', username: 'xavier', password: 'long enough pw' }],
    ['a short password', { email: 'x@example.com', username: 'xavier', password: 'short' }],
    ['a huge string', { email: 'x@example.com', username: 'xavier', password: 'p'.repeat(100_000) }],
    ['an unknown field', { email: 'x@example.com', username: 'xavier', password: 'long enough pw', role: 'admin' }],
    ['a bad username', { email: 'x@example.com', username: 'no spaces allowed', password: 'long enough pw' }],
  ])('rejects %s with 400 problem+json and creates nobody', async (_label, payload) => {
    const before = await countUsers();
    const response = await t.request({ method: 'POST', url: '/v1/auth/register', payload });
    expectProblem(response, 400);
    expect(await countUsers()).toBe(before);
  });

  it('rejects malformed JSON and a non-JSON body with a 4xx problem', async () => {
    const bad = await t.request({ method: 'POST', url: '/v1/auth/register', payload: '{"email":', headers: { 'content-type': 'application/json' } });
    expectProblem(bad, 400);
    const text = await t.request({ method: 'POST', url: '/v1/auth/register', payload: 'email=x', headers: { 'content-type': 'text/plain' } });
    expectProblem(text, 400);
  });
});

describe('POST /v1/auth/token', () => {
  it('logs in with the email or the username', async () => {
    const member = await createMember(t);
    for (const login of [member.email, member.username.toUpperCase()]) {
      const response = await t.request({ method: 'POST', url: '/v1/auth/token', payload: { login, password: member.password } });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ token_type: 'bearer', expires_in: expect.any(Number), access_token: expect.any(String) });
    }
  });

  it('answers 401 for a wrong password and for an unknown login, the same way', async () => {
    const member = await createMember(t);
    const wrong = await t.request({ method: 'POST', url: '/v1/auth/token', payload: { login: member.email, password: 'not the password' } });
    const unknown = await t.request({ method: 'POST', url: '/v1/auth/token', payload: { login: 'nobody@example.com', password: 'whatever1' } });
    expectProblem(wrong, 401);
    expectProblem(unknown, 401);
    expect(wrong.body.detail).toBe(unknown.body.detail);
  });

  it('rejects bad input with 400', async () => {
    expectProblem(await t.request({ method: 'POST', url: '/v1/auth/token', payload: { login: 'x' } }), 400);
    expectProblem(await t.request({ method: 'POST', url: '/v1/auth/token', payload: { login: ['x'], password: 'y' } }), 400);
  });
});

describe('GET /v1/users/me', () => {
  it('needs a token', async () => {
    expectProblem(await t.request({ method: 'GET', url: '/v1/users/me' }), 401);
  });

  it.each([
    ['garbage', 'Bearer not-a-jwt'],
    ['a wrong scheme', 'Basic dXNlcjpwYXNz'],
    ['a token signed with another secret', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIiwiaXNzIjoiZmxvd3RhYiJ9.c2lnbmF0dXJl'],
  ])('rejects %s with 401', async (_label, authorization) => {
    expectProblem(await t.request({ method: 'GET', url: '/v1/users/me', headers: { authorization } }), 401);
  });
});

describe('tokens', () => {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('refuses a tampered payload, an unsigned token and an expired one', async () => {
    const member = await createMember(t);
    const [header, payload, signature] = member.token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const asAdmin = `${header}.${encode({ ...claims, role: 'admin' })}.${signature}`;
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${payload}.`;
    for (const token of [asAdmin, unsigned]) {
      expectProblem(await t.request({ method: 'GET', url: '/v1/users/me', token }), 401);
    }
    const { createTokenService } = await import('../src/server/modules/auth/session-tokens.js');
    const { createHmac } = await import('node:crypto');
    const expiredPayload = encode({ ...claims, exp: Math.floor(Date.now() / 1000) - 1 });
    const expiredSignature = createHmac('sha256', t.config.jwtSecret).update(`${header}.${expiredPayload}`).digest('base64url');
    expectProblem(await t.request({ method: 'GET', url: '/v1/users/me', token: `${header}.${expiredPayload}.${expiredSignature}` }), 401);
    expect(createTokenService(t.config.jwtSecret).verify(member.token)).toEqual({ kind: 'session', userId: member.id, sessionId: expect.any(String) });
  });
});

describe('rate limits', () => {
  it('answers 429 after too many logins from one address', async () => {
    const limited = await createTestApp({ RATE_LIMIT_AUTH_PER_MINUTE: '3' });
    try {
      const attempt = () => limited.request({ method: 'POST', url: '/v1/auth/token', payload: { login: 'x@example.com', password: 'wrong-password' } });
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await attempt()).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const last = await attempt();
      expectProblem(last, 429);
    } finally {
      await limited.close();
    }
  });
});

describe('service endpoints', () => {
  it('serves health, readiness, metrics and the OpenAPI document', async () => {
    expect((await t.request({ method: 'GET', url: '/healthz' })).body).toEqual({ status: 'ok' });
    expect((await t.request({ method: 'GET', url: '/readyz' })).status).toBe(200);
    const metrics = await t.request({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('flowtab_http_requests_total');
    const openapi = await t.request({ method: 'GET', url: '/openapi.json' });
    expect(openapi.body.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/v1/auth/register', '/v1/flows', '/v1/flows/{ref}']));
    expect((await t.request({ method: 'GET', url: '/docs' })).status).toBeLessThan(400);
  });

  it('answers unknown routes with a 404 problem', async () => {
    expectProblem(await t.request({ method: 'GET', url: '/v1/nope' }), 404);
  });
});
