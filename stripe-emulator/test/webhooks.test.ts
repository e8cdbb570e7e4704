import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers.js';

// Webhook delivery: signatures, ordering, retries with backoff, and injected faults.

type Attempt = { event_id: string; type: string; endpoint: string; status: number | null; outcome: string; attempt: number };

let h: Harness;
let receiverStatus: () => number = () => 200;
beforeAll(async () => {
  h = await startHarness({ receiverStatus: () => receiverStatus() });
});
afterAll(async () => {
  await h.close();
});

async function deliveries(query = ''): Promise<Attempt[]> {
  const res = await fetch(`${h.emulator.url}/_emulator/webhooks/deliveries${query}`);
  return ((await res.json()) as { data: Attempt[] }).data;
}

describe('webhooks', () => {
  it('signs with t=…,v1=HMAC-SHA256(secret, "t.payload") and a wrong secret fails verification', async () => {
    let captured: { body: string; header: string } | undefined;
    const probe = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        captured = { body: Buffer.concat(chunks).toString('utf8'), header: String(req.headers['stripe-signature']) };
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const endpoint = await h.stripe.webhookEndpoints.create({ url: `http://127.0.0.1:${(probe.address() as AddressInfo).port}/`, enabled_events: ['customer.created'] });
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect((await h.stripe.webhookEndpoints.retrieve(endpoint.id)).secret).toBeUndefined();
    await h.stripe.customers.create({ email: 'sig@example.com' });
    await h.flush();
    expect(captured).toBeDefined();
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(captured!.header)!;
    expect(v1).toBe(createHmac('sha256', endpoint.secret!).update(`${t}.${captured!.body}`).digest('hex'));
    const event = h.stripe.webhooks.constructEvent(captured!.body, captured!.header, endpoint.secret!);
    expect(event.type).toBe('customer.created');
    expect(() => h.stripe.webhooks.constructEvent(captured!.body, captured!.header, 'whsec_wrong')).toThrow(Stripe.errors.StripeSignatureVerificationError);
    await h.stripe.webhookEndpoints.del(endpoint.id);
    probe.closeAllConnections();
    probe.close();
  });

  it('retries non-2xx answers with backoff and keeps per-endpoint order', async () => {
    await h.flush();
    const from = h.received.length;
    let failuresLeft = 2; // the first two attempts fail, the third succeeds
    receiverStatus = () => (failuresLeft-- > 0 ? 500 : 200);
    const customer = await h.stripe.customers.create({ email: 'retry@example.com' });
    await h.stripe.customers.update(customer.id, { name: 'Second' });
    const flushed = await h.flush();
    expect(flushed).toMatchObject({ idle: true, pending: 0 });
    const types = h.received.slice(from).map((e) => e.type);
    expect(types).toEqual(['customer.created', 'customer.updated']);
    const attempts = (await deliveries()).filter((a) => a.type === 'customer.created' && h.received.slice(from).some((e) => e.id === a.event_id));
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts[0]).toMatchObject({ status: 500, outcome: 'failed', attempt: 1 });
    expect(attempts.map((a) => a.outcome)).toEqual(['failed', 'failed', 'delivered']);
    receiverStatus = () => 200;
  });

  it('gives up after the last retry delay', async () => {
    await h.flush();
    receiverStatus = () => 503;
    const customer = await h.stripe.customers.create({ email: 'giveup@example.com' });
    await h.flush();
    receiverStatus = () => 200;
    const events = await h.stripe.events.list({ type: 'customer.created', limit: 5 });
    const event = events.data.find((e) => (e.data.object as Stripe.Customer).id === customer.id)!;
    const attempts = await deliveries(`?event_id=${event.id}&endpoint=${h.endpoint.id}`);
    expect(attempts.map((a) => a.outcome)).toEqual(['failed', 'failed', 'failed', 'given_up']);
  });

  it('dropped webhooks are never delivered but still listed in /v1/events; seeded faults are repeatable', async () => {
    const runWithDrops = async () => {
      await h.control('/_emulator/faults', {}, { webhooks: { drop_rate: 0.5 }, seed: 42 });
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push((await h.stripe.customers.create({ email: `drop${i}@example.com` })).id);
      await h.control('/_emulator/faults', {}, {});
      await h.flush();
      const events = (await h.stripe.events.list({ type: 'customer.created', limit: 100 })).data.filter((e) => ids.includes((e.data.object as Stripe.Customer).id));
      expect(events).toHaveLength(10);
      const log = await deliveries(`?endpoint=${h.endpoint.id}`);
      return events
        .reverse()
        .map((e) => log.find((a) => a.event_id === e.id)!.outcome);
    };
    const first = await runWithDrops();
    expect(first.filter((o) => o === 'dropped').length).toBeGreaterThan(0);
    expect(first.filter((o) => o === 'delivered').length).toBeGreaterThan(0);
    const second = await runWithDrops();
    expect(second).toEqual(first);
  });

  it('duplicates deliver the same event id twice', async () => {
    await h.control('/_emulator/faults', {}, { webhooks: { duplicate_rate: 1 } });
    const customer = await h.stripe.customers.create({ email: 'dup@example.com' });
    await h.control('/_emulator/faults', {}, {});
    await h.flush();
    const copies = h.received.filter((e) => e.type === 'customer.created' && e.data.object.id === customer.id);
    expect(copies).toHaveLength(2);
    expect(copies[0]!.id).toBe(copies[1]!.id);
  });

  it('reorder lets events overtake each other but every event is delivered once', async () => {
    await h.flush();
    const from = h.received.length;
    await h.control('/_emulator/faults', {}, { webhooks: { reorder: true }, seed: 3 });
    const { customer } = await h.subscribe();
    await h.control('/_emulator/faults', {}, {});
    await h.flush();
    const delivered = h.received.slice(from).filter((e) => JSON.stringify(e.data.object).includes(customer.id));
    const events = (await h.stripe.events.list({ limit: 100 })).data.reverse().filter((e) => delivered.some((d) => d.id === e.id));
    expect(new Set(delivered.map((e) => e.id)).size).toBe(delivered.length);
    expect(delivered.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
    expect(delivered.map((e) => e.id)).not.toEqual(events.map((e) => e.id));
  });

  it('latency and path faults apply to matching requests only; {} clears them', async () => {
    await h.control('/_emulator/faults', {}, { latency_ms: 150, paths: { 'POST /v1/transfers': { error_rate: 1 } } });
    const started = Date.now();
    await h.stripe.customers.list({ limit: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await expect(h.stripe.transfers.create({ amount: 1, currency: 'usd', destination: 'acct_x' })).rejects.toMatchObject({ statusCode: 500 });
    const cleared = await h.control<{ latency_ms: number; paths: object }>('/_emulator/faults', {}, {});
    expect(cleared.body).toMatchObject({ latency_ms: 0, paths: {} });
    await expect(h.stripe.transfers.create({ amount: 1, currency: 'usd', destination: 'acct_x' })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('reset empties the state', async () => {
    const other = await startHarness();
    await other.stripe.customers.create({ email: 'gone@example.com' });
    const res = await other.control('/_emulator/reset');
    expect(res.status).toBe(200);
    expect((await other.stripe.customers.list()).data).toHaveLength(0);
    await other.close();
  });
});
