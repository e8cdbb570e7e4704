import type { Page, Response } from 'playwright-core';

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
