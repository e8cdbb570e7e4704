import { createHash } from 'node:crypto';
import type { ConnectStatus, PayoutSummary } from './schemas.js';

/** The UTC calendar day of an instant, `YYYY-MM-DD`. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** A run pays each creator at most once: its key is the day it runs for (`--as-of`, or the schedule's day). */
export function runKeyFor(asOf: Date): string {
  return `run-${utcDay(asOf)}`;
}

/** At most one withdrawal a day (UTC): the day is the payout's run key. */
export function withdrawalKeyFor(now: Date): string {
  return `withdraw-${utcDay(now)}`;
}

export function startOfNextUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

export function connectStatusOf(user: { connectAccountId: string | null; payoutsEnabled: boolean }): ConnectStatus {
  if (!user.connectAccountId) return 'not_connected';
  return user.payoutsEnabled ? 'enabled' : 'onboarding';
}

export type WithdrawalState = {
  connectAccountId: string | null;
  payoutsEnabled: boolean;
  /** An operator paused the creator's payouts (SPEC §14). */
  payoutsPaused?: boolean;
  availableCents: number;
  openPayoutId: string | null;
  hasWithdrawnToday: boolean;
};

export function withdrawalAvailability(
  state: WithdrawalState,
  minPayoutCents: number,
  now: Date,
): Pick<PayoutSummary, 'can_withdraw' | 'next_withdrawal_at'> {
  const isEligible =
    state.payoutsEnabled && !state.payoutsPaused && state.connectAccountId !== null && state.availableCents >= minPayoutCents && state.openPayoutId === null;
  return {
    can_withdraw: isEligible && !state.hasWithdrawnToday,
    next_withdrawal_at: state.hasWithdrawnToday ? startOfNextUtcDay(now).toISOString() : null,
  };
}

/**
 * What a failed Stripe call means for money. `rejected`: Stripe answered that it did NOT do it (a 4xx other than an
 * idempotency conflict or a rate limit), so nothing was created and the reservation may be released. `unknown`:
 * a 5xx, a timeout, a dropped connection, a rate limit or a concurrent use of the key — it may have happened, so the
 * caller must keep the reservation and ask again with the same idempotency key.
 */
export function classifyStripeFailure(error: unknown): { outcome: 'rejected' | 'unknown'; reason: string } {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { type?: string; statusCode?: number; code?: string; message?: string };
  const reason = (e.message ?? String(error)).slice(0, 500);
  const isIdempotencyProblem = e.type === 'StripeIdempotencyError' || e.code === 'idempotency_error' || e.code === 'idempotency_key_in_use';
  const isDefinitive = typeof e.statusCode === 'number' && [400, 402, 403, 404].includes(e.statusCode);
  if (isDefinitive && !isIdempotencyProblem && e.type !== 'StripeRateLimitError') return { outcome: 'rejected', reason };
  return { outcome: 'unknown', reason };
}

/**
 * A request's `Idempotency-Key` header becomes the id of what it creates (a name-based UUID, RFC 9562 v5 layout),
 * scoped to the member, so a replayed request finds the row the first one made.
 */
export function idFromIdempotencyKey(scope: string, key: string): string {
  const bytes = createHash('sha1').update(`${scope}\u0000${key}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
