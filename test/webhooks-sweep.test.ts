import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq, inArray } from 'drizzle-orm';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/server/db/client.js';
import { stripeEvents, subscriptions, users, webhookWatermarks } from '../src/server/db/schema.js';
import { creatorBalances } from '../src/server/modules/ledger/repository.js';
import { StoredEventNotFoundError } from '../src/server/modules/webhooks/errors.js';
import { advanceWatermark } from '../src/server/modules/webhooks/repository.js';
import { listDeadEvents, type RetryPolicy, retryDeadEvent, STRIPE_EVENTS_SOURCE, sweepEvents } from '../src/server/modules/webhooks/service.js';
import {
  advanceEmulator,
  CARDS,
  createFlow,
  createMember,
  DAY,
  deliverSignedEvent,
  flushWebhooks,
  type Member,
  subscribeThroughCheckout,
} from './factories.js';
import { createTestApp, TEST_ENV, type TestApp } from './support/app.js';
import { isPostgres } from './support/database.js';
import { expectReconciled } from './support/reconcile.js';

// A dollar per copy keeps the earnings visible; three failed attempts make a dead letter.
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ RATE_PER_COPY_CENTS: '100', WEBHOOK_MAX_ATTEMPTS: '3' }, { stripe: true });
});
afterAll(() => t?.close());

const db = () => t.database.db;
const copy = (member: Member, ref: string) => t.request({ method: 'POST', url: `/v1/flows/${ref}/copy`, token: member.token });
const held = async (creator: Member) => (await creatorBalances(db(), creator.id)).creator_held ?? 0;

async function watermark(): Promise<Date | undefined> {
  const [row] = await db().select().from(webhookWatermarks).where(eq(webhookWatermarks.source, STRIPE_EVENTS_SOURCE));
  return row?.readUntil;
}

const storedRows = (ids: string[]) => db().select().from(stripeEvents).where(inArray(stripeEvents.id, ids));

/** Runs `action` with every webhook delivery dropped: what it causes reaches us only through the sweep. */
async function withDroppedDeliveries<T>(action: () => Promise<T>): Promise<T> {
  await t.emulator('/_emulator/faults', undefined, { json: { webhooks: { drop_rate: 1 } } });
  try {
    const result = await action();
    await flushWebhooks(t);
    return result;
  } finally {
    await t.emulator('/_emulator/faults', undefined, { json: {} });
  }
}

/** Every event Stripe lists about `objectId` (in its `data.object`). */
async function eventsAbout(objectId: string): Promise<Stripe.Event[]> {
  const found: Stripe.Event[] = [];
  for await (const event of t.ctx.stripe.raw.events.list({ limit: 100 })) {
    if (JSON.stringify(event.data.object).includes(objectId)) found.push(event);
  }
  return found;
}

async function metricValue(name: string): Promise<number> {
  const response = await t.request({ method: 'GET', url: '/metrics' });
  expect(response.status).toBe(200);
  const line = String(response.body)
    .split('\n')
    .find((l) => l.startsWith(`${name} `));
  expect(line, `${name} in /metrics`).toBeDefined();
  return Number(line!.split(' ')[1]);
}

describe('the watermark: no event is ever missed', () => {
  it('fetches a charge.refunded dropped more than 3 Stripe-days before the next events; the creator’s earnings reverse', async () => {
    const creator = await createMember(t);
    const member = await createMember(t);
    await subscribeThroughCheckout(t, member);
    expect((await copy(member, (await createFlow(t, creator)).slug)).body.payout_earned).toBe(100);
    expect(await held(creator)).toBe(100);
    // A sweep now: Stripe's list is read up to here.
    await sweepEvents(t.ctx);
    expect(await watermark()).toBeDefined();

    const customer = (await t.ctx.stripe.raw.customers.list({ email: member.email })).data[0]!;
    const charge = (await t.ctx.stripe.raw.charges.list({ customer: customer.id })).data[0]!;
    await withDroppedDeliveries(() => t.ctx.stripe.raw.refunds.create({ charge: charge.id }));
    const refunded = (await eventsAbout(charge.id)).find((e) => e.type === 'charge.refunded')!;
    const deliveries = await t.emulator(`/_emulator/webhooks/deliveries?event_id=${refunded.id}`);
    expect(deliveries.data.map((d: { outcome: string }) => d.outcome)).toEqual(['dropped']);
    expect(await held(creator)).toBe(100);

    // More than 3 Stripe-days later, other events arrive as usual.
    await advanceEmulator(t, 4 * DAY);
    await subscribeThroughCheckout(t, await createMember(t));

    const swept = await sweepEvents(t.ctx);
    expect(swept.fetched).toBeGreaterThanOrEqual(1);
    const [row] = await storedRows([refunded.id]);
    expect(row?.processedAt).toBeInstanceOf(Date);
    expect(await held(creator)).toBe(0);
    expect((await watermark())!.getTime()).toBeGreaterThanOrEqual(refunded.created * 1000 + 4 * DAY * 1000);
    await expectReconciled(t);
  });

  it('moves only once a whole listing is stored, never backwards: a sweep that dies half way skips nothing', async () => {
    await sweepEvents(t.ctx);
    const before = (await watermark())!;
    // Undelivered events two Stripe-days apart (far more than the overlap): one customer, then four.
    const older = await withDroppedDeliveries(() => t.ctx.stripe.raw.customers.create({ email: 'older@example.com' }));
    await advanceEmulator(t, 2 * DAY);
    const newer = await withDroppedDeliveries(() =>
      Promise.all(Array.from({ length: 4 }, (_, i) => t.ctx.stripe.raw.customers.create({ email: `newer${i}@example.com` }))),
    );
    const olderEvents = await eventsAbout(older.id);
    const newerEvents = (await Promise.all(newer.map((c) => eventsAbout(c.id)))).flat();
    expect(olderEvents.length).toBeGreaterThan(0);
    expect(newerEvents.length).toBeGreaterThanOrEqual(4);

    // Two events a page, newest first; the sweep dies asking for its second page.
    let calls = 0;
    const diesOnSecondPage: RetryPolicy = (call) => (++calls === 2 ? Promise.reject(new Error('killed')) : call());
    await expect(sweepEvents(t.ctx, { retry: diesOnSecondPage, pageSize: 2 })).rejects.toThrow('killed');
    expect(await storedRows(olderEvents.map((e) => e.id))).toHaveLength(0);
    expect((await storedRows(newerEvents.map((e) => e.id))).length).toBeGreaterThan(0);
    expect(await watermark()).toEqual(before);

    // The next sweep lists the same range again and finds the older event too.
    await sweepEvents(t.ctx, { pageSize: 2 });
    const all = [...olderEvents, ...newerEvents];
    const rows = await storedRows(all.map((e) => e.id));
    expect(rows.map((r) => r.id).sort()).toEqual(all.map((e) => e.id).sort());
    expect(rows.every((r) => r.processedAt !== null)).toBe(true);
    const after = (await watermark())!;
    expect(after.getTime()).toBe(Math.max(...all.map((e) => e.created)) * 1000);

    // Never backwards: not by an older point, nor by a replay that starts after it (it would leave a gap behind).
    expect(await advanceWatermark(db(), STRIPE_EVENTS_SOURCE, before)).toEqual(after);
    await advanceEmulator(t, DAY);
    const latest = await withDroppedDeliveries(() => t.ctx.stripe.raw.customers.create({ email: 'latest@example.com' }));
    const replay = await sweepEvents(t.ctx, { since: new Date(after.getTime() + 3600_000) });
    expect(replay.fetched).toBeGreaterThanOrEqual(1);
    expect(await watermark()).toEqual(after);
    const [latestEvent] = await eventsAbout(latest.id);
    await sweepEvents(t.ctx);
    expect((await watermark())!.getTime()).toBe(latestEvent!.created * 1000);
  });

  it('two sweeps at once store and process each missed event once', async () => {
    await sweepEvents(t.ctx);
    const member = await createMember(t);
    await withDroppedDeliveries(async () => {
      const checkout = await t.request({ method: 'POST', url: '/v1/subscriptions/checkout', token: member.token });
      await t.emulator(`/_emulator/checkout/sessions/${checkout.body.session_id}/pay`, { card: CARDS.pays });
    });
    const customer = (await t.ctx.stripe.raw.customers.list({ email: member.email })).data[0]!;
    const missed = await eventsAbout(customer.id);
    expect(missed.length).toBeGreaterThan(5);
    expect(await storedRows(missed.map((e) => e.id))).toHaveLength(0);
    const me = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
    expect(me.body.is_subscriber).toBe(false);

    const [a, b] = await Promise.all([sweepEvents(t.ctx), sweepEvents(t.ctx)]);
    expect(a.fetched + b.fetched).toBe(missed.length);
    // An event one sweep could not apply while the other held its subscription is applied by the next sweep.
    if (a.failed + b.failed > 0) await sweepEvents(t.ctx);
    const rows = await storedRows(missed.map((e) => e.id));
    expect(rows).toHaveLength(missed.length);
    expect(rows.every((r) => r.processedAt !== null)).toBe(true);
    const subscribed = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
    expect(subscribed.body).toMatchObject({ is_subscriber: true, status: 'active' });
    expect(await db().select().from(subscriptions).where(eq(subscriptions.userId, member.id))).toHaveLength(1);
    expect((await watermark())!.getTime()).toBeGreaterThanOrEqual(Math.max(...missed.map((e) => e.created)) * 1000);
    await expectReconciled(t);
  });
});

describe('under Stripe’s rate limit', () => {
  it('the sweep backs off and finishes: every missed event stored and processed once', async () => {
    await sweepEvents(t.ctx);
    const member = await createMember(t);
    await withDroppedDeliveries(async () => {
      const checkout = await t.request({ method: 'POST', url: '/v1/subscriptions/checkout', token: member.token });
      await t.emulator(`/_emulator/checkout/sessions/${checkout.body.session_id}/pay`, { card: CARDS.pays });
    });
    const customer = (await t.ctx.stripe.raw.customers.list({ email: member.email })).data[0]!;
    const missed = await eventsAbout(customer.id);
    expect(missed.length).toBeGreaterThan(5);

    const refusedBefore = (await t.emulator('/_emulator/stats')).rate_limited;
    const waits: number[] = [];
    await t.emulator('/_emulator/faults', undefined, { json: { rate_limit: { requests_per_second: 4 } } });
    try {
      const swept = await sweepEvents(t.ctx, { pageSize: 5, onRateLimitWait: (wait) => waits.push(wait.delayMs) });
      expect(swept).toMatchObject({ fetched: missed.length, failed: 0, dead: 0 });
    } finally {
      await t.emulator('/_emulator/faults', undefined, { json: {} });
    }
    expect((await t.emulator('/_emulator/stats')).rate_limited).toBeGreaterThan(refusedBefore);
    expect(waits.length).toBeGreaterThan(0);
    const rows = await storedRows(missed.map((e) => e.id));
    expect(rows).toHaveLength(missed.length);
    expect(rows.every((r) => r.processedAt !== null)).toBe(true);
    const me = await t.request({ method: 'GET', url: '/v1/subscriptions/me', token: member.token });
    expect(me.body).toMatchObject({ is_subscriber: true, status: 'active' });
    await expectReconciled(t);
  });
});

describe('the inbox refuses what is not an event', () => {
  it('answers 400 problem+json to a correctly signed body that is not an event, and stores nothing', async () => {
    const count = async () => (await db().select({ id: stripeEvents.id }).from(stripeEvents)).length;
    const before = await count();
    const bodies = [
      {},
      [],
      { id: 'evt_no_data', object: 'event', type: 'invoice.paid', created: 1 },
      { id: 'evt_no_object', object: 'event', type: 'invoice.paid', created: 1, data: {} },
      { id: 'evt_no_type', object: 'event', created: 1, data: { object: { id: 'in_1' } } },
      { object: 'event', type: 'invoice.paid', created: 1, data: { object: { id: 'in_1' } } },
    ];
    for (const body of bodies) {
      const response = await deliverSignedEvent(t, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.body.detail).toMatch(/not a Stripe event/);
    }
    expect(await count()).toBe(before);
  });
});

describe('dead letters', () => {
  it('an event that fails WEBHOOK_MAX_ATTEMPTS times is dead: skipped by the sweep, listed, counted in /metrics, retried by hand', async () => {
    // A subscription Stripe has for a member we do not know (yet): its events fail with "no member".
    const futureId = randomUUID();
    const subscription = await withDroppedDeliveries(async () => {
      const customer = await t.ctx.stripe.raw.customers.create({ email: 'later@example.com', metadata: { user_id: futureId } });
      return t.ctx.stripe.raw.subscriptions.create({
        customer: customer.id,
        items: [{ price: t.ctx.billing.priceId! }],
        metadata: { user_id: futureId },
        payment_behavior: 'default_incomplete',
      });
    });
    const created = (await eventsAbout(subscription.id)).find((e) => e.type === 'customer.subscription.created')!;
    const deadBefore = await metricValue('flowtab_webhook_dead_letters');

    for (let attempt = 1; attempt <= 3; attempt++) {
      const swept = await sweepEvents(t.ctx);
      expect(swept.failed).toBeGreaterThanOrEqual(1);
      const [row] = await storedRows([created.id]);
      expect(row).toMatchObject({ attempts: attempt, processedAt: null });
      expect(row!.lastError).toMatch(/no member/);
      expect(row!.deadAt === null).toBe(attempt < 3);
    }
    // Dead: the sweep no longer tries it, and a delivery from Stripe is acknowledged without processing it.
    await sweepEvents(t.ctx);
    expect((await storedRows([created.id]))[0]!.attempts).toBe(3);
    const redelivered = await deliverSignedEvent(t, created);
    expect(redelivered.status).toBe(200);
    expect(redelivered.body.outcome).toBe('dead');
    expect((await storedRows([created.id]))[0]!.attempts).toBe(3);

    const dead = await listDeadEvents(db());
    expect(dead.events.find((e) => e.id === created.id)).toMatchObject({
      type: 'customer.subscription.created',
      objectId: subscription.id,
      attempts: 3,
      lastError: expect.stringMatching(/no member/),
    });
    expect(await metricValue('flowtab_webhook_dead_letters')).toBe(dead.total);
    expect(dead.total).toBeGreaterThan(deadBefore);

    // By hand, while the cause is still there: it fails again and stays dead.
    expect(await retryDeadEvent(t.ctx, created.id)).toMatchObject({ outcome: 'failed', attempts: 4, isDead: true, error: expect.stringMatching(/no member/) });

    // The member exists now: retried by hand, it is processed and no longer counted.
    await db().insert(users).values({ id: futureId, email: 'later@example.com', username: `later_${Date.now()}`, passwordHash: 'x' });
    expect(await retryDeadEvent(t.ctx, created.id)).toMatchObject({ outcome: 'processed', isDead: false, error: undefined });
    const [row] = await storedRows([created.id]);
    expect(row).toMatchObject({ deadAt: null, lastError: null });
    expect(row!.processedAt).toBeInstanceOf(Date);
    const [linked] = await db().select().from(subscriptions).where(eq(subscriptions.id, subscription.id));
    expect(linked?.userId).toBe(futureId);
    expect(await metricValue('flowtab_webhook_dead_letters')).toBe(dead.total - 1);
    expect((await listDeadEvents(db())).events.some((e) => e.id === created.id)).toBe(false);

    expect(await retryDeadEvent(t.ctx, created.id)).toMatchObject({ outcome: 'already_processed' });
    await expect(retryDeadEvent(t.ctx, 'evt_not_in_the_inbox')).rejects.toBeInstanceOf(StoredEventNotFoundError);
  });

  it('`flowtab webhooks dead` lists them and `flowtab webhooks retry` retries one', { timeout: 180_000 }, async () => {
    // The CLI needs a database of its own on PGlite (the tests' one lives in this process's memory).
    const dataDir = mkdtempSync(path.join(tmpdir(), 'flowtab-webhooks-cli-'));
    try {
      const cliEnv: Record<string, string> = isPostgres() ? { DATABASE_URL: t.database.url! } : { DATA_DIR: dataDir };
      const database = isPostgres() ? undefined : await openDatabase({ dataDir });
      const cliDb = database?.db ?? db();
      await database?.migrate();
      const suffix = randomUUID().slice(0, 8);
      const deadEvent = (id: string, type: string, objectId: string) => ({
        id,
        type,
        objectId,
        payload: { id, object: 'event', type, created: 1_800_000_000, data: { object: { id: objectId, object: type.split('.')[0] } } },
        stripeCreatedAt: new Date(1_800_000_000_000),
        attempts: 3,
        lastError: `No such object: '${objectId}'`,
        deadAt: new Date(),
      });
      // One whose object Stripe does not have (it fails again), one Flowtab ignores (it goes through).
      const failing = deadEvent(`evt_gone_${suffix}`, 'customer.subscription.updated', `sub_gone_${suffix}`);
      const passing = deadEvent(`evt_ignored_${suffix}`, 'customer.updated', `cus_any_${suffix}`);
      await cliDb.insert(stripeEvents).values([failing, passing]);
      await database?.close();

      const listed = await flowtab(['webhooks', 'dead'], cliEnv);
      expect(listed.code, listed.output).toBe(0);
      for (const event of [failing, passing]) {
        expect(listed.output).toContain(event.id);
        expect(listed.output).toContain(event.type);
        expect(listed.output).toContain(event.objectId);
      }
      expect(listed.output).toContain(`No such object: '${failing.objectId}'`);

      const retriedFailing = await flowtab(['webhooks', 'retry', failing.id], cliEnv);
      expect(retriedFailing.code, retriedFailing.output).toBe(1);
      expect(retriedFailing.output).toMatch(/failed again \(attempt 4\)/);
      expect(retriedFailing.output).toMatch(/still a dead letter/);

      const retriedPassing = await flowtab(['webhooks', 'retry', passing.id], cliEnv);
      expect(retriedPassing.code, retriedPassing.output).toBe(0);
      expect(retriedPassing.output).toContain(`${passing.id} (customer.updated) processed`);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

const root = path.resolve(import.meta.dirname, '..');

/** `flowtab <args>` in its own process, on the given database, against this file's emulator. */
function flowtab(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/server/cli.ts'), ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...TEST_ENV, LOG_LEVEL: 'warn', WEBHOOK_MAX_ATTEMPTS: '3', STRIPE_API_BASE: t.emulatorUrl!, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => resolve({ code, output }));
  });
}
