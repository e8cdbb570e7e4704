import { ConflictError, ServiceUnavailableError } from '../../errors.js';
import { formatCents } from '../ledger/money.js';

/** SPEC §13: no deletion while money is moving to the creator or waiting to be withdrawn. */
export class AccountDeletionBlockedError extends ConflictError {
  constructor(reason: { kind: 'payout_in_flight'; payoutId: string } | { kind: 'balance_waiting'; availableCents: number; minPayoutCents: number }) {
    switch (reason.kind) {
      case 'payout_in_flight':
        super(
          'account-deletion-blocked',
          'Account cannot be deleted yet',
          'A payout to your Stripe account is in progress. Wait until it is paid (usually a few minutes), then delete your account.',
          { reason: 'payout_in_flight', payout_id: reason.payoutId },
        );
        return;
      case 'balance_waiting':
        super(
          'account-deletion-blocked',
          'Account cannot be deleted yet',
          `You have ${formatCents(reason.availableCents)} of earnings available. Withdraw them first (creator page, or POST /v1/creators/me/payouts), then delete your account.`,
          { reason: 'balance_waiting', available_cents: reason.availableCents, min_payout_cents: reason.minPayoutCents },
        );
        return;
    }
  }
}

/** Stripe could not cancel the subscription: nothing was deleted, the member can try again. */
export class BillingUnreachableError extends ServiceUnavailableError {
  constructor() {
    super('We could not reach our payment provider to cancel your subscription, so nothing was deleted. Please try again in a minute.');
    this.headers = { 'retry-after': '60' };
  }
}
