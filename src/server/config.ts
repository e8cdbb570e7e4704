import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { secretStrengthProblem } from './secret-strength.js';

const intFromEnv = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);

const booleanFromEnv = z.enum(['true', 'false']).transform((value) => value === 'true');

const envSchema = z.object({
  // No default here: it depends on the command (loadConfig's defaultEnv).
  FLOWTAB_ENV: z.enum(['development', 'test', 'production']).optional(),
  PORT: intFromEnv(3000),
  HOST: z.string().default('127.0.0.1'),
  PUBLIC_URL: z.url().optional(),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().optional(),
  DATABASE_DIRECT_URL: z.string().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).optional(),
  DATABASE_WARM_CONNECTIONS: z.coerce.number().int().min(0).optional(),
  DATABASE_CONNECT_TIMEOUT_MS: intFromEnv(2_000, 100),
  DATABASE_PREPARED_STATEMENTS: booleanFromEnv.optional(),
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  STRIPE_SECRET_KEY: z.string().optional(),
  STRIPE_WEBHOOK_SECRET: z.string().optional(),
  STRIPE_PRICE_ID: z.string().optional(),
  STRIPE_API_BASE: z.url().optional(),
  STRIPE_EMULATOR_PORT: intFromEnv(12111),
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default('Flowtab.Pro <hello@flowtab.pro>'),
  PAID_COPIES_PER_PERIOD: intFromEnv(100, 1),
  RATE_PER_COPY_CENTS: intFromEnv(7, 1),
  CREATOR_SHARE_PERCENT: intFromEnv(70).pipe(z.number().max(100)),
  COPY_LIMIT_PER_PERIOD: intFromEnv(1000, 1),
  COPY_BATCH_WINDOW_MS: intFromEnv(2).pipe(z.number().max(100)),
  HOLD_DAYS: intFromEnv(14),
  MIN_PAYOUT_CENTS: intFromEnv(1000, 1),
  PAYOUT_CRON: z.string().default('0 6 1 * *'),
  FLOWTAB_JOBS: z.enum(['on', 'off']).default('on'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'pretty', 'json']).default('auto'),
  RATE_LIMIT_AUTH_PER_MINUTE: intFromEnv(10, 1),
  RATE_LIMIT_COPY_PER_MINUTE: intFromEnv(120, 1),
  RATE_LIMIT_LIST_PER_MINUTE: intFromEnv(300, 1),
  RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: intFromEnv(10, 1),
  RATE_LIMIT_TOKEN_PER_MINUTE: intFromEnv(300, 1),
  // Hops, not a boolean: trusting every X-Forwarded-For entry would let any client pick its own address.
  TRUST_PROXY: z.coerce.number({ error: 'TRUST_PROXY must be a number of proxy hops' }).int().min(0).max(10).optional(),
  DOCS_PUBLIC: booleanFromEnv.optional(),
  RESPONSE_CHECKS: booleanFromEnv.optional(),
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  WEBHOOK_MAX_ATTEMPTS: intFromEnv(10, 1),
}).refine((e) => !e.DATABASE_DIRECT_URL || e.DATABASE_URL, {
  path: ['DATABASE_DIRECT_URL'],
  message: 'set DATABASE_URL too (the direct URL is a second way to the same PostgreSQL database, for sessions)',
});

export type Config = Readonly<{
  env: 'development' | 'test' | 'production';
  isProduction: boolean;
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /**
   * The same database without a pooler in between, for what needs a session of its own: the outbox's LISTEN. Unset:
   * DATABASE_URL. Needed only when DATABASE_URL goes through a pooler in transaction mode (PgBouncer).
   */
  databaseDirectUrl: string | undefined;
  /** Connections per process (DATABASE_POOL_SIZE); unset: db/client.ts's defaultPoolSize, from the cores and what the process does. */
  databasePoolSize: number | undefined;
  /** How many pool connections a process opens and warms at start (DATABASE_WARM_CONNECTIONS; default and at most the pool). */
  databaseWarmConnections: number | undefined;
  /**
   * Whether statements with parameters are prepared once per connection and reused (DATABASE_PREPARED_STATEMENTS,
   * on by default). Off behind a pooler in transaction mode that does not track prepared statements (PgBouncer
   * before 1.21, or without max_prepared_statements): a statement prepared on one server connection is unknown on the next.
   */
  databasePreparesStatements: boolean;
  /** How long a request waits for a pooled connection before it answers 503. */
  databaseConnectTimeoutMs: number;
  jwtSecret: string;
  stripe: Readonly<{
    secretKey: string | undefined;
    webhookSecret: string | undefined;
    priceId: string | undefined;
    apiBase: string | undefined;
    emulatorPort: number;
  }>;
  smtpUrl: string | undefined;
  mailFrom: string;
  economics: Readonly<{
    paidCopiesPerPeriod: number;
    ratePerCopyCents: number;
    creatorSharePercent: number;
    copyLimitPerPeriod: number;
  }>;
  /** How long a copy waits for others to share its statement and commit (PostgreSQL); 0 records each on its own. */
  copyBatchWindowMs: number;
  holdDays: number;
  minPayoutCents: number;
  payoutCron: string;
  logLevel: string;
  /** `auto`: pretty one-line logs for a person at a terminal in development, JSON otherwise (logger.ts). */
  logFormat: 'auto' | 'pretty' | 'json';
  /** Whether server processes also run the periodic jobs (off for extra API-only processes). */
  runsJobs: boolean;
  /**
   * Per client address (per member for copies); `loginFailuresPerAccount` counts failed logins per login name in
   * 15 minutes, whatever the address. `tokenPerMinute`: requests per personal access token (and per login session on
   * /mcp). Counted in the database (rate_limits), shared by every process.
   */
  rateLimits: Readonly<{ authPerMinute: number; copyPerMinute: number; listPerMinute: number; loginFailuresPerAccount: number; tokenPerMinute: number }>;
  /** Reverse-proxy hops whose X-Forwarded-For is believed (TRUST_PROXY); undefined: the socket's address only. */
  trustProxyHops: number | undefined;
  /** Whether /docs and /openapi.json are served (DOCS_PUBLIC; off in production unless asked for). */
  isDocsPublic: boolean;
  /**
   * Whether every response body is checked against its zod schema before it is written (RESPONSE_CHECKS; on outside
   * production). Without it, the serializer compiled from the schema still writes only declared fields (http/response-serializer.ts).
   */
  checksResponses: boolean;
  /** When set, /metrics answers only to this bearer token; unset, it is open outside production and absent in it. */
  metricsToken: string | undefined;
  /** Failed processing attempts after which a webhook event is a dead letter, retried only by hand (SPEC §6). */
  webhookMaxAttempts: number;
}>;

export class ConfigError extends Error {}

export type Environment = Config['env'];

/**
 * Parses the environment once; fails fast with a message that names every problem. `defaultEnv` is what an unset
 * FLOWTAB_ENV means, chosen by the command (SPEC §10): production for `serve` and `worker`, development otherwise.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: { defaultEnv?: Environment } = {}): Config {
  const parsed = envSchema.safeParse(stripEmpty(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  const flowtabEnv = e.FLOWTAB_ENV ?? options.defaultEnv ?? 'development';
  const isProduction = flowtabEnv === 'production';
  if (isProduction) {
    const production = e.FLOWTAB_ENV ? 'FLOWTAB_ENV=production' : 'FLOWTAB_ENV=production (the default for this command)';
    const missing = [
      ['DATABASE_URL', e.DATABASE_URL],
      ['JWT_SECRET', e.JWT_SECRET],
      ['STRIPE_SECRET_KEY', e.STRIPE_SECRET_KEY],
      ['STRIPE_WEBHOOK_SECRET', e.STRIPE_WEBHOOK_SECRET],
      ['STRIPE_PRICE_ID', e.STRIPE_PRICE_ID],
      ['PUBLIC_URL', e.PUBLIC_URL],
    ]
      .filter(([, value]) => !value)
      .map(([name]) => name);
    if (missing.length > 0) {
      throw new ConfigError(`${production} refuses to start without: ${missing.join(', ')}`);
    }
    if (e.STRIPE_API_BASE) throw new ConfigError(`${production} refuses STRIPE_API_BASE (the emulator is for development)`);
    const weakness = secretStrengthProblem(e.JWT_SECRET!);
    if (weakness) throw new ConfigError(`${production} refuses this JWT_SECRET: it ${weakness} (make one with: openssl rand -base64 48)`);
  }
  const dataDir = path.resolve(e.DATA_DIR);
  return Object.freeze({
    env: flowtabEnv,
    isProduction,
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    dataDir,
    databaseUrl: e.DATABASE_URL,
    databaseDirectUrl: e.DATABASE_DIRECT_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databaseWarmConnections: e.DATABASE_WARM_CONNECTIONS,
    databasePreparesStatements: e.DATABASE_PREPARED_STATEMENTS ?? true,
    databaseConnectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
    jwtSecret: e.JWT_SECRET ?? developmentSecret(dataDir, 'jwt-secret'),
    stripe: Object.freeze({
      secretKey: e.STRIPE_SECRET_KEY,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET,
      priceId: e.STRIPE_PRICE_ID,
      apiBase: e.STRIPE_API_BASE,
      emulatorPort: e.STRIPE_EMULATOR_PORT,
    }),
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    economics: Object.freeze({
      paidCopiesPerPeriod: e.PAID_COPIES_PER_PERIOD,
      ratePerCopyCents: e.RATE_PER_COPY_CENTS,
      creatorSharePercent: e.CREATOR_SHARE_PERCENT,
      copyLimitPerPeriod: e.COPY_LIMIT_PER_PERIOD,
    }),
    copyBatchWindowMs: e.COPY_BATCH_WINDOW_MS,
    holdDays: e.HOLD_DAYS,
    minPayoutCents: e.MIN_PAYOUT_CENTS,
    payoutCron: e.PAYOUT_CRON,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    runsJobs: e.FLOWTAB_JOBS === 'on',
    rateLimits: Object.freeze({
      authPerMinute: e.RATE_LIMIT_AUTH_PER_MINUTE,
      copyPerMinute: e.RATE_LIMIT_COPY_PER_MINUTE,
      listPerMinute: e.RATE_LIMIT_LIST_PER_MINUTE,
      loginFailuresPerAccount: e.RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT,
      tokenPerMinute: e.RATE_LIMIT_TOKEN_PER_MINUTE,
    }),
    trustProxyHops: e.TRUST_PROXY || undefined,
    isDocsPublic: e.DOCS_PUBLIC ?? !isProduction,
    checksResponses: e.RESPONSE_CHECKS ?? !isProduction,
    metricsToken: e.METRICS_TOKEN,
    webhookMaxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
  });
}

function stripEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}

/** Development only: a random secret generated once and kept in DATA_DIR, so tokens survive restarts. */
function developmentSecret(dataDir: string, name: string): string {
  const file = path.join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
