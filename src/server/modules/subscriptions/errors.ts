import { ConflictError, ServiceUnavailableError } from '../../errors.js';

export class AlreadySubscribedError extends ConflictError {
  constructor(status: string) {
    super('already-subscribed', 'Already subscribed', `You already have a subscription (${status}). Manage it in the billing portal.`, {
      subscription_status: status,
    });
  }
}

export class NoBillingAccountError extends ConflictError {
  constructor() {
    super('no-billing-account', 'No billing account yet', 'Subscribe first: the billing portal opens once you have a subscription.');
  }
}

export class BillingNotConfiguredError extends ServiceUnavailableError {
  constructor() {
    super('Billing is not configured on this server (STRIPE_PRICE_ID is missing).');
  }
}

/** A webhook event cannot be applied yet (e.g. its customer is not linked to a member): left for a retry. */
export class NotReadyError extends Error {}
