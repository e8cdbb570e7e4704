import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Paths the web app never answers: they belong to the API and the operational endpoints. */
const SERVER_PREFIXES = ['/v1', '/docs', '/openapi.json', '/healthz', '/readyz', '/metrics', '/dev'];

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

export function isServerPath(pathname: string): boolean {
  return SERVER_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}

/**
 * Serves the built web app from `distDir`: real files as they are (hashed assets cached for a year), and
 * index.html for every other GET outside the API, so client-side routes such as /flows/some-slug work on
 * reload. Unknown API paths keep the API's problem+json 404. Without a build, a short page says how to make one.
 * Security headers come from the app (security-headers.ts), as for every other response.
 */
export async function registerWebApp(app: FastifyInstance, distDir: string): Promise<void> {
  const root = path.resolve(distDir);
  // Encapsulated: reply.sendFile stays ours, and other plugins may register @fastify/static too (the docs UI does).
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, { root, serve: false, cacheControl: false, dotfiles: 'deny' });

    scope.get('/*', { schema: { hide: true } }, async (request, reply) => {
      const pathname = safeDecode(request.url.split('?')[0] ?? '/');
      if (pathname === undefined || isServerPath(pathname)) return reply.callNotFound();
      if (!existsSync(path.join(root, 'index.html'))) return sendNotBuilt(reply);

      const file = fileInside(root, pathname);
      if (file) {
        const isHashedAsset = file.startsWith(`assets${path.sep}`);
        reply.header('cache-control', isHashedAsset ? `public, max-age=${ONE_YEAR_SECONDS}, immutable` : 'no-cache');
        return reply.sendFile(file);
      }
      // A missing file (an old chunk, a typo in /favicon.png) is a 404, not the app's HTML.
      if (path.posix.extname(pathname)) return reply.callNotFound();
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    });
  });
}

function safeDecode(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
}

/** The file under `root` that `pathname` names, relative to root; undefined for directories, misses and escapes. */
function fileInside(root: string, pathname: string): string | undefined {
  const absolute = path.resolve(root, `.${path.posix.normalize(pathname)}`);
  if (absolute !== root && !absolute.startsWith(`${root}${path.sep}`)) return undefined;
  const relative = path.relative(root, absolute);
  if (!relative || relative.split(path.sep).some((part) => part.startsWith('.'))) return undefined;
  try {
    return statSync(absolute).isFile() ? relative : undefined;
  } catch {
    return undefined;
  }
}

function sendNotBuilt(reply: FastifyReply) {
  return reply
    .status(503)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(`<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Flowtab.Pro</title></head>
  <body style="font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
    <h1>The web app is not built</h1>
    <p>The API is running (see <a href="/docs">the API docs</a>), but there is no web build to serve.</p>
    <p>Build it with <code>npm run build:web</code>, or start with <code>npm start</code>, which builds it when it is missing or stale.</p>
  </body>
</html>
`);
}
