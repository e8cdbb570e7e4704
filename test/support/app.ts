import type { FastifyInstance, InjectOptions } from 'fastify';
import { startEmulator } from '../../stripe-emulator/src/server.js';
import { buildApp } from '../../src/server/app.js';
import { type Config, loadConfig } from '../../src/server/config.js';
import { type AppContext, createContext, type StripeSetup } from '../../src/server/context.js';
import type { Database } from '../../src/server/db/client.js';
import { prepareEmulatorBilling } from '../../src/server/integrations/stripe/bootstrap.js';
import { createTestDatabase } from './database.js';

export type Response = { status: number; body: any; headers: Record<string, unknown> };

export type TestApp = {
  app: FastifyInstance;
  ctx: AppContext;
  database: Database;
  config: Config;
  /** The emulator's base URL, when the app was started with `stripe: true`. */
  emulatorUrl: string | undefined;
  /** What the app signs and verifies with; tests sign their own deliveries with `webhookSecret`. */
  stripeSetup: StripeSetup;
  /** app.inject with JSON in and parsed JSON out; `token` sets the bearer header. */
  request(options: InjectOptions & { token?: string }): Promise<Response>;
  /** POST to the emulator's control API (form-encoded). */
  emulator(path: string, form?: Record<string, string>, init?: { json?: unknown }): Promise<any>;
  close(): Promise<void>;
};

export const TEST_ENV = {
  FLOWTAB_ENV: 'test',
  JWT_SECRET: 'test-secret-test-secret-test-secret-0123',
  RATE_LIMIT_AUTH_PER_MINUTE: '10000',
  RATE_LIMIT_COPY_PER_MINUTE: '100000',
  RATE_LIMIT_LIST_PER_MINUTE: '100000',
  RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: '10000',
  LOG_LEVEL: 'silent',
  // The server and worker processes tests start open two connections at start, not their whole pool.
  DATABASE_WARM_CONNECTIONS: '2',
} as const;

/**
 * A fresh database and the app on it. With `stripe: true` it also starts a Stripe emulator, listens on a real port
 * and registers its webhook endpoint there, so webhooks arrive over HTTP, signed, as in production.
 */
export async function createTestApp(
  env: Record<string, string> = {},
  options: { stripe?: boolean; database?: Database } = {},
): Promise<TestApp> {
  const config = loadConfig({ ...TEST_ENV, ...env });
  // `database`: one the test made itself (e.g. on a PostgreSQL server it stops and starts); the app closes it.
  const database = options.database ?? (await createTestDatabase());
  const emulator = options.stripe ? await startEmulator({ port: 0, webhookRetryDelaysMs: [100, 300, 600, 1000] }) : undefined;
  // Mutable on purpose: the webhook secret only exists once the app listens and registers its endpoint.
  const stripe: StripeSetup = { secretKey: 'sk_test_flowtab', webhookSecret: undefined, apiBase: emulator?.url ?? 'http://127.0.0.1:9', priceId: undefined };
  const ctx = await createContext(config, { database, stripe });
  const app = await buildApp(ctx);
  if (emulator) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const billing = await prepareEmulatorBilling(ctx.stripe, `http://127.0.0.1:${port}/v1/webhooks/stripe`);
    stripe.webhookSecret = billing.webhookSecret;
    ctx.billing.priceId = billing.priceId;
  } else {
    await app.ready();
  }
  return {
    app,
    ctx,
    database,
    config,
    emulatorUrl: emulator?.url,
    stripeSetup: stripe,
    async request({ token, ...options }) {
      const response = await app.inject({
        ...options,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers },
      });
      const isJson = String(response.headers['content-type'] ?? '').includes('json');
      return { status: response.statusCode, body: isJson ? response.json() : response.body, headers: response.headers };
    },
    async emulator(path, form, init) {
      if (!emulator) throw new Error('this test app has no emulator');
      const response = await fetch(`${emulator.url}${path}`, {
        method: form || init ? 'POST' : 'GET',
        headers: init?.json !== undefined ? { 'content-type': 'application/json' } : { 'content-type': 'application/x-www-form-urlencoded' },
        body: init?.json !== undefined ? JSON.stringify(init.json) : form ? new URLSearchParams(form).toString() : undefined,
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`emulator ${path} answered ${response.status}: ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
    async close() {
      await app.close();
      await emulator?.close();
      await database.close();
    },
  };
}
