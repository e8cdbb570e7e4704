import { randomBytes } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { pino } from 'pino';
import Stripe from 'stripe';
import { buildApp } from '../../src/server/app.js';
import { type Config, loadConfig } from '../../src/server/config.js';
import { type AppContext, createContext, type StripeSetup } from '../../src/server/context.js';
import { type Database, inTransaction } from '../../src/server/db/client.js';
import { emailOutbox } from '../../src/server/db/schema.js';
import { prepareEmulatorBilling } from '../../src/server/integrations/stripe/bootstrap.js';
import { jobDefinitions } from '../../src/server/jobs/definitions.js';
import { runJob } from '../../src/server/jobs/runner.js';
import { releaseHeldEarnings } from '../../src/server/modules/ledger/service.js';
import { updateUserRole } from '../../src/server/modules/users/repository.js';
import { sweepEvents } from '../../src/server/modules/webhooks/service.js';
import { type RunningEmulator, startEmulator } from '../../stripe-emulator/src/server.js';
import { createTestDatabase } from '../../test/support/database.js';
import type { Economics } from '../model/types.js';
import { timed } from './profile.js';

// One world: a Stripe emulator, a database and the app on it, shared by many simulated sequences (each with its own
// people), so a sequence costs only what it does. The app can be "killed" and started again on the same database and
// port mid-sequence; the emulator keeps running and its webhook deliveries fail meanwhile.

export type Response = { status: number; body: any };

const API_VERSION = '2026-10-28.endive';
const silent = pino({ level: 'silent' });
/** SIM_APP_LOG=error (or warn, info…) shows the app's own log on stderr, e.g. the cause of a 500. */
const appLogger = process.env.SIM_APP_LOG ? pino({ level: process.env.SIM_APP_LOG }, pino.destination(2)) : silent;

export function appEnv(economics: Economics): Record<string, string> {
  return {
    FLOWTAB_ENV: 'test',
    JWT_SECRET: 'simulation-secret-simulation-secret-0123456789',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
    RATE_LIMIT_COPY_PER_MINUTE: '1000000',
    RATE_LIMIT_LIST_PER_MINUTE: '1000000',
    RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: '1000000',
    PAID_COPIES_PER_PERIOD: String(economics.paidCopiesPerPeriod),
    RATE_PER_COPY_CENTS: String(economics.ratePerCopyCents),
    CREATOR_SHARE_PERCENT: String(economics.creatorSharePercent),
    COPY_LIMIT_PER_PERIOD: String(economics.copyLimitPerPeriod),
    HOLD_DAYS: String(economics.holdDays),
    MIN_PAYOUT_CENTS: String(economics.minPayoutCents),
  };
}

export class World {
  readonly stripe: Stripe;
  app!: FastifyInstance;
  ctx!: AppContext;
  private port = 0;
  private adminToken = '';
  isDown = false;
  restarts = 0;
  private settles = 0;
  /** Deliveries dropped, failed or given up, as counted when the sweep last ran. */
  private troubleSeen = 0;

  private constructor(
    readonly economics: Economics,
    readonly config: Config,
    readonly database: Database,
    readonly emulator: RunningEmulator,
    private readonly setup: StripeSetup,
  ) {
    this.stripe = new Stripe(setup.secretKey, {
      apiVersion: API_VERSION,
      host: '127.0.0.1',
      port: emulator.port,
      protocol: 'http',
      maxNetworkRetries: 3,
      telemetry: false,
    });
  }

  static async start(economics: Economics): Promise<World> {
    const config = loadConfig(appEnv(economics));
    const database = await createTestDatabase();
    // Short retry delays: a delivery the app missed is retried (delayed) a few times, then given up to the sweep.
    const emulator = await startEmulator({ port: 0, webhookRetryDelaysMs: [50, 150, 400] });
    const setup: StripeSetup = { secretKey: 'sk_test_simulation', webhookSecret: undefined, apiBase: emulator.url, priceId: undefined };
    const world = new World(economics, config, database, emulator, setup);
    await world.startApp();
    const billing = await prepareEmulatorBilling(world.ctx.stripe, `http://127.0.0.1:${world.port}/v1/webhooks/stripe`);
    setup.webhookSecret = billing.webhookSecret;
    setup.priceId = billing.priceId;
    world.ctx.billing.priceId = billing.priceId;
    world.adminToken = await world.makeAdmin();
    return world;
  }

  private async startApp() {
    this.ctx = await createContext(this.config, { database: this.database, stripe: this.setup });
    this.ctx.billing.priceId = this.setup.priceId;
    this.app = await buildApp(this.ctx, { logger: appLogger });
    // The same port every time, so the emulator's endpoint (and its secret) stays valid across restarts.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.app.listen({ port: this.port, host: '127.0.0.1' });
        break;
      } catch (error) {
        if (attempt > 50 || (error as { code?: string }).code !== 'EADDRINUSE') throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const address = this.app.server.address();
    this.port = typeof address === 'object' && address ? address.port : this.port;
    this.isDown = false;
  }

  /** The process dies (gracefully: in-flight requests finish); `meanwhile` runs while it is down; a new one starts. */
  async restart(meanwhile: () => Promise<void> = async () => {}) {
    this.isDown = true;
    await this.app.close();
    await meanwhile();
    await this.startApp();
    this.restarts++;
  }

  private async makeAdmin(): Promise<string> {
    const id = randomBytes(5).toString('hex');
    const input = { email: `admin-${id}@sim.example`, username: `admin_${id}`, password: 'simulation admin password' };
    const registered = await this.request({ method: 'POST', url: '/v1/auth/register', payload: input });
    if (registered.status !== 201) throw new Error(`admin register: ${registered.status} ${JSON.stringify(registered.body)}`);
    await updateUserRole(this.ctx.db, input.username, 'admin');
    const login = await this.request({ method: 'POST', url: '/v1/auth/token', payload: { login: input.username, password: input.password } });
    return login.body.access_token as string;
  }

  async request(options: InjectOptions & { token?: string }): Promise<Response> {
    if (this.isDown) throw new Error('the app is down');
    const { token, ...rest } = options;
    const response = await this.app.inject({ ...rest, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...rest.headers } });
    const isJson = String(response.headers['content-type'] ?? '').includes('json');
    return { status: response.statusCode, body: isJson ? response.json() : response.body };
  }

  /**
   * Verifies a new member's address as they would: the link in their welcome mail (read on the development mail
   * page), posted to the API. Does nothing when the mail carries no link (verification not required).
   */
  async verifyEmail(email: string) {
    const [mail] = await this.ctx.db
      .select({ id: emailOutbox.id })
      .from(emailOutbox)
      .where(and(eq(emailOutbox.toAddress, email), eq(emailOutbox.template, 'welcome')))
      .orderBy(desc(emailOutbox.createdAt))
      .limit(1);
    if (!mail) return;
    const page = await this.request({ method: 'GET', url: `/dev/mail/${mail.id}` });
    const token = /\/verify-email\?token=([A-Za-z0-9_%.-]+)/.exec(String(page.body))?.[1];
    if (!token) return;
    const verified = await this.request({ method: 'POST', url: '/v1/auth/verify-email', payload: { token: decodeURIComponent(token) } });
    if (verified.status !== 204) throw new Error(`verify-email for ${email}: ${verified.status} ${JSON.stringify(verified.body)}`);
  }

  asAdmin(options: InjectOptions): Promise<Response> {
    return this.request({ ...options, token: this.adminToken });
  }

  /** The emulator's control API (not Stripe's). */
  async control(path: string, body?: Record<string, string> | { json: unknown }): Promise<any> {
    const isJson = body !== undefined && 'json' in body;
    const response = await fetch(`${this.emulator.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': isJson ? 'application/json' : 'application/x-www-form-urlencoded' },
      body: body === undefined ? undefined : isJson ? JSON.stringify(body.json) : new URLSearchParams(body).toString(),
    });
    const text = await response.text();
    if (!response.ok) throw Object.assign(new Error(`emulator ${path} answered ${response.status}: ${text}`), { status: response.status });
    return text ? JSON.parse(text) : undefined;
  }

  /** A hosted page's form (Checkout, the billing portal), as the member's browser posts it. */
  async postPage(url: string, form: Record<string, string> = {}): Promise<number> {
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    await response.arrayBuffer();
    return response.status;
  }

  async now(): Promise<number> {
    return (await this.control('/_emulator/now')).now as number;
  }

  async setFaults(faults: unknown) {
    await this.control('/_emulator/faults', { json: faults ?? {} });
  }

  async flushWebhooks(): Promise<{ delivered: number; failed: number; dropped: number; given_up: number }> {
    return this.control('/_emulator/webhooks/flush', { max_wait_ms: '30000' });
  }

  /**
   * What the jobs of a running process would have done by now: deliveries finished (retries included), the webhook
   * sweep (fetches what was dropped, re-drives what failed), every other periodic job (e.g. settling duplicate
   * subscriptions), deliveries and sweep again for what those jobs caused, and the hold release as of Stripe's clock.
   * Returns that moment, which the model is told.
   */
  async settle(): Promise<number> {
    this.settles++;
    let deliveries = await timed('settle: flush', () => this.flushWebhooks());
    // The sweep runs when a delivery went wrong since it last ran (dropped, failed, given up, or the app was down),
    // and every few settles anyway, as its timer would.
    const troubled = () => deliveries.dropped + deliveries.failed + deliveries.given_up !== this.troubleSeen;
    for (let round = 0; round < 3; round++) {
      if (troubled() || this.settles % 4 === 0 || round > 0) {
        this.troubleSeen = deliveries.dropped + deliveries.failed + deliveries.given_up;
        await timed('settle: sweep', () => this.sweep());
      }
      const before = deliveries.delivered + deliveries.dropped + deliveries.failed + deliveries.given_up;
      await this.runPeriodicJobs();
      deliveries = await timed('settle: flush', () => this.flushWebhooks());
      // Nothing new happened at Stripe because of the sweep or the jobs: settled.
      if (deliveries.delivered + deliveries.dropped + deliveries.failed + deliveries.given_up === before && !troubled()) break;
    }
    const now = await this.now();
    await timed('settle: release', () =>
      inTransaction(this.ctx.db, (tx) => releaseHeldEarnings(tx, { asOf: new Date(now * 1000), holdDays: this.config.holdDays })),
    );
    return now;
  }

  /**
   * The scheduler's periodic jobs, each once, except those the harness runs itself: the sweep (without its grace
   * period: the deliveries are finished) and the hold release (on Stripe's clock, not the real one); mail jobs only
   * send mail.
   */
  async runPeriodicJobs() {
    for (const [name, job] of Object.entries(jobDefinitions)) {
      // payouts.run pays creators: the sequences run payouts themselves.
      if (!('schedule' in job) || name === 'payouts.run' || name === 'webhooks.sweep' || name === 'earnings.release' || name.startsWith('email.')) continue;
      await timed(`settle: job ${name}`, () => runJob(this.ctx, name, {}, { logger: silent }));
    }
  }

  /** The periodic webhook sweep, as the scheduler runs it, minus its grace period (the deliveries are finished). */
  async sweep() {
    await sweepEvents(this.ctx, { minAgeMs: 0 });
  }

  async close() {
    if (!this.isDown) await this.app.close();
    await this.emulator.close();
    await this.database.close();
  }
}
