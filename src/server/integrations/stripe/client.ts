import Stripe from 'stripe';

/** The API version every request is pinned to, real Stripe and the emulator alike. */
export const STRIPE_API_VERSION = '2026-10-28.endive';

export type StripeSettings = {
  secretKey: string;
  webhookSecret: string | undefined;
  /** e.g. http://127.0.0.1:12111 for the emulator; undefined for api.stripe.com. */
  apiBase: string | undefined;
  /** Per-request timeout and SDK retries (same idempotency key); tests lower them to provoke timeouts. */
  timeoutMs?: number;
  maxNetworkRetries?: number;
};

export type StripeLogger = { info(fields: object, message: string): void };

/**
 * The only importer of the `stripe` SDK. Every call that creates or changes something takes an idempotency key
 * built from our own ids, and is logged with a dotted event name.
 */
export function createStripeGateway(settings: StripeSettings, logger?: StripeLogger) {
  const connection = settings.apiBase ? connectionFor(settings.apiBase) : {};
  const stripe = new Stripe(settings.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: settings.maxNetworkRetries ?? 2,
    timeout: settings.timeoutMs ?? 20_000,
    telemetry: false,
    ...connection,
  });
  const logged = <T extends { id: string }>(event: string, fields: object) => (result: T) => {
    logger?.info({ event, stripe_id: result.id, ...fields }, event);
    return result;
  };

  return {
    raw: stripe,

    /** Verifies the signature on the raw body; an unset secret refuses every event. */
    constructEvent(rawBody: Buffer | string, signature: string | undefined): Stripe.Event {
      if (!settings.webhookSecret) throw new WebhookSignatureError('STRIPE_WEBHOOK_SECRET is not set: every event is refused.');
      if (!signature) throw new WebhookSignatureError('The Stripe-Signature header is missing.');
      try {
        return stripe.webhooks.constructEvent(rawBody, signature, settings.webhookSecret);
      } catch (error) {
        throw new WebhookSignatureError(error instanceof Error ? error.message : 'The signature does not match.');
      }
    },

    createCustomer: (input: { userId: string; email: string; username: string }) =>
      stripe.customers
        .create(
          { email: input.email, name: input.username, metadata: { user_id: input.userId } },
          { idempotencyKey: `customer-${input.userId}` },
        )
        .then(logged('stripe.customer.created', { user_id: input.userId })),

    createCheckoutSession: (input: {
      userId: string;
      customerId: string;
      priceId: string;
      successUrl: string;
      cancelUrl: string;
      /** Our checkout_sessions row: parallel requests for one member share it, so they share the session too. */
      attemptId: string;
    }) =>
      stripe.checkout.sessions
        .create(
          {
            mode: 'subscription',
            customer: input.customerId,
            client_reference_id: input.userId,
            line_items: [{ price: input.priceId, quantity: 1 }],
            metadata: { user_id: input.userId },
            subscription_data: { metadata: { user_id: input.userId } },
            success_url: input.successUrl,
            cancel_url: input.cancelUrl,
            allow_promotion_codes: true,
          },
          { idempotencyKey: `checkout-${input.attemptId}` },
        )
        .then(logged('stripe.checkout_session.created', { user_id: input.userId })),

    createPortalSession: (input: { customerId: string; returnUrl: string; attemptId: string }) =>
      stripe.billingPortal.sessions
        .create(
          { customer: input.customerId, return_url: input.returnUrl },
          { idempotencyKey: `portal-${input.customerId}-${input.attemptId}` },
        )
        .then(logged('stripe.portal_session.created', { customer_id: input.customerId })),

    /** A duplicate subscription (SPEC §3) ends at once; the key is its id, so a retry changes nothing. */
    cancelDuplicateSubscription: (id: string) =>
      stripe.subscriptions
        .cancel(id, { cancellation_details: { comment: 'Duplicate subscription: the member already had one.' } }, { idempotencyKey: `cancel-duplicate-${id}` })
        .then(logged('stripe.subscription.canceled', { reason: 'duplicate' })),

    /** Refunds a duplicate subscription's first payment in full, once (the key is the subscription id). */
    refundDuplicatePayment: (input: { subscriptionId: string; paymentIntentId: string }) =>
      stripe.refunds
        .create(
          { payment_intent: input.paymentIntentId, reason: 'duplicate', metadata: { subscription_id: input.subscriptionId } },
          { idempotencyKey: `refund-duplicate-${input.subscriptionId}` },
        )
        .then(logged('stripe.refund.created', { subscription_id: input.subscriptionId, reason: 'duplicate' })),

    /** A refund asked for in the operator console (SPEC §14), once: the key is our admin_refunds row's id. */
    createAdminRefund: (input: { adminRefundId: string; chargeId: string; amountCents: number }) =>
      stripe.refunds
        .create(
          { charge: input.chargeId, amount: input.amountCents, reason: 'requested_by_customer', metadata: { admin_refund_id: input.adminRefundId } },
          { idempotencyKey: `admin-refund-${input.adminRefundId}` },
        )
        .then(logged('stripe.refund.created', { admin_refund_id: input.adminRefundId, amount_cents: input.amountCents })),

    /** Deleting an account ends its live subscription at once (SPEC §13); the key names the account and the subscription. */
    cancelSubscriptionOfDeletedAccount: (input: { userId: string; subscriptionId: string }) =>
      stripe.subscriptions
        .cancel(
          input.subscriptionId,
          { cancellation_details: { comment: 'The member deleted their Flowtab.Pro account.' } },
          { idempotencyKey: `delete-account-${input.userId}-${input.subscriptionId}` },
        )
        .then(logged('stripe.subscription.canceled', { user_id: input.userId, reason: 'account_deleted' })),

    /** An open Checkout Session of a deleted account can no longer be paid. */
    expireCheckoutSession: (input: { userId: string; sessionId: string }) =>
      stripe.checkout.sessions
        .expire(input.sessionId, {}, { idempotencyKey: `expire-checkout-${input.sessionId}` })
        .then(logged('stripe.checkout_session.expired', { user_id: input.userId, reason: 'account_deleted' })),

    retrieveSubscription: (id: string) => stripe.subscriptions.retrieve(id, { expand: ['latest_invoice'] }),
    listSubscriptions: (customerId: string) => stripe.subscriptions.list({ customer: customerId, status: 'all', limit: 10 }),
    retrieveInvoice: (id: string) => stripe.invoices.retrieve(id, { expand: ['payments'] }),
    retrieveCharge: (id: string) => stripe.charges.retrieve(id),
    /** A charge's refunds (the charge object no longer carries them). */
    listRefundsOfCharge: (chargeId: string) => stripe.refunds.list({ charge: chargeId, limit: 100 }),
    /** The charges of an invoice's payment intent, newest first (the succeeded one is what a refund takes from). */
    listChargesOfPaymentIntent: (paymentIntentId: string) => stripe.charges.list({ payment_intent: paymentIntentId, limit: 10 }),
    retrieveDispute: (id: string) => stripe.disputes.retrieve(id),
    listDisputesOfCharge: (chargeId: string) => stripe.disputes.list({ charge: chargeId, limit: 100 }),
    retrieveCheckoutSession: (id: string) => stripe.checkout.sessions.retrieve(id),
    retrieveAccount: (id: string) => stripe.accounts.retrieve(id),
    retrieveTransfer: (id: string) => stripe.transfers.retrieve(id),
    retrievePrice: (id: string) => stripe.prices.retrieve(id),
    listEvents: (params: Stripe.EventListParams) => stripe.events.list(params),

    // Connect and payouts (modules/payouts).
    /** One Express account per creator, ever: the key is the user id. */
    createConnectAccount: (input: { userId: string; email: string }) =>
      stripe.accounts
        .create(
          { type: 'express', email: input.email, capabilities: { transfers: { requested: true } }, metadata: { user_id: input.userId } },
          { idempotencyKey: `connect-${input.userId}` },
        )
        .then(logged('stripe.account.created', { user_id: input.userId })),

    /** Links expire within minutes, so every request gets a fresh one (the attempt id keeps a retry to the same link). */
    createAccountLink: async (input: { accountId: string; refreshUrl: string; returnUrl: string; attemptId: string }) => {
      const link = await stripe.accountLinks.create(
        { account: input.accountId, type: 'account_onboarding', refresh_url: input.refreshUrl, return_url: input.returnUrl },
        { idempotencyKey: `account-link-${input.accountId}-${input.attemptId}` },
      );
      logger?.info({ event: 'stripe.account_link.created', account_id: input.accountId, expires_at: link.expires_at }, 'stripe.account_link.created');
      return link;
    },

    createLoginLink: async (input: { accountId: string; attemptId: string }) => {
      const link = await stripe.accounts.createLoginLink(input.accountId, {}, { idempotencyKey: `login-link-${input.accountId}-${input.attemptId}` });
      logger?.info({ event: 'stripe.login_link.created', account_id: input.accountId }, 'stripe.login_link.created');
      return link;
    },

    /** One transfer per payout: the key is the payout id, so a retry, a crash or a second worker returns the same transfer. */
    createTransfer: (input: { payoutId: string; creatorId: string; amountCents: number; currency: string; destination: string }) =>
      stripe.transfers
        .create(
          {
            amount: input.amountCents,
            currency: input.currency,
            destination: input.destination,
            transfer_group: `payout-${input.payoutId}`,
            description: 'Flowtab.Pro creator payout',
            metadata: { payout_id: input.payoutId, creator_id: input.creatorId },
          },
          { idempotencyKey: `payout-${input.payoutId}` },
        )
        .then(logged('stripe.transfer.created', { payout_id: input.payoutId, creator_id: input.creatorId, amount_cents: input.amountCents })),

    /** The transfer a payout already made, if any (idempotency keys expire after 24 hours; the transfer group does not). */
    findTransferOfPayout: async (payoutId: string) => (await stripe.transfers.list({ transfer_group: `payout-${payoutId}`, limit: 1 })).data[0],

    /** A negative amount is a credit that Stripe takes off the customer's next invoices. */
    createCustomerBalanceTransaction: (input: { creditId: string; customerId: string; amountCents: number; currency: string; description: string }) =>
      stripe.customers
        .createBalanceTransaction(
          input.customerId,
          { amount: input.amountCents, currency: input.currency, description: input.description, metadata: { credit_application_id: input.creditId } },
          { idempotencyKey: `credit-${input.creditId}` },
        )
        .then(logged('stripe.customer_balance_transaction.created', { credit_application_id: input.creditId, amount_cents: input.amountCents })),
    retrieveCustomerBalanceTransaction: (customerId: string, transactionId: string) => stripe.customers.retrieveBalanceTransaction(customerId, transactionId),
  };
}

export type StripeGateway = ReturnType<typeof createStripeGateway>;
export type { Stripe };

export class WebhookSignatureError extends Error {}

function connectionFor(apiBase: string) {
  const url = new URL(apiBase);
  const protocol = url.protocol.replace(':', '') as 'http' | 'https';
  return { host: url.hostname, port: Number(url.port || (protocol === 'https' ? 443 : 80)), protocol };
}

/** The first payment intent of an invoice: where its charge, refunds and disputes hang. */
export function paymentIntentOf(invoice: Stripe.Invoice): string | undefined {
  const payment = invoice.payments?.data.find((p) => p.payment.type === 'payment_intent')?.payment.payment_intent;
  const legacy = (invoice as unknown as { payment_intent?: string | { id: string } | null }).payment_intent;
  const found = payment ?? legacy ?? undefined;
  return typeof found === 'string' ? found : found?.id;
}

export function idOf(value: string | { id: string } | null | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.id;
}

/** Since 2025 the period lives on the subscription items; older shapes had it on the subscription. */
export function currentPeriodOf(subscription: Stripe.Subscription): { start: number; end: number } {
  const item = subscription.items.data[0];
  const legacy = subscription as unknown as { current_period_start?: number; current_period_end?: number };
  const start = item?.current_period_start ?? legacy.current_period_start;
  const end = item?.current_period_end ?? legacy.current_period_end;
  if (start === undefined || end === undefined) throw new Error(`subscription ${subscription.id} has no current period`);
  return { start, end };
}

/** The subscription an invoice bills, in the 2025+ shape (parent) or the older top-level field. */
export function subscriptionOfInvoice(invoice: Stripe.Invoice): string | undefined {
  const fromParent = invoice.parent?.subscription_details?.subscription;
  const legacy = (invoice as unknown as { subscription?: string | { id: string } | null }).subscription;
  return idOf(fromParent ?? legacy ?? undefined);
}
