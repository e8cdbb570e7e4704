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

/** The throwaway profile of each context, removed once Chromium has let go of it (closeChromium). */
const profiles = new WeakMap<BrowserContext, string>();

/**
 * Debian's Chromium, headless, in a throwaway profile: what every browser test starts from. `options` adds to the
 * defaults (a 1280 × 860 window). Close it with closeChromium.
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
  profiles.set(context, profileDir);
  return context;
}

/**
 * Closes the tabs first (a tab left open keeps connections to the stack, which then waits for them to close), then
 * the browser, then removes its profile (retrying: Chromium may still be writing to it as it exits).
 */
export async function closeChromium(context: BrowserContext | undefined): Promise<void> {
  if (!context) return;
  await Promise.all(context.pages().map((page) => page.close()));
  await context.close();
  const profileDir = profiles.get(context);
  try {
    if (profileDir) rmSync(profileDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch (error) {
    // A temporary folder left behind harms nothing; the tests' results do not depend on it.
    console.warn(`could not remove the browser profile ${profileDir}: ${String(error)}`);
  }
}
