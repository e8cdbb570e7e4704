import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { startEmulator } from '../src/server.js';

// Shared test harness: an emulator on a random port, the official SDK pointed at it, a webhook
// receiver that verifies every delivery with stripe.webhooks.constructEvent, and control API helpers.

export type Harness = Awaited<ReturnType<typeof startHarness>>;

export async function startHarness(options: { receiverStatus?: () => number } = {}) {
  const emulator = await startEmulator({ port: 0, webhookRetryDelaysMs: [50, 100, 200] });
  const stripe = new Stripe('sk_test_emulator', {
    host: '127.0.0.1',
    port: emulator.port,
    protocol: 'http',
    apiVersion: '2026-10-28.endive',
    maxNetworkRetries: 0,
  });
  const received: Stripe.Event[] = [];
  const rejected: string[] = [];
  let secret = '';
  const receiver: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const status = options.receiverStatus?.() ?? 200;
      try {
        const event = stripe.webhooks.constructEvent(raw, String(req.headers['stripe-signature']), secret);
        if (status >= 200 && status < 300) received.push(event);
      } catch (err) {
        rejected.push(err instanceof Error ? err.message : String(err));
        res.writeHead(400).end();
        return;
      }
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks`;
  const endpoint = await stripe.webhookEndpoints.create({ url: receiverUrl, enabled_events: ['*'] });
  secret = endpoint.secret!;

  async function control<T = Record<string, unknown>>(path: string, form: Record<string, string | number> = {}, json?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${emulator.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': json === undefined ? 'application/x-www-form-urlencoded' : 'application/json' },
      body: json === undefined ? new URLSearchParams(Object.entries(form).map(([k, v]) => [k, String(v)])).toString() : JSON.stringify(json),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  async function flush() {
    return (await control<{ idle: boolean; pending: number }>('/_emulator/webhooks/flush')).body;
  }

  /** Event types received (in delivery order) since `fromIndex`. */
  const typesSince = (fromIndex: number) => received.slice(fromIndex).map((e) => e.type);

  async function createPremiumPrice(unitAmount = 1000) {
    const product = await stripe.products.create({ name: 'Premium' });
    return stripe.prices.create({ product: product.id, unit_amount: unitAmount, currency: 'usd', recurring: { interval: 'month' } });
  }

  /** Customer + checkout session paid through the control API with `card`. */
  async function subscribe(card = '4242424242424242', extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) {
    const price = await createPremiumPrice();
    const customer = await stripe.customers.create({ email: `u${Math.random().toString(36).slice(2)}@example.com`, metadata: { user_id: '1' } });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      client_reference_id: '1',
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: 'http://localhost/success?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'http://localhost/cancel',
      subscription_data: { metadata: { user_id: '1' } },
      ...extra,
    });
    const paid = await control<Stripe.Checkout.Session>(`/_emulator/checkout/sessions/${session.id}/pay`, { card });
    if (paid.status !== 200) throw new Error(`pay failed: ${JSON.stringify(paid.body)}`);
    const subscription = await stripe.subscriptions.retrieve(paid.body.subscription as string);
    return { price, customer, session: paid.body, subscription };
  }

  async function advanceDays(days: number) {
    return (await control<{ now: number; processed: number }>('/_emulator/advance', { seconds: Math.round(days * 86400) })).body;
  }

  async function close() {
    await emulator.close();
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }

  return { emulator, stripe, received, rejected, endpoint, receiverUrl, control, flush, typesSince, createPremiumPrice, subscribe, advanceDays, close };
}
