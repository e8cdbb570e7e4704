import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page, type Response } from 'playwright-core';

/**
 * Opens a page of the web app and waits until it is interactive. Public pages arrive rendered by the server and are
 * hydrated a moment after the browser's load event; a click before that would meet inert HTML (a person may do the
 * same, and the search form then still works, as a plain form). Other addresses (/dev/mail, /docs) are plain goto.
 */
export async function gotoApp(page: Page, url: string): Promise<Response | null> {
  const response = await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.interactive === 'true');
  return response;
}

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's Chromium, headless, in a throwaway profile (removed when the context closes): what every browser test
 * starts from. `options` adds to the defaults (a 1280 × 860 window).
 */
export async function launchChromium(options: Parameters<typeof chromium.launchPersistentContext>[1] = {}): Promise<BrowserContext> {
  const profileDir = mkdtempSync(path.join(tmpdir(), 'flowtab-e2e-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    ...options,
  });
  context.on('close', () => rmSync(profileDir, { recursive: true, force: true }));
  return context;
}

/** Closes the tabs first: a tab left open keeps connections to the stack, which then waits for them to close. */
export async function closeChromium(context: BrowserContext | undefined): Promise<void> {
  await Promise.all(context?.pages().map((page) => page.close()) ?? []);
  await context?.close();
}
