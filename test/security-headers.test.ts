import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { createTestApp, TEST_ENV, type TestApp } from './support/app.js';

/** SPEC §11: security headers on every response, from one place (@fastify/helmet in app.ts). */
let t: TestApp;
let https: FastifyInstance;
beforeAll(async () => {
  t = await createTestApp();
  https = await buildApp({ ...t.ctx, config: loadConfig({ ...TEST_ENV, PUBLIC_URL: 'https://flowtab.example.com' }) });
  await https.ready();
});
afterAll(async () => {
  await https?.close();
  await t?.close();
});

/** A JSON answer, problems (404, 401, 400, 405-as-404), the web app, the docs UI and its files, operational paths. */
const RESPONSES: { name: string; request: InjectOptions; status?: number }[] = [
  { name: 'a /v1 JSON response', request: { url: '/v1/flows' }, status: 200 },
  { name: 'a 404 problem', request: { url: '/v1/no-such-thing' }, status: 404 },
  { name: 'a 401 problem from a bad token', request: { url: '/v1/flows', headers: { authorization: 'Bearer nope' } }, status: 401 },
  { name: 'a 400 problem from bad JSON', request: { method: 'POST', url: '/v1/auth/token', headers: { 'content-type': 'application/json' }, payload: '{' }, status: 400 },
  { name: 'the web index', request: { url: '/' } },
  { name: 'a client-side route', request: { url: '/flows/some-flow' } },
  { name: 'the docs UI', request: { url: '/docs/' }, status: 200 },
  { name: 'a docs UI script', request: { url: '/docs/static/swagger-initializer.js' }, status: 200 },
  { name: 'the OpenAPI document', request: { url: '/openapi.json' }, status: 200 },
  { name: 'readiness', request: { url: '/readyz' }, status: 200 },
  { name: 'a path that is not UTF-8', request: { url: '/v1/flows/%E0%A4%A' }, status: 400 },
];

function directives(csp: unknown): Map<string, string> {
  return new Map(
    String(csp)
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name, ...values] = part.split(/\s+/);
        return [name!, values.join(' ')] as const;
      }),
  );
}

describe('every response', () => {
  it.each(RESPONSES)('$name carries the CSP, frame-ancestors none, nosniff and Referrer-Policy', async ({ request, status }) => {
    const response = await t.app.inject(request);
    if (status !== undefined) expect(response.statusCode).toBe(status);
    const csp = directives(response.headers['content-security-policy']);
    expect(csp.get('default-src')).toBe("'self'");
    expect(csp.get('script-src')).toBe("'self'");
    expect(csp.get('script-src-attr')).toBe("'none'");
    expect(csp.get('frame-ancestors')).toBe("'none'");
    expect(csp.get('object-src')).toBe("'none'");
    expect(String(response.headers['content-security-policy'])).not.toContain('unsafe-eval');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    // PUBLIC_URL is http here: no HSTS, no upgrade of subresources (they would break http://localhost).
    expect(response.headers['strict-transport-security']).toBeUndefined();
    expect(csp.has('upgrade-insecure-requests')).toBe(false);
  });
});

describe('with an https PUBLIC_URL', () => {
  it.each(RESPONSES)('$name also carries HSTS and upgrades insecure requests', async ({ request, status }) => {
    const response = await https.inject(request);
    if (status !== undefined) expect(response.statusCode).toBe(status);
    expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(directives(response.headers['content-security-policy']).has('upgrade-insecure-requests')).toBe(true);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });
});
