import { ConflictError, ForbiddenError } from '../../errors.js';

export class NotACreatorError extends ForbiddenError {
  constructor() {
    super('Publish a flow first: payouts are for creators.', 'not-a-creator', 'Not a creator yet');
  }
}

export class PayoutsNotEnabledError extends ConflictError {
  constructor(status: 'not_connected' | 'onboarding') {
    super(
      'payouts-not-enabled',
      'Payouts not enabled',
      status === 'not_connected'
        ? 'Connect a Stripe account first (POST /v1/creators/me/connect).'
        : 'Finish the Stripe onboarding first: payouts are enabled once Stripe has your details.',
      { connect_status: status },
    );
  }
}

/** An operator paused the creator's payouts (SPEC §14): runs skip them and withdrawals are refused until resumed. */
export class PayoutsPausedError extends ConflictError {
  constructor() {
    super('payouts-paused', 'Payouts are paused', 'Payouts are paused on your account; contact support.');
  }
}

export class BelowMinimumError extends ConflictError {
  constructor(availableCents: number, minPayoutCents: number) {
    super('below-minimum', 'Below the payout minimum', `Your available balance (${availableCents} ¢) is below the minimum payout (${minPayoutCents} ¢).`, {
      available_cents: availableCents,
      min_payout_cents: minPayoutCents,
    });
  }
}

export class WithdrawalLimitError extends ConflictError {
  constructor(nextWithdrawalAt: string) {
    super('withdrawal-limit', 'One withdrawal a day', 'You already withdrew today; try again tomorrow (UTC).', { next_withdrawal_at: nextWithdrawalAt });
  }
}

export class PayoutInProgressError extends ConflictError {
  constructor(payoutId: string) {
    super('payout-in-progress', 'A payout is in progress', 'A payout is being sent; wait until it is paid or failed.', { payout_id: payoutId });
  }
}

export class NoBillingAccountError extends ConflictError {
  constructor() {
    super('no-billing-account', 'No billing account yet', 'Subscribe first: earnings are credited to the Stripe customer of your subscription.');
  }
}

export class NothingToApplyError extends ConflictError {
  constructor(availableCents: number, requestedCents: number | undefined) {
    super(
      'insufficient-available-balance',
      'Not enough available earnings',
      requestedCents === undefined
        ? `You have no available earnings to apply (available: ${availableCents} ¢).`
        : `You asked to apply ${requestedCents} ¢ but only ${availableCents} ¢ are available.`,
      { available_cents: availableCents },
    );
  }
}

export class CreditApplicationBusyError extends ConflictError {
  constructor() {
    super('credit-in-progress', 'A credit is being applied', 'Another credit to your subscription is being applied; try again in a moment.');
  }
}


export class CreditRejectedError extends ConflictError {
  constructor(reason: string | null) {
    super('credit-rejected', 'Stripe refused the credit', `Stripe refused the credit${reason ? ` (${reason})` : ''}; your earnings are available again.`);
  }
}
