import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClock } from './clock.js';
import { badRequest, StripeError } from './errors.js';
import { createFaults } from './faults.js';
import { parseForm, type FormObject } from './form.js';
import { pageRoutes, type PageResult } from './pages.js';
import { billingRoutes, runDue } from './resources/billing.js';
import { catalogRoutes } from './resources/catalog.js';
import { checkoutRoutes, getCheckoutSession, payCheckoutSession } from './resources/checkout.js';
import { expandList, expandObject, getOrThrow, optInt, type ApiRequest, type Ctx, type Route, type Settings } from './resources/common.js';
import { getAccount, onboardAccount, connectRoutes } from './resources/connect.js';
import { customerRoutes } from './resources/customers.js';
import { eventRoutes } from './resources/events.js';
import { closeDispute, openDispute, paymentRoutes, type Charge, type Dispute } from './resources/payments.js';
import { API_VERSION, Store } from './store.js';
import { WebhookDispatcher } from './webhooks.js';

// The emulator's HTTP server: Stripe's /v1 API (auth, idempotency, faults, expand), the control API
// under /_emulator, and the hosted pages.

export type EmulatorOptions = {
  port?: number;
  host?: string;
  stateFile?: string;
  webhookRetryDelaysMs?: number[];
  logger?: (line: string) => void;
  /** Days after the first failed renewal attempt when the invoice is retried (default [1, 3, 5]: SPEC §7). */
  invoiceRetryDays?: number[];
  /** After the last retry fails: cancel the subscription (default) or mark it unpaid. */
  afterFinalFailure?: 'cancel' | 'unpaid';
  /**
   * The merchant the hosted pages show (Checkout's header, the Express dashboard's way back), as Stripe shows the
   * account's business name. Default: STRIPE_EMULATOR_BUSINESS_NAME, else "Flowtab.Pro".
   */
  businessName?: string;
};

export type RunningEmulator = { url: string; port: number; close(): Promise<void> };

type CompiledRoute<T> = { method: string; regex: RegExp; keys: string[]; route: T };

function compile<T extends { method: string; path: string }>(routes: T[]): CompiledRoute<T>[] {
  return routes.map((route) => {
    const keys: string[] = [];
    const pattern = route.path.replace(/:([a-z_]+)/g, (_m, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
    return { method: route.method, regex: new RegExp(`^${pattern}$`), keys, route };
  });
}

function match<T>(routes: CompiledRoute<T>[], method: string, path: string): { route: T; params: Record<string, string> } | 'method' | null {
  let pathMatched = false;
  for (const r of routes) {
    const m = r.regex.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== method) continue;
    const params: Record<string, string> = {};
    r.keys.forEach((key, i) => (params[key] = decodeURIComponent(m[i + 1]!)));
    return { route: r.route, params };
  }
  return pathMatched ? 'method' : null;
}

const apiRoutes = compile<Route>([...catalogRoutes, ...customerRoutes, ...paymentRoutes, ...billingRoutes, ...checkoutRoutes, ...connectRoutes, ...eventRoutes]);
const pages = compile(pageRoutes);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj).sort().map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`).join(',')}}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? (() => {});
  const clock = createClock();
  const store = new Store(clock, options.stateFile);
  store.load();
  const faults = createFaults();
  const dispatcher = new WebhookDispatcher(store, faults, options.webhookRetryDelaysMs ?? [200, 500, 1000, 2000, 5000], logger);
  store.onEvent((event) => dispatcher.enqueue(event));
  let baseUrl = '';
  const settings: Settings = {
    baseUrl: () => baseUrl,
    retryDays: options.invoiceRetryDays ?? [1, 3, 5],
    afterFinalFailure: options.afterFinalFailure ?? 'cancel',
    businessName: options.businessName ?? (process.env.STRIPE_EMULATOR_BUSINESS_NAME || 'Flowtab.Pro'),
  };
  const ctx: Ctx = { store, settings };
  let requestCounter = 0;

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
    res.writeHead(status, { 'content-type': 'application/json', 'stripe-version': API_VERSION, ...headers });
    res.end(text);
  }

  function parseControlBody(req: IncomingMessage, raw: string): FormObject {
    if ((req.headers['content-type'] ?? '').includes('application/json')) {
      if (raw.trim() === '') return {};
      return JSON.parse(raw) as FormObject;
    }
    return parseForm(raw);
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, raw: string): Promise<void> {
    const requestId = `req_${(++requestCounter).toString(36).padStart(6, '0')}${store.newId('x', 8).slice(2)}`;
    const baseHeaders: Record<string, string> = { 'request-id': requestId };
    const auth = req.headers.authorization ?? '';
    const key = auth.startsWith('Bearer ') ? auth.slice(7) : auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString().split(':')[0]! : '';
    if (!key) {
      send(res, 401, new StripeError(401, 'invalid_request_error', 'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. \'Authorization: Bearer YOUR_SECRET_KEY\').').toJSON(), baseHeaders);
      return;
    }
    if (!key.startsWith('sk_test_')) {
      const shown = key.length > 8 ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : key;
      send(res, 401, new StripeError(401, 'invalid_request_error', `Invalid API Key provided: ${shown}`, { code: 'api_key_invalid' }).toJSON(), baseHeaders);
      return;
    }
    const config = faults.config();
    // Stripe's limiters run before everything else, its idempotency layer included: a refused request did nothing.
    if (!faults.admitRequest(Date.now())) {
      const error = new StripeError(429, 'invalid_request_error', 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.', { code: 'rate_limit' });
      const shouldRetry = config.rate_limit?.should_retry;
      logger(`${req.method ?? 'GET'} ${url.pathname} -> 429 rate_limit`);
      send(res, 429, error.toJSON(), { ...baseHeaders, ...(typeof shouldRetry === 'boolean' ? { 'stripe-should-retry': String(shouldRetry) } : {}) });
      return;
    }
    if (config.latency_ms > 0) await sleep(config.latency_ms);
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const pathFault = faults.forRequest(method, path);
    if (pathFault && pathFault.error_rate > 0 && faults.random() < pathFault.error_rate) {
      send(res, 500, new StripeError(500, 'api_error', 'An unknown error occurred (emulated fault: error_rate).').toJSON(), baseHeaders);
      return;
    }
    const account = typeof req.headers['stripe-account'] === 'string' ? req.headers['stripe-account'] : null;
    const params: FormObject = { ...parseForm(url.searchParams), ...(raw ? parseForm(raw) : {}) };
    const idempotencyHeader = req.headers['idempotency-key'];
    const idempotencyKey = typeof idempotencyHeader === 'string' && idempotencyHeader !== '' && method !== 'GET' ? idempotencyHeader : null;
    const scopedKey = idempotencyKey ? `${account ?? 'platform'}:${idempotencyKey}` : null;
    const paramsHash = `${method} ${path} ${stableStringify(params)}`;
    if (scopedKey) {
      const saved = store.idempotency.get(scopedKey);
      if (saved && saved.expiresAt > Date.now()) {
        if (saved.paramsHash !== paramsHash) {
          send(res, 400, new StripeError(400, 'idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`).toJSON(), { ...baseHeaders, 'idempotency-key': idempotencyKey! });
          return;
        }
        send(res, saved.status, saved.body, { ...baseHeaders, 'idempotency-key': idempotencyKey!, 'idempotent-replayed': 'true' });
        return;
      }
    }

    // Work that became due with the passing of real time (renewals etc.) happens before the request.
    runDue(ctx, store.now());
    store.runDeferred();

    const found = match(apiRoutes, method, path);
    let status = 200;
    let body: string;
    if (found === null || found === 'method') {
      status = 404;
      body = JSON.stringify(new StripeError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`).toJSON(), null, 2);
    } else {
      const apiRequest: ApiRequest = { method, path, pathParams: found.params, params, account };
      try {
        const result = store.requestContext.run({ requestId, idempotencyKey, account }, () => {
          const value = found.route.handler(ctx, apiRequest);
          store.runDeferred();
          return value;
        });
        body = JSON.stringify(expandObject(store, result, expandList(params)), null, 2);
      } catch (err) {
        store.runDeferred();
        if (err instanceof StripeError) {
          status = err.status;
          body = JSON.stringify({ error: { ...err.toJSON().error, request_log_url: `${baseUrl}/_emulator/requests/${requestId}` } }, null, 2);
        } else {
          logger(`internal error on ${method} ${path}: ${err instanceof Error ? err.stack : String(err)}`);
          status = 500;
          body = JSON.stringify(new StripeError(500, 'api_error', 'An unknown error occurred in the emulator.').toJSON(), null, 2);
        }
      }
    }
    // Stripe saves the result once the endpoint ran (successes and card errors), not validation failures.
    if (scopedKey && (status < 400 || status === 402)) {
      store.idempotency.set(scopedKey, { paramsHash, status, body, expiresAt: Date.now() + 24 * 3600 * 1000 });
    }
    store.save();
    logger(`${method} ${path} -> ${status}`);
    const headers = { ...baseHeaders, ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) };
    if (pathFault && pathFault.timeout_ms > 0) await sleep(pathFault.timeout_ms);
    if (status < 400 && pathFault && pathFault.error_after_rate > 0 && faults.random() < pathFault.error_after_rate) {
      send(res, 500, new StripeError(500, 'api_error', 'An unknown error occurred (emulated fault: error_after_rate; the request was processed).').toJSON(), headers);
      return;
    }
    send(res, status, body, headers);
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, raw: string): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const body = parseControlBody(req, raw);
    const str = (key: string) => (typeof body[key] === 'string' ? (body[key]) : undefined);
    let m: RegExpExecArray | null;
    const run = <T>(fn: () => T): T => {
      const value = fn();
      store.runDeferred();
      store.save();
      return value;
    };
    if (method === 'POST' && (m = /^\/_emulator\/checkout\/sessions\/([^/]+)\/pay$/.exec(path))) {
      const session = run(() => payCheckoutSession(ctx, getCheckoutSession(store, m![1]!), str('card') ?? '4242424242424242'));
      return send(res, 200, session);
    }
    if (method === 'POST' && (m = /^\/_emulator\/accounts\/([^/]+)\/onboard$/.exec(path))) {
      return send(res, 200, run(() => onboardAccount(store, getAccount(store, m![1]!))));
    }
    if (method === 'POST' && (m = /^\/_emulator\/charges\/([^/]+)\/dispute$/.exec(path))) {
      const charge = getOrThrow<Charge>(store, m[1]!, 'charge', 'charge');
      return send(res, 200, run(() => openDispute(store, charge, str('reason') ?? 'fraudulent')));
    }
    if (method === 'POST' && (m = /^\/_emulator\/disputes\/([^/]+)\/close$/.exec(path))) {
      const status = str('status');
      if (status !== 'won' && status !== 'lost') throw badRequest('status must be won or lost', 'parameter_invalid_string', 'status');
      const dispute = getOrThrow<Dispute>(store, m[1]!, 'dispute', 'dispute');
      return send(res, 200, run(() => closeDispute(store, dispute, status)));
    }
    if (method === 'POST' && path === '/_emulator/advance') {
      const seconds = optInt(body, 'seconds');
      const to = optInt(body, 'to');
      if (seconds === undefined && to === undefined) throw badRequest('Pass seconds=N (or to=<unix>).', 'parameter_missing', 'seconds');
      if (seconds !== undefined && seconds < 0) throw badRequest('seconds must be >= 0', 'parameter_invalid_integer', 'seconds');
      const target = to ?? store.now() + seconds!;
      const processed = run(() => runDue(ctx, target));
      return send(res, 200, { now: store.now(), processed });
    }
    if (path === '/_emulator/faults') {
      if (method === 'GET') return send(res, 200, faults.config());
      if (method === 'POST') {
        try {
          return send(res, 200, faults.set(raw.trim() === '' ? {} : JSON.parse(raw)));
        } catch (err) {
          throw badRequest(`Invalid faults JSON: ${err instanceof Error ? err.message : String(err)}`, 'parameter_invalid_string');
        }
      }
    }
    if (method === 'GET' && path === '/_emulator/stats') return send(res, 200, faults.stats());
    if (method === 'POST' && path === '/_emulator/reset') {
      dispatcher.reset();
      faults.set({});
      faults.resetStats();
      store.reset();
      return send(res, 200, { ok: true });
    }
    if (method === 'POST' && path === '/_emulator/webhooks/flush') {
      const maxWait = optInt(body, 'max_wait_ms') ?? Number(url.searchParams.get('max_wait_ms') ?? 30_000);
      return send(res, 200, await dispatcher.flush(maxWait));
    }
    if (method === 'GET' && path === '/_emulator/webhooks/deliveries') {
      const eventId = url.searchParams.get('event_id');
      const type = url.searchParams.get('type');
      const endpoint = url.searchParams.get('endpoint');
      const data = dispatcher.log.filter((a) => (!eventId || a.event_id === eventId) && (!type || a.type === type) && (!endpoint || a.endpoint === endpoint));
      return send(res, 200, { object: 'list', data });
    }
    if (method === 'GET' && path === '/_emulator/now') return send(res, 200, { now: store.now(), offset_seconds: clock.offsetSeconds() });
    send(res, 404, new StripeError(404, 'invalid_request_error', `Unknown control endpoint ${method} ${path}`).toJSON());
  }

  function handlePage(req: IncomingMessage, res: ServerResponse, url: URL, raw: string): boolean {
    const found = match(pages, req.method ?? 'GET', url.pathname);
    if (found === null || found === 'method') return false;
    let result: PageResult;
    try {
      result = found.route.handler(ctx, found.params, parseForm(raw));
      store.runDeferred();
      store.save();
    } catch (err) {
      store.runDeferred();
      const message = err instanceof Error ? err.message : String(err);
      result = { status: err instanceof StripeError ? err.status : 500, html: `<!doctype html><p>${message.replace(/</g, '&lt;')}</p>` };
    }
    if ('location' in result) {
      res.writeHead(303, { location: result.location });
      res.end();
    } else {
      res.writeHead(result.status, { 'content-type': 'text/html; charset=utf-8' });
      res.end(result.html);
    }
    return true;
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      try {
        const raw = await readBody(req);
        if (url.pathname.startsWith('/v1/')) return await handleApi(req, res, url, raw);
        if (url.pathname.startsWith('/_emulator/')) return await handleControl(req, res, url, raw);
        if (handlePage(req, res, url, raw)) return;
        if (url.pathname === '/' || url.pathname === '/healthz') return send(res, 200, { ok: true, emulator: 'stripe', api_version: API_VERSION, now: store.now() });
        send(res, 404, new StripeError(404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${url.pathname}).`).toJSON());
      } catch (err) {
        store.runDeferred();
        if (err instanceof StripeError) return send(res, err.status, err.toJSON());
        logger(`internal error: ${err instanceof Error ? err.stack : String(err)}`);
        if (!res.headersSent) send(res, 500, new StripeError(500, 'api_error', 'An unknown error occurred in the emulator.').toJSON());
      }
    })();
  });

  // Clients keep connections alive between calls; closing an idle one after Node's default 5 s races a client that
  // is reusing it at that moment (ECONNRESET on a busy machine), so idle connections are kept longer.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 12111, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
  logger(`stripe emulator listening on ${baseUrl}`);

  return {
    url: baseUrl,
    port,
    close: async () => {
      dispatcher.close();
      store.save();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
