import { randomBytes } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { inject } from 'vitest';
import { type Database, openDatabase } from '../../src/server/db/client.js';

/**
 * A fresh, migrated database for one test file: an in-memory PGlite by default (a copy of the run's migrated one,
 * test/support/global-setup.ts; migrate() then finds nothing to apply but the functions, as on every start), or —
 * when DATABASE_URL is set — a new database created on that PostgreSQL server and dropped afterwards.
 */
export async function createTestDatabase(): Promise<Database & { url: string | undefined }> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const template = inject('migratedPglite');
    const pglite = template ? new PGlite({ loadDataDir: await openAsBlob(template) }) : new PGlite();
    const database = await openDatabase({ pglite });
    await database.migrate();
    return database;
  }
  const created = await createEmptyDatabase(serverUrl);
  const database = await openDatabase({ databaseUrl: created.url, poolSize: 10 });
  await database.migrate();
  return {
    ...database,
    async close() {
      await database.close();
      await created.drop();
    },
  };
}

/** A new, empty (not migrated) database on the PostgreSQL server of `serverUrl`: its URL, and how to drop it. */
export async function createEmptyDatabase(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `flowtab_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `create database ${name}`);
  return { url: withDatabase(serverUrl, name), drop: () => adminQuery(serverUrl, `drop database if exists ${name} with (force)`) };
}

export const isPostgres = () => Boolean(process.env.DATABASE_URL);

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function adminQuery(serverUrl: string, statement: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
