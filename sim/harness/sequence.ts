import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import type { Model } from '../model/model.js';
import type { ChargeView, InvoiceView, PersonStripeView, StripeView, SubscriptionView } from '../model/types.js';
import { timed } from './profile.js';
import type { World } from './world.js';

// One simulated sequence: its own people (registered through the API), the model scoped to them, and the Stripe
// view the model is fed after every step.

export type SimFlow = { name: string; slug: string; id: string; isPremium: boolean };
export type SimPerson = {
  name: string;
  id: string;
  email: string;
  username: string;
  token: string;
  flows: SimFlow[];
  customerId?: string;
  accountId?: string;
};

/** Days of Stripe's clock in seconds. */
export const DAY = 86_400;

export class Sequence {
  readonly people = new Map<string, SimPerson>();
  readonly tag = randomBytes(4).toString('hex');
  /** What the harness did (faults, restarts, refunds…), for the run's coverage summary. */
  readonly stats = new Map<string, number>();

  count(what: string) {
    this.stats.set(what, (this.stats.get(what) ?? 0) + 1);
  }

  constructor(
    readonly world: World,
    readonly model: Model,
  ) {}

  person(name: string): SimPerson {
    const person = this.people.get(name);
    if (!person) throw new Error(`no person ${name}`);
    return person;
  }

  /** Settle (deliveries, sweep, hold release) and feed the model a fresh view of Stripe. */
  async settle(options: { withRefunds?: boolean } = {}): Promise<StripeView> {
    const now = await this.world.settle();
    const view = await timed('observe', () => this.observe(now, options));
    this.model.observe(view);
    return view;
  }

  /** What Stripe reports about every customer of this sequence, through the SDK. */
  async observe(now: number, options: { withRefunds?: boolean } = {}): Promise<StripeView> {
    const people: Record<string, PersonStripeView> = {};
    await Promise.all(
      [...this.people.values()].map(async (person) => {
        const customerId = await this.customerOf(person);
        if (customerId) people[person.name] = await this.observeCustomer(customerId, options);
      }),
    );
    return { now, people };
  }

  /** The member's Stripe customer (the app makes it at their first checkout). */
  async customerOf(person: SimPerson): Promise<string | undefined> {
    if (person.customerId) return person.customerId;
    if (!this.model.hasCustomer(person.name)) return undefined;
    const found = await this.world.stripe.customers.list({ email: person.email, limit: 10 });
    person.customerId = found.data.find((c) => c.metadata?.user_id === person.id)?.id ?? found.data[0]?.id;
    return person.customerId;
  }

  private async observeCustomer(customer: string, options: { withRefunds?: boolean }): Promise<PersonStripeView> {
    const stripe = this.world.stripe;
    const [subscriptions, invoices, charges, sessions] = await Promise.all([
      stripe.subscriptions.list({ customer, status: 'all', limit: 100 }),
      stripe.invoices.list({ customer, limit: 100 }),
      stripe.charges.list({ customer, limit: 100 }),
      stripe.checkout.sessions.list({ customer, limit: 100 }),
    ]);
    const chargeViews = await Promise.all(charges.data.map((charge) => this.chargeView(charge, options)));
    return {
      customerId: customer,
      subscriptions: subscriptions.data.map(subscriptionView),
      invoices: invoices.data.map((invoice) => invoiceView(invoice, charges.data)),
      charges: chargeViews,
      checkoutSessions: sessions.data.map((s) => ({ id: s.id, status: s.status ?? 'open', created: s.created })),
    };
  }

  private async chargeView(charge: Stripe.Charge, options: { withRefunds?: boolean }): Promise<ChargeView> {
    const stripe = this.world.stripe;
    const disputes = charge.disputed ? (await stripe.disputes.list({ charge: charge.id, limit: 100 })).data : [];
    const refunds = options.withRefunds && charge.amount_refunded > 0 ? (await stripe.refunds.list({ charge: charge.id, limit: 100 })).data : [];
    return {
      id: charge.id,
      invoiceId: (charge as unknown as { invoice?: string | null }).invoice ?? null,
      status: charge.status,
      amount: charge.amount,
      amountRefunded: charge.amount_refunded,
      disputes: disputes.map((d) => ({ id: d.id, status: d.status, amount: d.amount })),
      refunds: refunds.map((r) => r.amount),
    };
  }

  /** Ends the sequence: every subscription of its people cancelled, so the emulator has nothing left to renew. */
  async cleanup() {
    await this.world.setFaults({});
    if (this.world.isDown) await this.world.restart();
    for (const person of this.people.values()) {
      if (!person.customerId) continue;
      const subs = await this.world.stripe.subscriptions.list({ customer: person.customerId, limit: 100 });
      for (const sub of subs.data) await this.world.stripe.subscriptions.cancel(sub.id).catch(() => undefined);
    }
    await this.world.settle();
  }
}

function subscriptionView(sub: Stripe.Subscription): SubscriptionView {
  const item = sub.items.data[0];
  const loose = sub as unknown as { current_period_start?: number; current_period_end?: number };
  return {
    id: sub.id,
    status: sub.status,
    created: sub.created,
    endedAt: sub.ended_at ?? null,
    currentPeriodStart: item?.current_period_start ?? loose.current_period_start ?? 0,
    currentPeriodEnd: item?.current_period_end ?? loose.current_period_end ?? 0,
  };
}

function invoiceView(invoice: Stripe.Invoice, charges: Stripe.Charge[]): InvoiceView {
  const line = invoice.lines.data[0];
  const loose = invoice as unknown as { charge?: string | null };
  const paidCharge = charges.find((c) => c.status === 'succeeded' && (c as unknown as { invoice?: string }).invoice === invoice.id);
  const subscription = invoice.parent?.subscription_details?.subscription;
  return {
    id: invoice.id,
    subscriptionId: typeof subscription === 'string' ? subscription : (subscription?.id ?? null),
    billingReason: invoice.billing_reason,
    periodStart: line?.period?.start ?? invoice.period_start,
    periodEnd: line?.period?.end ?? invoice.period_end,
    status: invoice.status ?? 'draft',
    created: invoice.created,
    total: invoice.total,
    amountDue: invoice.amount_due,
    amountPaid: invoice.amount_paid,
    startingBalance: invoice.starting_balance,
    endingBalance: invoice.ending_balance,
    paidAt: invoice.status_transitions?.paid_at ?? null,
    chargeId: paidCharge?.id ?? loose.charge ?? null,
  };
}
