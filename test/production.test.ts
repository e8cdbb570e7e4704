import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server/app.js';
import { type Environment, loadConfig } from '../src/server/config.js';
import { createTestApp, TEST_ENV, type TestApp } from './support/app.js';
import { freePort } from './support/processes.js';

/**
 * Nothing of development reaches production (SPEC §10, §11): the development commands refuse it, `serve` and
 * `worker` are production unless told otherwise, and a production app publishes neither /dev/mail, nor /docs
 * unless DOCS_PUBLIC=true, nor /metrics without METRICS_TOKEN.
 */
const root = path.resolve(import.meta.dirname, '..');

/** A complete production environment (the database is never reached by these tests). */
const PRODUCTION_ENV = {
  FLOWTAB_ENV: 'production',
  DATABASE_URL: 'postgres://flowtab@127.0.0.1:1/flowtab',
  JWT_SECRET: randomBytes(48).toString('base64'),
  STRIPE_SECRET_KEY: 'sk_live_51FlowtabTestKey',
  STRIPE_WEBHOOK_SECRET: 'whsec_flowtabtest',
  STRIPE_PRICE_ID: 'price_1FlowtabTest',
  PUBLIC_URL: 'https://flowtab.example.com',
  LOG_LEVEL: 'silent',
};

/** Runs `flowtab <args>` in its own process with only `env` (no inherited FLOWTAB_ENV or DATABASE_URL). */
async function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/server/cli.ts'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  // A command that does not refuse would go on serving: stop it, so the test fails instead of hanging.
  const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, output };
}

describe('the flowtab command in production', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'flowtab-production-')), 'data');
  });
  afterAll(() => {
    rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });

  it('flowtab start refuses FLOWTAB_ENV=production before doing anything, naming flowtab serve', async () => {
    const emulatorPort = await freePort();
    const result = await runCli(['start'], { ...PRODUCTION_ENV, DATA_DIR: dataDir, STRIPE_EMULATOR_PORT: String(emulatorPort) });
    expect(result.code, result.output).toBe(1);
    expect(result.output).toContain('refuses FLOWTAB_ENV=production');
    expect(result.output).toContain('flowtab serve');
    // No database files, no emulator state, no development secret: it stopped before touching anything.
    expect(existsSync(dataDir)).toBe(false);
  });

  it('flowtab seed refuses FLOWTAB_ENV=production', async () => {
    const result = await runCli(['seed', '--force'], { ...PRODUCTION_ENV, DATA_DIR: dataDir });
    expect(result.code, result.output).toBe(1);
    expect(result.output).toContain('flowtab seed is for development and refuses FLOWTAB_ENV=production');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('flowtab serve and flowtab worker are production when FLOWTAB_ENV is unset: they refuse to start without the real secrets', async () => {
    const port = await freePort();
    for (const command of ['serve', 'worker']) {
      // Real-looking Stripe keys, nothing else: in development this would start on the embedded database.
      const result = await runCli([command], { STRIPE_SECRET_KEY: 'sk_live_51FlowtabTestKey', DATA_DIR: dataDir, PORT: String(port) });
      expect(result.code, `${command}: ${result.output}`).toBe(1);
      expect(result.output).toContain(
        'FLOWTAB_ENV=production (the default for this command) refuses to start without: DATABASE_URL, JWT_SECRET, STRIPE_WEBHOOK_SECRET, STRIPE_PRICE_ID, PUBLIC_URL',
      );
    }
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('a production app', () => {
  let t: TestApp;
  const apps: FastifyInstance[] = [];
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await t?.close();
  });

  /** The test app's database and Stripe, with the configuration that `env` gives. */
  async function appWith(env: Record<string, string>, options: { defaultEnv?: Environment } = {}): Promise<FastifyInstance> {
    const app = await buildApp({ ...t.ctx, config: loadConfig(env, options) });
    apps.push(app);
    await app.ready();
    return app;
  }

  it('is what serve gets with real-looking Stripe keys and no FLOWTAB_ENV, and it never serves /dev/mail', async () => {
    const { FLOWTAB_ENV: _unset, ...withoutEnv } = PRODUCTION_ENV;
    const config = loadConfig(withoutEnv, { defaultEnv: 'production' });
    expect(config.isProduction).toBe(true);
    const production = await appWith(withoutEnv, { defaultEnv: 'production' });
    const mail = await production.inject({ url: '/dev/mail' });
    expect(mail.statusCode).toBe(404);
    expect(mail.headers['content-type']).toContain('application/problem+json');
    // The same keys with FLOWTAB_ENV=development do serve it: the 404 above is the environment's doing.
    const development = await appWith({ ...withoutEnv, FLOWTAB_ENV: 'development' });
    expect((await development.inject({ url: '/dev/mail' })).statusCode).toBe(200);
  });

  it('serves /docs and /openapi.json only with DOCS_PUBLIC=true', async () => {
    const hidden = await appWith(PRODUCTION_ENV);
    for (const url of ['/docs', '/docs/', '/docs/json', '/openapi.json']) {
      const response = await hidden.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.headers['content-type'], url).toContain('application/problem+json');
    }
    const published = await appWith({ ...PRODUCTION_ENV, DOCS_PUBLIC: 'true' });
    expect((await published.inject({ url: '/openapi.json' })).json()).toMatchObject({ openapi: '3.1.0' });
    expect((await published.inject({ url: '/docs/' })).statusCode).toBe(200);
  });

  it('keeps /docs public outside production unless DOCS_PUBLIC=false', async () => {
    expect((await t.request({ url: '/openapi.json' })).status).toBe(200);
    const hidden = await appWith({ ...TEST_ENV, DOCS_PUBLIC: 'false' });
    expect((await hidden.inject({ url: '/openapi.json' })).statusCode).toBe(404);
    expect((await hidden.inject({ url: '/docs/' })).statusCode).toBe(404);
  });

  it('does not serve /metrics without METRICS_TOKEN', async () => {
    const production = await appWith(PRODUCTION_ENV);
    const response = await production.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('answers /metrics only to the METRICS_TOKEN bearer', async () => {
    const token = randomBytes(24).toString('base64url');
    const production = await appWith({ ...PRODUCTION_ENV, METRICS_TOKEN: token });
    const refused = [undefined, 'Bearer wrong-token', `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, token, `Basic ${token}`];
    for (const authorization of refused) {
      const response = await production.inject({ url: '/metrics', headers: authorization ? { authorization } : {} });
      expect(response.statusCode, authorization).toBe(401);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(response.body).not.toContain('flowtab_http_requests_total');
    }
    const allowed = await production.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers['content-type']).toContain('text/plain');
    expect(allowed.body).toContain('flowtab_http_requests_total');
    // The token is for /metrics only: anywhere else it is not a member's token.
    expect((await production.inject({ url: '/v1/users/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
  });

  it('keeps /metrics open outside production', async () => {
    const response = await t.request({ url: '/metrics' });
    expect(response.status).toBe(200);
    expect(response.body).toContain('flowtab_http_requests_total');
  });
});
