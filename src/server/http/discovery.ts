import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../context.js';
import { countSitemapFlows, listSitemapFlows, listSitemapProfiles, SITEMAP_URLS_PER_FILE, type SitemapEntry } from '../modules/flows/sitemap.js';

/** Pages crawlers have no business in: they are personal, or answer only to a logged-in member. */
const PRIVATE_PATHS = ['/account', '/creator', '/admin', '/publish', '/subscribe/', '/login', '/register', '/verify-email', '/forgot-password', '/reset-password', '/v1/', '/dev/'];

/**
 * robots.txt and the sitemap (SPEC §15), for search engines: /sitemap.xml is a sitemap index naming
 * /sitemaps/pages.xml (the library, pricing and creators' profiles) and /sitemaps/flows-N.xml (published flows, at
 * most 50,000 a file). Every URL is absolute against PUBLIC_URL. Cached for an hour: crawlers come often.
 */
export function registerDiscoveryRoutes(app: FastifyInstance, ctx: AppContext): void {
  const origin = ctx.config.publicUrl;
  const absolute = (path: string) => new URL(path, origin).toString();
  const hide = { hide: true };

  app.get('/robots.txt', { schema: hide }, async (_request, reply) => {
    const lines = ['User-agent: *', ...PRIVATE_PATHS.map((path) => `Disallow: ${path}`), '', `Sitemap: ${absolute('/sitemap.xml')}`, ''];
    return reply.type('text/plain; charset=utf-8').header('cache-control', 'public, max-age=3600').send(lines.join('\n'));
  });

  app.get('/sitemap.xml', { schema: hide }, async (_request, reply) => {
    const flowFiles = Math.max(1, Math.ceil((await countSitemapFlows(ctx.db)) / SITEMAP_URLS_PER_FILE));
    const files = ['/sitemaps/pages.xml', ...Array.from({ length: flowFiles }, (_, index) => `/sitemaps/flows-${index + 1}.xml`)];
    const body = files.map((file) => `  <sitemap><loc>${escapeXml(absolute(file))}</loc></sitemap>`).join('\n');
    return sendXml(reply, `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${body}\n</sitemapindex>`);
  });

  app.get('/sitemaps/pages.xml', { schema: hide }, async (_request, reply) => {
    const pages: Array<{ path: string; lastModified?: Date }> = [{ path: '/' }, { path: '/pricing' }, ...(await listSitemapProfiles(ctx.db))];
    return sendXml(reply, urlSet(pages, absolute));
  });

  app.get('/sitemaps/:file', { schema: hide }, async (request, reply) => {
    const match = /^flows-([1-9][0-9]{0,4})\.xml$/.exec((request.params as { file: string }).file);
    if (!match) return reply.callNotFound();
    const part = Number(match[1]);
    const entries = await listSitemapFlows(ctx.db, part - 1);
    if (entries.length === 0 && part > 1) return reply.callNotFound();
    return sendXml(reply, urlSet(entries, absolute));
  });
}

function urlSet(entries: Array<Partial<SitemapEntry> & { path: string }>, absolute: (path: string) => string): string {
  const urls = entries.map(({ path, lastModified }) => {
    const lastmod = lastModified ? `<lastmod>${lastModified.toISOString()}</lastmod>` : '';
    return `  <url><loc>${escapeXml(absolute(path))}</loc>${lastmod}</url>`;
  });
  return `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>`;
}

function sendXml(reply: FastifyReply, body: string) {
  return reply
    .type('application/xml; charset=utf-8')
    .header('cache-control', 'public, max-age=3600')
    .send(`<?xml version="1.0" encoding="UTF-8"?>\n${body}\n`);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
