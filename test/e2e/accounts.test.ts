import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkFromDevMail, verifyFromDevMail } from '../support/dev-mail.js';
import { startStack } from '../support/stack.js';
import { CHROMIUM, closeChromium, gotoApp, launchChromium } from '../support/browser.js';

/**
 * SPEC §13 in the browser, as a new user meets it on `npm start`: forgot password → the mail at /dev/mail → reset →
 * log in; the verification link; the account settings; deleting the account with a typed confirmation. Screenshots
 * (light, dark, 390 px) land in test-results/screenshots/accounts-*.png.
 */
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots');
const STACK_START_MS = 180_000;

type Stack = Awaited<ReturnType<typeof startStack>>;
type Account = { email: string; username: string; password: string; token: string };

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `accounts-${name}.png`), fullPage: true });

describe.skipIf(!existsSync(CHROMIUM))('accounts in the web app (Chromium)', () => {
  let context: BrowserContext;
  let stack: Stack;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    context = await launchChromium();
    stack = await startStack();
  }, STACK_START_MS);

  afterAll(async () => {
    await closeChromium(context);
    await stack?.close();
  });

  async function call(method: string, apiPath: string, body?: unknown, token?: string) {
    const response = await fetch(`${stack.url}${apiPath}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  async function register(options: { verified?: boolean } = {}): Promise<Account> {
    const username = `e2e_${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
    const account = { email: `${username}@example.com`, username, password: 'correct horse battery' };
    const registered = await call('POST', '/v1/auth/register', account);
    expect(registered.status).toBe(201);
    if (options.verified) await verifyFromDevMail(stack.url, account.email);
    return { ...account, token: registered.body.access_token };
  }

  /** A fresh tab, logged in when `token` is given (the app keeps its token in localStorage). */
  async function openPage(token?: string): Promise<Page> {
    const page = await context.newPage();
    await gotoApp(page, stack.url);
    await page.evaluate((value) => (value ? localStorage.setItem('flowtab.token', value) : localStorage.removeItem('flowtab.token')), token ?? null);
    return page;
  }

  const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();

  it('forgot password → the mail at /dev/mail → reset → log in with the new password', async () => {
    const account = await register();
    const page = await openPage();
    await gotoApp(page, `${stack.url}/login`);
    await expect.poll(() => heading(page)).toBe('Log in');
    await shot(page, '00-log-in-forgot-link');
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.waitForURL(/\/forgot-password$/);
    await expect.poll(() => heading(page)).toBe('Forgot your password?');
    await shot(page, '01-forgot-password');
    await page.getByLabel('Email').fill(account.email);
    await page.getByRole('button', { name: 'Mail me a link' }).click();
    await expect.poll(() => heading(page)).toBe('Check your inbox');
    expect(await page.getByRole('status').textContent()).toContain(account.email);
    await shot(page, '02-check-your-inbox');

    // The mail, as a developer reads it at /dev/mail: the list, then the mail with its plain-text part.
    await page.goto(`${stack.url}/dev/mail`);
    await page.locator('tr', { hasText: account.email }).getByRole('link', { name: 'Reset your Flowtab.Pro password' }).first().click();
    await page.waitForURL(/\/dev\/mail\/[0-9a-f-]{36}$/);
    const text = (await page.locator('pre').textContent()) ?? '';
    const link = /https?:\/\/\S+\/reset-password\?token=[A-Za-z0-9_-]+/.exec(text)?.[0];
    expect(link, text).toBeDefined();
    expect(link!.startsWith(`${stack.url}/reset-password?token=`)).toBe(true);
    await shot(page, '03-reset-mail-at-dev-mail');

    await page.goto(link!);
    await expect.poll(() => heading(page)).toBe('Choose a new password');
    // The rule is checked by the server and shown next to the field.
    await page.getByLabel('New password', { exact: true }).fill(account.username);
    await page.getByLabel('New password again').fill(account.username);
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await expect.poll(() => page.locator('.field-error').first().textContent()).toContain('must not be your username');
    await shot(page, '04-reset-weak-password');
    await page.getByLabel('New password', { exact: true }).fill('a brand new password');
    await page.getByLabel('New password again').fill('a brand new password');
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await expect.poll(() => heading(page)).toBe('Your password is changed');
    await shot(page, '05-password-changed');

    await page.getByRole('link', { name: 'Log in' }).last().click();
    await page.waitForURL(/\/login$/);
    await page.getByLabel('Email or username').fill(account.username);
    await page.getByLabel('Password').fill('a brand new password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
    const token = await page.evaluate(() => localStorage.getItem('flowtab.token'));
    expect((await call('GET', '/v1/users/me', undefined, token!)).body.username).toBe(account.username);
    // The old password and the session from before the reset are over; the link is used.
    expect((await call('POST', '/v1/auth/token', { login: account.username, password: account.password })).status).toBe(401);
    expect((await call('GET', '/v1/users/me', undefined, account.token)).status).toBe(401);
    await page.goto(link!);
    await page.getByLabel('New password', { exact: true }).fill('another new password');
    await page.getByLabel('New password again').fill('another new password');
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await expect.poll(() => heading(page)).toBe('This link does not work');
    expect(await page.getByRole('alert').textContent()).toMatch(/already used/);
    await shot(page, '06-reset-link-used');
    await page.close();
  });

  it('a new member confirms the address from the welcome mail; the account page says so until then', async () => {
    const account = await register();
    const page = await openPage(account.token);
    await gotoApp(page, `${stack.url}/account`);
    await expect.poll(() => page.getByText('Confirm your email address').count()).toBeGreaterThan(0);
    await shot(page, '07-account-unverified');
    const link = await linkFromDevMail(stack.url, { to: account.email, subject: 'Welcome to Flowtab.Pro', path: '/verify-email' });
    await page.goto(`${stack.url}/dev/mail`);
    await page.locator('tr', { hasText: account.email }).getByRole('link', { name: 'Welcome to Flowtab.Pro' }).click();
    await page.waitForURL(/\/dev\/mail\/[0-9a-f-]{36}$/);
    expect(await page.locator('pre').textContent()).toContain(link);
    await shot(page, '07b-welcome-mail-with-link');
    await page.goto(link);
    await expect.poll(() => heading(page)).toBe('Your email address is confirmed');
    await shot(page, '08-email-confirmed');
    await page.getByRole('link', { name: 'Your account' }).click();
    await page.waitForURL(/\/account$/);
    await expect.poll(() => page.locator('.email-current').textContent()).toContain('verified');
    expect(await page.getByText('Confirm your email address').count()).toBe(0);
    await page.close();
  });

  it('account settings: profile saved, every control labelled; light, dark and 390 px without sideways scrolling', async () => {
    const account = await register({ verified: true });
    const page = await openPage(account.token);
    await gotoApp(page, `${stack.url}/account`);
    await page.getByLabel('Display name').fill('Ada Lovelace');
    await page.getByLabel('Bio').fill('Writes research flows.');
    await page.getByLabel('Links').fill('https://ada.example.com\nhttp://not-https.example.com');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expect.poll(() => page.locator('.field-error').first().textContent()).toContain('https');
    await page.getByLabel('Links').fill('https://ada.example.com');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expect.poll(() => page.getByText('Profile saved.').count()).toBe(1);
    expect((await call('GET', '/v1/users/me', undefined, account.token)).body).toMatchObject({ display_name: 'Ada Lovelace', links: ['https://ada.example.com'] });

    // Every input, textarea and select of the page has a label.
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('main input, main textarea, main select')]
        .filter((control) => (control as HTMLInputElement).type !== 'hidden' && (control as HTMLInputElement).labels?.length === 0 && !control.getAttribute('aria-label'))
        .map((control) => control.outerHTML.slice(0, 120)),
    );
    expect(unlabelled).toEqual([]);
    await shot(page, '09-account-settings-light');

    // A wrong current password keeps the session (the app does not log out on it).
    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password', { exact: true }).fill('a brand new password');
    await page.getByLabel('New password again').fill('a brand new password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => page.getByText('That password is not right.').count()).toBe(1);
    expect(await page.evaluate(() => localStorage.getItem('flowtab.token'))).toBe(account.token);

    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await expect.poll(() => page.getByLabel('Display name').inputValue()).toBe('Ada Lovelace');
    await shot(page, '10-account-settings-dark');

    await page.setViewportSize({ width: 390, height: 844 });
    for (const [name, pagePath, token] of [
      ['11-phone-dark-account', '/account', account.token],
      ['12-phone-dark-forgot-password', '/forgot-password', null],
      ['13-phone-dark-reset-password', '/reset-password?token=not-a-real-token', null],
      ['14-phone-dark-verify-link-broken', '/verify-email?token=not-a-real-token', null],
      ['15-phone-dark-account-deleted', '/account/deleted', null],
    ] as const) {
      await page.evaluate((value) => (value ? localStorage.setItem('flowtab.token', value) : localStorage.removeItem('flowtab.token')), token);
      await gotoApp(page, `${stack.url}${pagePath}`);
      await page.waitForLoadState('networkidle');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${pagePath} scrolls sideways at 390px`).toBeLessThanOrEqual(0);
      await shot(page, name);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.evaluate((value) => localStorage.setItem('flowtab.token', value), account.token);
    await gotoApp(page, `${stack.url}/account`);
    await page.waitForLoadState('networkidle');
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await shot(page, '16-phone-light-account');
    await page.close();
  });

  it('deleting the account: a typed confirmation, then the session is gone and no login works', async () => {
    const account = await register({ verified: true });
    const page = await openPage(account.token);
    await gotoApp(page, `${stack.url}/account`);
    const remove = page.getByRole('button', { name: 'Delete my account' });
    await page.getByLabel('Your password', { exact: true }).last().fill(account.password);
    expect(await remove.isDisabled()).toBe(true);
    await page.getByLabel(`Type your username, ${account.username}, to confirm`).fill('someone else');
    expect(await remove.isDisabled()).toBe(true);
    await page.getByLabel(`Type your username, ${account.username}, to confirm`).fill(account.username);
    expect(await remove.isDisabled()).toBe(false);
    await page.locator('.danger-zone').screenshot({ path: path.join(SCREENSHOTS, 'accounts-17-delete-confirmation.png') });
    await remove.click();
    await page.waitForURL(/\/account\/deleted$/);
    await expect.poll(() => heading(page)).toBe('Your account is deleted');
    await shot(page, '18-account-deleted');
    expect(await page.evaluate(() => localStorage.getItem('flowtab.token'))).toBeNull();
    expect((await call('GET', '/v1/users/me', undefined, account.token)).status).toBe(401);
    expect((await call('POST', '/v1/auth/token', { login: account.username, password: account.password })).status).toBe(401);
    expect((await call('POST', '/v1/auth/token', { login: account.email, password: account.password })).status).toBe(401);
    // The deletion notice is at /dev/mail, addressed to the old address.
    await page.goto(`${stack.url}/dev/mail`);
    expect(await page.locator('tr', { hasText: account.email }).getByRole('link', { name: 'Your Flowtab.Pro account was deleted' }).count()).toBe(1);
    await page.close();
  });
});
