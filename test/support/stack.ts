import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig } from '../../src/server/config.js';
import { startServer } from '../../src/server/main.js';
import { TEST_ENV } from './app.js';
import { freePort } from './processes.js';

export type Stack = { url: string; emulatorUrl: string; close(): Promise<void> };

/**
 * The whole product as `npm start` runs it — Stripe emulator, demo data, web app, API and jobs — on a fresh
 * database (a new PostgreSQL database when DATABASE_URL is set, else PGlite in a temporary folder), on free ports.
 */
export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const [port, emulatorPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(path.join(tmpdir(), 'flowtab-stack-'));
  const database = process.env.DATABASE_URL ? await createDatabase(process.env.DATABASE_URL) : undefined;
  const config = loadConfig({
    ...TEST_ENV,
    FLOWTAB_ENV: 'development',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    STRIPE_EMULATOR_PORT: String(emulatorPort),
    DATA_DIR: dataDir,
    ...(database ? { DATABASE_URL: database.url, DATABASE_POOL_SIZE: '5' } : {}),
    ...env,
  });
  const { closers } = await startServer(config, {
    isDevelopment: true,
    withScheduler: true,
    logger: pino({ level: 'silent' }),
    print: () => {},
  });
  return {
    url: `http://127.0.0.1:${port}`,
    emulatorUrl: `http://127.0.0.1:${emulatorPort}`,
    async close() {
      for (const close of [...closers].reverse()) {
        const started = Date.now();
        await close().catch(() => undefined);
        // A slow shutdown is a finding (it would time a test's hook out): say which part took the time.
        if (Date.now() - started > 5_000) console.warn(`stack.close: ${close.toString().slice(0, 80)} took ${Date.now() - started} ms`);
      }
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function createDatabase(serverUrl: string) {
  const name = `flowtab_stack_${randomBytes(5).toString('hex')}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    await client.query(statement).finally(() => client.end());
  };
  await run(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}
