import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server/app.js';
import { rowsOf } from '../src/server/db/rows.js';
import { createLogger } from '../src/server/logger.js';
import { createAdmin, createFlow, createMember, giveSubscription, type Member } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { expectReconciled } from './support/reconcile.js';

/**
 * Bad input, generated (SPEC §11): every operation of the OpenAPI document gets RUNS requests with wrong types, huge
 * strings, NUL and invalid UTF-8 (raw bytes, percent-encoded), missing and extra fields, bad ids, wrong content types
 * and broken tokens, as a guest, as members and as an admin. Every answer must be below 500, and every 4xx
 * problem+json. A request to an operation that changes things (anything but GET) is built to be invalid in at least
 * one way the API must refuse before acting, so it must be a 4xx, and the database must be exactly as before:
 * every table's rows and content, and the ledger's invariants. GETs may succeed. Nothing may be logged as an error
 * either (the database refusing a value is answered 400 by the error handler's safety net, but logged as a bug).
 *
 * FUZZ_SEED=<n> replays a run (the seed is printed with any failure); FUZZ_RUNS=<n> changes the requests per operation.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_111);
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
/** Bookkeeping any request may touch (per-client rate-limit counters): not part of "nothing changed". */
const VOLATILE_TABLES = new Set(['rate_limits']);
const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Not in the OpenAPI document, but reachable in development and tests. */
const HIDDEN_OPERATIONS = [{ method: 'get', path: '/dev/mail/{id}' }];

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: unknown;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  default?: unknown;
  format?: string;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
};
type QueryParam = { name: string; required: boolean; schema: JsonSchema };
type Operation = {
  key: string;
  method: string;
  path: string;
  pathParams: string[];
  query: QueryParam[];
  body: JsonSchema | undefined;
  isSecured: boolean;
};
type Identity = 'guest' | 'creator' | 'subscriber' | 'admin' | 'broken-token';
type FuzzRequest = {
  /** Why a request to a changing operation must be refused; 'any' for GETs, which may succeed. */
  badness: string;
  identity: Identity;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
};

let t: TestApp;
/** The app under test, logging (info and up) into `logLines`, as in production. */
let app: FastifyInstance;
const logLines: string[] = [];
let creator: Member;
let subscriber: Member;
let admin: Member;
/** Ids and slugs that exist: a "bad id" must be none of them. */
const existingRefs = new Set<string>();
let realRefs: string[] = [];

beforeAll(async () => {
  t = await createTestApp();
  creator = await createMember(t);
  subscriber = await createMember(t);
  admin = await createAdmin(t);
  const premium = await createFlow(t, creator, { is_premium: true });
  const free = await createFlow(t, creator, { is_premium: false });
  const draft = await createFlow(t, creator, { status: 'draft' });
  const archived = await createFlow(t, creator);
  expect((await t.request({ method: 'DELETE', url: `/v1/flows/${archived.id}`, token: creator.token })).status).toBe(200);
  await giveSubscription(t, subscriber, 'active', { isPaid: true });
  expect((await t.request({ method: 'POST', url: `/v1/flows/${premium.id}/copy`, token: subscriber.token })).status).toBe(200);
  for (const flow of [premium, free, draft, archived]) existingRefs.add(flow.id).add(flow.slug);
  realRefs = [...existingRefs];
  // Webhook signatures are really checked (with no secret every event is refused, which would prove nothing).
  t.stripeSetup.webhookSecret = 'whsec_fuzz_0123456789abcdef';
  app = await buildApp(t.ctx, { logger: createLogger({ logLevel: 'info' }, { write: (line: string) => void logLines.push(line) }) });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

describe('generated bad input', () => {
  it('never gets a 5xx, every 4xx is problem+json, and nothing changes', async () => {
    const started = Date.now();
    const cpuStarted = process.cpuUsage();
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThanOrEqual(20);
    const before = await snapshotTables();
    const durations = new Map<string, number>();
    const stats = new Map<string, { requests: number; byIdentity: Record<string, number>; byStatus: Record<string, number> }>();

    for (const [index, operation] of operations.entries()) {
      const counts = { requests: 0, byIdentity: {} as Record<string, number>, byStatus: {} as Record<string, number> };
      stats.set(operation.key, counts);
      const seed = SEED + index;
      const operationStarted = Date.now();
      try {
        await fc.assert(
          fc.asyncProperty(requestFor(operation), async (request) => {
            counts.requests++;
            counts.byIdentity[request.identity] = (counts.byIdentity[request.identity] ?? 0) + 1;
            const response = await app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers, payload: request.payload });
            const status = response.statusCode;
            counts.byStatus[`${Math.floor(status / 100)}xx`] = (counts.byStatus[`${Math.floor(status / 100)}xx`] ?? 0) + 1;
            const what = `${request.method} ${request.url.slice(0, 300)} as ${request.identity} (${request.badness}) → ${status} ${response.body.slice(0, 300)}`;
            expect(status, what).toBeLessThan(500);
            if (status >= 400) {
              expect(String(response.headers['content-type']), what).toMatch(/^application\/problem\+json/);
              expect(response.json(), what).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
            }
            if (operation.method !== 'GET') expect(status, `${what}: an invalid request to a changing operation must be refused`).toBeGreaterThanOrEqual(400);
            if (operation.path === '/v1/webhooks/stripe') expect([400, 401, 413, 415], what).toContain(status);
          }),
          { seed, numRuns: RUNS },
        );
      } catch (error) {
        throw new Error(`${operation.key}: ${(error as Error).message}\nReplay with FUZZ_SEED=${SEED} (this operation's seed is ${seed}).`, { cause: error });
      }
      durations.set(operation.key, Date.now() - operationStarted);
    }

    // Not vacuous: every operation got its requests, from members and guests alike, and many were refused.
    for (const [key, counts] of stats) {
      expect(counts.requests, key).toBe(RUNS);
      expect((counts.byIdentity.creator ?? 0) + (counts.byIdentity.subscriber ?? 0) + (counts.byIdentity.admin ?? 0), key).toBeGreaterThan(RUNS / 10);
      expect(counts.byIdentity.guest ?? 0, key).toBeGreaterThan(0);
      expect(counts.byStatus['4xx'] ?? 0, key).toBeGreaterThan(RUNS / 4);
    }
    const total = [...stats.values()].reduce((sum, counts) => sum + counts.requests, 0);
    console.log(
      `fuzz: ${total} requests over ${operations.length} operations in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(${(process.cpuUsage(cpuStarted).user / 1e6).toFixed(1)} s of CPU; FUZZ_SEED=${SEED}); slowest: ${[...durations]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([key, ms]) => `${key} ${ms} ms`)
        .join(', ')}`,
    );

    const errors = logLines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
    expect(errors.slice(0, 3), `${errors.length} errors logged`).toEqual([]);
    expect(await snapshotTables()).toEqual(before);
    await expectReconciled(t);
    // The members' sessions survived every bad logout and "end all sessions".
    for (const member of [creator, subscriber, admin]) expect((await t.request({ method: 'GET', url: '/v1/users/me', token: member.token })).status).toBe(200);
  }, 150_000); // ~20 s on an idle machine (the requests are counted, not timed); room for a loaded CI runner
});

/** Every table's row count and content digest (the database "as before"). */
async function snapshotTables() {
  const tables = rowsOf<{ name: string }>(await t.database.db.execute(sql`select tablename as name from pg_tables where schemaname = 'public' order by 1`));
  const snapshot: Record<string, { rows: number; digest: string }> = {};
  for (const { name } of tables) {
    if (VOLATILE_TABLES.has(name)) continue;
    const [row] = rowsOf<{ rows: number; digest: string | null }>(
      await t.database.db.execute(sql`select count(*)::int as rows, md5(string_agg(r::text, '|' order by r::text)) as digest from ${sql.identifier(name)} r`),
    );
    snapshot[name] = { rows: Number(row!.rows), digest: row!.digest ?? '' };
  }
  expect(Object.keys(snapshot)).toEqual(expect.arrayContaining(['users', 'flows', 'copies', 'ledger_entries']));
  return snapshot;
}

function operationsOf(document: { paths: Record<string, Record<string, any>> }): Operation[] {
  const operations: Operation[] = [];
  const entries = [
    ...Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ method, path, operation }))),
    ...HIDDEN_OPERATIONS.map(({ method, path }) => ({ method, path, operation: { parameters: [{ in: 'path', name: 'id', required: true, schema: {} }] } })),
  ];
  for (const { method, path, operation } of entries) {
    if (!HTTP_METHODS.includes(method)) continue;
    const parameters: { in: string; name: string; required?: boolean; schema?: JsonSchema }[] = operation.parameters ?? [];
    operations.push({
      key: `${method.toUpperCase()} ${path}`,
      method: method.toUpperCase(),
      path,
      pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
      query: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, required: Boolean(p.required), schema: p.schema ?? {} })),
      body: operation.requestBody?.content?.['application/json']?.schema,
      isSecured: Array.isArray(operation.security) && operation.security.length > 0,
    });
  }
  return operations;
}

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

const hex = (byte: number) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
/** Percent-encodes text as UTF-8 (every byte, so any text fits in a URL). */
const encodeText = (text: string) => [...Buffer.from(text, 'utf8')].map(hex).join('');
const encodeBytes = (bytes: Uint8Array) => [...bytes].map(hex).join('');

/** Strings that break things (in URLs): NUL, lone surrogates, controls, bidi, emoji, SQL, tsquery and HTML, numbers as text, long. */
const nastyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 40 }).map((text) => `${text}\u0000${text}`),
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfff',
    '\ud83d',
    '\u202e\u0007\u001b[31m',
    '🙂👩‍👩‍👧',
    "' or 1=1 --",
    "it's & | ! ( ) :* <-> \\",
    'a:*',
    '!!!',
    '"; drop table users; --',
    '<script>alert(1)</script>',
    '../../../../etc/passwd',
    '%00',
    '%',
    'null',
    '-1',
    '1e309',
    'NaN',
    '',
    ' ',
    '\t\n',
  ),
  // Long, not huge: a real server refuses a request line over 16 KB before the app sees it (431).
  fc.integer({ min: 200, max: 4_000 }).map((length) => 'x'.repeat(length)),
);

/** A URL-encoded value that is certainly not acceptable text: NUL, or bytes that are not UTF-8. */
const badUrlText = fc.oneof(
  fc.constantFrom('%00', 'a%00', '%FF', '%C3%28', '%ED%A0%80', '%C0%80', '%C0%AF', '%F8%88%80%80%80', '%E2%82', '%FE%FF'),
  fc.uint8Array({ maxLength: 30 }).map((bytes) => `${encodeBytes(bytes)}%FF`),
  fc.string({ maxLength: 20 }).map((text) => `${encodeText(text)}%00`),
);

/** Anything in a URL: nasty text, raw bytes, a few literal characters that are special in URLs. */
const anyUrlText = fc.oneof(
  nastyText.map(encodeText),
  badUrlText,
  fc.uint8Array({ maxLength: 30 }).map(encodeBytes),
  fc.constantFrom('..', '.', '%2F', '%2E%2E%2F', ';', '%20', '+', '%25', '"', "'", '<>', '{}', '[]', '*', '~'),
);

/** A path segment that names nothing: never an existing flow's id or slug. */
const unknownRef = fc
  .oneof(
    fc.uuid().map((uuid) => ({ raw: uuid, decoded: uuid })),
    nastyText.filter((text) => text.length > 0).map((text) => ({ raw: encodeText(text), decoded: text })),
    badUrlText.map((raw) => ({ raw, decoded: raw })),
    fc.integer({ min: 101, max: 3000 }).map((length) => ({ raw: 'a'.repeat(length), decoded: 'a'.repeat(length) })),
    fc.constantFrom('0', '-1', '99999999999999999999', 'null', 'undefined', '%2F', '%2E%2E').map((raw) => ({ raw, decoded: raw })),
  )
  .filter(({ decoded }) => !existingRefs.has(decoded))
  .map(({ raw }) => raw);

/** Values no JSON Schema type would confuse: used where a schema accepts none of their types. */
const TYPED_VALUES: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, -9_007_199_254_740_992, '', 'x', '9'.repeat(400), [], [null], ['a', 1], {}, { nested: { deep: [1] } }];

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** The JSON types a schema accepts, or undefined when it accepts anything. */
function acceptedTypes(schema: JsonSchema): Set<string> | undefined {
  if (schema.anyOf) {
    const types = new Set<string>();
    for (const branch of schema.anyOf) {
      const inner = acceptedTypes(branch);
      if (!inner) return undefined;
      for (const type of inner) types.add(type);
    }
    return types;
  }
  if (schema.enum) return new Set(schema.enum.map(jsonType));
  if (schema.type === undefined) return undefined;
  return new Set(Array.isArray(schema.type) ? schema.type : [schema.type]);
}

function wrongValuesFor(schema: JsonSchema): unknown[] {
  const accepted = acceptedTypes(schema);
  if (!accepted) return [];
  return TYPED_VALUES.filter((value) => {
    const type = jsonType(value);
    return !accepted.has(type) && !(type === 'integer' && accepted.has('number'));
  });
}

function objectBranch(schema: JsonSchema | undefined): JsonSchema | undefined {
  if (!schema) return undefined;
  if (schema.type === 'object' || schema.properties) return schema;
  return schema.anyOf?.map(objectBranch).find(Boolean);
}

/** A plausible valid value, from the schema alone (formats and lengths; patterns as far as simple letters go). */
function exampleFor(schema: JsonSchema): unknown {
  if (schema.enum) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const object = objectBranch(schema);
  if (object && (schema.type === 'object' || !schema.type)) {
    return Object.fromEntries((object.required ?? []).map((name) => [name, exampleFor(object.properties?.[name] ?? {})]));
  }
  if (schema.anyOf) return exampleFor(schema.anyOf[0]!);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      if (schema.format === 'email') return 'fuzz@example.com';
      if (schema.format === 'date-time') return new Date().toISOString();
      if (schema.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
      return 'x'.repeat(Math.max(schema.minLength ?? 0, 8));
    case 'integer':
    case 'number':
      return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
    case 'boolean':
      return false;
    case 'array':
      return [];
    default:
      return null;
  }
}

const jsonPayload = (value: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(value) });
type Body = { headers: Record<string, string>; payload?: string | Buffer };

/** A body that its schema certainly refuses: wrong types, NUL, too long, missing or unknown fields, not an object. */
function invalidBodies(schema: JsonSchema): fc.Arbitrary<Body>[] {
  const object = objectBranch(schema);
  const base = (exampleFor(schema) ?? {}) as Record<string, unknown>;
  const properties = Object.entries(object?.properties ?? {});
  const withField = (name: string, value: unknown) => jsonPayload({ ...base, [name]: value });
  const mutations: fc.Arbitrary<Body>[] = [];
  const wrongWhole = wrongValuesFor(schema);
  if (wrongWhole.length > 0) mutations.push(fc.constantFrom(...wrongWhole).map(jsonPayload));
  for (const [name, property] of properties) {
    const wrong = wrongValuesFor(property);
    if (wrong.length > 0) mutations.push(fc.constantFrom(...wrong).map((value) => withField(name, value)));
    const accepted = acceptedTypes(property);
    if (accepted?.has('string')) {
      mutations.push(fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfff').map((value) => withField(name, value)));
      if (property.maxLength !== undefined) {
        mutations.push(fc.integer({ min: property.maxLength + 1, max: property.maxLength + 2000 }).map((length) => withField(name, 'x'.repeat(length))));
      }
    }
    if (accepted?.has('array')) {
      mutations.push(fc.constantFrom('\u0000', 'tag\u0000', '\udc00').map((value) => withField(name, [value])));
      if (property.maxItems !== undefined) mutations.push(fc.constant(withField(name, Array.from({ length: property.maxItems + 1 }, (_, i) => `item-${i}`))));
    }
  }
  for (const name of object?.required ?? []) {
    mutations.push(fc.constant(jsonPayload(Object.fromEntries(Object.entries(base).filter(([key]) => key !== name)))));
  }
  if (object?.additionalProperties === false) {
    const unknownName = fc.string({ minLength: 1, maxLength: 20 }).filter((name) => !(object.properties && name in object.properties) && name !== '__proto__');
    mutations.push(fc.tuple(unknownName, fc.jsonValue({ maxDepth: 2 })).map(([name, value]) => withField(name, value)));
  }
  return mutations;
}

/** Bodies refused whatever the route: not JSON, not UTF-8, NUL inside, an unknown media type, too large. */
const invalidRawBody: fc.Arbitrary<Body> = fc.oneof(
  fc.constantFrom('{', '{"a":', 'nul', '[1,]', "{'a':1}", '{"a":1}}', '\u0000', '"\\ud800', '{"__proto__":{"x":1}}').map((payload) => ({
    headers: { 'content-type': 'application/json' },
    payload,
  })),
  fc.constant({ headers: { 'content-type': 'application/json' }, payload: '' }),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ headers: { 'content-type': 'application/json' }, payload: Buffer.concat([Buffer.from([0xff]), bytes]) })),
  fc.uint8Array({ maxLength: 60 }).map((bytes) => ({
    headers: { 'content-type': 'application/json' },
    payload: Buffer.concat([Buffer.from('{"a":"'), bytes, Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
  })),
  fc.jsonValue({ maxDepth: 3 }).map((value) => jsonPayload({ value, text: 'a\u0000b' })),
  fc.tuple(fc.constantFrom('application/xml', 'multipart/form-data; boundary=x', 'image/png', 'application/octet-stream', 'text/html', 'application/jsonx'), fc.uint8Array({ minLength: 1, maxLength: 100 })).map(
    ([type, bytes]) => ({ headers: { 'content-type': type }, payload: Buffer.from(bytes) }),
  ),
  fc.constant({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ text: 'x'.repeat(300 * 1024) }) }),
);

function anyBody(operation: Operation): fc.Arbitrary<Body> {
  const options: fc.Arbitrary<Body>[] = [fc.constant({ headers: {} }), invalidRawBody, fc.jsonValue({ maxDepth: 3 }).map(jsonPayload)];
  if (operation.body) options.push(fc.constant(jsonPayload(exampleFor(operation.body))), ...invalidBodies(operation.body));
  return fc.oneof(...options);
}

function queryPair(operation: Operation, value: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const names = operation.query.map((param) => param.name);
  const name = names.length > 0 ? fc.oneof(fc.constantFrom(...names), anyUrlText) : anyUrlText;
  return fc.tuple(name, value).map(([key, text]) => `${key}=${text}`);
}

/** A query string of junk for the declared parameters and others (may still be acceptable). */
function anyQuery(operation: Operation): fc.Arbitrary<string[]> {
  const declared = operation.query.map((param) =>
    fc
      .oneof(
        fc.constantFrom('abc', '-1', '0', '1.5', '1e309', '99999999999999999999', 'true', 'maybe', '', 'x'.repeat(300)),
        // Plausible values too, so junk elsewhere reaches the code behind the validation.
        fc.constantFrom(...(param.schema.enum ?? []).map(String), '1', '2', '100', '10000'),
        nastyText.map(encodeText),
      )
      .map((value) => `${param.name}=${value}`),
  );
  return fc.array(fc.oneof(queryPair(operation, anyUrlText), ...declared), { maxLength: 5 });
}

/** Declared parameters with plausible values and at most one nasty one: junk that gets past the other checks. */
function focusedQuery(operation: Operation): fc.Arbitrary<string[]> {
  if (operation.query.length === 0) return anyQuery(operation);
  const plausible = operation.query.map((param) => {
    const types = acceptedTypes(param.schema);
    const value = param.schema.enum
      ? fc.constantFrom(...param.schema.enum.map(String))
      : types?.has('integer') || types?.has('number')
        ? fc.integer({ min: param.schema.minimum ?? 0, max: Math.min(param.schema.maximum ?? 100, 100) }).map(String)
        : fc.constantFrom('linkedin', 'research', 'comet', creator.username, 'a', 'summarize profile');
    return value.map((text) => `${param.name}=${encodeURIComponent(text)}`);
  });
  const nasty = fc.tuple(fc.constantFrom(...operation.query.map((param) => param.name)), fc.oneof(nastyText.map(encodeText), badUrlText));
  return fc
    .tuple(fc.array(fc.oneof(...plausible), { maxLength: 4 }), fc.option(nasty))
    .map(([pairs, bad]) => (bad ? [...pairs.filter((pair) => !pair.startsWith(`${bad[0]}=`)), `${bad[0]}=${bad[1]}`] : pairs));
}

/** Query strings the API must refuse: NUL or invalid UTF-8, a required parameter missing, a value too long. */
function invalidQueries(operation: Operation): fc.Arbitrary<string[]>[] {
  const variants = [fc.tuple(anyQuery(operation), queryPair(operation, badUrlText)).map(([pairs, bad]) => [...pairs, bad])];
  const required = operation.query.filter((param) => param.required).map((param) => param.name);
  if (required.length > 0) {
    variants.push(anyQuery(operation).map((pairs) => pairs.filter((pair) => !required.some((name) => pair.startsWith(`${name}=`)))));
  }
  for (const param of operation.query) {
    if (param.schema.maxLength === undefined) continue;
    const tooLong = fc.integer({ min: param.schema.maxLength + 1, max: param.schema.maxLength + 500 }).map((length) => `${param.name}=${'x'.repeat(length)}`);
    variants.push(fc.tuple(tooLong, anyQuery(operation)).map(([pair, others]) => [pair, ...others.filter((other) => !other.startsWith(`${param.name}=`))]));
  }
  return variants;
}

const member = fc.constantFrom<Identity>('creator', 'subscriber', 'admin');
const anyIdentity = fc.constantFrom<Identity>('guest', 'creator', 'subscriber', 'admin', 'broken-token');

function authorization(identity: Identity): fc.Arbitrary<Record<string, string>> {
  switch (identity) {
    case 'guest':
      return fc.constant({});
    case 'creator':
      return fc.constant({ authorization: `Bearer ${creator.token}` });
    case 'subscriber':
      return fc.constant({ authorization: `Bearer ${subscriber.token}` });
    case 'admin':
      return fc.constant({ authorization: `Bearer ${admin.token}` });
    case 'broken-token':
      return fc
        .oneof(
          fc.constantFrom('Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', `Bearer ${creator.token} extra`, `Bearer ${'a'.repeat(5000)}`),
          fc.constant(`Bearer ${creator.token.slice(0, -2)}${creator.token.endsWith('AA') ? 'BB' : 'AA'}`),
          fc.constant(`Bearer ${creator.token.split('.').reverse().join('.')}`),
          fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 200 }).map((token) => `Bearer ${token.replace(/\s/g, '_')}`),
        )
        .map((value) => ({ authorization: value }));
  }
}

/**
 * Requests for one operation. GETs: anything. Other methods: one certain reason to be refused (a broken token, a
 * guest on a member route, a query or path that cannot be right, a body that cannot be parsed or validated), and
 * everything else arbitrary, valid or not.
 */
function requestFor(operation: Operation): fc.Arbitrary<FuzzRequest> {
  const anyRef = fc.oneof(unknownRef, fc.constantFrom(...realRefs.map(encodeURIComponent)), anyUrlText);
  const hasBody = BODY_METHODS.has(operation.method);
  const parts = (overrides: { badness: string; identity?: fc.Arbitrary<Identity>; ref?: fc.Arbitrary<string>; query?: fc.Arbitrary<string[]>; body?: fc.Arbitrary<Body> }) =>
    fc
      .record({
        identity: overrides.identity ?? anyIdentity,
        refs: fc.array(overrides.ref ?? anyRef, { minLength: operation.pathParams.length, maxLength: operation.pathParams.length }),
        query: overrides.query ?? fc.oneof(anyQuery(operation), focusedQuery(operation)),
        body: overrides.body ?? (hasBody ? anyBody(operation) : fc.constant<Body>({ headers: {} })),
      })
      .chain(({ identity, refs, query, body }) =>
        authorization(identity).map((auth): FuzzRequest => {
          let index = 0;
          const path = operation.path.replace(/\{[^}]+\}/g, () => refs[index++] ?? '');
          return {
            badness: overrides.badness,
            identity,
            method: operation.method,
            url: query.length > 0 ? `${path}?${query.join('&')}` : path,
            headers: { ...body.headers, ...auth },
            payload: body.payload,
          };
        }),
      );

  if (operation.method === 'GET') return parts({ badness: 'any', query: fc.oneof(anyQuery(operation), focusedQuery(operation), ...invalidQueries(operation)) });
  const variants = [
    parts({ badness: 'broken token', identity: fc.constant<Identity>('broken-token') }),
    parts({ badness: 'invalid query', query: fc.oneof(...invalidQueries(operation)) }),
  ];
  if (operation.isSecured) variants.push(parts({ badness: 'guest on a member route', identity: fc.constant<Identity>('guest') }));
  if (operation.pathParams.length > 0) variants.push(parts({ badness: 'unknown or invalid id', identity: fc.oneof(member, anyIdentity), ref: unknownRef }));
  if (hasBody) variants.push(parts({ badness: 'unparseable body', identity: fc.oneof(member, anyIdentity), body: invalidRawBody }));
  const bodies = operation.body ? invalidBodies(operation.body) : [];
  if (bodies.length > 0) variants.push(parts({ badness: 'invalid body', identity: fc.oneof(member, anyIdentity), body: fc.oneof(...bodies) }));
  return fc.oneof(...variants);
}
