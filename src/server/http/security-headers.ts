import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

/**
 * The one authority for security headers (SPEC §11). The CSP allows scripts from this origin only (no inline
 * script: the web app's theme script is a file); inline styles stay allowed for React style props, the Swagger UI
 * and the server's small HTML pages. No site may frame ours (no clickjacking the Copy or Subscribe buttons). HSTS
 * and upgrade-insecure-requests only when the site is served over https: on http://localhost they break development.
 */
function securityHeaderOptions(publicUrl: string): FastifyHelmetOptions {
  const isHttps = new URL(publicUrl).protocol === 'https:';
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        // Avatars are https URLs on the member's own host (SPEC §15): images run no code, and they load without a
        // referrer. Flow bodies never load images (the Markdown renderer turns them into links).
        imgSrc: ["'self'", 'data:', 'https:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        ...(isHttps ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    strictTransportSecurity: isHttps ? { maxAge: ONE_YEAR_SECONDS, includeSubDomains: true } : false,
  };
}

type HelmetMiddleware = (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void;
type FrameworkErrorHandler = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void;

/** helmet's middleware for these options, built once (helmet is what @fastify/helmet is built on). */
function securityHeadersMiddleware(publicUrl: string): HelmetMiddleware {
  const requireFromPlugin = createRequire(createRequire(import.meta.url).resolve('@fastify/helmet'));
  const helmet = requireFromPlugin('helmet') as (options: FastifyHelmetOptions) => HelmetMiddleware;
  return helmet(securityHeaderOptions(publicUrl));
}

/**
 * On every routed response (API JSON, problem+json errors and 404s, the web app, the docs UI): a hook on the root
 * instance. Register it first. Not @fastify/helmet's plugin: it builds helmet's middleware again on every request
 * (the CSP parsed each time, ~5% of the CPU of an earnings read), while these headers never vary by route.
 */
export function registerSecurityHeaders(app: FastifyInstance, { publicUrl }: { publicUrl: string }): void {
  const setHeaders = securityHeadersMiddleware(publicUrl);
  app.addHook('onRequest', (request, reply, done) => setHeaders(request.raw, reply.raw, () => done()));
}

/**
 * Fastify answers a URL it cannot route (bad percent-encoding, a too long parameter) through `frameworkErrors`,
 * before any hook runs: the same headers are set there.
 */
export function withSecurityHeaders(handler: FrameworkErrorHandler, { publicUrl }: { publicUrl: string }): FrameworkErrorHandler {
  const setHeaders = securityHeadersMiddleware(publicUrl);
  return (error, request, reply) => {
    setHeaders(request.raw, reply.raw, () => {});
    handler(error, request, reply);
  };
}
