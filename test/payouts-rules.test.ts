import { describe, expect, it } from 'vitest';
import {
  classifyStripeFailure,
  connectStatusOf,
  idFromIdempotencyKey,
  runKeyFor,
  startOfNextUtcDay,
  withdrawalAvailability,
  withdrawalKeyFor,
} from '../src/server/modules/payouts/rules.js';

// The payout rules that are pure functions: keys, the withdrawal window, and what a Stripe failure means for money.

describe('run and withdrawal keys', () => {
  it('are the UTC day, whatever the local offset of the instant', () => {
    expect(runKeyFor(new Date('2026-12-01T06:00:00Z'))).toBe('run-2026-12-01');
    expect(runKeyFor(new Date('2026-12-01T23:59:59.999-05:00'))).toBe('run-2026-12-02');
    expect(withdrawalKeyFor(new Date('2026-02-28T23:59:59Z'))).toBe('withdraw-2026-02-28');
    expect(withdrawalKeyFor(new Date('2026-03-01T00:00:00Z'))).toBe('withdraw-2026-03-01');
  });

  it('the next withdrawal opens at the start of the next UTC day, across months and years', () => {
    expect(startOfNextUtcDay(new Date('2026-12-31T13:00:00Z')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(startOfNextUtcDay(new Date('2028-02-28T00:00:00Z')).toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });
});

describe('connect status', () => {
  it('not_connected without an account, onboarding until payouts are enabled, then enabled', () => {
    expect(connectStatusOf({ connectAccountId: null, payoutsEnabled: false })).toBe('not_connected');
    expect(connectStatusOf({ connectAccountId: null, payoutsEnabled: true })).toBe('not_connected');
    expect(connectStatusOf({ connectAccountId: 'acct_1', payoutsEnabled: false })).toBe('onboarding');
    expect(connectStatusOf({ connectAccountId: 'acct_1', payoutsEnabled: true })).toBe('enabled');
  });
});

describe('withdrawal availability', () => {
  const now = new Date('2026-12-10T12:00:00Z');
  const ready = { connectAccountId: 'acct_1', payoutsEnabled: true, availableCents: 1000, openPayoutId: null, hasWithdrawnToday: false };

  it('can withdraw with payouts enabled, the minimum available, nothing in flight and no withdrawal today', () => {
    expect(withdrawalAvailability(ready, 1000, now)).toEqual({ can_withdraw: true, next_withdrawal_at: null });
  });

  it('cannot below the minimum (one cent short), without payouts, or with a payout in flight', () => {
    expect(withdrawalAvailability({ ...ready, availableCents: 999 }, 1000, now).can_withdraw).toBe(false);
    expect(withdrawalAvailability({ ...ready, availableCents: -50 }, 1000, now).can_withdraw).toBe(false);
    expect(withdrawalAvailability({ ...ready, payoutsEnabled: false }, 1000, now).can_withdraw).toBe(false);
    expect(withdrawalAvailability({ ...ready, connectAccountId: null }, 1000, now).can_withdraw).toBe(false);
    expect(withdrawalAvailability({ ...ready, openPayoutId: 'p' }, 1000, now).can_withdraw).toBe(false);
  });

  it('after today’s withdrawal: not until the next UTC day', () => {
    expect(withdrawalAvailability({ ...ready, hasWithdrawnToday: true }, 1000, now)).toEqual({
      can_withdraw: false,
      next_withdrawal_at: '2026-12-11T00:00:00.000Z',
    });
  });
});

describe('what a Stripe failure means for the money', () => {
  const stripeError = (fields: Record<string, unknown> & { message?: string }) => Object.assign(new Error(fields.message ?? 'x'), fields);

  it('rejected: Stripe said it did not do it (400, 402, 403, 404)', () => {
    for (const statusCode of [400, 402, 403, 404]) {
      expect(classifyStripeFailure(stripeError({ type: 'StripeInvalidRequestError', statusCode, message: 'No such destination' }))).toEqual({
        outcome: 'rejected',
        reason: 'No such destination',
      });
    }
  });

  it('unknown: 5xx, timeouts and dropped connections, rate limits, idempotency conflicts, anything else', () => {
    const unclear = [
      stripeError({ type: 'StripeAPIError', statusCode: 500 }),
      stripeError({ type: 'StripeConnectionError', message: 'Request aborted due to timeout being reached (300ms)' }),
      stripeError({ type: 'StripeRateLimitError', statusCode: 429 }),
      stripeError({ type: 'StripeIdempotencyError', statusCode: 400, code: 'idempotency_error' }),
      stripeError({ type: 'StripeInvalidRequestError', statusCode: 409, code: 'idempotency_key_in_use' }),
      stripeError({ type: 'StripeAuthenticationError', statusCode: 401 }),
      new TypeError('fetch failed'),
      'a string',
    ];
    for (const error of unclear) expect(classifyStripeFailure(error).outcome).toBe('unknown');
  });

  it('keeps reasons short', () => {
    expect(classifyStripeFailure(stripeError({ statusCode: 400, message: 'x'.repeat(2000) })).reason).toHaveLength(500);
  });
});

describe('ids from Idempotency-Key headers', () => {
  it('are stable UUIDs (version 5 layout), scoped: the same key of two members gives two ids', () => {
    const id = idFromIdempotencyKey('credit:user-a', 'key-1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(idFromIdempotencyKey('credit:user-a', 'key-1')).toBe(id);
    expect(idFromIdempotencyKey('credit:user-b', 'key-1')).not.toBe(id);
    expect(idFromIdempotencyKey('credit:user-a', 'key-2')).not.toBe(id);
  });
});
