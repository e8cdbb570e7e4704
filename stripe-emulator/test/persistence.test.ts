import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/server.js';

// With a state file, a restarted emulator keeps customers, subscriptions, accounts and the clock.

const dir = mkdtempSync(join(tmpdir(), 'stripe-emulator-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const client = (port: number) => new Stripe('sk_test_x', { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 });

describe('persistence', () => {
  it('restores state from the file after a restart', async () => {
    const stateFile = join(dir, 'state.json');
    const first = await startEmulator({ port: 0, stateFile });
    const stripe = client(first.port);
    const product = await stripe.products.create({ name: 'Premium' });
    const price = await stripe.prices.create({ product: product.id, unit_amount: 1000, currency: 'usd', recurring: { interval: 'month' } });
    const customer = await stripe.customers.create({ email: 'keep@example.com', payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    expect(sub.status).toBe('active');
    await fetch(`${first.url}/_emulator/advance`, { method: 'POST', body: new URLSearchParams({ seconds: '3600' }) });
    await first.close();

    const second = await startEmulator({ port: 0, stateFile });
    const again = client(second.port);
    expect((await again.subscriptions.retrieve(sub.id)).status).toBe('active');
    expect(((await again.customers.retrieve(customer.id)) as Stripe.Customer).email).toBe('keep@example.com');
    const now = (await (await fetch(`${second.url}/_emulator/now`)).json()) as { offset_seconds: number };
    expect(now.offset_seconds).toBe(3600);
    await second.close();
  });
});
