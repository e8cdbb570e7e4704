import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/server/db/client.js';

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- augmenting vitest's interface: only an interface merges
  export interface ProvidedContext {
    /** A migrated PGlite data directory (a tar file) every test file's database starts from; unset on PostgreSQL. */
    migratedPglite: string | undefined;
  }
}

/**
 * Once per run, on PGlite: migrate one database and keep its data directory, so each test file loads it (0.3 s)
 * instead of making a new cluster (initdb in WebAssembly, 1.1–1.8 s here) and migrating it. PostgreSQL makes and
 * migrates a database in 0.2 s, so it gets nothing.
 */
export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    project.provide('migratedPglite', undefined);
    return;
  }
  const pglite = new PGlite();
  const database = await openDatabase({ pglite });
  await database.migrate();
  const dump = await pglite.dumpDataDir('none');
  await database.close();
  const file = join(tmpdir(), `flowtab-test-pglite-${process.pid}.tar`);
  await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('migratedPglite', file);
  return () => rm(file, { force: true });
}
