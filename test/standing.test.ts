import { describe, expect, it } from 'vitest';
import type { Subscription } from '../src/web/api/types.js';
import { fingerprintSubscription, readStanding } from '../src/web/lib/standing.js';

/**
 * How the account page reads each subscription status (SPEC §3, §15): the words, the date that matters, the one
 * action, and whether this period's copies show. Dates are passed through as they are, to keep the test about words.
 */
const day = (iso: string | null) => iso ?? '—';

function subscription(status: string | null, changes: Partial<Subscription> = {}): Subscription {
  const isSubscriber = status === 'active' || status === 'trialing';
  return {
    is_subscriber: isSubscriber,
    status,
    current_period_start: status ? '2026-12-02' : null,
    current_period_end: status ? '2027-01-02' : null,
    cancel_at_period_end: false,
    copies_this_month: 0,
    copies_remaining: isSubscriber ? 100 : 0,
    paid_copies_used: 0,
    paid_copies_per_period: 100,
    copy_limit_per_period: 1000,
    ...changes,
  };
}

describe('readStanding', () => {
  it('gives every status its words, its action and, in good standing only, this period', () => {
    const cases: [string | null, Partial<Subscription>, { label: string; action: string; hasPeriod: boolean; says: string }][] = [
      [null, {}, { label: 'Free plan', action: 'subscribe', hasPeriod: false, says: 'free plan' }],
      ['active', {}, { label: 'Active', action: 'manage', hasPeriod: true, says: 'renews on 2027-01-02' }],
      ['trialing', {}, { label: 'Trial', action: 'manage', hasPeriod: true, says: 'trial runs until 2027-01-02' }],
      ['active', { cancel_at_period_end: true }, { label: 'Ending', action: 'resume', hasPeriod: true, says: 'ends on 2027-01-02 and will not renew' }],
      ['trialing', { cancel_at_period_end: true }, { label: 'Ending', action: 'resume', hasPeriod: true, says: 'ends on 2027-01-02' }],
      ['past_due', {}, { label: 'Payment failed', action: 'fix-payment', hasPeriod: false, says: 'Update your card' }],
      ['unpaid', {}, { label: 'Unpaid', action: 'fix-payment', hasPeriod: false, says: 'Pay the open invoice' }],
      ['incomplete', {}, { label: 'Payment incomplete', action: 'fix-payment', hasPeriod: false, says: 'has not started' }],
      ['paused', {}, { label: 'Paused', action: 'fix-payment', hasPeriod: false, says: 'Resume it in the billing portal' }],
      ['incomplete_expired', {}, { label: 'Not started', action: 'subscribe', hasPeriod: false, says: 'nothing was charged' }],
      ['canceled', {}, { label: 'Canceled', action: 'subscribe', hasPeriod: false, says: 'premium has ended' }],
    ];
    for (const [status, changes, expected] of cases) {
      const standing = readStanding(subscription(status, changes), day);
      const name = `${status} ${JSON.stringify(changes)}`;
      expect({ label: standing.label, action: standing.action, hasPeriod: standing.hasPeriod }, name).toEqual({
        label: expected.label,
        action: expected.action,
        hasPeriod: expected.hasPeriod,
      });
      expect(standing.summary, name).toContain(expected.says);
    }
  });

  it('reads "Cancel now" after "Cancel at period end" as canceled: no "ends on", no resume', () => {
    // Stripe keeps cancel_at_period_end on a subscription cancelled at once after it was set to end.
    const standing = readStanding(subscription('canceled', { cancel_at_period_end: true }), day);
    expect(standing).toMatchObject({ label: 'Canceled', action: 'subscribe', hasPeriod: false });
    expect(standing.summary).not.toMatch(/ends on|Resume/);
  });

  it('treats a status it does not know as no subscription, never as premium', () => {
    expect(readStanding(subscription('something_new'), day)).toMatchObject({ action: 'subscribe', hasPeriod: false });
  });
});

describe('fingerprintSubscription', () => {
  it('changes with what the portal changes (status, cancel at period end, period) and not with copies', () => {
    const active = subscription('active');
    expect(fingerprintSubscription({ ...active, copies_this_month: 5, paid_copies_used: 5 })).toBe(fingerprintSubscription(active));
    expect(fingerprintSubscription({ ...active, cancel_at_period_end: true })).not.toBe(fingerprintSubscription(active));
    expect(fingerprintSubscription({ ...active, status: 'canceled' })).not.toBe(fingerprintSubscription(active));
    expect(fingerprintSubscription({ ...active, current_period_end: '2027-02-02' })).not.toBe(fingerprintSubscription(active));
  });
});
