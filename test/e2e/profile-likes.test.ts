import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eApi, type E2eApi, type FlowSummary, type RegisteredMember } from '../support/e2e-api.js';
import { type Stack, startStack } from '../support/stack.js';
import { CHROMIUM, closeChromium, gotoApp, launchChromium } from '../support/browser.js';

/**
 * SPEC §15 in the browser: a creator's public profile (1280 and 390 px, light and dark), author links leading to it,
 * and the heart: a member likes and unlikes (the count survives a reload), a failed like is rolled back and said,
 * a guest is sent to log in. Screenshots land in test-results/screenshots/profile-*.png.
 */
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots');
const STACK_START_MS = 180_000;
/** A 1×1 transparent PNG. */
const AVATAR_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const PAGE_SIZE = 12;

const shot = (page: Page, name: string, fullPage = true) => page.screenshot({ path: path.join(SCREENSHOTS, `profile-${name}.png`), fullPage });
const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();
const heartOn = (page: Page) => page.locator('.flow-like').getByRole('button', { name: /^Like / });

describe.skipIf(!existsSync(CHROMIUM))('profiles and likes in the web app (Chromium)', () => {
  let context: BrowserContext;
  let stack: Stack;
  let api: E2eApi;
  let creator: RegisteredMember;
  let reader: RegisteredMember;
  let flows: FlowSummary[];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    context = await launchChromium();
    stack = await startStack();
    api = e2eApi(stack);

    // A creator with a full profile and one flow more than a page holds, so the profile pages its flows.
    creator = await api.register('creator');
    reader = await api.register('reader');
    await api.call('PATCH', '/v1/users/me', {
      token: creator.token,
      body: {
        display_name: 'Ada Lovelace',
        bio: 'Writes research flows that cite their sources.\nSays when she is unsure.',
        links: ['https://ada.example.com/', 'https://github.com/ada-example'],
        // Another host, as a member's avatar would be: the test answers for it (no network here).
        avatar_url: 'https://images.example.com/ada.png',
      },
    });
    flows = [];
    for (let index = 0; index <= PAGE_SIZE; index += 1) {
      flows.push(
        await api.call<FlowSummary>('POST', '/v1/flows', {
          token: creator.token,
          body: {
            title: `Research sweep number ${index + 1} ${creator.username}`,
            summary: 'Collects sources on a topic and says how sure it is about each one.',
            body: `# Role\nYou are a careful research assistant.\nCite every source.\n\n## Steps\n1. Search\n2. Read **every** result\n\nSee [the guide](https://example.com/guide). <b>raw html</b>`,
            steps: ['Open the topic', 'Run the flow'],
            notes: ['Paywalled sources are skipped.'],
            target_sites: ['scholar.google.com'],
            works_with: ['Comet'],
            tags: ['research'],
            is_premium: false,
          },
        }),
      );
    }
    // One copy and one like, so the profile's totals are not all zero.
    await api.call('POST', `/v1/flows/${flows[0]!.slug}/copy`, { token: reader.token });
    await api.call('PUT', `/v1/flows/${flows[0]!.slug}/like`, { token: reader.token });
  }, STACK_START_MS);

  afterAll(async () => {
    await closeChromium(context);
    await stack?.close();
  });

  /** A fresh tab, logged in when `token` is given (the app keeps its token in localStorage). */
  async function openPage(token?: string): Promise<Page> {
    const page = await context.newPage();
    await gotoApp(page, stack.url);
    await page.evaluate((value) => (value ? localStorage.setItem('flowtab.token', value) : localStorage.removeItem('flowtab.token')), token ?? null);
    return page;
  }

  const flowLikes = async (slug: string, token?: string) =>
    api.call<{ like_count: number; liked_by_me: boolean }>('GET', `/v1/flows/${slug}`, { token });

  it('shows the profile: name, bio, links, joined, totals and the flows, paged; at 1280 and 390 px, light and dark', async () => {
    const page = await openPage();
    // The avatar lives on the member's own host (the CSP allows https images); here that host answers with a picture.
    let avatarRequests = 0;
    await page.route('https://images.example.com/**', (route) => {
      avatarRequests += 1;
      return route.fulfill({ contentType: 'image/png', body: AVATAR_PNG });
    });
    for (const [width, height] of [
      [1280, 860],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width, height });
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await gotoApp(page, `${stack.url}/u/${creator.username}`);
        await expect.poll(() => heading(page)).toBe('Ada Lovelace');
        expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(scheme);
        await expect.poll(() => page.locator('.flow-card').count()).toBe(PAGE_SIZE);
        // Nothing wider than the screen: no sideways scrolling on a phone.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        await shot(page, `${width}-${scheme}`);
        // A phone's first screen, at the size people see it.
        if (width < 500) await shot(page, `${width}-${scheme}-first-screen`, false);
      }
    }

    await page.setViewportSize({ width: 1280, height: 860 });
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await page.locator('.profile-username').textContent()).toBe(`@${creator.username}`);
    expect(await page.locator('.profile-bio').textContent()).toBe('Writes research flows that cite their sources.\nSays when she is unsure.');
    expect(await page.locator('.profile-joined').textContent()).toMatch(/^Joined [A-Z][a-z]{2} \d{1,2}, \d{4}$/);
    const links = page.getByRole('list', { name: 'Links' }).getByRole('link');
    expect(await links.allTextContents()).toEqual(['ada.example.com', 'github.com/ada-example']);
    for (const link of await links.all()) expect(await link.getAttribute('rel')).toBe('nofollow ugc noopener');
    expect(await links.first().getAttribute('href')).toBe('https://ada.example.com/');
    // The avatar shows, loaded without a referrer.
    await expect.poll(() => page.locator('img.avatar').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1);
    expect(await page.locator('img.avatar').getAttribute('referrerpolicy')).toBe('no-referrer');
    expect(avatarRequests).toBeGreaterThan(0);
    expect(await page.locator('.avatar-initials').count()).toBe(0);
    const stats = Object.fromEntries(
      await page.locator('.profile-stats > div').evaluateAll((items) => items.map((item) => [item.querySelector('dt')!.textContent, item.querySelector('dd')!.textContent])),
    );
    expect(stats).toEqual({ Flows: String(PAGE_SIZE + 1), Copies: '1', Likes: '1' });
    expect(await page.locator('#profile-flows-heading').textContent()).toBe(`Published flows (${PAGE_SIZE + 1})`);
    // The cards on a profile do not repeat the author.
    expect(await page.locator('.flow-card .author-link').count()).toBe(0);

    await page.getByRole('button', { name: 'Next →' }).click();
    await page.waitForURL(/\/u\/[^?]+\?page=2$/);
    await expect.poll(() => page.locator('.flow-card').count()).toBe(1);
    expect(await page.locator('.pagination [aria-current="page"]').textContent()).toBe('Page 2 of 2');
    await shot(page, '1280-light-page-2');
    await page.close();
  });

  it('an unknown or misspelled username is the not-found page, saying so', async () => {
    const page = await openPage();
    await gotoApp(page, `${stack.url}/u/nobody_here_${Date.now().toString(36)}`);
    await expect.poll(() => page.locator('.state-empty .state-title').textContent()).toBe('Creator not found');
    expect(await page.locator('.state-empty').textContent()).toContain('has a public profile here');
    expect(await page.title()).toBe('Creator not found · Flowtab.Pro');
    await shot(page, 'unknown');
    await page.getByRole('link', { name: 'Browse the library' }).click();
    await page.waitForURL(`${stack.url}/`);
    await page.close();
  });

  it('author links lead to the profile: from a flow page and from a library card', async () => {
    const page = await openPage();
    await gotoApp(page, `${stack.url}/flows/${flows[1]!.slug}`);
    await expect.poll(() => heading(page)).toBe(flows[1]!.title);
    await page.locator('.flow-meta').getByRole('link', { name: creator.username }).click();
    await page.waitForURL(`${stack.url}/u/${creator.username}`);
    await expect.poll(() => heading(page)).toBe('Ada Lovelace');

    // On a card the author link sits above the card's own link: the click opens the profile, not the flow.
    await gotoApp(page, `${stack.url}/?q=${encodeURIComponent(flows[2]!.title)}`);
    const card = page.locator('.flow-card', { hasText: flows[2]!.title });
    await expect.poll(() => card.count()).toBe(1);
    await card.getByRole('link', { name: creator.username, exact: true }).click();
    await page.waitForURL(`${stack.url}/u/${creator.username}`);
    await expect.poll(() => heading(page)).toBe('Ada Lovelace');
    await page.close();
  });

  it('a member likes and unlikes a flow: the heart is pressed, the count moves, and both survive a reload', async () => {
    const member = await api.register('liker');
    const flow = flows[3]!;
    const page = await openPage(member.token);
    await gotoApp(page, `${stack.url}/flows/${flow.slug}`);
    await expect.poll(() => heading(page)).toBe(flow.title);
    const heart = heartOn(page);
    await expect.poll(() => heart.getAttribute('aria-pressed')).toBe('false');
    expect(await heart.textContent()).toBe('0');

    await heart.click();
    await expect.poll(() => heart.getAttribute('aria-pressed')).toBe('true');
    expect(await heart.textContent()).toBe('1');
    await expect.poll(async () => (await flowLikes(flow.slug, member.token)).liked_by_me).toBe(true);
    await shot(page, 'flow-liked');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'flow-liked-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.reload();
    await expect.poll(() => heart.getAttribute('aria-pressed')).toBe('true');
    expect(await heart.textContent()).toBe('1');

    await heart.click();
    await expect.poll(() => heart.getAttribute('aria-pressed')).toBe('false');
    expect(await heart.textContent()).toBe('0');
    await expect.poll(async () => (await flowLikes(flow.slug)).like_count).toBe(0);
    await page.reload();
    await expect.poll(() => heart.getAttribute('aria-pressed')).toBe('false');
    expect(await heart.textContent()).toBe('0');

    // On a card (the profile's list): the heart likes without opening the flow.
    await gotoApp(page, `${stack.url}/u/${creator.username}`);
    const cardHeart = page.locator('.flow-card', { hasText: flow.title }).getByRole('button', { name: /^Like / });
    await expect.poll(() => cardHeart.getAttribute('aria-pressed')).toBe('false');
    await cardHeart.click();
    await expect.poll(() => cardHeart.getAttribute('aria-pressed')).toBe('true');
    expect(page.url()).toBe(`${stack.url}/u/${creator.username}`);
    await expect.poll(async () => (await flowLikes(flow.slug, member.token)).like_count).toBe(1);
    await shot(page, 'card-liked');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await cardHeart.scrollIntoViewIfNeeded();
    await shot(page, 'card-liked-390-dark', false);
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.reload();
    await expect.poll(() => cardHeart.getAttribute('aria-pressed')).toBe('true');
    expect(await cardHeart.textContent()).toBe('1');
    await page.close();
  });

  it('a like the server refuses is rolled back, with a message', async () => {
    const member = await api.register('unlucky');
    const flow = flows[4]!;
    const page = await openPage(member.token);
    await page.route('**/v1/flows/*/like', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'The server is busy, try again in a moment.' }),
      }),
    );
    await gotoApp(page, `${stack.url}/flows/${flow.slug}`);
    const heart = heartOn(page);
    await expect.poll(() => heart.getAttribute('aria-pressed')).toBe('false');
    await heart.click();
    await expect.poll(() => page.locator('.flow-like [role="alert"]').textContent()).toBe('Your like was not saved: The server is busy, try again in a moment.');
    expect(await heart.getAttribute('aria-pressed')).toBe('false');
    expect(await heart.textContent()).toBe('0');
    await shot(page, 'like-failed');
    expect((await flowLikes(flow.slug, member.token)).liked_by_me).toBe(false);

    // The server is back: the next click works and the message goes.
    await page.unroute('**/v1/flows/*/like');
    await heart.click();
    await expect.poll(() => heart.getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('.flow-like [role="alert"]').count()).toBe(0);
    await expect.poll(async () => (await flowLikes(flow.slug, member.token)).liked_by_me).toBe(true);
    await page.close();
  });

  it('a guest’s heart leads to log in, and back to the flow', async () => {
    const flow = flows[5]!;
    const page = await openPage();
    await gotoApp(page, `${stack.url}/flows/${flow.slug}`);
    const heart = heartOn(page);
    await expect.poll(() => heart.getAttribute('aria-label')).toMatch(/log in first$/);
    await heart.click();
    await page.waitForURL(`${stack.url}/login?next=${encodeURIComponent(`/flows/${flow.slug}`)}`);
    expect((await flowLikes(flow.slug)).like_count).toBe(0);

    await page.getByLabel('Email or username').fill(reader.username);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${stack.url}/flows/${flow.slug}`);
    await expect.poll(() => heart.getAttribute('aria-label')).not.toMatch(/log in first$/);
    await heart.click();
    await expect.poll(async () => (await flowLikes(flow.slug, reader.token)).liked_by_me).toBe(true);
    await page.close();
  });

  it('the flow body is Markdown: headings, lists, line breaks, a link with rel="nofollow ugc noopener", and no raw HTML', async () => {
    const page = await openPage(reader.token);
    await gotoApp(page, `${stack.url}/flows/${flows[6]!.slug}`);
    const body = page.getByTestId('flow-body');
    await expect.poll(() => body.locator('h3').textContent()).toBe('Role');
    expect(await body.locator('h4').textContent()).toBe('Steps');
    expect(await body.locator('ol > li').allTextContents()).toEqual(['Search', 'Read every result']);
    expect(await body.locator('p br').count()).toBe(1);
    const link = body.getByRole('link', { name: 'the guide' });
    expect(await link.getAttribute('rel')).toBe('nofollow ugc noopener');
    // The tags are dropped (never markup), their text stays.
    expect(await body.locator('b').count()).toBe(0);
    expect(await body.textContent()).toContain('See the guide. raw html');
    expect(await body.textContent()).not.toContain('<b>');
    await shot(page, 'flow-markdown');
    await page.close();

    // The editor's preview renders the same way, as the author types.
    const editor = await openPage(creator.token);
    await gotoApp(editor, `${stack.url}/flows/${flows[6]!.slug}/edit`);
    const preview = editor.locator('.preview-card .flow-body');
    await expect.poll(() => preview.locator('h3').textContent()).toBe('Role');
    await editor.getByLabel('Flow text').fill('# Changed\n- one\n- two\n\n<i>no</i> markup');
    await expect.poll(() => preview.locator('h3').textContent()).toBe('Changed');
    expect(await preview.locator('ul > li').allTextContents()).toEqual(['one', 'two']);
    expect(await preview.locator('i').count()).toBe(0);
    await shot(editor, 'editor-preview');
    await editor.close();
  });
});
