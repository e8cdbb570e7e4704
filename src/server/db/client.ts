import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { MIGRATION_LOCK, withMigrationLock } from './migration-lock.js';
import { lockDirectory } from './pglite-lock.js';
import * as schema from './schema.js';

/** A database handle: the pool, or an open transaction. Repositories take this. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

declare const openTransaction: unique symbol;
/**
 * An open transaction. A service that changes data takes this and never opens or commits one itself; only the
 * route, job or command that starts the unit of work opens it, with `inTransaction`. The pool does not satisfy it.
 */
export type Tx = Db & { readonly [openTransaction]: true };

/** Runs one unit of work in one transaction: committed when `work` resolves, rolled back when it throws. */
export function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction((tx) => work(tx as unknown as Tx));
}

export type Database = {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** The connection string for tools that need their own connections (pg-boss); only for PostgreSQL. */
  url: string | undefined;
  pglite: PGlite | undefined;
  /** Records the server URL in the embedded database's lock, so CLI commands can reach the process holding it. */
  announceUrl(url: string): void;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  /**
   * Opens some of the pool's connections now (PostgreSQL: DatabaseOptions.warmConnections), so the first requests do
   * not each wait for a new one, and runs `statements` on each (the process's hot statements: see warm-up.ts), so
   * their backends have read the catalogs, compiled the functions and prepared the statements before traffic comes.
   */
  warmUp(statements?: (db: Db) => Promise<void>): Promise<void>;
  close(): Promise<void>;
};

const migrationsFolder = path.resolve(import.meta.dirname, 'migrations');
const functionsFolder = path.resolve(import.meta.dirname, 'functions');

/**
 * The database functions whose source is one reviewed file each in `db/functions/` (record_copy, the period's
 * money, good standing, the available balance...), in name order. Each file is idempotent (CREATE OR REPLACE), and
 * `migrate` applies them all after the migrations, every time: a change to a rule is a diff of its one file, while
 * the migrations that first created these functions stay as history. A change of signature still needs a migration
 * that drops the old function. LANGUAGE sql bodies are checked when created, so a file may only call functions of
 * files that sort before it (or of its own, defined above).
 */
function readFunctionSources(): string[] {
  return readdirSync(functionsFolder)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => readFileSync(path.join(functionsFolder, name), 'utf8'));
}

/**
 * How long a request waits for a connection (a new one, or a free one from a busy pool) before it gives up and
 * answers 503: an outage must be an answer within a bounded time, not a hang or a 500.
 */
export const DATABASE_CONNECT_TIMEOUT_MS = 2_000;

/** What a process does with its connections: only answer requests (`flowtab serve` with FLOWTAB_JOBS=off), or more. */
export type PoolUse = 'requests' | 'jobs';

/**
 * Connections per process when DATABASE_POOL_SIZE is not set. A process that only answers requests: twice the
 * machine's cores, at least 4 and at most 20. More connections than the cores can serve do not make it faster: every
 * backend that has a statement to run competes for the same cores, with the API process itself among them, and the
 * requests wait on the scheduler instead of in the pool's queue, in no order. On this 2-core machine (database and API
 * together), 4 connections against 20 for 20 concurrent requests: the newest list 1,706 against 1,337 req/s, p99 34
 * against 43 ms; a common-word search p99 48 against 74 ms; the earnings read p99 11 against 16.5 ms; copies (batched,
 * ~2 statements running at once) the same. Medians of alternated 5-second runs, 2026-12-04 (README, Operating).
 * Any other process (a worker, a server with FLOWTAB_JOBS=on, a command such as `flowtab payouts run`) keeps 20: a job
 * may hold its connection through long statements (a reconcile, a payout run), and each of the eleven queues may run
 * one job at once.
 */
export function defaultPoolSize(use: PoolUse, cores: number = availableParallelism()): number {
  if (use === 'jobs') return 20;
  return Math.min(20, Math.max(4, 2 * cores));
}

export type DatabaseOptions = {
  databaseUrl?: string;
  dataDir?: string;
  pglite?: PGlite;
  /** Connections in the pool (PostgreSQL); default defaultPoolSize('requests'). */
  poolSize?: number;
  /** How many of the pool's connections warmUp opens (default and at most: poolSize). */
  warmConnections?: number;
  /** Prepare each statement with parameters once per connection (PostgreSQL; default on). See prepareStatements. */
  preparesStatements?: boolean;
  connectTimeoutMs?: number;
  /** The connections' application_name, so pg_stat_activity (and PgBouncer's SHOW CLIENTS) says which process holds each. */
  applicationName?: string;
};

/** At most this many statements a connection keeps prepared; later new ones run unprepared, as before. */
const PREPARED_PER_CONNECTION = 500;

const PLANNED_FOR_ITS_VALUES_TEXT = '/* planned for its values */';
/**
 * Put in a statement whose best plan depends on its values (a search: which words, how common, which tags), it keeps
 * that statement unprepared, so PostgreSQL plans it for each call's values. A prepared one may be given a generic
 * plan after five calls: bench:search's two rare words in a common tag went from 4 ms to ~500 ms on one.
 */
export const PLANNED_FOR_ITS_VALUES = sql.raw(PLANNED_FOR_ITS_VALUES_TEXT);

/**
 * Every statement with parameters that `client` sends is prepared on its connection the first time (named by a hash
 * of its text) and reused after: PostgreSQL then skips parsing, and after five runs keeps a generic plan when it
 * costs no more than planning each time (plan_cache_mode auto). Planning was most of the database's work on the
 * library's plain lists and the earnings overview, whose statements run in 0.1–0.7 ms (newest: 780 → 1,040 req/s at
 * 20 connections; earnings about twice as many). Statements without parameters (DDL, `begin`, scripts of several
 * commands) stay on the simple protocol, and so do those that carry PLANNED_FOR_ITS_VALUES. A connection keeps at
 * most PREPARED_PER_CONNECTION, so text that varies (it should not: values are parameters) cannot grow the server's
 * memory. Statements prepared before a migration stay valid: PostgreSQL re-plans them, and they name their columns.
 */
function prepareStatements(client: pg.PoolClient) {
  const query = client.query.bind(client) as (config: unknown, values?: unknown, callback?: unknown) => unknown;
  const prepared = new Set<string>();
  const named = (config: unknown, values: unknown): unknown => {
    if (typeof config !== 'object' || config === null) return config;
    const statement = config as { text?: unknown; name?: unknown; values?: unknown };
    const parameters = Array.isArray(values) ? values : statement.values;
    if (typeof statement.text !== 'string' || statement.name !== undefined || !Array.isArray(parameters) || parameters.length === 0) return config;
    if (statement.text.includes(PLANNED_FOR_ITS_VALUES_TEXT)) return config;
    const name = `s_${createHash('sha1').update(statement.text).digest('base64url')}`;
    if (!prepared.has(name)) {
      if (prepared.size >= PREPARED_PER_CONNECTION) return config;
      prepared.add(name);
    }
    return { ...statement, name };
  };
  client.query = ((config: unknown, values?: unknown, callback?: unknown) => query(named(config, values), values, callback)) as typeof client.query;
}

/**
 * A checked-out client whose connection breaks goes back to the pool at once, marked broken (so it is closed, not
 * reused), and its holder's own release becomes a no-op. drizzle's pool transactions need this: they send `begin`
 * before their try/finally (drizzle-orm 0.45 node-postgres session; drizzle-orm issue #6023, open), so a `begin`
 * that fails on a connection the server just closed never releases its client, and each such leak would shrink the
 * pool for good — after enough of them, an outage would end with a pool that never serves again.
 */
function releaseBrokenClients(pool: pg.Pool) {
  const connect = pool.connect.bind(pool);
  const connectAndGuard = async (): Promise<pg.PoolClient> => {
    const client = await connect();
    const release = client.release.bind(client);
    let isReleased = false;
    const onBroken = (error?: Error) => client.release(error ?? new Error('Connection ended'));
    client.once('error', onBroken);
    client.once('end', onBroken);
    client.release = (error?: Error | boolean) => {
      if (isReleased) return;
      isReleased = true;
      client.off('error', onBroken);
      client.off('end', onBroken);
      release(error);
    };
    return client;
  };
  // pool.query checks clients out with a callback and releases them itself: only the promise form is guarded.
  pool.connect = ((callback?: Parameters<pg.Pool['connect']>[0]) =>
    callback ? connect(callback) : connectAndGuard()) as pg.Pool['connect'];
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const connectTimeoutMs = options.connectTimeoutMs ?? DATABASE_CONNECT_TIMEOUT_MS;
    // No query_timeout or statement_timeout: migrations, reconcile and payout batches may legitimately run long.
    // TCP keep-alive lets the kernel notice a server that vanished without closing the connection.
    // A connection once opened is kept until the pool closes (pg's default closes it after 10 s idle): a new one costs
    // the server a process and cold caches, and a pool that shrank between bursts of traffic re-opened 10-20 at every
    // rise, stalling requests for 1-3 s on a 2-core machine. A broken connection is still dropped and replaced.
    const max = options.poolSize ?? defaultPoolSize('requests');
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max,
      idleTimeoutMillis: 0,
      connectionTimeoutMillis: connectTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: options.applicationName ?? 'flowtab',
    });
    // An idle client that errors (server restart) must not crash the process; the pool drops it and reconnects later.
    pool.on('error', () => {});
    // Nor may a checked-out one (a transaction between two statements when the server goes away): pg-pool removes its
    // idle listener on checkout, and an 'error' event nobody listens to is an uncaught exception. The error still
    // fails the pending statement, and the broken client is discarded on release.
    pool.on('connect', (client) => client.on('error', () => {}));
    if (options.preparesStatements ?? true) pool.on('connect', prepareStatements);
    releaseBrokenClients(pool);
    const db = drizzlePg(pool, { schema }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      url: options.databaseUrl,
      pglite: undefined,
      announceUrl: () => {},
      async migrate() {
        // Two processes starting at once must not both migrate (also through PgBouncer: see migration-lock.ts).
        await withMigrationLock(options.databaseUrl!, connectTimeoutMs, async () => {
          const client = await pool.connect();
          try {
            await migratePg(drizzlePg(client), { migrationsFolder });
            const sources = readFunctionSources();
            await client.query('begin');
            try {
              for (const source of sources) await client.query(source);
              await client.query('commit');
            } catch (error) {
              await client.query('rollback').catch(() => {});
              throw error;
            }
          } finally {
            client.release();
          }
        });
      },
      async ping() {
        // Bounded on both sides (getting a connection, getting the answer), so /readyz answers during an outage.
        // (query_timeout is honoured per query by pg, though missing from its types.)
        await pool.query({ text: 'select 1', query_timeout: connectTimeoutMs } as pg.QueryConfig);
      },
      async warmUp(statements) {
        // Checked out all at once, so each is a connection of its own; released together, they stay open as idle ones.
        // By default the whole pool: opened later, under the first burst of traffic, twenty new backends each reading
        // the catalogs and compiling the functions made bench:soak's first seconds wait for each other (minute 1 p99
        // 1.7 s with four warmed, 30 ms with twenty). The pool would open them under load anyway, and keeps them.
        const clients = await Promise.all(Array.from({ length: Math.min(max, options.warmConnections ?? max) }, () => pool.connect()));
        // A statement that fails here (nothing is written) only leaves its connection colder; the requests will tell.
        if (statements) await Promise.all(clients.map((client) => statements(drizzlePg(client, { schema }) as unknown as Db).catch(() => {})));
        for (const client of clients) client.release();
      },
      close: () => pool.end(),
    };
  }
  let pglite = options.pglite;
  let lock: ReturnType<typeof lockDirectory> | undefined;
  if (!pglite) {
    const dir = path.join(path.resolve(options.dataDir ?? './data'), 'pglite');
    mkdirSync(dir, { recursive: true });
    lock = lockDirectory(dir);
    pglite = new PGlite(dir);
  }
  const client = pglite;
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    url: undefined,
    pglite: client,
    announceUrl: (url) => lock?.setUrl(url),
    async migrate() {
      // One process holds the embedded database (its directory lock); the advisory lock is taken as on PostgreSQL.
      await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await migratePglite(drizzlePglite(client), { migrationsFolder });
        const sources = readFunctionSources();
        await client.transaction(async (tx) => {
          for (const source of sources) await tx.exec(source);
        });
      } finally {
        await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
      }
    },
    async ping() {
      await db.execute(sql`select 1`);
    },
    // The embedded database is one connection, opened with it.
    warmUp: async () => {},
    async close() {
      await client.close();
      lock?.release();
    },
  };
}
