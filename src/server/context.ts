import type { Config } from './config.js';
import { type Database, type Db, defaultPoolSize, openDatabase } from './db/client.js';
import { createTokenService, type TokenService } from './modules/auth/session-tokens.js';
import { createSessionResolver, type SessionLookup, type SessionResolver, type TokenLookup } from './http/viewer.js';
import { createStripeGateway, type StripeGateway, type StripeLogger } from './integrations/stripe/client.js';
import { findSessionAccount } from './modules/auth/repository.js';
import { createMailTransport, type MailTransport } from './modules/email/transport.js';
import { type CopyRecorder, createCopyBatcher, createCopyRecorder } from './modules/copies/recorder.js';
import { createRateLimitCounter, type RateLimitCounter } from './modules/rate-limits/counter.js';
import { findTokenSessionAndTouch } from './modules/tokens/repository.js';

/**
 * What routes, jobs and commands are handed: configuration and the I/O they may use. Built once per process, by
 * createContext.
 */
export type AppContext = {
  config: Config;
  /** The connection (PGlite or PostgreSQL), for migrations, health checks and closing. */
  database: Database;
  /** The pool: repositories and read-only services take it; a unit of work opens a transaction on it with inTransaction. */
  db: Db;
  /** Signs and verifies the JWTs that name login sessions. */
  tokens: TokenService;
  /** Open sessions behind bearer tokens, remembered for a few seconds per process. */
  sessions: SessionResolver;
  stripe: StripeGateway;
  /** The Premium price: from STRIPE_PRICE_ID, or created on the emulator at start-up. */
  billing: { priceId: string | undefined };
  /** SMTP from SMTP_URL; undefined keeps mails in the local outbox. */
  mailer: MailTransport | undefined;
  /** Where copies are recorded: in batches on PostgreSQL (group commit), one by one on PGlite. The app closes it. */
  copyRecorder: CopyRecorder;
  /** The process's rate-limit hits in the shared windows (big budgets sent in batches). The app closes it. */
  rateLimits: RateLimitCounter;
};

export type StripeSetup = { secretKey: string; webhookSecret: string | undefined; apiBase: string | undefined; priceId: string | undefined };

export async function createContext(
  config: Config,
  options: { database?: Database; stripe: StripeSetup; logger?: StripeLogger; role?: 'api' | 'worker' },
): Promise<AppContext> {
  const database =
    options.database ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      poolSize: config.databasePoolSize ?? defaultPoolSize(options.role === 'api' && !config.runsJobs ? 'requests' : 'jobs'),
      warmConnections: config.databaseWarmConnections,
      preparesStatements: config.databasePreparesStatements,
      connectTimeoutMs: config.databaseConnectTimeoutMs,
      applicationName: options.role ? `flowtab-${options.role}` : 'flowtab',
    }));
  const { db } = database;
  // How a bearer becomes a viewer: a login's JWT names a session row, a personal access token is found by its hash.
  const findLoginSession: SessionLookup = ({ userId, sessionId }) => findSessionAccount(db, sessionId, userId);
  const findTokenSession: TokenLookup = (tokenHash) => findTokenSessionAndTouch(db, tokenHash);
  return {
    config,
    database,
    db,
    tokens: createTokenService(config.jwtSecret),
    sessions: createSessionResolver(findLoginSession, findTokenSession),
    stripe: createStripeGateway(options.stripe, options.logger),
    billing: { priceId: options.stripe.priceId },
    mailer: createMailTransport(config.smtpUrl),
    copyRecorder: openCopyRecorder(database, config),
    rateLimits: createRateLimitCounter(db),
  };
}

/**
 * PostgreSQL: copies share statements and commits (COPY_BATCH_WINDOW_MS), so parallel copies cost one transaction
 * and one WAL flush per batch instead of one each. PGlite: one by one. Its one connection runs one statement at a
 * time, with no other sessions' commits to share a flush with; a window would mostly add its wait to every copy.
 */
function openCopyRecorder(database: Database, config: Config): CopyRecorder {
  const limits = { economics: config.economics, copiesPerMinute: config.rateLimits.copyPerMinute };
  if (database.kind === 'postgres' && config.copyBatchWindowMs > 0) return createCopyBatcher(database.db, limits, { windowMs: config.copyBatchWindowMs });
  return createCopyRecorder(database.db, limits);
}
