import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server/app.js';
import { users } from '../src/server/db/schema.js';
import { startJobs } from '../src/server/jobs/runner.js';
import { formatError } from '../src/server/log-serializers.js';
import { createLogger } from '../src/server/logger.js';
import { createMember, flowInput } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { waitUntil } from './support/wait.js';

/**
 * SPEC §11: logs never carry request bodies, password hashes or tokens. A failed query is logged with its SQLSTATE,
 * constraint, table and SQL text, never its parameters (drizzle's message lists them; PostgreSQL's `detail` quotes
 * the failing row). The app here logs at info level into `lines`, through the same createLogger as production.
 */
const secret = (label: string) => `${label}-${randomBytes(8).toString('hex')}`;
const SECRET_HASH = `$argon2id$v=19$m=19456,t=2,p=1$${secret('salt')}$${secret('hash')}`;
const SECRET_EMAIL = `${secret('leak')}@example.com`;
const SECRET_VALUE = secret('value');

let t: TestApp;
let app: FastifyInstance;
const lines: string[] = [];
const stream: DestinationStream = { write: (line: string) => void lines.push(line) };
const logger = createLogger({ logLevel: 'info' }, stream);
const logged = () => lines.join('');
const entries = () => lines.map((line) => JSON.parse(line) as Record<string, any>);
const entry = (event: string) => entries().find((e) => e.event === event);

beforeAll(async () => {
  t = await createTestApp();
  app = await buildApp(t.ctx, { logger });
  // A failed sign-up as it happens when the insert itself fails: the row (email, argon2 hash) is a query parameter.
  app.post('/test/insert-user', async () => {
    await t.database.db.insert(users).values({ email: SECRET_EMAIL, username: secret('user'), passwordHash: SECRET_HASH, role: 'nope' as never });
  });
  // A value the database refuses (22P02), which PostgreSQL quotes in its message.
  app.get('/test/refused-value', async () => t.database.db.execute(sql`select ${SECRET_VALUE}::int as n`));
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

describe('database errors in the logs', () => {
  it('a failed insert is logged with its SQLSTATE, constraint and table, without the row it tried to write', async () => {
    const response = await app.inject({ method: 'POST', url: '/test/insert-user' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ status: 500, title: 'Internal server error' });
    expect(response.body).not.toContain('users');

    const failure = entry('http.internal_error');
    expect(failure, logged()).toBeDefined();
    expect(failure!.err.message).toMatch(/^Failed query: insert into "users"/);
    expect(failure!.err.cause).toMatchObject({ code: '23514', constraint: 'users_role_check', table: 'users' });
    expect(failure!.err.cause.message).toBe('new row for relation "users" violates check constraint "users_role_check"');
    expect(failure!.err.stack).toMatch(/\n\s+at /);
    expect(logged()).not.toContain(SECRET_HASH);
    expect(logged()).not.toContain(SECRET_EMAIL);
    expect(logged()).not.toMatch(/params:|Failing row/);
  });

  it('a value the database refuses is a 400, logged as an error with its SQLSTATE and without the value', async () => {
    const response = await app.inject({ method: 'GET', url: '/test/refused-value' });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');

    const failure = entry('http.input_reached_database');
    expect(failure, logged()).toMatchObject({ level: 50, sqlstate: '22P02', err: { cause: { code: '22P02', message: 'invalid input syntax for type integer' } } });
    expect(failure!.err.query).toBe('select $1::int as n');
    expect(logged()).not.toContain(SECRET_VALUE);
  });

  it('a failing job is logged the same way', async () => {
    const jobSecret = secret('job');
    const jobs = await startJobs(t.ctx, logger, {
      schedule: false,
      jobs: {
        'test.failing': {
          queue: { retryLimit: 0 },
          pollingIntervalSeconds: 10,
          handler: (_, { ctx }) => ctx.db.execute(sql`select * from users where password_hash = ${jobSecret} and no_such_column = 1`),
        },
      },
    });
    try {
      await jobs.send('test.failing');
      await waitUntil(() => entry('job.failed') !== undefined, { message: 'the job to fail' });
    } finally {
      await jobs.stop();
    }
    expect(entry('job.failed')).toMatchObject({ job: 'test.failing', err: { cause: { code: '42703', message: 'column "no_such_column" does not exist' } } });
    expect(entry('job.failed')!.err.query).toContain('where password_hash = $1');
    expect(logged()).not.toContain(jobSecret);
  });

  it('the CLI prints a failed query with its SQLSTATE and SQL, without the parameters', async () => {
    const cliSecret = secret('cli');
    const error = await t.database.db.execute(sql`select ${cliSecret}::uuid`).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(String((error as Error).message)).toContain(cliSecret); // what drizzle itself would print
    const printed = formatError(error);
    expect(printed).toContain('Failed query: select $1::uuid');
    expect(printed).toContain('code: 22P02');
    expect(printed).toMatch(/Caused by: .*invalid input syntax for type uuid\n/);
    expect(printed).not.toContain(cliSecret);
  });
});

describe('requests in the logs', () => {
  it('never carry bodies, passwords, password hashes or tokens; URLs hide secret query values', async () => {
    lines.length = 0;
    const password = secret('password');
    const body = `Flow text ${secret('body')}`;
    const member = await createMember({ ...t, request: requestThrough(app) }, { password });
    const login = await app.inject({ method: 'POST', url: '/v1/auth/token', payload: { login: member.username, password } });
    expect(login.statusCode).toBe(200);
    const token = login.json().access_token as string;
    const flow = await app.inject({ method: 'POST', url: '/v1/flows', headers: { authorization: `Bearer ${token}` }, payload: flowInput({ body }) });
    expect(flow.statusCode).toBe(201);
    const unsubscribeToken = secret('unsubscribe');
    const unsubscribe = await app.inject({ method: 'GET', url: `/v1/email/unsubscribe?token=${unsubscribeToken}&x=1` });
    expect(unsubscribe.statusCode).toBe(400);

    const [user] = await t.database.db.select({ hash: users.passwordHash }).from(users).where(sql`${users.id} = ${member.id}`);
    const requests = entries().filter((e) => e.msg === 'incoming request');
    expect(requests.map((e) => e.req.url)).toEqual(
      expect.arrayContaining(['/v1/auth/register', '/v1/auth/token', '/v1/flows', '/v1/email/unsubscribe?token=[redacted]&x=1']),
    );
    for (const value of [password, user!.hash, member.token, token, body, unsubscribeToken]) expect(logged()).not.toContain(value);
  });
});

/** The factories speak TestApp.request; route them to this app, whose logger we read. */
function requestThrough(target: FastifyInstance): TestApp['request'] {
  return async ({ token, ...options }) => {
    const response = await target.inject({ ...options, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers } });
    const isJson = String(response.headers['content-type'] ?? '').includes('json');
    return { status: response.statusCode, body: isJson ? response.json() : response.body, headers: response.headers };
  };
}
