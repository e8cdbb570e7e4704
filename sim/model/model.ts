/**
 * The independent model of Flowtab's money, written from SPEC §3–§6 alone. It imports nothing outside sim/model
 * (test/simulation-model.test.ts enforces it): no code, types or constants of the app. It is told what happened (the
 * simulation's commands) and what Stripe reports (a StripeView read through the SDK after each step), and computes
 * the money itself: which copies count, each period's pool, every creator's pending / held / available / paid
 * balance, the transfers payouts must make and the refunds Stripe must hold.
 *
 * The rules, as the SPEC states them:
 * - A copy (SPEC §4 table, first matching row wins): premium flow and copier not a subscriber in good standing
 *   (active/trialing) and not its author → 403; the same member already copied the flow in this billing period → 409;
 *   the period already has COPY_LIMIT_PER_PERIOD copies → 429, not kept; otherwise recorded. Without good standing a
 *   copy belongs to no period and is kept once per member and flow (a repeat is 409).
 * - Counted for payout iff: premium, copier in good standing, not the author, counted copies < PAID_COPIES_PER_PERIOD,
 *   and the period's pool still covers the rate. A counted copy earns its flow's author RATE_PER_COPY_CENTS (gross).
 * - The billing period is the Stripe subscription's current period. The pool is floor(share% × amount actually
 *   collected) — cash (`amount_paid`) plus the part of the applied customer balance that came from the member's own
 *   earnings credits (apply-to-subscription); goodwill credits and coupons are not collected money.
 * - Earnings: pending while the period's invoice is unpaid; held once it is paid; available after HOLD_DAYS; paid when
 *   a transfer sends them. A period whose invoice is never paid (uncollectible, void, or the subscription ended with it
 *   unpaid) voids its pending earnings. Refunds and disputes reverse in proportion (lost / amount paid) from whatever
 *   state the money is in; a won dispute restores; paid-out money reversed makes `available` negative and later
 *   earnings repay it.
 * - Payout run (as of a moment): releases what the hold let go, then every creator with Connect onboarded and
 *   available ≥ MIN_PAYOUT_CENTS gets ONE transfer of the whole available balance; below the minimum it rolls over.
 *   Withdraw: the same for one creator, at most once a day, 409 otherwise. Apply-to-subscription: available earnings
 *   (all, or a given amount ≤ available) become a credit on the creator's own Stripe customer; 409 without a customer
 *   or with nothing to apply.
 * - Checkout: 409 with a live subscription; while an earlier Checkout Session is open, the same session again.
 *   A second subscription that still goes live is cancelled and its first invoice refunded in full; copies never
 *   count against it.
 *
 * Choices where the SPEC is silent (each written down here; see the README's simulation section for what the app does):
 * 1. Hold start. "held: the period's invoice is paid; the earning waits HOLD_DAYS". The model holds a period's
 *    earnings until HOLD_DAYS after the later of the period's end and its payment: a refund or dispute of the
 *    period's charge reverses all of its earnings, so they are all held while the period runs and HOLD_DAYS after.
 * 2. Proportional reversal per creator: net = floor(gross × (paid − lost) / paid), floored per creator (never more
 *    than the rule allows; the sum can fall a few cents short of the pool). If the period's gross exceeds the pool
 *    computed from what was actually collected (it collected less than its copies assumed), every creator's net is
 *    further scaled by fullPool / periodGross, again floored per creator.
 * 3. Copies made after a refund or dispute of the same period: the reversal is a property of the period (the
 *    proportion applies to all its earnings, whenever made, so a second refund or a won dispute recomputes from the
 *    totals). "The period's creator pool still covers the rate" is read as: the period's GROSS earnings (rate ×
 *    counted copies, before reversals) + RATE ≤ the pool net of refunds and disputes. The SPEC does not say gross or
 *    net; the model first read it as "current net earnings + RATE ≤ pool", and the simulation found that the app uses
 *    gross (seed 8: after a 334 ¢ refund of a 1000 ¢ charge, a second 233 ¢ copy is not counted though net earnings
 *    are 155 ¢ of a 446 ¢ pool). Both keep the invariant; gross is the conservative one (the pool can never be
 *    overrun, before or after reversal rounding), so the model adopts it — an under-specified rule, not an app bug.
 * 4. Which credit a customer balance spends first: credits are spent in the order they were granted (FIFO); only the
 *    part of an invoice's applied balance that came from earnings lots counts as collected.
 * 5. The basis of a period whose invoice is not paid yet (copies made while a renewal is open): what its invoice
 *    would collect if paid (amount due + its earnings-credit part), or the plan price when no invoice exists yet.
 * 6. "Live" subscription: any status but canceled and incomplete_expired. "Newer" duplicate: the later created one;
 *    two created in the same second are told apart by which one Stripe shows cancelled. Stripe's times are whole
 *    seconds: one that ended in the very second another was created counts as still live then (the simulation never
 *    pays a checkout in the second something ended, so the other order does not occur).
 * 7. A dispute counts as lost money unless its status is `won` (or `warning_closed`).
 * 8. "At most once a day" for withdrawals: the UTC calendar day of the request (the app's clock, real time); a payout
 *    run pays a creator at most once per run, a run being named by the UTC day it runs as of.
 */
import { fullPoolCents, netEarningsCents, type PeriodMoney, poolCents } from './money.js';
import type { ChargeView, Economics, InvoiceView, PersonStripeView, StripeView, SubscriptionView, Unix } from './types.js';

const DAY = 86_400;
const ENDED_STATUSES = new Set(['canceled', 'incomplete_expired']);
const GOOD_STANDING = new Set(['active', 'trialing']);
const DISPUTE_NOT_LOST = new Set(['won', 'warning_closed']);

type CreditLot = { kind: 'goodwill' | 'earnings'; amount: number; grantedAt: Unix };

type Person = {
  name: string;
  flows: string[];
  hasCustomer: boolean;
  isConnected: boolean;
  payouts: { amount: number; key: string }[];
  credits: number[];
  lots: CreditLot[];
  /** Flows copied outside any period (no good standing): kept once per member and flow. */
  freeCopies: Set<string>;
};

type Flow = { name: string; author: string; isPremium: boolean };

export type ModelPeriod = {
  key: string;
  person: string;
  subscriptionId: string;
  start: Unix;
  end: Unix;
  copied: Set<string>;
  copies: number;
  counted: number;
  gross: Map<string, number>;
  grossTotal: number;
};

export type CopyExpectation =
  | { status: 200; isCounted: boolean; copiesThisMonth: number; copiesRemaining: number; periodKey: string | null }
  | { status: 403 }
  | { status: 409; copiesThisMonth: number | null; copiesRemaining: number | null }
  | { status: 429 };

export type Balances = { pending: number; held: number; available: number; inTransit: number; paid: number; credited: number };

export const periodKeyOf = (subscriptionId: string, start: Unix) => `${subscriptionId}@${start}`;

export class Model {
  readonly people = new Map<string, Person>();
  readonly flows = new Map<string, Flow>();
  readonly periods = new Map<string, ModelPeriod>();
  /** Refunds the simulation itself asked Stripe for, per charge. */
  private readonly ownRefunds = new Map<string, number[]>();
  private view: StripeView = { now: 0, people: {} };
  /** What the sequence exercised (for the run's coverage summary). */
  readonly stats = new Map<string, number>();
  private releasedAsOf: Unix = 0;

  constructor(readonly economics: Economics) {}

  // -------------------------------------------------------------------------------------------------------------
  // What happened

  addPerson(name: string, flows: { name: string; isPremium: boolean }[]) {
    this.people.set(name, {
      name,
      flows: flows.map((f) => f.name),
      hasCustomer: false,
      isConnected: false,
      payouts: [],
      credits: [],
      lots: [],
      freeCopies: new Set(),
    });
    for (const flow of flows) this.flows.set(flow.name, { name: flow.name, author: name, isPremium: flow.isPremium });
  }

  /** A fresh read of Stripe; the harness released held earnings as of `view.now` just before reading it. */
  observe(view: StripeView) {
    this.view = view;
    this.releasedAsOf = Math.max(this.releasedAsOf, view.now);
  }

  get now(): Unix {
    return this.view.now;
  }

  isCreator(name: string): boolean {
    return (this.people.get(name)?.flows.length ?? 0) > 0;
  }

  hasCustomer(name: string): boolean {
    return this.people.get(name)?.hasCustomer ?? false;
  }

  isConnected(name: string): boolean {
    return this.people.get(name)?.isConnected ?? false;
  }

  connect(name: string) {
    this.person(name).isConnected = true;
  }

  recordOwnRefund(chargeId: string, amount: number) {
    const list = this.ownRefunds.get(chargeId) ?? [];
    list.push(amount);
    this.ownRefunds.set(chargeId, list);
  }

  grantGoodwill(name: string, amount: number) {
    this.person(name).lots.push({ kind: 'goodwill', amount, grantedAt: this.view.now });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Subscriptions

  /** The member's subscription, if they have a live one: the oldest live one that is not a duplicate. */
  subscriptionOf(name: string): SubscriptionView | undefined {
    const pv = this.view.people[name];
    if (!pv) return undefined;
    return [...pv.subscriptions].filter((s) => !ENDED_STATUSES.has(s.status)).sort(byCreated)[0];
  }

  isInGoodStanding(name: string): boolean {
    const sub = this.subscriptionOf(name);
    return sub !== undefined && GOOD_STANDING.has(sub.status);
  }

  /** POST /v1/subscriptions/checkout: 409 with a live subscription; else 200, the open session again if there is one. */
  expectCheckout(name: string): { status: 200; openSessionId: string | null } | { status: 409 } {
    if (this.subscriptionOf(name)) return { status: 409 };
    const open = (this.view.people[name]?.checkoutSessions ?? []).filter((s) => s.status === 'open');
    return { status: 200, openSessionId: open.length === 1 ? open[0]!.id : null };
  }

  recordCheckout(name: string) {
    this.person(name).hasCustomer = true;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Copies

  copy(name: string, flowName: string): CopyExpectation {
    const person = this.person(name);
    const flow = this.flows.get(flowName);
    if (!flow) throw new Error(`model: unknown flow ${flowName}`);
    const isAuthor = flow.author === name;
    const sub = this.subscriptionOf(name);
    if (!sub || !GOOD_STANDING.has(sub.status)) {
      if (flow.isPremium && !isAuthor) return this.count('copy: 403 premium without good standing', { status: 403 });
      if (person.freeCopies.has(flowName)) return this.count('copy: 409 repeat outside a period', { status: 409, copiesThisMonth: null, copiesRemaining: null });
      person.freeCopies.add(flowName);
      return this.count('copy: recorded outside a period', { status: 200, isCounted: false, copiesThisMonth: 0, copiesRemaining: 0, periodKey: null });
    }
    const period = this.periodOf(name, sub);
    const { paidCopiesPerPeriod, copyLimitPerPeriod, ratePerCopyCents } = this.economics;
    if (period.copied.has(flowName)) {
      return this.count('copy: 409 repeat in the period', { status: 409, copiesThisMonth: period.copies, copiesRemaining: Math.max(0, paidCopiesPerPeriod - period.counted) });
    }
    if (period.copies >= copyLimitPerPeriod) return this.count('copy: 429 fair-use limit', { status: 429 });
    const isCovered = this.poolCoversRate(period);
    const isCounted = flow.isPremium && !isAuthor && period.counted < paidCopiesPerPeriod && isCovered;
    this.count(
      isCounted
        ? `copy: counted (${this.moneyOf(period).status} period${this.moneyOf(period).lost > 0 ? ' with losses' : ''})`
        : !flow.isPremium
          ? 'copy: free flow in a period'
          : isAuthor
            ? 'copy: own flow in a period'
            : period.counted >= paidCopiesPerPeriod
              ? 'copy: past the paid cap'
              : 'copy: the pool does not cover the rate',
    );
    period.copied.add(flowName);
    period.copies += 1;
    if (isCounted) {
      period.counted += 1;
      period.gross.set(flow.author, (period.gross.get(flow.author) ?? 0) + ratePerCopyCents);
      period.grossTotal += ratePerCopyCents;
    }
    return {
      status: 200,
      isCounted,
      copiesThisMonth: period.copies,
      copiesRemaining: Math.max(0, paidCopiesPerPeriod - period.counted),
      periodKey: period.key,
    };
  }

  private periodOf(name: string, sub: SubscriptionView): ModelPeriod {
    const key = periodKeyOf(sub.id, sub.currentPeriodStart);
    let period = this.periods.get(key);
    if (!period) {
      period = {
        key,
        person: name,
        subscriptionId: sub.id,
        start: sub.currentPeriodStart,
        end: sub.currentPeriodEnd,
        copied: new Set(),
        copies: 0,
        counted: 0,
        gross: new Map(),
        grossTotal: 0,
      };
      this.periods.set(key, period);
    }
    return period;
  }

  /** Choice 3: gross earnings so far + the rate fit in the pool net of refunds and disputes. */
  private poolCoversRate(period: ModelPeriod): boolean {
    return period.grossTotal + this.economics.ratePerCopyCents <= poolCents(this.moneyOf(period), this.economics.creatorSharePercent);
  }

  // -------------------------------------------------------------------------------------------------------------
  // The period's money, from what Stripe reports

  private invoiceOf(period: ModelPeriod): InvoiceView | undefined {
    const candidates = (this.view.people[period.person]?.invoices ?? []).filter(
      (i) => i.subscriptionId === period.subscriptionId && i.periodStart === period.start,
    );
    // A paid one if any (a voided draft and its replacement would both name the period).
    return candidates.find((i) => i.status === 'paid') ?? candidates.sort((a, b) => b.created - a.created)[0];
  }

  private chargeOf(person: string, chargeId: string | null): ChargeView | undefined {
    if (!chargeId) return undefined;
    return this.view.people[person]?.charges.find((c) => c.id === chargeId);
  }

  /** How much of each invoice's applied customer balance came from earnings credits (FIFO over the lots, choice 4). */
  private earningsCreditByInvoice(name: string): Map<string, number> {
    const person = this.person(name);
    const pv = this.view.people[name];
    const result = new Map<string, number>();
    if (!pv) return result;
    const lots = person.lots.map((lot) => ({ ...lot, left: lot.amount }));
    const finalized = pv.invoices.filter((i) => i.endingBalance !== null).sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
    for (const invoice of finalized) {
      let applied = Math.max(0, (invoice.endingBalance ?? 0) - invoice.startingBalance);
      let fromEarnings = 0;
      for (const lot of lots) {
        if (applied <= 0) break;
        if (lot.grantedAt > invoice.created || lot.left <= 0) continue;
        const used = Math.min(lot.left, applied);
        lot.left -= used;
        applied -= used;
        if (lot.kind === 'earnings') fromEarnings += used;
      }
      result.set(invoice.id, fromEarnings);
    }
    return result;
  }

  moneyOf(period: ModelPeriod): PeriodMoney & { paidAt: Unix | null; invoiceId: string | null } {
    const sub = this.view.people[period.person]?.subscriptions.find((s) => s.id === period.subscriptionId);
    const invoice = this.invoiceOf(period);
    const earningsCredit = invoice ? (this.earningsCreditByInvoice(period.person).get(invoice.id) ?? 0) : 0;
    if (invoice?.status === 'paid') {
      const charge = this.chargeOf(period.person, invoice.chargeId);
      return {
        status: 'paid',
        collected: invoice.amountPaid + earningsCredit,
        cash: invoice.amountPaid,
        lost: charge ? lostCents(charge) : 0,
        paidAt: invoice.paidAt,
        invoiceId: invoice.id,
      };
    }
    const isNeverPaid = invoice?.status === 'uncollectible' || invoice?.status === 'void' || (sub !== undefined && ENDED_STATUSES.has(sub.status));
    if (isNeverPaid) return { status: 'void', collected: 0, cash: 0, lost: 0, paidAt: null, invoiceId: invoice?.id ?? null };
    const provisional = invoice ? invoice.amountDue + earningsCredit : this.economics.priceCents;
    return { status: 'open', collected: provisional, cash: invoice ? invoice.amountDue : provisional, lost: 0, paidAt: null, invoiceId: invoice?.id ?? null };
  }

  /** Choice 1: a period's earnings leave the hold HOLD_DAYS after the later of its end and its payment. */
  private isReleased(period: ModelPeriod, money: { status: string; paidAt: Unix | null }, asOf: Unix): boolean {
    if (money.status !== 'paid' || money.paidAt === null) return false;
    return Math.max(period.end, money.paidAt) + this.economics.holdDays * DAY <= asOf;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Balances and payouts

  balances(name: string, asOf: Unix = this.releasedAsOf): Balances {
    const person = this.person(name);
    const share = this.economics.creatorSharePercent;
    let pending = 0;
    let held = 0;
    let released = 0;
    for (const period of this.periods.values()) {
      const gross = period.gross.get(name) ?? 0;
      if (gross === 0) continue;
      const money = this.moneyOf(period);
      const net = netEarningsCents(gross, period.grossTotal, money, share);
      switch (money.status) {
        case 'open':
          pending += net;
          break;
        case 'paid':
          if (this.isReleased(period, money, asOf)) released += net;
          else held += net;
          break;
        case 'void':
          break;
      }
    }
    const paid = sum(person.payouts.map((p) => p.amount));
    const credited = sum(person.credits);
    return { pending, held, available: released - paid - credited, inTransit: 0, paid, credited };
  }

  /** POST /v1/creators/me/payouts. `day` is the UTC day of the request (choice 8). */
  withdraw(name: string, day: string): { status: 201; amount: number } | { status: 409 } {
    const person = this.person(name);
    if (!person.isConnected) return { status: 409 };
    const key = `withdraw-${day}`;
    if (person.payouts.some((p) => p.key === key)) return { status: 409 };
    const available = this.balances(name).available;
    if (available < this.economics.minPayoutCents) return { status: 409 };
    person.payouts.push({ amount: available, key });
    return { status: 201, amount: available };
  }

  /** The payout run as of `asOf`: who gets a transfer, and how much. */
  payoutRun(asOf: Unix): Map<string, number> {
    this.releasedAsOf = Math.max(this.releasedAsOf, asOf);
    const key = `run-${new Date(asOf * 1000).toISOString().slice(0, 10)}`;
    const paid = new Map<string, number>();
    for (const person of this.people.values()) {
      if (!person.isConnected || person.payouts.some((p) => p.key === key)) continue;
      const available = this.balances(person.name).available;
      if (available < this.economics.minPayoutCents) continue;
      person.payouts.push({ amount: available, key });
      paid.set(person.name, available);
    }
    return paid;
  }

  /** POST /v1/creators/me/apply-to-subscription with an amount, or without (all of the available balance). */
  applyToSubscription(name: string, amount: number | undefined): { status: 200; amount: number } | { status: 409 } {
    const person = this.person(name);
    if (!person.hasCustomer) return { status: 409 };
    const available = this.balances(name).available;
    const applied = amount ?? available;
    if (applied <= 0 || applied > available) return { status: 409 };
    person.credits.push(applied);
    person.lots.push({ kind: 'earnings', amount: applied, grantedAt: this.view.now });
    return { status: 200, amount: applied };
  }

  expectedTransfers(name: string): number[] {
    return this.person(name).payouts.map((p) => p.amount);
  }

  // -------------------------------------------------------------------------------------------------------------
  // What GET /v1/subscriptions/me must say

  subscriptionSummary(name: string): { isSubscriber: boolean; copiesThisMonth: number; copiesRemaining: number } {
    const sub = this.subscriptionOf(name);
    if (!sub || !GOOD_STANDING.has(sub.status)) return { isSubscriber: false, copiesThisMonth: 0, copiesRemaining: 0 };
    const period = this.periods.get(periodKeyOf(sub.id, sub.currentPeriodStart));
    return {
      isSubscriber: true,
      copiesThisMonth: period?.copies ?? 0,
      copiesRemaining: Math.max(0, this.economics.paidCopiesPerPeriod - (period?.counted ?? 0)),
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Duplicates and refunds (SPEC §3)

  /**
   * Problems with second subscriptions: each one that went live while an older one was live must be cancelled with
   * its first invoice refunded in full.
   */
  duplicateProblems(name: string): string[] {
    const pv = this.view.people[name];
    if (!pv) return [];
    const problems: string[] = [];
    for (const duplicate of duplicateSubscriptions(pv)) {
      if (!ENDED_STATUSES.has(duplicate.status)) problems.push(`${name}: second live subscription ${duplicate.id} (${duplicate.status}) was not cancelled`);
      const chargeId = firstInvoiceOf(pv, duplicate.id)?.chargeId;
      const charge = chargeId ? pv.charges.find((c) => c.id === chargeId) : undefined;
      if (charge && charge.amountRefunded !== charge.amount) {
        problems.push(`${name}: duplicate subscription ${duplicate.id}: first charge ${charge.id} refunded ${charge.amountRefunded} of ${charge.amount}`);
      }
    }
    return problems;
  }

  /** Refunds each charge of the person must carry: the simulation's own, plus the full refund of a duplicate's first charge. */
  expectedRefunds(name: string): Map<string, number[]> {
    const pv = this.view.people[name];
    const expected = new Map<string, number[]>();
    if (!pv) return expected;
    for (const charge of pv.charges) expected.set(charge.id, [...(this.ownRefunds.get(charge.id) ?? [])]);
    for (const duplicate of duplicateSubscriptions(pv)) {
      const chargeId = firstInvoiceOf(pv, duplicate.id)?.chargeId;
      const charge = chargeId ? pv.charges.find((c) => c.id === chargeId) : undefined;
      if (!charge || charge.amount === 0) continue;
      const before = expected.get(charge.id) ?? [];
      expected.set(charge.id, [...before, charge.amount - sum(before)]);
    }
    return expected;
  }

  count<T>(what: string, value?: T): T {
    this.stats.set(what, (this.stats.get(what) ?? 0) + 1);
    return value as T;
  }

  /** Coverage at the end of a sequence: what states the money reached. */
  finalStats() {
    for (const period of this.periods.values()) {
      if (period.grossTotal === 0) continue;
      const money = this.moneyOf(period);
      this.count(`period with earnings: ${money.status}`);
      if (money.lost > 0) this.count(`period with earnings: ${money.lost >= money.cash ? 'fully' : 'partly'} refunded or disputed`);
      if (money.collected !== money.cash && money.status === 'paid') this.count('period with earnings: earnings credit collected');
      if (money.status === 'paid' && money.collected < this.economics.priceCents) this.count('period with earnings: collected less than the price');
    }
    for (const name of this.people.keys()) {
      const b = this.balances(name);
      if (b.available < 0) this.count('creator: negative available');
      if (b.paid > 0) this.count('creator: paid out');
      if (b.credited > 0) this.count('creator: credited to own subscription');
      if (b.held > 0) this.count('creator: held at the end');
      if (b.pending > 0) this.count('creator: pending at the end');
    }
    for (const [name, pv] of Object.entries(this.view.people)) {
      for (const cents of this.earningsCreditByInvoice(name).values()) if (cents > 0) this.count('invoice: paid partly by an earnings credit');
      if (pv.subscriptions.length > 1) this.count('member: more than one subscription');
      for (const invoice of pv.invoices) this.count(`invoice: ${invoice.status}`);
    }
    return this.stats;
  }

  // -------------------------------------------------------------------------------------------------------------

  private person(name: string): Person {
    const person = this.people.get(name);
    if (!person) throw new Error(`model: unknown person ${name}`);
    return person;
  }

  personView(name: string): PersonStripeView | undefined {
    return this.view.people[name];
  }

  /** Held earnings whose hold ended by `asOf` are available from then on (the harness runs the release job). */
  releaseAsOf(asOf: Unix) {
    this.releasedAsOf = Math.max(this.releasedAsOf, asOf);
  }

  /** For readable failure reports: what Stripe reported last, per person. */
  describeView(): string[] {
    const lines: string[] = [];
    for (const [name, pv] of Object.entries(this.view.people)) {
      for (const sub of pv.subscriptions) lines.push(`${name} ${sub.id} ${sub.status} created ${sub.created} ended ${sub.endedAt ?? '-'} period ${sub.currentPeriodStart}–${sub.currentPeriodEnd}`);
      for (const inv of pv.invoices) {
        lines.push(`${name}   ${inv.id} of ${inv.subscriptionId} ${inv.billingReason} ${inv.status} created ${inv.created} period ${inv.periodStart} total ${inv.total} due ${inv.amountDue} paid ${inv.amountPaid} balance ${inv.startingBalance}→${inv.endingBalance} charge ${inv.chargeId ?? '-'}`);
      }
      for (const c of pv.charges) lines.push(`${name}   ${c.id} ${c.status} ${c.amount} refunded ${c.amountRefunded} [${c.refunds.join(', ')}] disputes ${c.disputes.map((d) => `${d.status} ${d.amount}`).join(', ') || '-'}`);
    }
    return lines;
  }

  /** For readable failure reports: the model's view of one period. */
  describePeriod(period: ModelPeriod): string {
    const money = this.moneyOf(period);
    const share = this.economics.creatorSharePercent;
    const nets = [...period.gross].map(([c, g]) => `${c}: ${g}→${netEarningsCents(g, period.grossTotal, money, share)}`).join(', ');
    return `${period.person} ${period.key} ${money.status} collected ${money.collected} cash ${money.cash} lost ${money.lost} pool ${poolCents(money, share)}/${fullPoolCents(money, share)} copies ${period.copies} counted ${period.counted} [${nets}]`;
  }
}

/**
 * Subscriptions that went live (first invoice paid) while an older one of the same member was live. Choice 6: two
 * created in the same second are told apart by which one Stripe shows ended.
 */
function duplicateSubscriptions(pv: PersonStripeView): SubscriptionView[] {
  const wentLive = pv.subscriptions.filter((s) => firstInvoiceOf(pv, s.id)?.status === 'paid').sort(byCreated);
  const kept: SubscriptionView[] = [];
  const duplicates: SubscriptionView[] = [];
  for (const sub of wentLive) {
    const overlapping = kept.filter((t) => t.created <= sub.created && (t.endedAt === null || t.endedAt >= sub.created));
    if (overlapping.length === 0) {
      kept.push(sub);
      continue;
    }
    const tie = overlapping.find((t) => t.created === sub.created && ENDED_STATUSES.has(t.status) && !ENDED_STATUSES.has(sub.status));
    if (tie) {
      kept.splice(kept.indexOf(tie), 1, sub);
      duplicates.push(tie);
    } else {
      duplicates.push(sub);
    }
  }
  return duplicates;
}

function firstInvoiceOf(pv: PersonStripeView, subscriptionId: string): InvoiceView | undefined {
  return pv.invoices.filter((i) => i.subscriptionId === subscriptionId && i.billingReason === 'subscription_create').sort((a, b) => a.created - b.created)[0];
}

function lostCents(charge: ChargeView): number {
  const disputed = sum(charge.disputes.filter((d) => !DISPUTE_NOT_LOST.has(d.status)).map((d) => d.amount));
  return Math.min(charge.amount, charge.amountRefunded + disputed);
}

const byCreated = (a: { created: number; id: string }, b: { created: number; id: string }) => a.created - b.created || a.id.localeCompare(b.id);
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
