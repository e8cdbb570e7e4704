import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { RateLimitCounter } from '../modules/rate-limits/counter.js';

type IncrCallback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** What @fastify/rate-limit hands a store: its options, and for a route's child store the route it serves. */
type StoreOptions = { timeWindow?: unknown; routeInfo?: { method?: string | string[]; url?: string } };

const DEFAULT_WINDOW_MS = 60_000;

/**
 * A @fastify/rate-limit store in PostgreSQL (the `rate_limits` table, through the process's RateLimitCounter, which
 * sends the hits of big budgets in batches), so a limit holds across every API process and on the embedded PGlite
 * alike. Keys are `http:<METHOD> <route>:<client>` (the client is request.ip, which TRUST_PROXY decides); a HEAD
 * shares its GET's budget. A failing database is passed on: the request then ends as the error handler's 503
 * (skipOnError would let login through unlimited, and the route needs the database anyway).
 */
export function createPostgresRateLimitStore(counter: RateLimitCounter): FastifyRateLimitStoreCtor {
  return class PostgresRateLimitStore implements FastifyRateLimitStore {
    private readonly scope: string;
    private readonly windowMs: number;

    constructor(options: StoreOptions, scope = 'http') {
      this.scope = scope;
      this.windowMs = typeof options.timeWindow === 'number' ? options.timeWindow : DEFAULT_WINDOW_MS;
    }

    /** The plugin passes the window and the budget it resolved for this request (the route's, or its functions' answers). */
    incr(key: string, callback: IncrCallback, timeWindow?: number, max?: number): void {
      counter.count(`${this.scope}:${key}`, timeWindow ?? this.windowMs, max ?? 0).then(
        (hit) => callback(null, { current: hit.hits, ttl: hit.resetInMs }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    }

    // The plugin passes the route's merged options (with routeInfo), not the RouteOptions its types announce.
    child(options: object): FastifyRateLimitStore {
      const routeOptions = options as StoreOptions;
      const methods = [routeOptions.routeInfo?.method ?? '*'].flat().map((method) => (method === 'HEAD' ? 'GET' : method));
      return new PostgresRateLimitStore(routeOptions, `http:${[...new Set(methods)].join(',')} ${routeOptions.routeInfo?.url ?? ''}`);
    }
  };
}
