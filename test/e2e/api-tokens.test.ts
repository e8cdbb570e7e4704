import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack } from '../support/stack.js';
import { CHROMIUM, closeChromium, gotoApp, launchChromium } from '../support/browser.js';

/**
 * The account page's "API tokens for agents" section in Chromium, on the whole product (`npm start`'s stack): create a
 * token (shown once), use it from the SDK's MCP client, revoke it with a confirmation. Screenshots (light, dark,
 * 390 px wide) land in test-results/screenshots/.
 */
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots');
const STACK_START_MS = 180_000;

describe.skipIf(!existsSync(CHROMIUM))('account page: API tokens for agents (Chromium)', () => {
  let context: BrowserContext;
  let stack: Awaited<ReturnType<typeof startStack>>;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    stack = await startStack();
    context = await launchChromium();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(stack.url).origin });
  }, STACK_START_MS);

  afterAll(async () => {
    await closeChromium(context);
    await stack?.close();
  });

  const section = (page: Page) => page.locator('#api-tokens');
  /** The section alone, from the full page (an element screenshot would have the sticky header over its top). */
  async function shot(page: Page, name: string) {
    await page.evaluate(() => window.scrollTo(0, 0));
    const box = await section(page).evaluate((element) => {
      const rect = element.getBoundingClientRect();
      return { x: rect.left + window.scrollX, y: rect.top + window.scrollY, width: rect.width, height: rect.height };
    });
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true, clip: box });
  }

  it('creates a token shown once, which an MCP client can use, and revokes it after a confirmation', async () => {
    const login = await fetch(`${stack.url}/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'demo_subscriber', password: 'flowtab-demo' }),
    });
    const { access_token: session } = (await login.json()) as { access_token: string };
    const page = await context.newPage();
    await gotoApp(page, stack.url);
    await page.evaluate((value) => localStorage.setItem('flowtab.token', value), session);
    await gotoApp(page, `${stack.url}/account`);
    await expect.poll(() => section(page).getByText('No tokens yet').isVisible(), { timeout: 15_000 }).toBe(true);
    // The Claude Code configuration is shown by default, with a placeholder until a token exists.
    expect(await section(page).locator('.config-block').textContent()).toContain(`claude mcp add --transport http flowtab ${stack.url}/mcp`);
    expect(await section(page).locator('.config-block').textContent()).toContain('ftp_YOUR_TOKEN');

    await section(page).getByLabel('Name').fill('Claude Desktop on my laptop');
    await section(page).getByRole('button', { name: 'Create token' }).click();
    const secret = section(page).getByLabel('Your new token');
    await expect.poll(() => secret.isVisible()).toBe(true);
    const token = await secret.inputValue();
    expect(token).toMatch(/^ftp_[A-Za-z0-9_-]{43}$/);
    await section(page).getByRole('button', { name: 'Copy token' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    // The configurations now carry the token; Cursor's is an mcpServers block with the URL and the header.
    await section(page).getByLabel('MCP client').selectOption('cursor');
    const cursor = JSON.parse((await section(page).locator('.config-block').textContent())!);
    expect(cursor).toEqual({ mcpServers: { flowtab: { url: `${stack.url}/mcp`, headers: { Authorization: `Bearer ${token}` } } } });
    expect(await section(page).locator('.token-item').count()).toBe(1);
    expect(await section(page).locator('.token-item').textContent()).toMatch(/Claude Desktop on my laptop.*flows:read.*flows:copy.*last used never/);
    await section(page).getByLabel('MCP client').selectOption('claude-code');
    await shot(page, 'tokens-created-light');

    // The token works from an MCP client, and the page then shows its last use.
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${stack.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('copy_flow');
    await client.close();

    // Gone once dismissed; reloading never shows it again.
    await section(page).getByRole('button', { name: 'I have saved it' }).click();
    await page.reload();
    await expect.poll(() => section(page).locator('.token-item').count(), { timeout: 15_000 }).toBe(1);
    expect(await section(page).textContent()).not.toContain(token);
    expect(await section(page).locator('.token-item').textContent()).not.toMatch(/last used never/);
    await shot(page, 'tokens-list-light');

    // Dark, then a phone-sized screen.
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'tokens-list-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'tokens-list-390');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);

    // Revoking asks first; "Keep it" keeps it.
    await section(page).getByRole('button', { name: 'Revoke…' }).click();
    expect(await section(page).getByText('Revoke “Claude Desktop on my laptop”? Agents using it stop at once.').isVisible()).toBe(true);
    await shot(page, 'tokens-revoke-confirm-390');
    await section(page).getByRole('button', { name: 'Keep it' }).click();
    expect(await section(page).locator('.token-item').count()).toBe(1);
    await section(page).getByRole('button', { name: 'Revoke…' }).click();
    await section(page).getByRole('button', { name: 'Revoke token' }).click();
    await expect.poll(() => section(page).getByText('No tokens yet').isVisible()).toBe(true);
    const refused = await fetch(`${stack.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(refused.status).toBe(401);
    await page.close();
  }, 120_000);
});
