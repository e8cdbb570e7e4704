import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { DATABASE_RETRY_AFTER_SECONDS, UnauthorizedError } from '../errors.js';

/** Who may read /metrics: anyone, whoever sends the bearer token, or nobody (the route does not exist). */
export type MetricsAccess = { kind: 'open' } | { kind: 'bearer'; token: string } | { kind: 'off' };

/** SPEC §10: a METRICS_TOKEN, once set, is always required; without one, /metrics is open outside production only. */
export function metricsAccess(config: Pick<Config, 'isProduction' | 'metricsToken'>): MetricsAccess {
  if (config.metricsToken) return { kind: 'bearer', token: config.metricsToken };
  return config.isProduction ? { kind: 'off' } : { kind: 'open' };
}

/**
 * `/healthz` (process up), `/readyz` (database reachable) and Prometheus `/metrics`, with per-route HTTP metrics.
 * Register before the viewer: a metrics token is checked (and consumed) here, before anything reads it as a member's.
 */
export function registerObservability(app: FastifyInstance, database: Database, metrics: MetricsAccess): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'flowtab_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'flowtab_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: reply.statusCode });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  const healthSchema = { hide: true, response: { 200: z.object({ status: z.literal('ok') }) } };
  app.get('/healthz', { schema: healthSchema }, async () => ({ status: 'ok' as const }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await database.ping();
      return { status: 'ok', database: database.kind };
    } catch {
      return reply.status(503).header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS)).type('application/problem+json').send({
        type: 'https://flowtab.pro/problems/not-ready',
        title: 'Not ready',
        status: 503,
        detail: 'The database is not reachable.',
      });
    }
  });
  if (metrics.kind === 'off') return registry;
  if (metrics.kind === 'bearer') {
    app.addHook('onRequest', async (request, reply) => {
      if (request.routeOptions.url !== '/metrics') return;
      if (!isBearer(request.headers.authorization, metrics.token)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        throw new UnauthorizedError('/metrics needs the metrics token: send Authorization: Bearer <METRICS_TOKEN>.');
      }
      // Consumed: the viewer (registered after) would take it for a member's token and refuse it.
      delete request.headers.authorization;
    });
  }
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  return registry;
}

/** Compares digests of equal length, so the time taken says nothing about how much of the token was right. */
function isBearer(header: string | undefined, token: string): boolean {
  const presented = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
  if (presented === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(token));
}
