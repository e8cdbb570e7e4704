import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { type Config, loadConfig } from '../../src/server/config.js';
import type { AppContext } from '../../src/server/context.js';
import type { Database } from '../../src/server/db/client.js';
import { createTokenService } from '../../src/server/http/tokens.js';
import { createTestDatabase } from './database.js';

export type TestApp = {
  app: FastifyInstance;
  ctx: AppContext;
  database: Database;
  config: Config;
  /** app.inject with JSON in and parsed JSON out; `token` sets the bearer header. */
  request(options: InjectOptions & { token?: string }): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  close(): Promise<void>;
};

export const TEST_ENV = {
  FLOWTAB_ENV: 'test',
  JWT_SECRET: 'test-secret-test-secret-test-secret-0123',
  RATE_LIMIT_AUTH_PER_MINUTE: '10000',
  RATE_LIMIT_COPY_PER_MINUTE: '100000',
  LOG_LEVEL: 'silent',
} as const;

export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const config = loadConfig({ ...TEST_ENV, ...env });
  const database = await createTestDatabase();
  const ctx: AppContext = { config, database, db: database.db, tokens: createTokenService(config.jwtSecret) };
  const app = await buildApp(ctx);
  await app.ready();
  return {
    app,
    ctx,
    database,
    config,
    async request({ token, ...options }) {
      const response = await app.inject({
        ...options,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers },
      });
      const isJson = String(response.headers['content-type'] ?? '').includes('json');
      return { status: response.statusCode, body: isJson ? response.json() : response.body, headers: response.headers };
    },
    async close() {
      await app.close();
      await database.close();
    },
  };
}
