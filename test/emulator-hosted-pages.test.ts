import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../stripe-emulator/src/server.js';
import { createMember } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';
import { connectCreator, createCreator } from './support/payouts.js';

// The emulator's hosted pages as a member and a creator reach them from the app: Checkout names the merchant and
// the product (never its prod_ id) with the price per interval and the total, and the Express dashboard a login link
// opens leads back to the platform, as Stripe's own pages do.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({}, { stripe: true });
});
afterAll(() => t?.close());

/** The page's text without tags, spaces collapsed: what a person reads. */
const visibleText = (html: string) =>
  html
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();

async function page(url: string): Promise<{ status: number; html: string; text: string }> {
  const response = await fetch(url);
  const html = await response.text();
  return { status: response.status, html, text: visibleText(html) };
}

describe('hosted Checkout', () => {
  it('shows the business name, the product by name, its price per month and the total, with no prod_ id', async () => {
    const member = await createMember(t);
    const checkout = await t.request({ method: 'POST', url: '/v1/subscriptions/checkout', token: member.token });
    expect(checkout.status).toBe(200);
    const { status, html, text } = await page(checkout.body.url);

    expect(status).toBe(200);
    // The product the app registers on the emulator (integrations/stripe/bootstrap.ts), by its name.
    expect(text).toContain('Subscribe to Flowtab.Pro Premium');
    expect(text).toContain('$10.00 per month');
    expect(text).toMatch(/Flowtab\.Pro Premium Billed monthly \$10\.00/);
    expect(text).toContain('Total due today $10.00');
    expect(text).toContain(member.email);
    // The merchant, leading back to the app's cancel URL; and nowhere an id the member cannot read.
    expect(html).toMatch(new RegExp(`<a href="${t.config.publicUrl}/pricing\\?canceled=1" id="back"[^>]*>← Flowtab\\.Pro</a>`));
    expect(text).not.toMatch(/prod_|price_/);
    expect(html).toContain('id="pay"');
  });
});

describe('the Express dashboard', () => {
  it('a creator’s login link opens a dashboard that leads back to the platform', async () => {
    const creator = await createCreator(t, 1);
    await connectCreator(t, creator);
    const enabled = await t.request({ method: 'POST', url: '/v1/creators/me/connect', token: creator.token });
    expect(enabled.body).toMatchObject({ status: 'enabled', url: expect.stringContaining('/connect/dashboard/') });

    const { status, html, text } = await page(enabled.body.url);
    expect(status).toBe(200);
    expect(text).toContain('Express dashboard');
    expect(text).toContain('Payouts enabled');
    // Back to where the app asked Stripe to return its creators (the account link's return_url).
    const back = `${t.config.publicUrl}/creator?connect=return`;
    expect(html).toContain(`<a href="${back}" id="back" aria-label="Back to Flowtab.Pro">← Flowtab.Pro</a>`);
    expect(html).toContain(`<a href="${back}">Back to Flowtab.Pro</a>`);
  });
});

describe('the emulator’s business name and price wording', () => {
  it('shows the configured business name, a quarterly price and a trial as Checkout words them', async () => {
    const emulator = await startEmulator({ port: 0, businessName: 'Acme & Sons' });
    try {
      const stripe = new Stripe('sk_test_pages', { host: '127.0.0.1', port: emulator.port, protocol: 'http', maxNetworkRetries: 0 });
      const price = await stripe.prices.create({
        currency: 'eur',
        unit_amount: 2500,
        recurring: { interval: 'month', interval_count: 3 },
        product_data: { name: 'Quarterly Plan' },
      });
      const session = await stripe.checkout.sessions.create({
        mode: 'subscription',
        line_items: [{ price: price.id, quantity: 2 }],
        subscription_data: { trial_period_days: 14 },
        success_url: 'http://localhost/ok',
      });
      const { html, text } = await page(session.url!);
      expect(text).toContain('Subscribe to Quarterly Plan');
      expect(text).toContain('14 days free Then €50.00 every 3 months');
      expect(text).toContain('Quarterly Plan Qty 2 · Billed every 3 months €50.00');
      expect(text).toContain('Total due today €0.00');
      expect(text).toContain('you allow Acme & Sons to charge your card');
      // No cancel_url: the merchant's name is shown without a way back.
      expect(html).toContain('<header class="merchant">Acme &amp; Sons<span class="badge">');
      expect(text).not.toMatch(/prod_|price_/);

      // Line items describe themselves by the product's name too, as on Stripe.
      const items = await stripe.checkout.sessions.listLineItems(session.id);
      expect(items.data[0]?.description).toBe('Quarterly Plan');
    } finally {
      await emulator.close();
    }
  });
});
