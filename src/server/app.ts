import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, LogController, type RawServerDefault } from 'fastify';
import { type FastifyPluginAsyncZod, jsonSchemaTransform, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { type Logger, pino } from 'pino';
import type { AppContext } from './context.js';
import { registerErrorHandler } from './http/error-handler.js';
import { registerInputGuard, rejectBadUrl } from './http/input-guard.js';
import { metricsAccess, registerObservability } from './http/observability.js';
import { createPostgresRateLimitStore } from './http/rate-limit-store.js';
import { responseSerializerCompiler } from './http/response-serializer.js';
import { registerSecurityHeaders, withSecurityHeaders } from './http/security-headers.js';
import { registerViewer } from './http/viewer.js';
import { registerDiscoveryRoutes } from './http/discovery.js';
import { createInternalRequests, type InternalRequests } from './http/internal-requests.js';
import { registerWebApp } from './http/web.js';
import { registerReconcileMetrics } from './modules/admin/finance/metrics.js';
import { adminRoutes } from './modules/admin/routes.js';
import { flowReportRoutes } from './modules/admin/moderation/routes.js';
import { authRoutes } from './modules/auth/routes.js';
import { registerCopyMetrics } from './modules/copies/metrics.js';
import { copyRoutes } from './modules/copies/routes.js';
import { devMailRoutes, emailRoutes } from './modules/email/routes.js';
import { creatorRoutes } from './modules/creators/routes.js';
import { flowRoutes } from './modules/flows/routes.js';
import { mcpRoutes } from './modules/mcp/routes.js';
import { payoutRoutes } from './modules/payouts/routes.js';
import { subscriptionRoutes } from './modules/subscriptions/routes.js';
import { tokenRoutes } from './modules/tokens/routes.js';
import { registerWebhookMetrics } from './modules/webhooks/metrics.js';
import { webhookRoutes } from './modules/webhooks/routes.js';
import { userRoutes } from './modules/users/routes.js';

/**
 * TRUST_PROXY as Fastify's trust function: the first `hops` addresses, counted from the socket outwards, are our
 * proxies, and request.ip is the one before them. (A plain number is no longer honoured by Fastify 5, which then
 * trusts nothing.) Unset, X-Forwarded-For is ignored entirely.
 */
function trustedHops(hops: number | undefined) {
  return hops ? (_address: string, hop: number) => hop < hops : false;
}

/** Where `vite build` puts the web app (see vite.config.ts). */
export const WEB_DIST_DIR = path.resolve(import.meta.dirname, '../../dist/web');

/** `internal`: the mark of the server's own requests (made here unless the caller makes requests of its own: main.ts's warm-up). */
export type BuildAppOptions = { logger?: Logger; internal?: InternalRequests };

type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/**
 * Every domain's routes under /v1, in the order they are registered: a module's routes are served only if listed
 * here. Agents' MCP endpoint and the development outbox sit outside /v1 (see registerModules).
 */
const V1_ROUTES = [
  authRoutes,
  userRoutes,
  flowRoutes,
  flowReportRoutes,
  copyRoutes,
  creatorRoutes,
  payoutRoutes,
  subscriptionRoutes,
  webhookRoutes,
  emailRoutes,
  tokenRoutes,
  adminRoutes,
] as const satisfies readonly ((ctx: AppContext) => FastifyPluginAsyncZod)[];

/** The app, in three layers: external plugins, then our own (errors, input, observability, the viewer), then the modules. */
export async function buildApp(ctx: AppContext, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const logger: FastifyBaseLogger = options.logger ?? pino({ level: 'silent' });
  const internal = options.internal ?? createInternalRequests();
  const app = Fastify({
    loggerInstance: logger,
    // The server's own requests (server rendering's reads, the start's warm-up) are not logged: the page request is.
    logController: new LogController({ disableRequestLogging: (request: FastifyRequest) => internal.isInternal(request) }),
    bodyLimit: 256 * 1024,
    // request.ip (rate limits, logs): the socket's address, or with TRUST_PROXY hops the client those proxies saw.
    trustProxy: trustedHops(ctx.config.trustProxyHops),
    // A path that is not UTF-8 or has a too long segment: problem+json like every other 4xx.
    frameworkErrors: withSecurityHeaders(rejectBadUrl, ctx.config),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler({ checks: ctx.config.checksResponses }));

  await registerExternalPlugins(app, ctx, internal);
  registerOwnPlugins(app, ctx);
  await registerModules(app, ctx);
  registerDiscoveryRoutes(app, ctx);
  // Last: the web app answers every other GET (client-side routes), never /v1 or the operational paths.
  await registerWebApp(app, WEB_DIST_DIR, { origin: ctx.config.publicUrl, internal });
  // After the server has closed (Fastify runs this hook once requests in flight are done): copies still waiting.
  app.addHook('onClose', () => ctx.copyRecorder.close());
  app.addHook('onClose', () => ctx.rateLimits.close());
  return app;
}

/** Security headers, rate limiting and the OpenAPI document. */
async function registerExternalPlugins(app: App, ctx: AppContext, internal: InternalRequests) {
  // First, so that every response carries the headers, errors and 404s included.
  registerSecurityHeaders(app, { publicUrl: ctx.config.publicUrl });
  // Counted in PostgreSQL, so a limit holds across processes (routes opt in with config.rateLimit).
  // The server's own reads while rendering pages are not a client's requests.
  await app.register(fastifyRateLimit, { global: false, store: createPostgresRateLimitStore(ctx.rateLimits), allowList: (request) => internal.isInternal(request) });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Flowtab.Pro API',
        version: '1.0.0',
        description: 'Reusable flows for browser AI agents. Money fields are integer cents; errors are application/problem+json.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transform: jsonSchemaTransform,
  });
  // The document is always built (app.swagger()); it is published only where DOCS_PUBLIC says so.
  if (ctx.config.isDocsPublic) {
    await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  }
}

/** Errors as problem+json, the input guard, metrics and health, and the viewer behind each bearer token. */
function registerOwnPlugins(app: App, ctx: AppContext) {
  registerErrorHandler(app);
  registerInputGuard(app);
  // Before the viewer: /metrics reads its own bearer token (see registerObservability).
  const metrics = registerObservability(app, ctx.database, metricsAccess(ctx.config));
  registerWebhookMetrics(metrics, ctx.db);
  registerReconcileMetrics(metrics, ctx.db);
  registerCopyMetrics(metrics, ctx.copyRecorder);
  registerViewer(app, {
    tokens: ctx.tokens,
    sessions: ctx.sessions,
    acceptsOperatorTokens: !ctx.config.databaseUrl && !ctx.config.isProduction,
    // Personal access tokens: a budget per token, in the same rate_limits store as every other limit.
    tokenRequests: { perMinute: ctx.config.rateLimits.tokenPerMinute, count: (key, windowMs) => ctx.rateLimits.count(key, windowMs, ctx.config.rateLimits.tokenPerMinute) },
  });
}

/** The domain modules: V1_ROUTES under /v1, then MCP and (outside production) the development outbox. */
async function registerModules(app: App, ctx: AppContext) {
  await app.register(
    async (v1) => {
      for (const routes of V1_ROUTES) await v1.register(routes(ctx));
    },
    { prefix: '/v1' },
  );
  // Agents (SPEC §16): the MCP server, outside /v1 as MCP clients expect one fixed URL.
  await app.register(mcpRoutes(ctx));
  // The development outbox shows everyone's mail: never in production.
  if (!ctx.config.isProduction) await app.register(devMailRoutes(ctx));
}
