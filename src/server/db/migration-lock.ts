import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

// Any constant will do: it only has to be the same in every process that migrates.
export const MIGRATION_LOCK = 7_340_117;

const RETRY_MS = 100;

/**
 * Runs `work` (the migrations) while no other process runs its own, on PostgreSQL directly or through a pooler in
 * transaction mode (PgBouncer). The lock is a transaction's (pg_try_advisory_xact_lock), on a connection of its own
 * that stays in that transaction until `work` ends: a session lock (pg_advisory_lock) would be taken on one of the
 * pooler's server connections and its unlock sent on another, leaving it held for good. A process that finds the lock
 * taken ends its transaction and tries again, so the processes waiting keep none of the pooler's server connections.
 * A process that dies while migrating ends its connection, and with it the transaction and the lock.
 */
export async function withMigrationLock(url: string, connectTimeoutMs: number, work: () => Promise<void>): Promise<void> {
  const holder = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs, application_name: 'flowtab-migrate' });
  // A lost connection fails the pending statement; without a listener its 'error' event would end the process.
  holder.on('error', () => {});
  await holder.connect();
  try {
    for (;;) {
      await holder.query('begin');
      const { rows } = await holder.query<{ is_locked: boolean }>('select pg_try_advisory_xact_lock($1) as is_locked', [MIGRATION_LOCK]);
      if (rows[0]?.is_locked) break;
      await holder.query('rollback');
      await sleep(RETRY_MS);
    }
    await work();
    await holder.query('rollback');
  } finally {
    await holder.end().catch(() => {});
  }
}
