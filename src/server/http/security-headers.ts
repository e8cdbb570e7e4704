import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
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

/**
 * On every routed response (API JSON, problem+json errors and 404s, the web app, the docs UI): the plugin is global
 * unless told otherwise. Register it first.
 */
export async function registerSecurityHeaders(app: FastifyInstance, { publicUrl }: { publicUrl: string }): Promise<void> {
  await app.register(fastifyHelmet, securityHeaderOptions(publicUrl));
}

type HelmetMiddleware = (request: IncomingMessage, response: ServerResponse, next: () => void) => void;
type FrameworkErrorHandler = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void;

/**
 * Fastify answers a URL it cannot route (bad percent-encoding, a too long parameter) through `frameworkErrors`,
 * before any hook runs: the same headers are set there by the helmet that @fastify/helmet is built on.
 */
export function withSecurityHeaders(handler: FrameworkErrorHandler, { publicUrl }: { publicUrl: string }): FrameworkErrorHandler {
  const requireFromPlugin = createRequire(createRequire(import.meta.url).resolve('@fastify/helmet'));
  const helmet = requireFromPlugin('helmet') as (options: FastifyHelmetOptions) => HelmetMiddleware;
  const setHeaders = helmet(securityHeaderOptions(publicUrl));
  return (error, request, reply) => {
    setHeaders(request.raw, reply.raw, () => {});
    handler(error, request, reply);
  };
}
