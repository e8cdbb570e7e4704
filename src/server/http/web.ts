import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RenderedPage, RenderOptions } from '../../web/entry-server.js';
import type { InternalRequests } from './internal-requests.js';

/** Paths the web app never answers: they belong to the API and the operational endpoints. */
const SERVER_PREFIXES = ['/v1', '/docs', '/openapi.json', '/healthz', '/readyz', '/metrics', '/dev', '/sitemaps'];

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

export function isServerPath(pathname: string): boolean {
  return SERVER_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}

/**
 * Serves the built web app from `distDir`: real files as they are (hashed assets cached for a year), and the app's
 * HTML for every other GET outside the API, so client-side routes such as /flows/some-slug work on reload. The public
 * pages (the library, a flow, a profile, pricing) and unknown paths (404) arrive rendered on the server by the SSR
 * build (dist/web/.ssr); every other page gets the shell and renders in the browser. Unknown API paths keep the API's
 * problem+json 404. Without a build, a short page says how to make one. Security headers come from the app
 * (security-headers.ts), as for every other response.
 */
export async function registerWebApp(app: FastifyInstance, distDir: string, options: { origin: string; internal?: InternalRequests }): Promise<void> {
  const root = path.resolve(distDir);
  const renderer = await loadRenderer(root);
  let template: string | undefined;
  // The page's data comes from the API in-process, as a guest: a GET with no credentials, never the visitor's.
  const transport: RenderOptions['transport'] = async (url, init) => {
    if ((init.method ?? 'GET') !== 'GET') throw new Error(`server rendering only reads: ${init.method} ${url}`);
    const response = await app.inject({ method: 'GET', url, headers: { accept: 'application/json', ...options.internal?.headers } });
    return new Response(response.statusCode === 204 ? null : response.body, { status: response.statusCode, headers: { 'content-type': String(response.headers['content-type'] ?? '') } });
  };

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
      if (!renderer) return reply.sendFile('index.html');

      template ??= readFileSync(path.join(root, 'index.html'), 'utf8');
      let page: RenderedPage;
      try {
        page = await renderer.renderPage({ url: request.url, origin: options.origin, transport });
      } catch (error) {
        // The browser can still render it: a page that cannot be rendered here is served as the shell.
        request.log.warn({ err: error, url: request.url }, 'server rendering failed; serving the app shell');
        return reply.sendFile('index.html');
      }
      if (page.kind === 'shell') return reply.sendFile('index.html');
      return reply.status(page.status).type('text/html; charset=utf-8').send(fillTemplate(template, page));
    });
  });
}

type Renderer = { renderPage: (options: RenderOptions) => Promise<RenderedPage> };

/** The SSR build, when there is one (`npm run build:web`; `npm start` builds both). */
async function loadRenderer(root: string): Promise<Renderer | undefined> {
  const entry = path.join(root, '.ssr', 'entry-server.js');
  if (!existsSync(entry)) return undefined;
  return (await import(pathToFileURL(entry).href)) as Renderer;
}

/**
 * The built index.html with the page's head tags, its HTML and the data it was rendered from. A 404 page is for
 * crawlers and for a first paint: the browser renders it afresh instead of hydrating it (its data, an error, is
 * not carried over), hence no `data-ssr` mark.
 */
function fillTemplate(template: string, page: Extract<RenderedPage, { kind: 'page' }>): string {
  const root = page.status === 200 ? '<div id="root" data-ssr="1">' : '<div id="root">';
  return template
    .replace(/<title>[^<]*<\/title>/, '')
    .replace(/<meta name="description"[^>]*>/, '')
    .replace('</head>', `  ${page.head}\n  </head>`)
    .replace(
      '<div id="root"></div>',
      `${root}${page.body}</div>\n    <script id="flowtab-state" type="application/json">${page.state}</script>`,
    );
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
