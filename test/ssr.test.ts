import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale } from '../src/server/web-build.js';
import { createFlow, createMember, giveSubscription, type Member } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';

/**
 * SPEC §15: the public pages as a crawler meets them, with no JavaScript: full HTML from the server with the page's
 * title, description, canonical link, OpenGraph and Twitter tags and JSON-LD; real 404s; the sitemap and robots.txt;
 * and never a premium flow's locked text, in the markup or in the data embedded for hydration.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const LOCKED = 'LOCKEDTEXT7f3a';

let t: TestApp;
let creator: Member;
let premium: { slug: string; title: string };
let free: { slug: string; title: string };

beforeAll(async () => {
  // The server renderer is part of the web build: made (or found up to date) before the app loads it.
  await buildWebIfStale(ROOT, () => undefined);
  // A low list limit: the server's own reads while rendering must not count against it (test below).
  t = await createTestApp({ RATE_LIMIT_LIST_PER_MINUTE: '5' });
  creator = await createMember(t);
  await t.request({ method: 'PATCH', url: '/v1/users/me', token: creator.token, payload: { display_name: 'Ada Flows', bio: 'I automate <dull> chores & "errands".' } });
  premium = await createFlow(t, creator, {
    title: `Premium crawl check ${Date.now()}`,
    summary: 'A premium flow whose summary anyone may read.',
    body: `Open the page. ${'Read it carefully. '.repeat(40)}Then do the secret part: ${LOCKED} body.`,
    // The preview shows the first two steps (SPEC §2: summary, first steps, a truncated body); the third is locked.
    steps: ['Open the page', 'Read it', `Do the ${LOCKED} step`],
    notes: [`A ${LOCKED} note`],
  });
  free = await createFlow(t, creator, { title: `Free crawl check ${Date.now()}`, is_premium: false });
}, 180_000);
afterAll(() => t?.close());

/** What a crawler gets: no cookies, no token, no JavaScript. */
async function crawl(url: string, headers: Record<string, string> = {}) {
  const response = await t.request({ method: 'GET', url, headers: { accept: 'text/html', ...headers } });
  return { status: response.status, html: String(response.body), type: String(response.headers['content-type']) };
}

function headOf(html: string) {
  const attr = (pattern: RegExp) => pattern.exec(html)?.[1];
  const jsonLd = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(html)?.[1];
  return {
    title: attr(/<title>([^<]*)<\/title>/),
    description: attr(/<meta name="description" content="([^"]*)"/),
    canonical: attr(/<link rel="canonical" href="([^"]*)"/),
    ogTitle: attr(/<meta property="og:title" content="([^"]*)"/),
    ogType: attr(/<meta property="og:type" content="([^"]*)"/),
    ogUrl: attr(/<meta property="og:url" content="([^"]*)"/),
    twitterCard: attr(/<meta name="twitter:card" content="([^"]*)"/),
    robots: attr(/<meta name="robots" content="([^"]*)"/),
    jsonLd: jsonLd ? (JSON.parse(jsonLd) as Record<string, unknown>) : undefined,
    titleCount: html.match(/<title>/g)?.length ?? 0,
  };
}

describe('server-rendered public pages (SPEC §15)', () => {
  it('a premium flow: its preview, tags and HowTo JSON-LD, and none of its locked text anywhere in the HTML', async () => {
    const page = await crawl(`/flows/${premium.slug}`);
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    const head = headOf(page.html);
    expect(head.titleCount).toBe(1);
    expect(head.title).toBe(`${premium.title} · Flowtab.Pro`);
    expect(head.description).toBe('A premium flow whose summary anyone may read.');
    expect(head.canonical).toBe(`${t.ctx.config.publicUrl}/flows/${premium.slug}`);
    expect(head.ogUrl).toBe(head.canonical);
    expect(head.ogTitle).toBe(head.title);
    expect(head.ogType).toBe('article');
    expect(head.twitterCard).toBe('summary');
    expect(head.jsonLd).toMatchObject({
      '@type': 'HowTo',
      name: premium.title,
      isAccessibleForFree: false,
      author: { '@type': 'Person', name: creator.username, url: `${t.ctx.config.publicUrl}/u/${creator.username}` },
    });
    // The page itself, rendered: the title, the preview's opening, the author link to the profile.
    expect(page.html).toContain(`<h1>${premium.title}</h1>`);
    expect(page.html).toContain('Open the page.');
    expect(page.html).toContain(`href="/u/${creator.username}"`);
    expect(page.html).toContain('<div id="root" data-ssr="1">');
    expect(page.html).toContain('id="flowtab-state"');
    expect(page.html).not.toContain(LOCKED);
  });

  it('never renders what a logged-in subscriber could read: shared HTML is a guest’s, whatever the request carries', async () => {
    const subscriber = await createMember(t);
    await giveSubscription(t, subscriber, 'active', { isPaid: true });
    const api = await t.request({ method: 'GET', url: `/v1/flows/${premium.slug}`, token: subscriber.token });
    expect(api.body.body).toContain(LOCKED);
    const page = await crawl(`/flows/${premium.slug}`, { authorization: `Bearer ${subscriber.token}`, cookie: `token=${subscriber.token}` });
    expect(page.status).toBe(200);
    expect(page.html).not.toContain(LOCKED);
    expect(page.html).not.toContain(subscriber.username);
  });

  it('a free flow carries its steps in the HowTo', async () => {
    const page = await crawl(`/flows/${free.slug}`);
    expect(page.status).toBe(200);
    const { jsonLd } = headOf(page.html);
    expect(jsonLd).toMatchObject({ '@type': 'HowTo', isAccessibleForFree: true });
    expect((jsonLd!.step as Array<{ text: string }>).map((s) => s.text)).toEqual(['Open the profile', 'Expand the experience section', 'Write the summary']);
  });

  it('the library lists flows as links, with WebSite JSON-LD; a search for locked text finds nothing', async () => {
    const page = await crawl('/');
    expect(page.status).toBe(200);
    const head = headOf(page.html);
    expect(head.canonical).toBe(`${t.ctx.config.publicUrl}/`);
    expect(head.jsonLd).toMatchObject({ '@type': 'WebSite' });
    expect(head.robots).toBeUndefined();
    expect(page.html).toContain(`href="/flows/${premium.slug}"`);
    expect(page.html).not.toContain(LOCKED);

    const search = await crawl(`/?q=${LOCKED}`);
    expect(search.status).toBe(200);
    expect(headOf(search.html).robots).toBe('noindex');
    expect(search.html).not.toContain(`href="/flows/${premium.slug}"`);
  });

  it('a profile: ProfilePage JSON-LD, the person’s flows, escaped text', async () => {
    const page = await crawl(`/u/${creator.username}`);
    expect(page.status).toBe(200);
    const head = headOf(page.html);
    expect(head.title).toBe(`Ada Flows (@${creator.username}) · Flowtab.Pro`);
    expect(head.description).toBe('I automate &lt;dull&gt; chores &amp; &quot;errands&quot;.');
    expect(head.ogType).toBe('profile');
    expect(head.jsonLd).toMatchObject({ '@type': 'ProfilePage', mainEntity: { '@type': 'Person', name: 'Ada Flows', alternateName: creator.username } });
    expect(page.html).toContain(`href="/flows/${premium.slug}"`);
    expect(page.html).toContain(`href="/flows/${free.slug}"`);
    expect(page.html).not.toContain(LOCKED);
    expect(page.html).not.toContain('<dull>');
  });

  it('an unknown flow, person or path is a 404 page, not indexed', async () => {
    for (const url of ['/flows/no-such-flow-anywhere', '/u/no_such_person_here', '/no/such/page']) {
      const page = await crawl(url);
      expect(page.status, url).toBe(404);
      expect(page.type).toContain('text/html');
      expect(headOf(page.html).robots, url).toBe('noindex');
      expect(page.html, url).toContain('not found');
    }
  });

  it('rendering is not a client: pages render past the API’s per-client list limit, which still holds for clients', async () => {
    for (let i = 0; i < 8; i++) {
      const page = await crawl(`/?page=${i + 1}`);
      expect(page.status).toBe(200);
      expect(page.html, `render ${i + 1}`).toContain('<div id="root" data-ssr="1">');
    }
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await t.request({ method: 'GET', url: '/v1/flows', headers: { 'x-flowtab-internal': 'guessed' } })).status);
    expect(statuses).toContain(429);
  });

  it('pages that belong to a member are the app’s shell, rendered in the browser', async () => {
    const page = await crawl('/account');
    expect(page.status).toBe(200);
    expect(page.html).toContain('<div id="root"></div>');
    expect(page.html).not.toContain('flowtab-state');
  });
});

describe('robots.txt and the sitemap (SPEC §15)', () => {
  it('robots.txt keeps crawlers out of members’ pages and names the sitemap', async () => {
    const response = await t.request({ method: 'GET', url: '/robots.txt' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(String(response.body)).toContain('Disallow: /account');
    expect(String(response.body)).toContain('Disallow: /v1/');
    expect(String(response.body)).toContain(`Sitemap: ${t.ctx.config.publicUrl}/sitemap.xml`);
  });

  it('lists published flows and their creators’ profiles with lastmod; drafts and archived flows are not listed', async () => {
    const draft = await createFlow(t, creator, { title: `Draft crawl check ${Date.now()}`, status: 'draft' });
    const archived = await createFlow(t, creator, { title: `Archived crawl check ${Date.now()}` });
    expect((await t.request({ method: 'DELETE', url: `/v1/flows/${archived.slug}`, token: creator.token })).status).toBe(200);

    const index = await t.request({ method: 'GET', url: '/sitemap.xml' });
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toContain('application/xml');
    const files = [...String(index.body).matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]!);
    expect(files).toEqual([`${t.ctx.config.publicUrl}/sitemaps/pages.xml`, `${t.ctx.config.publicUrl}/sitemaps/flows-1.xml`]);

    const pages = String((await t.request({ method: 'GET', url: '/sitemaps/pages.xml' })).body);
    expect(pages).toContain(`<loc>${t.ctx.config.publicUrl}/</loc>`);
    expect(pages).toMatch(new RegExp(`<loc>${t.ctx.config.publicUrl}/u/${creator.username}</loc><lastmod>\\d{4}-\\d\\d-\\d\\dT`));

    const flows = String((await t.request({ method: 'GET', url: '/sitemaps/flows-1.xml' })).body);
    expect(flows).toMatch(new RegExp(`<loc>${t.ctx.config.publicUrl}/flows/${premium.slug}</loc><lastmod>\\d{4}-`));
    expect(flows).toContain(`/flows/${free.slug}</loc>`);
    expect(flows).not.toContain(`/flows/${draft.slug}<`);
    expect(flows).not.toContain(`/flows/${archived.slug}<`);
    expect((await t.request({ method: 'GET', url: '/sitemaps/flows-2.xml' })).status).toBe(404);
    expect((await t.request({ method: 'GET', url: '/sitemaps/other.xml' })).status).toBe(404);
  });
});
