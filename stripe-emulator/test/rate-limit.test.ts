import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers.js';

// The request-rate limit fault: Stripe's 429 `rate_limit` error, refused before idempotency, the Stripe-Should-Retry header.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.control('/_emulator/faults', {}, {});
});
afterAll(async () => {
  await h.close();
});

const stats = async () => (await fetch(`${h.emulator.url}/_emulator/stats`).then((r) => r.json())) as { api_requests: number; rate_limited: number };
const get = (path: string) => fetch(`${h.emulator.url}${path}`, { headers: { authorization: 'Bearer sk_test_emulator' } });

async function pollUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('rate_limit fault', () => {
  it('past N requests in a second answers 429 with Stripe’s rate_limit error and Stripe-Should-Retry: false, then admits again', async () => {
    await h.control('/_emulator/faults', {}, { rate_limit: { requests_per_second: 2 } });
    const before = await stats();
    const answers = await Promise.all(Array.from({ length: 6 }, () => get('/v1/customers?limit=1')));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(2);
    expect(statuses.filter((s) => s === 429)).toHaveLength(4);
    const refused = answers.find((r) => r.status === 429)!;
    expect(refused.headers.get('stripe-should-retry')).toBe('false');
    expect(refused.headers.get('request-id')).toMatch(/^req_/);
    expect(await refused.json()).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'rate_limit',
        message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
        doc_url: 'https://stripe.com/docs/error-codes/rate-limit',
      },
    });
    const after = await stats();
    expect(after.api_requests - before.api_requests).toBe(6);
    expect(after.rate_limited - before.rate_limited).toBe(4);
    // The window slides: a second later requests are admitted again.
    await pollUntil(async () => (await get('/v1/customers?limit=1')).status === 200, 5000);
  });

  it('the SDK raises StripeRateLimitError and, as Stripe’s SDKs do for rate limits, does not retry it', async () => {
    const stripe = new Stripe('sk_test_emulator', { host: '127.0.0.1', port: h.emulator.port, protocol: 'http', apiVersion: '2026-10-28.endive', maxNetworkRetries: 2 });
    await h.control('/_emulator/faults', {}, { rate_limit: { requests_per_second: 1 } });
    await stripe.customers.list({ limit: 1 });
    const before = await stats();
    const error = await stripe.customers.list({ limit: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(error).toMatchObject({ statusCode: 429, code: 'rate_limit', type: 'StripeRateLimitError' });
    expect((await stats()).api_requests - before.api_requests).toBe(1);
  });

  it('with should_retry: true the SDK retries on its own, as it does for lock timeouts', async () => {
    const stripe = new Stripe('sk_test_emulator', { host: '127.0.0.1', port: h.emulator.port, protocol: 'http', apiVersion: '2026-10-28.endive', maxNetworkRetries: 2 });
    await h.control('/_emulator/faults', {}, { rate_limit: { requests_per_second: 1, should_retry: true } });
    await stripe.customers.list({ limit: 1 });
    const before = await stats();
    await stripe.customers.list({ limit: 1 }).catch(() => undefined); // refused, retried twice within ~1 s
    const after = await stats();
    expect(after.api_requests - before.api_requests).toBeGreaterThanOrEqual(2);
    expect(after.api_requests - before.api_requests).toBeLessThanOrEqual(3);
  });

  it('a refused POST did nothing and saved no idempotent result: the same key later creates the object once', async () => {
    await h.control('/_emulator/faults', {}, { rate_limit: { requests_per_second: 1 } });
    await h.stripe.customers.list({ limit: 1 });
    const key = `limited-${Date.now()}`;
    const email = `${key}@example.com`;
    await expect(h.stripe.customers.create({ email }, { idempotencyKey: key })).rejects.toMatchObject({ statusCode: 429 });
    await h.control('/_emulator/faults', {}, {});
    expect((await h.stripe.customers.list({ email })).data).toHaveLength(0);
    const created = await h.stripe.customers.create({ email }, { idempotencyKey: key });
    expect(created.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    const again = await h.stripe.customers.create({ email }, { idempotencyKey: key });
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect((await h.stripe.customers.list({ email })).data.map((c) => c.id)).toEqual([created.id]);
  });

  it('control endpoints, hosted pages and webhook deliveries are not limited', async () => {
    await h.control('/_emulator/faults', {}, { rate_limit: { requests_per_second: 1 } });
    for (let i = 0; i < 5; i++) expect((await fetch(`${h.emulator.url}/_emulator/now`)).status).toBe(200);
    expect((await h.control('/_emulator/faults', {}, { rate_limit: { requests_per_second: 1 } })).body).toMatchObject({ rate_limit: { requests_per_second: 1, should_retry: false } });
  });
});
