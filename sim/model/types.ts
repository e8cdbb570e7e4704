// What the independent model is given: the economics (the same numbers the app is configured with) and what
// Stripe reports. Plain data only; the harness fills it from the Stripe SDK. Nothing here comes from src/server.

/** SPEC §4, §5 and §10: the economics, in integer cents and days. */
export type Economics = {
  priceCents: number;
  ratePerCopyCents: number;
  paidCopiesPerPeriod: number;
  creatorSharePercent: number;
  copyLimitPerPeriod: number;
  holdDays: number;
  minPayoutCents: number;
};

/** Unix seconds on Stripe's clock. */
export type Unix = number;

export type SubscriptionView = {
  id: string;
  status: string;
  created: Unix;
  endedAt: Unix | null;
  currentPeriodStart: Unix;
  currentPeriodEnd: Unix;
};

export type InvoiceView = {
  id: string;
  subscriptionId: string | null;
  billingReason: string | null;
  /** The subscription period the invoice bills (its line's period). */
  periodStart: Unix;
  periodEnd: Unix;
  status: string;
  created: Unix;
  total: number;
  amountDue: number;
  amountPaid: number;
  /** The customer balance before and after finalization (negative = credit); null while a draft. */
  startingBalance: number;
  endingBalance: number | null;
  paidAt: Unix | null;
  chargeId: string | null;
};

export type DisputeView = { id: string; status: string; amount: number };

export type ChargeView = {
  id: string;
  invoiceId: string | null;
  status: string;
  amount: number;
  amountRefunded: number;
  disputes: DisputeView[];
  /** Every refund of the charge, as Stripe lists it. */
  refunds: number[];
};

export type CheckoutSessionView = { id: string; status: string; created: Unix };

/** Everything Stripe reports about one person's customer. */
export type PersonStripeView = {
  customerId: string;
  subscriptions: SubscriptionView[];
  invoices: InvoiceView[];
  charges: ChargeView[];
  checkoutSessions: CheckoutSessionView[];
};

export type StripeView = {
  /** Stripe's clock when the view was read; held earnings were released as of this moment just before. */
  now: Unix;
  people: Record<string, PersonStripeView>;
};
