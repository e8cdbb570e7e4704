import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { CopyExpectation, Model } from '../model/model.js';
import { resumeOpenWork } from '../../src/server/modules/payouts/runs.js';
import { timed } from './profile.js';
import { DAY, type Sequence, type SimFlow } from './sequence.js';

// The simulation's commands (fast-check model-based testing). Each one does what a member, a creator, an operator,
// Stripe or the infrastructure would do, through the app's HTTP API, the Stripe SDK or the emulator's control API;
// checks what the app answered against the independent model where the answer is immediate; then settles (deliveries,
// sweep, hold release) and feeds the model what Stripe now reports. People are named p0, p1, … in order of
// registration; a command names them (and flows) by number, resolved modulo who exists when it runs.

export const MAX_PEOPLE = 5;

export class Mismatch extends Error {
  override name = 'Mismatch';
}

export type WebhookFaults = { drop: number; duplicate: number; reorder: boolean; seed: number } | null;

type Cmd = fc.AsyncCommand<Model, Sequence>;

abstract class SimCommand implements Cmd {
  /** What the command resolved to and what happened, for the report of a failing run. */
  protected outcome = '';
  private state: 'not run' | 'skipped' | 'ran' = 'not run';
  abstract label(): string;
  /** Whether the command can run now (e.g. someone to act exists); fast-check skips it otherwise. */
  protected canRun(_model: Readonly<Model>): boolean {
    return true;
  }
  /** Forget the last run (a command object is reused by every run fast-check makes while shrinking). */
  reset() {
    this.state = 'not run';
    this.outcome = '';
  }
  get hasRun() {
    return this.state === 'ran';
  }
  check(model: Readonly<Model>): boolean {
    const canRun = this.canRun(model);
    this.state = canRun ? 'not run' : 'skipped';
    this.outcome = '';
    return canRun;
  }
  protected abstract execute(model: Model, seq: Sequence): Promise<void>;
  async run(model: Model, seq: Sequence): Promise<void> {
    this.state = 'ran';
    await timed(`command ${this.constructor.name}`, () => this.execute(model, seq));
    seq.count(`ran ${this.constructor.name}`);
  }
  toString(): string {
    if (this.state !== 'ran') return `${this.label()}  (${this.state})`;
    return this.outcome ? `${this.label()} ⇒ ${this.outcome}` : this.label();
  }
}

const names = (model: Readonly<Model>) => [...model.people.keys()];
const creators = (model: Readonly<Model>) => names(model).filter((name) => model.isCreator(name));
const pick = <T>(list: T[], n: number): T => list[n % list.length]!;
const describeFaults = (f: WebhookFaults) =>
  f ? ` [webhooks: drop ${f.drop}, duplicate ${f.duplicate}${f.reorder ? ', reorder' : ''}, seed ${f.seed}]` : '';

async function withFaults<T>(seq: Sequence, faults: WebhookFaults, action: () => Promise<T>): Promise<T> {
  if (!faults) return action();
  if (faults.drop > 0) seq.count(`webhooks dropped (rate ${faults.drop})`);
  if (faults.duplicate > 0) seq.count('webhooks duplicated');
  if (faults.reorder) seq.count('webhooks reordered');
  await seq.world.setFaults({ webhooks: { drop_rate: faults.drop, duplicate_rate: faults.duplicate, reorder: faults.reorder }, seed: faults.seed });
  try {
    return await action();
  } finally {
    await seq.world.setFaults({});
  }
}

function expectStatus(what: string, actual: { status: number; body: unknown }, expected: number) {
  if (actual.status !== expected) {
    throw new Mismatch(`${what}: the app answered ${actual.status} ${JSON.stringify(actual.body).slice(0, 400)}, the model expects ${expected}`);
  }
}

/**
 * Moves Stripe's clock, then on past anything due within the next ten minutes (a renewal, a draft's finalization, a
 * retry), so nothing falls due a few real seconds later, unseen by the settle that follows. (Stopping inside the hour
 * a renewal waits in draft is fine, and wanted: copies then land in a period not paid yet.)
 */
export async function advanceClock(seq: Sequence, seconds: number) {
  const { world } = seq;
  await world.control('/_emulator/advance', { seconds: String(seconds) });
  for (let guard = 0; guard < 10; guard++) {
    const now = await world.now();
    let next = Number.POSITIVE_INFINITY;
    const consider = (at: number | null | undefined) => {
      if (at && at > now) next = Math.min(next, at);
    };
    for (const person of seq.people.values()) {
      if (!person.customerId) continue;
      const [subs, invoices] = await Promise.all([
        world.stripe.subscriptions.list({ customer: person.customerId, limit: 100 }),
        world.stripe.invoices.list({ customer: person.customerId, limit: 100 }),
      ]);
      for (const sub of subs.data) {
        consider(sub.items.data[0]?.current_period_end);
        consider(sub.cancel_at);
      }
      for (const invoice of invoices.data) {
        if (invoice.status === 'draft') consider(invoice.automatically_finalizes_at);
        if (invoice.status === 'open') consider(invoice.next_payment_attempt);
      }
    }
    if (next - now > 600) return;
    await world.control('/_emulator/advance', { to: String(next + 60) });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// People and flows

class Register extends SimCommand {
  constructor(readonly flows: boolean[]) {
    super();
  }
  label() {
    return `register(flows: [${this.flows.map((p) => (p ? 'premium' : 'free')).join(', ')}])`;
  }
  protected override canRun(model: Readonly<Model>) {
    return model.people.size < MAX_PEOPLE;
  }
  async execute(model: Model, seq: Sequence) {
    const name = `p${model.people.size}`;
    const id = randomBytes(5).toString('hex');
    const input = { email: `${name}-${id}@sim.example`, username: `${name}_${id}`, password: 'simulation password' };
    const registered = await seq.world.request({ method: 'POST', url: '/v1/auth/register', payload: input });
    expectStatus('register', registered, 201);
    await seq.world.verifyEmail(input.email);
    const flows: SimFlow[] = [];
    for (const [index, isPremium] of this.flows.entries()) {
      const created = await seq.world.request({
        method: 'POST',
        url: '/v1/flows',
        token: registered.body.access_token,
        payload: {
          title: `Simulated flow ${name} ${index} ${id}`,
          summary: 'A flow made by the simulation.',
          body: `Step by step, ${name}'s flow number ${index}. ${'Do the thing carefully. '.repeat(8)}`,
          steps: ['Open the page', 'Do the thing'],
          is_premium: isPremium,
        },
      });
      expectStatus('create flow', created, 201);
      flows.push({ name: `${name}.f${index}`, slug: created.body.slug, id: created.body.id, isPremium });
    }
    seq.people.set(name, { name, id: registered.body.user.id, email: input.email, username: input.username, token: registered.body.access_token, flows });
    model.addPerson(name, flows.map((f) => ({ name: f.name, isPremium: f.isPremium })));
    this.outcome = name;
  }
}

class Connect extends SimCommand {
  constructor(readonly who: number) {
    super();
  }
  label() {
    return `connect(creator #${this.who})`;
  }
  protected override canRun(model: Readonly<Model>) {
    return creators(model).some((c) => !model.isConnected(c));
  }
  async execute(model: Model, seq: Sequence) {
    const name = pick(creators(model).filter((c) => !model.isConnected(c)), this.who);
    this.outcome = name;
    const person = seq.person(name);
    const response = await seq.world.request({ method: 'POST', url: '/v1/creators/me/connect', token: person.token });
    expectStatus(`connect ${name}`, response, 200);
    person.accountId = response.body.account_id;
    await seq.world.control(`/_emulator/accounts/${person.accountId}/onboard`, {});
    model.connect(name);
    await seq.settle();
    this.outcome = `${name} onboarded`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Subscriptions

export const CARDS = { pays: '4242424242424242', failsLater: '4000000000000341', declined: '4000000000009995' } as const;
type CardName = keyof typeof CARDS;

class Subscribe extends SimCommand {
  constructor(
    readonly who: number,
    readonly card: CardName,
    readonly tabs: number,
    readonly faults: WebhookFaults,
  ) {
    super();
  }
  label() {
    return `subscribe(#${this.who}, card ${this.card}, ${this.tabs} parallel checkout${this.tabs > 1 ? 's' : ''})${describeFaults(this.faults)}`;
  }
  protected override canRun(model: Readonly<Model>) {
    return model.people.size > 0;
  }
  async execute(model: Model, seq: Sequence) {
    const name = pick(names(model), this.who);
    this.outcome = name;
    const person = seq.person(name);
    const expected = model.expectCheckout(name);
    const responses = await Promise.all(
      Array.from({ length: this.tabs }, () => seq.world.request({ method: 'POST', url: '/v1/subscriptions/checkout', token: person.token })),
    );
    for (const response of responses) expectStatus(`checkout by ${name}`, response, expected.status);
    seq.count(`checkout: ${expected.status}${this.tabs > 1 ? ' (parallel)' : ''}${expected.status === 200 && expected.openSessionId ? ' (open session reused)' : ''}`);
    if (expected.status === 409) {
      this.outcome = `${name}: 409 (live subscription)`;
      return;
    }
    model.recordCheckout(name);
    const sessionIds = [...new Set(responses.map((r) => r.body.session_id as string))];
    if (sessionIds.length !== 1) throw new Mismatch(`${this.tabs} checkouts at once by ${name} made ${sessionIds.length} sessions; SPEC §3: the open one is reused`);
    if (expected.openSessionId && sessionIds[0] !== expected.openSessionId) {
      throw new Mismatch(`checkout by ${name} made session ${sessionIds[0]} while ${expected.openSessionId} was open; SPEC §3: the open one is returned`);
    }
    const paid: string[] = [];
    // Two seconds on: a subscription that ends in one second and a new one made in the same second cannot be told
    // apart by Stripe's times (the model knows only those); real checkouts take longer than that.
    await advanceClock(seq, 2);
    await withFaults(seq, this.faults, async () => {
      for (const sessionId of sessionIds) {
        const status = await seq.world
          .control(`/_emulator/checkout/sessions/${sessionId}/pay`, { card: CARDS[this.card] })
          .then(() => 200)
          .catch((error: { status?: number }) => error.status ?? 500);
        paid.push(`${sessionId.slice(-6)}: ${status}`);
      }
    });
    await seq.settle();
    this.outcome = `${name}: ${paid.join(', ')}`;
  }
}

/** A Checkout Session made outside the app (another tab, an older app version) and paid while the member is live. */
class SecondSubscription extends SimCommand {
  constructor(
    readonly who: number,
    readonly faults: WebhookFaults,
  ) {
    super();
  }
  label() {
    return `second-subscription(#${this.who})${describeFaults(this.faults)}`;
  }
  protected override canRun(model: Readonly<Model>) {
    return names(model).some((n) => model.hasCustomer(n));
  }
  async execute(model: Model, seq: Sequence) {
    const name = pick(names(model).filter((n) => model.hasCustomer(n)), this.who);
    this.outcome = name;
    const person = seq.person(name);
    if (!model.subscriptionOf(name)) {
      this.outcome = `${name}: no live subscription, skipped`;
      return;
    }
    const customer = await seq.customerOf(person);
    const price = (await seq.world.stripe.prices.list({ lookup_keys: ['flowtab_premium_monthly'], limit: 1 })).data[0]!;
    // An hour later, so "the newer one" is unambiguous to the second.
    await advanceClock(seq, 3600);
    const session = await seq.world.stripe.checkout.sessions.create({
      mode: 'subscription',
      customer,
      client_reference_id: person.id,
      line_items: [{ price: price.id, quantity: 1 }],
      metadata: { user_id: person.id },
      subscription_data: { metadata: { user_id: person.id } },
      success_url: 'http://127.0.0.1/return?session_id={CHECKOUT_SESSION_ID}',
    });
    await withFaults(seq, this.faults, () => seq.world.control(`/_emulator/checkout/sessions/${session.id}/pay`, { card: CARDS.pays }));
    await seq.settle();
    this.outcome = `${name}: paid ${session.id.slice(-6)}`;
    seq.count('second subscription paid');
  }
}

type PortalAction = 'cancel_at_period_end' | 'resume' | 'cancel_now' | 'card_pays' | 'card_fails_later';

class Portal extends SimCommand {
  constructor(
    readonly who: number,
    readonly action: PortalAction,
    readonly faults: WebhookFaults,
  ) {
    super();
  }
  label() {
    return `portal(#${this.who}, ${this.action})${describeFaults(this.faults)}`;
  }
  protected override canRun(model: Readonly<Model>) {
    return names(model).some((n) => model.hasCustomer(n));
  }
  async execute(model: Model, seq: Sequence) {
    const name = pick(names(model).filter((n) => model.hasCustomer(n)), this.who);
    this.outcome = name;
    const person = seq.person(name);
    const portal = await seq.world.request({ method: 'POST', url: '/v1/subscriptions/portal', token: person.token });
    expectStatus(`portal for ${name}`, portal, 200);
    const url = portal.body.url as string;
    const sub = model.subscriptionOf(name);
    let status: number | string = 'no live subscription';
    await withFaults(seq, this.faults, async () => {
      switch (this.action) {
        case 'card_pays':
          status = await seq.world.postPage(`${url}/card`, { card: CARDS.pays });
          break;
        case 'card_fails_later':
          status = await seq.world.postPage(`${url}/card`, { card: CARDS.failsLater });
          break;
        case 'cancel_at_period_end':
          if (sub) status = await seq.world.postPage(`${url}/subscriptions/${sub.id}/cancel`);
          break;
        case 'resume':
          if (sub) status = await seq.world.postPage(`${url}/subscriptions/${sub.id}/resume`);
          break;
        case 'cancel_now':
          if (sub) status = await seq.world.postPage(`${url}/subscriptions/${sub.id}/cancel-now`);
          break;
      }
    });
    await seq.settle();
    this.outcome = `${name}: ${status}`;
  }
}

const COUPONS = {
  half_once: { percent_off: 50, duration: 'once' },
  free_once: { percent_off: 100, duration: 'once' },
  three_dollars_forever: { amount_off: 300, currency: 'usd', duration: 'forever' },
  quarter_two_months: { percent_off: 25, duration: 'repeating', duration_in_months: 2 },
} as const;
type CouponName = keyof typeof COUPONS;

/** An operator puts a coupon on the member's subscription (it applies from the next invoice). */
class Coupon extends SimCommand {
  constructor(
    readonly who: number,
    readonly coupon: CouponName,
  ) {
    super();
  }
  label() {
    return `coupon(#${this.who}, ${this.coupon})`;
  }
  protected override canRun(model: Readonly<Model>) {
    return names(model).some((n) => model.hasCustomer(n));
  }
  async execute(model: Model, seq: Sequence) {
    const name = pick(names(model).filter((n) => model.hasCustomer(n)), this.who);
    this.outcome = name;
    const sub = model.subscriptionOf(name);
    if (!sub) {
      this.outcome = `${name}: no live subscription, skipped`;
      return;
    }
    const coupon = await seq.world.stripe.coupons.create({ ...COUPONS[this.coupon] });
    await seq.world.stripe.subscriptions.update(sub.id, { discounts: [{ coupon: coupon.id }] });
    await seq.settle();
    this.outcome = `${name}: ${sub.id.slice(-6)}`;
  }
}

/** An operator gives the member a goodwill credit on their Stripe customer balance (not collected money). */
class Goodwill extends SimCommand {
  constructor(
    readonly who: number,
    readonly cents: number,
  ) {
    super();
  }
  label() {
    return `goodwill-credit(#${this.who}, ${this.cents} ¢)`;
  }
  protected override canRun(model: Readonly<Model>) {
    return names(model).some((n) => model.hasCustomer(n));
  }
  async execute(model: Model, seq: Sequence) {
    const name = pick(names(model).filter((n) => model.hasCustomer(n)), this.who);
    this.outcome = name;
    const customer = await seq.customerOf(seq.person(name));
    await seq.world.stripe.customers.createBalanceTransaction(customer!, { amount: -this.cents, currency: 'usd', description: 'Goodwill (simulation)' });
    model.grantGoodwill(name, this.cents);
    await seq.settle();
    this.outcome = name;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Copies

function compareCopy(what: string, expected: CopyExpectation, actual: { status: number; body: any }, isParallel = false) {
  expectStatus(what, actual, expected.status);
  const body = actual.body ?? {};
  const differences: string[] = [];
  if (expected.status === 200) {
    if (body.counted_for_payout !== expected.isCounted) differences.push(`counted_for_payout ${body.counted_for_payout}, model ${expected.isCounted}`);
    if (expected.periodKey !== null) {
      if (body.copies_this_month !== expected.copiesThisMonth) differences.push(`copies_this_month ${body.copies_this_month}, model ${expected.copiesThisMonth}`);
      if (body.copies_remaining !== expected.copiesRemaining) differences.push(`copies_remaining ${body.copies_remaining}, model ${expected.copiesRemaining}`);
    }
  }
  // A parallel repeat reports the count at its moment, which the replayed order does not know.
  if (expected.status === 409 && expected.copiesThisMonth !== null && !isParallel) {
    if (body.copies_this_month !== expected.copiesThisMonth) differences.push(`409 copies_this_month ${body.copies_this_month}, model ${expected.copiesThisMonth}`);
  }
  if (differences.length) throw new Mismatch(`${what}: ${differences.join('; ')}`);
}

const copyOutcome = (status: number, body: any) => (status === 200 ? (body.counted_for_payout ? 'counted' : 'free') : String(status));

class Copy extends SimCommand {
  constructor(
    readonly who: number,
    readonly flow: number,
  ) {
    super();
  }
  label() {
    return `copy(#${this.who}, flow #${this.flow})`;
  }
  protected override canRun(model: Readonly<Model>) {
    return model.people.size > 0 && model.flows.size > 0;
  }
  async execute(model: Model, seq: Sequence) {
    const name = pick(names(model), this.who);
    this.outcome = name;
    const flow = pick([...seq.people.values()].flatMap((p) => p.flows), this.flow);
    const response = await seq.world.request({ method: 'POST', url: `/v1/flows/${flow.slug}/copy`, token: seq.person(name).token });
    this.outcome = `${name} copies ${flow.name} (${flow.isPremium ? 'premium' : 'free'}): ${copyOutcome(response.status, response.body)}`;
    compareCopy(`copy of ${flow.name} by ${name}`, model.copy(name, flow.name), response);
  }
}

/** A member copies every flow there is, one after the other (the cap, the pool and the fair-use limit bind). */
class CopyAll extends SimCommand {
  constructor(
    readonly who: number,
    readonly offset: number,
  ) {
    super();
  }
  label() {
    return `copy-all(#${this.who}, from flow #${this.offset})`;
  }
  protected override canRun(model: Readonly<Model>) {
    return model.people.size > 0 && model.flows.size > 0;
  }
  async execute(model: Model, seq: Sequence) {
    const name = pick(names(model), this.who);
    this.outcome = name;
    const all = [...seq.people.values()].flatMap((p) => p.flows);
    const flows = all.map((_, i) => all[(i + this.offset) % all.length]!);
    const token = seq.person(name).token;
    const outcomes: string[] = [];
    for (const flow of flows) {
      const response = await seq.world.request({ method: 'POST', url: `/v1/flows/${flow.slug}/copy`, token });
      outcomes.push(`${flow.name} ${copyOutcome(response.status, response.body)}`);
      this.outcome = `${name}: ${outcomes.join(', ')}`;
      compareCopy(`copy of ${flow.name} by ${name}`, model.copy(name, flow.name), response);
    }
  }
}

/** Parallel copies by one member; the model replays them in the order the database serialized them. */
class Burst extends SimCommand {
  constructor(
    readonly who: number,
    readonly flows: number[],
  ) {
    super();
  }
  label() {
    return `burst(#${this.who}, flows [${this.flows.map((f) => `#${f}`).join(', ')}])`;
  }
  protected override canRun(model: Readonly<Model>) {
    return model.people.size > 0 && model.flows.size > 0;
  }
  async execute(model: Model, seq: Sequence) {
    const name = pick(names(model), this.who);
    this.outcome = name;
    const all = [...seq.people.values()].flatMap((p) => p.flows);
    const flows = this.flows.map((f) => pick(all, f));
    const token = seq.person(name).token;
    const responses = await Promise.all(flows.map((flow) => seq.world.request({ method: 'POST', url: `/v1/flows/${flow.slug}/copy`, token })));
    // The order the locked period row let them through: recorded copies by their running count, then repeats,
    // then the ones over the fair-use limit, then refusals.
    const rank = (r: { status: number; body: any }) =>
      r.status === 200 ? (r.body.copies_this_month ?? 0) : r.status === 409 ? 10_000 : r.status === 429 ? 20_000 : 30_000;
    const ordered = flows.map((flow, i) => ({ flow, response: responses[i]! })).sort((a, b) => rank(a.response) - rank(b.response));
    this.outcome = `${name}: ${ordered.map((o) => `${o.flow.name} ${copyOutcome(o.response.status, o.response.body)}`).join(', ')}`;
    for (const { flow, response } of ordered) compareCopy(`parallel copy of ${flow.name} by ${name}`, model.copy(name, flow.name), response, true);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Time, refunds and disputes

class Advance extends SimCommand {
  constructor(
    readonly days: number,
    readonly faults: WebhookFaults,
  ) {
    super();
  }
  label() {
    return `advance(${this.days} days)${describeFaults(this.faults)}`;
  }
  async execute(_model: Model, seq: Sequence) {
    await withFaults(seq, this.faults, () => advanceClock(seq, this.days * DAY));
    await seq.settle();
  }
}

type RefundPart = 'full' | 'half' | 'one_cent' | 'odd';

class Refund extends SimCommand {
  constructor(
    readonly who: number,
    readonly which: number,
    readonly part: RefundPart,
    readonly faults: WebhookFaults,
  ) {
    super();
  }
  label() {
    return `refund(#${this.who}, charge #${this.which}, ${this.part})${describeFaults(this.faults)}`;
  }
  protected override canRun(model: Readonly<Model>) {
    return names(model).some((n) => model.hasCustomer(n));
  }
  async execute(model: Model, seq: Sequence) {
    const name = pick(names(model).filter((n) => model.hasCustomer(n)), this.who);
    this.outcome = name;
    const charges = (model.personView(name)?.charges ?? []).filter((c) => c.status === 'succeeded' && c.disputes.length === 0 && c.amountRefunded < c.amount);
    if (charges.length === 0) {
      this.outcome = `${name}: nothing refundable`;
      return;
    }
    const charge = pick(charges, this.which);
    const remaining = charge.amount - charge.amountRefunded;
    const amount = { full: remaining, half: Math.max(1, Math.floor(remaining / 2)), one_cent: 1, odd: Math.max(1, Math.floor(remaining / 3) + 1) }[this.part];
    await withFaults(seq, this.faults, () => seq.world.stripe.refunds.create({ charge: charge.id, amount }));
    model.recordOwnRefund(charge.id, amount);
    seq.count(`refund: ${amount === remaining ? 'the rest of a charge' : 'part of a charge'}`);
    await seq.settle();
    this.outcome = `${name}: ${amount} ¢ of ${charge.id.slice(-6)} (${charge.amount} ¢)`;
  }
}

class Dispute extends SimCommand {
  constructor(
    readonly who: number,
    readonly which: number,
    readonly faults: WebhookFaults,
  ) {
    super();
  }
  label() {
    return `dispute(#${this.who}, charge #${this.which})${describeFaults(this.faults)}`;
  }
  protected override canRun(model: Readonly<Model>) {
    return names(model).some((n) => model.hasCustomer(n));
  }
  async execute(model: Model, seq: Sequence) {
    const name = pick(names(model).filter((n) => model.hasCustomer(n)), this.who);
    this.outcome = name;
    const charges = (model.personView(name)?.charges ?? []).filter((c) => c.status === 'succeeded' && c.disputes.length === 0 && c.amountRefunded < c.amount);
    if (charges.length === 0) {
      this.outcome = `${name}: nothing to dispute`;
      return;
    }
    const charge = pick(charges, this.which);
    await withFaults(seq, this.faults, () => seq.world.control(`/_emulator/charges/${charge.id}/dispute`, {}));
    await seq.settle();
    this.outcome = `${name}: ${charge.id.slice(-6)} (${charge.amount - charge.amountRefunded} ¢)`;
  }
}

class CloseDispute extends SimCommand {
  constructor(
    readonly who: number,
    readonly status: 'won' | 'lost',
    readonly faults: WebhookFaults,
  ) {
    super();
  }
  label() {
    return `close-dispute(#${this.who}, ${this.status})${describeFaults(this.faults)}`;
  }
  protected override canRun(model: Readonly<Model>) {
    return names(model).some((n) => model.hasCustomer(n));
  }
  async execute(model: Model, seq: Sequence) {
    const name = pick(names(model).filter((n) => model.hasCustomer(n)), this.who);
    this.outcome = name;
    const open = (model.personView(name)?.charges ?? []).flatMap((c) => c.disputes.filter((d) => d.status !== 'won' && d.status !== 'lost'));
    if (open.length === 0) {
      this.outcome = `${name}: no open dispute`;
      return;
    }
    const dispute = open[0]!;
    await withFaults(seq, this.faults, () => seq.world.control(`/_emulator/disputes/${dispute.id}/close`, { status: this.status }));
    await seq.settle();
    this.outcome = `${name}: ${dispute.id.slice(-6)} ${this.status}`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Earnings out: apply to subscription, withdraw, payout runs

class ApplyToSubscription extends SimCommand {
  constructor(
    readonly who: number,
    readonly cents: number | undefined,
  ) {
    super();
  }
  label() {
    return `apply-to-subscription(creator #${this.who}, ${this.cents === undefined ? 'all' : `${this.cents} ¢`})`;
  }
  protected override canRun(model: Readonly<Model>) {
    return creators(model).length > 0;
  }
  async execute(model: Model, seq: Sequence) {
    const name = pick(creators(model), this.who);
    this.outcome = name;
    const expected = model.applyToSubscription(name, this.cents);
    const response = await seq.world.request({
      method: 'POST',
      url: '/v1/creators/me/apply-to-subscription',
      token: seq.person(name).token,
      payload: this.cents === undefined ? {} : { amount_cents: this.cents },
    });
    this.outcome = `${name}: ${response.status}${response.status === 200 ? ` ${response.body.applied_cents} ¢` : ''}`;
    expectStatus(`apply-to-subscription by ${name}`, response, expected.status);
    seq.count(`apply-to-subscription: ${expected.status}`);
    if (expected.status === 200 && response.body.applied_cents !== expected.amount) {
      throw new Mismatch(`apply-to-subscription by ${name}: applied ${response.body.applied_cents} ¢, the model expects ${expected.amount} ¢`);
    }
    await seq.settle();
  }
}

class Withdraw extends SimCommand {
  constructor(readonly who: number) {
    super();
  }
  label() {
    return `withdraw(creator #${this.who})`;
  }
  protected override canRun(model: Readonly<Model>) {
    return creators(model).length > 0;
  }
  async execute(model: Model, seq: Sequence) {
    const name = pick(creators(model), this.who);
    this.outcome = name;
    const day = new Date().toISOString().slice(0, 10);
    const expected = model.withdraw(name, day);
    const response = await seq.world.request({ method: 'POST', url: '/v1/creators/me/payouts', token: seq.person(name).token });
    this.outcome = `${name}: ${response.status}${response.status === 201 ? ` ${response.body.amount_cents} ¢ ${response.body.status}` : ` ${response.body?.title ?? ''}`}`;
    expectStatus(`withdraw by ${name}`, response, expected.status);
    seq.count(`withdraw: ${expected.status}`);
    if (expected.status === 201 && response.body.amount_cents !== expected.amount) {
      throw new Mismatch(`withdraw by ${name}: ${response.body.amount_cents} ¢, the model expects ${expected.amount} ¢`);
    }
    await seq.settle();
  }
}

type PayoutFault = 'rate_limit_2' | 'rate_limit_5' | 'lost_responses';

class PayoutRun extends SimCommand {
  /**
   * `rate_limit_N`: Stripe allows N requests/s while the run sends (it must back off and finish). `lost_responses`:
   * half of the transfers are made but their answer is lost (a 500 after the work); the SDK's retries and then the job
   * that resumes open payouts (run here as if its lease had passed) ask again with the same key: one transfer each.
   */
  constructor(readonly fault: PayoutFault | null = null) {
    super();
  }
  label() {
    return `payout-run(${this.fault ?? ''})`;
  }
  async execute(model: Model, seq: Sequence) {
    const asOf = await seq.world.now();
    const expected = model.payoutRun(asOf);
    if (this.fault) seq.count(`payout run: ${this.fault}`);
    switch (this.fault) {
      case 'rate_limit_2':
      case 'rate_limit_5':
        await seq.world.setFaults({ rate_limit: { requests_per_second: this.fault === 'rate_limit_2' ? 2 : 5, should_retry: false } });
        break;
      case 'lost_responses':
        await seq.world.setFaults({ paths: { 'POST /v1/transfers': { error_after_rate: 0.5 } }, seed: Math.floor(asOf % 100_000) });
        break;
      case null:
        break;
    }
    let response;
    try {
      response = await seq.world.asAdmin({ method: 'POST', url: '/v1/admin/payouts/run', payload: { as_of: new Date(asOf * 1000).toISOString() } });
    } finally {
      if (this.fault) await seq.world.setFaults({});
    }
    expectStatus('payout run', response, 200);
    if (this.fault === 'lost_responses') await resumeOpenWork(seq.world.ctx, { leaseMs: 0 });
    seq.count(`payout run: ${expected.size > 0 ? 'paid someone of the sequence' : 'paid nobody of the sequence'}`);
    await seq.settle();
    this.outcome = expected.size ? [...expected].map(([n, cents]) => `${n} ${cents} ¢`).join(', ') : 'nobody of this sequence';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The process dies and comes back

class Restart extends SimCommand {
  constructor(
    readonly downDays: number,
    readonly faults: WebhookFaults,
  ) {
    super();
  }
  label() {
    return `kill-and-restart(${this.downDays} days of Stripe time while down)${describeFaults(this.faults)}`;
  }
  async execute(_model: Model, seq: Sequence) {
    await seq.world.restart(async () => {
      if (this.downDays > 0) await withFaults(seq, this.faults, () => advanceClock(seq, this.downDays * DAY));
    });
    await seq.settle();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The arbitrary

const who = fc.nat({ max: 9 });
const faults: fc.Arbitrary<WebhookFaults> = fc.option(
  fc.record({
    drop: fc.constantFrom(0, 0.3, 0.7, 1),
    duplicate: fc.constantFrom(0, 0.5),
    reorder: fc.boolean(),
    seed: fc.nat({ max: 1_000_000 }),
  }),
  { freq: 3 },
);

export function simulationCommands(options: { maxCommands: number; replayPath?: string }) {
  const command = fc.oneof(
    { weight: 2, arbitrary: fc.array(fc.boolean(), { minLength: 0, maxLength: 4 }).map((flows) => new Register(flows)) },
    { weight: 2, arbitrary: who.map((w) => new Connect(w)) },
    {
      weight: 5,
      arbitrary: fc
        .tuple(who, fc.constantFrom<CardName>('pays', 'pays', 'failsLater', 'declined'), fc.constantFrom(1, 1, 2, 3), faults)
        .map(([w, card, tabs, f]) => new Subscribe(w, card, tabs, f)),
    },
    { weight: 1, arbitrary: fc.tuple(who, faults).map(([w, f]) => new SecondSubscription(w, f)) },
    { weight: 14, arbitrary: fc.tuple(who, fc.nat({ max: 20 })).map(([w, f]) => new Copy(w, f)) },
    { weight: 8, arbitrary: fc.tuple(who, fc.array(fc.nat({ max: 20 }), { minLength: 2, maxLength: 10 })).map(([w, f]) => new Burst(w, f)) },
    { weight: 5, arbitrary: fc.tuple(who, fc.nat({ max: 20 })).map(([w, o]) => new CopyAll(w, o)) },
    { weight: 8, arbitrary: fc.tuple(fc.integer({ min: 1, max: 60 }), faults).map(([d, f]) => new Advance(d, f)) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(who, fc.constantFrom<PortalAction>('cancel_at_period_end', 'resume', 'cancel_now', 'card_pays', 'card_pays', 'card_fails_later'), faults)
        .map(([w, a, f]) => new Portal(w, a, f)),
    },
    { weight: 1, arbitrary: fc.tuple(who, fc.constantFrom<CouponName>(...(Object.keys(COUPONS) as CouponName[]))).map(([w, c]) => new Coupon(w, c)) },
    { weight: 1, arbitrary: fc.tuple(who, fc.integer({ min: 1, max: 12 })).map(([w, c]) => new Goodwill(w, c * 100 + (c % 3) * 33)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(who, fc.nat({ max: 3 }), fc.constantFrom<RefundPart>('full', 'half', 'one_cent', 'odd'), faults)
        .map(([w, c, p, f]) => new Refund(w, c, p, f)),
    },
    { weight: 1, arbitrary: fc.tuple(who, fc.nat({ max: 3 }), faults).map(([w, c, f]) => new Dispute(w, c, f)) },
    { weight: 1, arbitrary: fc.tuple(who, fc.constantFrom<'won' | 'lost'>('won', 'lost'), faults).map(([w, s, f]) => new CloseDispute(w, s, f)) },
    {
      weight: 3,
      arbitrary: fc.tuple(who, fc.option(fc.integer({ min: 1, max: 1500 }), { freq: 2 })).map(([w, c]) => new ApplyToSubscription(w, c ?? undefined)),
    },
    { weight: 3, arbitrary: who.map((w) => new Withdraw(w)) },
    {
      weight: 3,
      arbitrary: fc.option(fc.constantFrom<PayoutFault>('rate_limit_2', 'rate_limit_5', 'lost_responses'), { freq: 2 }).map((f) => new PayoutRun(f)),
    },
    { weight: 1, arbitrary: fc.tuple(fc.nat({ max: 10 }), faults).map(([d, f]) => new Restart(d, f)) },
  );
  return fc.commands([command], { maxCommands: options.maxCommands, size: 'max', replayPath: options.replayPath });
}

/**
 * Every sequence starts with a few people — some creators (with flows), some subscribed (with a card that pays or
 * one that fails on renewal), some creators connected to Stripe — then the random commands.
 */
export function simulationSequences(options: { maxCommands: number; replayPath?: string }) {
  const person = fc.record({
    flows: fc.array(fc.boolean(), { minLength: 0, maxLength: 4 }),
    card: fc.constantFrom<CardName | null>(null, 'pays', 'pays', 'failsLater'),
    isConnected: fc.constantFrom(true, true, false),
  });
  // Most sequences end past a hold with a payout run, so every one can end with money paid out.
  const epilogue = fc.option(fc.tuple(fc.integer({ min: 30, max: 75 }), who), { freq: 5 }).map((e) =>
    e ? [new Advance(e[0], null), new PayoutRun(), new Withdraw(e[1]), new CopyAll(e[1], 0)] : [],
  );
  // Shrinking goes through a tuple in order: the random commands first (they matter most), then people, then the end.
  return fc.tuple(simulationCommands(options), fc.array(person, { minLength: 2, maxLength: 4 }), epilogue).map(([commands, people, end]) => ({
    people: [
      ...people.map((p) => new Register(p.flows)),
      ...people.flatMap((p, i) => (p.card ? [new Subscribe(i, p.card, 1, null)] : [])),
      ...people.flatMap((p) => (p.isConnected && p.flows.length > 0 ? [new Connect(0)] : [])),
    ],
    commands,
    epilogue: end,
  }));
}
