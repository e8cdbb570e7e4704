import { expect } from 'vitest';
import type { TokenResponse } from '../../src/web/api/types.js';
import { verifyFromDevMail } from './dev-mail.js';
import type { Stack } from './stack.js';

// What the browser tests do through the API rather than the browser: set-up that is not under test.

export const DEMO_PASSWORD = 'flowtab-demo';
export const PAYING_CARD = '4242424242424242';

export type FlowSummary = { id: string; slug: string; title: string; is_premium: boolean };
export type RegisteredMember = { token: string; username: string; email: string };

export function uniqueName(prefix: string) {
  return `${prefix}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

export function e2eApi(stack: Stack) {
  async function call<T>(method: string, apiPath: string, { body, token }: { body?: unknown; token?: string } = {}): Promise<T> {
    const response = await fetch(`${stack.url}${apiPath}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const payload = (await response.json()) as T;
    if (!response.ok) throw new Error(`${method} ${apiPath} → ${response.status}: ${JSON.stringify(payload)}`);
    return payload;
  }

  return {
    call,
    async logIn(login: string, password = DEMO_PASSWORD): Promise<string> {
      return (await call<TokenResponse>('POST', '/v1/auth/token', { body: { login, password } })).access_token;
    },
    /** A new member whose address is verified with the welcome mail's link (publishing needs it). */
    async register(prefix = 'e2e'): Promise<RegisteredMember> {
      const username = uniqueName(prefix);
      const body = { email: `${username}@example.com`, username, password: 'correct horse battery' };
      const token = (await call<{ access_token: string }>('POST', '/v1/auth/register', { body })).access_token;
      await verifyFromDevMail(stack.url, body.email);
      return { token, username, email: body.email };
    },
    /** Subscribes through Checkout with the paying test card (what the hosted page does), then waits for the webhook. */
    async subscribe(token: string) {
      const session = await call<{ session_id: string }>('POST', '/v1/subscriptions/checkout', { token });
      const paid = await fetch(`${stack.emulatorUrl}/_emulator/checkout/sessions/${session.session_id}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ card: PAYING_CARD }),
        redirect: 'manual',
      });
      expect(paid.status).toBeLessThan(400);
      await expect
        .poll(async () => (await call<{ is_subscriber: boolean }>('GET', '/v1/subscriptions/me', { token })).is_subscriber, { timeout: 30_000 })
        .toBe(true);
    },
    async premiumFlows(author: string): Promise<FlowSummary[]> {
      const list = await call<{ items: FlowSummary[] }>('GET', `/v1/flows?author=${author}&premium=true&page_size=20`);
      expect(list.items.length).toBeGreaterThan(2);
      return list.items;
    },
  };
}

export type E2eApi = ReturnType<typeof e2eApi>;
