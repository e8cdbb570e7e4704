import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { createContext } from '../src/server/context.js';
import { type Database, openDatabase } from '../src/server/db/client.js';
import { rowsOf } from '../src/server/db/rows.js';
import { rateLimits } from '../src/server/db/schema.js';
import { createRateLimitCounter } from '../src/server/modules/rate-limits/counter.js';
import { countRateLimitHit, deleteEndedRateLimits } from '../src/server/modules/rate-limits/repository.js';
import { createMember } from './factories.js';
import { createTestApp, TEST_ENV, type TestApp } from './support/app.js';
import { waitUntil } from './support/wait.js';

// One database for the file; every test builds the API processes it needs on it, with its own low limits, and uses
// client addresses and logins of its own (the counters live in that database, which is the point).
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

type Api = { send(options: InjectOptions & { from?: string }): Promise<{ status: number; body: any; headers: Record<string, unknown> }> };

const opened: Array<{ app: FastifyInstance; database?: Database }> = [];
afterAll(async () => {
  for (const { app, database } of opened) {
    await app.close();
    await database?.close();
  }
});

/**
 * Another API process on the test database, configured by `env`: on PostgreSQL with its own connection pool, as a
 * second process would have; an in-memory PGlite can only be shared in-process.
 */
async function startApi(env: Record<string, string> = {}): Promise<Api> {
  const database = t.database.url ? await openDatabase({ databaseUrl: t.database.url, poolSize: 2 }) : undefined;
  const ctx = await createContext(loadConfig({ ...TEST_ENV, ...env }), { database: database ?? t.database, stripe: t.stripeSetup });
  const app = await buildApp(ctx);
  await app.ready();
  opened.push({ app, database });
  return {
    async send({ from, ...options }) {
      const response = await app.inject({ ...options, ...(from ? { remoteAddress: from } : {}) });
      const isJson = String(response.headers['content-type'] ?? '').includes('json') && response.body !== '';
      return { status: response.statusCode, body: isJson ? response.json() : response.body, headers: response.headers };
    },
  };
}

let lastOctet = 0;
/** A client address no other test uses. */
const newAddress = () => `198.51.100.${++lastOctet}`;
const unique = () => randomBytes(4).toString('hex');

const badLogin = (login = `nobody-${unique()}@example.com`) => ({
  method: 'POST' as const,
  url: '/v1/auth/token',
  payload: { login, password: 'not the password' },
});
const list = { method: 'GET' as const, url: '/v1/flows' };

function expectRateLimited(response: { status: number; body: any; headers: Record<string, unknown> }) {
  expect(response.status).toBe(429);
  expect(response.headers['content-type']).toContain('application/problem+json');
  expect(response.body).toMatchObject({ status: 429, type: 'https://flowtab.pro/problems/rate-limited', title: 'Too many requests' });
  const retryAfter = Number(response.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  return retryAfter;
}

describe('rate limits shared by every API process (PostgreSQL store)', () => {
  it('a client gets one login budget across two API processes on one database, not one per process', async () => {
    const [one, two] = [await startApi({ RATE_LIMIT_AUTH_PER_MINUTE: '3' }), await startApi({ RATE_LIMIT_AUTH_PER_MINUTE: '3' })];
    const from = newAddress();
    const responses = [];
    for (const api of [one, two, one, two, one, two]) responses.push(await api.send({ ...badLogin(), from }));
    expect(responses.map((response) => response.status)).toEqual([401, 401, 401, 429, 429, 429]);
    expect(expectRateLimited(responses[3]!)).toBeLessThanOrEqual(60);
  });

  it('the list endpoint is limited per client: 429 problem+json with Retry-After, on either process, other clients unaffected', async () => {
    const [one, two] = [await startApi({ RATE_LIMIT_LIST_PER_MINUTE: '3' }), await startApi({ RATE_LIMIT_LIST_PER_MINUTE: '3' })];
    const from = newAddress();
    expect((await one.send({ ...list, from })).status).toBe(200);
    expect((await two.send({ ...list, url: '/v1/flows?q=anything', from })).status).toBe(200);
    // HEAD runs the same query: it shares GET's budget.
    expect((await one.send({ ...list, method: 'HEAD', from })).status).toBe(200);
    const limited = await two.send({ ...list, from });
    expect(expectRateLimited(limited)).toBeLessThanOrEqual(60);
    expectRateLimited(await one.send({ ...list, from }));
    expect((await one.send({ ...list, from: newAddress() })).status).toBe(200);
  });

  it('a database that cannot be reached makes the limit answer 503 problem+json, never 500', async () => {
    // Nothing listens on port 1: the store's upsert fails with a refused connection.
    const database = await openDatabase({ databaseUrl: 'postgres://flowtab@127.0.0.1:1/none', poolSize: 1 });
    const app = await buildApp(await createContext(loadConfig({ ...TEST_ENV, RATE_LIMIT_LIST_PER_MINUTE: '3' }), { database, stripe: t.stripeSetup }));
    opened.push({ app, database });
    for (const request of [list, badLogin()]) {
      const response = await app.inject(request);
      expect(response.statusCode).toBe(503);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.headers['retry-after']).toBeDefined();
    }
  });
});

describe('TRUST_PROXY', () => {
  it('unset: X-Forwarded-For is ignored, so a client cannot reset its limit by changing it', async () => {
    const api = await startApi({ RATE_LIMIT_LIST_PER_MINUTE: '2' });
    const from = newAddress();
    const statuses = [];
    for (const spoofed of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']) {
      statuses.push((await api.send({ ...list, from, headers: { 'x-forwarded-for': spoofed } })).status);
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
  });

  it('1 hop: two clients behind one proxy have separate budgets, and what a client writes into the header itself is not believed', async () => {
    const api = await startApi({ RATE_LIMIT_LIST_PER_MINUTE: '2', TRUST_PROXY: '1' });
    const proxy = newAddress();
    const [alice, bob] = [newAddress(), newAddress()];
    // The proxy appends the address it sees; anything before it came from the client.
    const via = (client: string, spoofed?: string) => ({ ...list, from: proxy, headers: { 'x-forwarded-for': spoofed ? `${spoofed}, ${client}` : client } });
    expect((await api.send(via(alice))).status).toBe(200);
    expect((await api.send(via(alice, '203.0.113.9'))).status).toBe(200);
    expectRateLimited(await api.send(via(alice, '203.0.113.10')));
    // Bob, behind the same proxy, still has his whole budget.
    expect((await api.send(via(bob))).status).toBe(200);
    expect((await api.send(via(bob))).status).toBe(200);
    expectRateLimited(await api.send(via(bob)));
  });

  it('refuses a value that is not a number of hops', () => {
    expect(() => loadConfig({ ...TEST_ENV, TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
    expect(loadConfig({ ...TEST_ENV }).trustProxyHops).toBeUndefined();
    expect(loadConfig({ ...TEST_ENV, TRUST_PROXY: '2' }).trustProxyHops).toBe(2);
  });
});

describe('login limited per account', () => {
  const perAccount = { RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: '3', RATE_LIMIT_AUTH_PER_MINUTE: '1000' };

  it('failed logins from many addresses and processes lock the login, even with the right password next, and not another account', async () => {
    const [one, two] = [await startApi(perAccount), await startApi(perAccount)];
    const member = await createMember(t);
    const other = await createMember(t);
    // Three wrong passwords, each from a new address, spread over both processes; case does not make a new login.
    const username = member.username;
    for (const [api, login] of [[one, username], [two, username.toUpperCase()], [one, username[0]!.toUpperCase() + username.slice(1)]] as const) {
      expect((await api.send({ ...badLogin(login), from: newAddress() })).status).toBe(401);
    }
    // The username has used its three failures; the email is a login name of its own (see README).
    const right = { method: 'POST' as const, url: '/v1/auth/token', payload: { login: member.username, password: member.password } };
    const locked = await two.send({ ...right, from: newAddress() });
    expectRateLimited(locked);
    expect(locked.body.access_token).toBeUndefined();
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(60); // the 15-minute window, not the address's minute
    expect((await one.send({ ...right, payload: { ...right.payload, login: member.email }, from: newAddress() })).status).toBe(200);
    const otherLogin = { ...right, payload: { login: other.username, password: other.password } };
    expect((await two.send({ ...otherLogin, from: newAddress() })).status).toBe(200);
  });

  it('answers an unknown login exactly as a known one (no account enumeration)', async () => {
    const api = await startApi(perAccount);
    const member = await createMember(t);
    const answers = async (login: string) => {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await api.send({ ...badLogin(login), from: newAddress() })).status);
      const last = await api.send({ ...badLogin(login), from: newAddress() });
      expectRateLimited(last);
      return { statuses, type: last.body.type, title: last.body.title, detail: String(last.body.detail).replace(/\d+/g, 'N') };
    };
    expect(await answers(`ghost_${unique()}`)).toEqual(await answers(member.username));
  });

  it('successful logins do not use up the budget', async () => {
    const api = await startApi(perAccount);
    const member = await createMember(t);
    const right = { method: 'POST' as const, url: '/v1/auth/token', payload: { login: member.username, password: member.password } };
    for (let i = 0; i < 5; i++) expect((await api.send({ ...right, from: newAddress() })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await api.send({ ...badLogin(member.username), from: newAddress() })).status).toBe(401);
    expectRateLimited(await api.send({ ...right, from: newAddress() }));
  });
});

describe('rate_limits rows', () => {
  it('an ended window starts again at 1, and the sweep deletes only ended windows', async () => {
    const [ended, live] = [`test:ended:${unique()}`, `test:live:${unique()}`];
    expect((await countRateLimitHit(t.database.db, ended, 60_000)).hits).toBe(1);
    expect((await countRateLimitHit(t.database.db, ended, 60_000)).hits).toBe(2);
    await t.database.db.update(rateLimits).set({ resetAt: sql`now() - interval '1 second'` }).where(eq(rateLimits.key, ended));
    const again = await countRateLimitHit(t.database.db, ended, 60_000);
    expect(again.hits).toBe(1);
    expect(again.resetInMs).toBeGreaterThan(59_000);
    expect(again.resetInMs).toBeLessThanOrEqual(60_000);

    await countRateLimitHit(t.database.db, live, 60_000);
    await t.database.db.update(rateLimits).set({ resetAt: sql`now() - interval '1 second'` }).where(eq(rateLimits.key, ended));
    expect(await deleteEndedRateLimits(t.database.db)).toBeGreaterThanOrEqual(1);
    const keys = (await t.database.db.select({ key: rateLimits.key }).from(rateLimits)).map((row) => row.key);
    expect(keys).toContain(live);
    expect(keys).not.toContain(ended);
    expect(await deleteEndedRateLimits(t.database.db)).toBe(0);
  });
});

describe('big budgets counted in batches (RateLimitCounter)', () => {
  /** The test database's handle, counting the statements sent through it. */
  function countingDb() {
    const counted = { statements: 0 };
    const db = new Proxy(t.database.db, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (property !== 'execute' || typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          counted.statements++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    return { db, counted };
  }

  it('one process: every hit answered exactly, far fewer statements than hits, every hit in the row once sent, exact near the limit', async () => {
    const { db, counted } = countingDb();
    const counter = createRateLimitCounter(db, { flushEveryMs: 50 });
    const key = `test:batched:${unique()}`;
    const answers = [];
    for (let i = 0; i < 205; i++) answers.push((await counter.count(key, 60_000, 200)).hits);
    // Each hit's answer is the window's hits with it: 1, 2, … — the limit (200) is decided exactly as before.
    expect(answers).toEqual(Array.from({ length: 205 }, (_, i) => i + 1));
    // The first hit and those of the last tenth of the budget went at once; the rest were gathered (20 at most).
    expect(counted.statements).toBeLessThan(60);
    expect(counted.statements).toBeGreaterThanOrEqual(1 + 25);
    await counter.close();
    const [row] = await t.database.db.select({ hits: rateLimits.hits }).from(rateLimits).where(eq(rateLimits.key, key));
    expect(row?.hits).toBe(205);
  });

  it('a small budget (logins) is counted in the database on every hit', async () => {
    const { db, counted } = countingDb();
    const counter = createRateLimitCounter(db, { flushEveryMs: 50 });
    const key = `test:small:${unique()}`;
    for (let i = 1; i <= 12; i++) expect((await counter.count(key, 60_000, 10)).hits).toBe(i);
    expect(counted.statements).toBe(12);
    await counter.close();
  });

  it('gathered hits wait for the database when it is away, and are counted once it answers', async () => {
    let isAway = false;
    const db = new Proxy(t.database.db, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (property !== 'execute' || typeof value !== 'function') return value;
        return (...args: unknown[]) => (isAway ? Promise.reject(new Error('connection refused')) : (value as (...a: unknown[]) => unknown).apply(target, args));
      },
    });
    const counter = createRateLimitCounter(db, { flushEveryMs: 20 });
    const key = `test:away:${unique()}`;
    await counter.count(key, 60_000, 1000);
    isAway = true;
    for (let i = 0; i < 5; i++) await counter.count(key, 60_000, 1000);
    await new Promise((resolve) => setTimeout(resolve, 80));
    isAway = false;
    await counter.close();
    const [row] = await t.database.db.select({ hits: rateLimits.hits }).from(rateLimits).where(eq(rateLimits.key, key));
    expect(row?.hits).toBe(6);
  });

  it('two API processes share one list budget of 200: the first process’s 120, then exactly 80 on the second, then 429 on both', async () => {
    const [one, two] = [await startApi({ RATE_LIMIT_LIST_PER_MINUTE: '200' }), await startApi({ RATE_LIMIT_LIST_PER_MINUTE: '200' })];
    const from = newAddress();
    for (let i = 0; i < 120; i++) expect((await one.send({ ...list, url: '/v1/flows?page_size=1', from })).status).toBe(200);
    // The first process has sent its gathered hits (its flush is due after 100 ms, but on a busy machine the statement
    // may land later: one run counted 81 on the second process), and what it knew of the window is older than it acts
    // on alone.
    const sentByTheFirst = async () =>
      rowsOf<{ hits: number }>(await t.database.db.execute(sql`select coalesce(max(hits), 0)::int as hits from rate_limits where key like ${`%:${from}`}`))[0]?.hits;
    await waitUntil(async () => (await sentByTheFirst()) === 120, { message: 'the first process to send its 120 hits', timeoutMs: 10_000, intervalMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const statuses: number[] = [];
    for (let i = 0; i < 81; i++) statuses.push((await two.send({ ...list, url: '/v1/flows?page_size=1', from })).status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(80);
    expect(statuses.at(-1)).toBe(429);
    expectRateLimited(await one.send({ ...list, from }));
  });
});
