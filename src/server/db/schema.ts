import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};
const cents = (name: string) => bigint(name, { mode: 'number' });

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    username: text('username').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ['member', 'admin'] }).notNull().default('member'),
    status: text('status', { enum: ['active', 'suspended'] }).notNull().default('active'),
    stripeCustomerId: text('stripe_customer_id').unique(),
    connectAccountId: text('connect_account_id').unique(),
    payoutsEnabled: boolean('payouts_enabled').notNull().default(false),
    /** Optional mails (the monthly earnings summary) can be switched off with a signed link. */
    wantsSummaryEmails: boolean('wants_summary_emails').notNull().default(true),
    /** When the member proved the address (SPEC §13); publishing and Connect need it. */
    emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true }),
    displayName: text('display_name'),
    bio: text('bio'),
    links: jsonb('links').$type<string[]>().notNull().default([]),
    avatarUrl: text('avatar_url'),
    /** Set by an operator (SPEC §14): payout runs skip the creator and withdrawals are refused (409). */
    payoutsPaused: boolean('payouts_paused').notNull().default(false),
    /** Set when the member deleted the account: personal data erased, copies and ledger kept (pseudonymous). */
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
    uniqueIndex('users_username_lower_key').on(sql`lower(${t.username})`),
    check('users_role_check', sql`${t.role} in ('member', 'admin')`),
    check('users_status_check', sql`${t.status} in ('active', 'suspended')`),
  ],
);

/**
 * A login: the bearer token names one session, so it can be ended (logout, all sessions, password change) before it
 * expires. Role and status are read from `users` on each request, never from the token.
 */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    userAgent: text('user_agent'),
    /**
     * `login` for a browser or API login (a JWT names it); `token` for a personal access token (SPEC §16): its
     * SHA-256 is stored, it carries scopes and a name, and ending the session revokes it.
     */
    kind: text('kind', { enum: ['login', 'token'] }).notNull().default('login'),
    name: text('name'),
    tokenHash: text('token_hash').unique(),
    scopes: text('scopes').array(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    index('sessions_user_idx').on(t.userId).where(sql`${t.revokedAt} is null`),
    check('sessions_kind_check', sql`${t.kind} in ('login', 'token') and (${t.kind} = 'login') = (${t.tokenHash} is null)`),
  ],
);

/**
 * Single-use links mailed to a member: verify the address, reset the password, confirm a new address. Only the
 * SHA-256 of the token is stored; `new_email` is the address a change-email token confirms.
 */
export const accountTokens = pgTable(
  'account_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    purpose: text('purpose', { enum: ['verify_email', 'reset_password', 'change_email'] }).notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    newEmail: text('new_email'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('account_tokens_user_idx').on(t.userId, t.purpose),
    check('account_tokens_purpose_check', sql`${t.purpose} in ('verify_email', 'reset_password', 'change_email')`),
  ],
);

/** Fixed-window request counters shared by every process (rate limits); one row per key, reset in place. */
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  hits: integer('hits').notNull(),
  resetAt: timestamp('reset_at', { withTimezone: true }).notNull(),
});

export const flows = pgTable(
  'flows',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    slug: text('slug').notNull().unique(),
    title: text('title').notNull(),
    summary: text('summary').notNull(),
    body: text('body').notNull(),
    steps: jsonb('steps').$type<string[]>().notNull().default([]),
    notes: jsonb('notes').$type<string[]>().notNull().default([]),
    targetSites: text('target_sites').array().notNull().default(sql`'{}'::text[]`),
    worksWith: text('works_with').array().notNull().default(sql`'{}'::text[]`),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    isPremium: boolean('is_premium').notNull().default(true),
    featured: boolean('featured').notNull().default(false),
    status: text('status', { enum: ['draft', 'published', 'archived'] }).notNull().default('published'),
    authorId: uuid('author_id')
      .notNull()
      .references(() => users.id),
    copyCount: bigint('copy_count', { mode: 'number' }).notNull().default(0),
    likeCount: bigint('like_count', { mode: 'number' }).notNull().default(0),
    /** Both search documents are written by a trigger (migration 0005) from the flow's own columns. */
    searchVector: tsvector('search_vector').notNull().default(sql`''::tsvector`),
    /** What callers who may not read the body search: for a premium flow only its title, tags, summary and preview. */
    publicSearchVector: tsvector('public_search_vector').notNull().default(sql`''::tsvector`),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    /**
     * Set when an operator took the flow down (SPEC §14): it is not published, and its author cannot publish it
     * again until an operator restores it.
     */
    takenDownAt: timestamp('taken_down_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    check('flows_status_check', sql`${t.status} in ('draft', 'published', 'archived')`),
    check('flows_copy_count_check', sql`${t.copyCount} >= 0`),
    index('flows_search_idx').using('gin', t.searchVector),
    index('flows_public_search_idx').using('gin', t.publicSearchVector),
    index('flows_tags_idx').using('gin', t.tags),
    index('flows_works_with_idx').using('gin', t.worksWith),
    index('flows_status_created_idx').on(t.status, t.createdAt),
    // The library's orders (GET /v1/flows), over published flows only: a page is read off the index in order.
    index('flows_published_new_idx').on(t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()).where(sql`${t.status} = 'published'`),
    index('flows_published_popular_idx').on(t.copyCount.desc().nullsFirst(), t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()).where(sql`${t.status} = 'published'`),
    index('flows_published_liked_idx').on(t.likeCount.desc().nullsFirst(), t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()).where(sql`${t.status} = 'published'`),
    index('flows_author_idx').on(t.authorId),
    // An author's published flows by popularity: the author's own branch of a search, and ?author= lists.
    index('flows_published_author_popular_idx')
      .on(t.authorId, t.copyCount.desc().nullsFirst(), t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst())
      .where(sql`${t.status} = 'published'`),
    check('flows_taken_down_check', sql`${t.takenDownAt} is null or ${t.status} <> 'published'`),
  ],
);

/** A member's like of a flow (SPEC §15): once per member and flow; flows.like_count follows it. */
export const flowLikes = pgTable(
  'flow_likes',
  {
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.flowId, t.userId] }), index('flow_likes_user_idx').on(t.userId, t.createdAt)],
);

export const reportReasons = ['spam', 'copyright', 'harmful', 'broken', 'other'] as const;
export const reportStatuses = ['open', 'resolved', 'dismissed'] as const;
export const reportActions = ['none', 'unpublish', 'archive'] as const;

/** A member's report of a flow (SPEC §14): once per member and flow, worked through by operators. */
export const flowReports = pgTable(
  'flow_reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id),
    reporterId: uuid('reporter_id')
      .notNull()
      .references(() => users.id),
    reason: text('reason', { enum: reportReasons }).notNull(),
    details: text('details').notNull().default(''),
    status: text('status', { enum: reportStatuses }).notNull().default('open'),
    action: text('action', { enum: reportActions }),
    resolvedBy: uuid('resolved_by').references(() => users.id),
    resolution: text('resolution'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('flow_reports_once_per_member_key').on(t.flowId, t.reporterId),
    index('flow_reports_status_idx').on(t.status, t.createdAt),
    check('flow_reports_reason_check', sql`${t.reason} in ('spam', 'copyright', 'harmful', 'broken', 'other')`),
    check('flow_reports_status_check', sql`${t.status} in ('open', 'resolved', 'dismissed')`),
    check('flow_reports_action_check', sql`${t.action} is null or ${t.action} in ('none', 'unpublish', 'archive')`),
    check('flow_reports_resolved_check', sql`(${t.status} = 'open') = (${t.resolvedAt} is null)`),
  ],
);

/**
 * What operators did (SPEC §14): written in the same transaction as the change, immutable (a trigger refuses UPDATE
 * and DELETE). `actor_id` is null for the system (the daily reconcile).
 */
export const auditEntries = pgTable(
  'audit_entries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    actorId: uuid('actor_id').references(() => users.id),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    before: jsonb('before').$type<Record<string, unknown>>(),
    after: jsonb('after').$type<Record<string, unknown>>(),
    reason: text('reason').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('audit_entries_created_idx').on(t.createdAt),
    index('audit_entries_actor_idx').on(t.actorId, t.createdAt),
    index('audit_entries_target_idx').on(t.targetType, t.targetId, t.createdAt),
  ],
);

export const subscriptionStatuses = [
  'incomplete',
  'incomplete_expired',
  'trialing',
  'active',
  'past_due',
  'unpaid',
  'canceled',
  'paused',
] as const;
export type SubscriptionStatus = (typeof subscriptionStatuses)[number];

/** Mirror of the member's Stripe subscription, written only from webhooks (re-fetched objects). */
export const subscriptions = pgTable(
  'subscriptions',
  {
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    customerId: text('customer_id').notNull(),
    status: text('status', { enum: subscriptionStatuses }).notNull(),
    priceId: text('price_id'),
    currentPeriodStart: timestamp('current_period_start', { withTimezone: true }).notNull(),
    currentPeriodEnd: timestamp('current_period_end', { withTimezone: true }).notNull(),
    cancelAtPeriodEnd: boolean('cancel_at_period_end').notNull().default(false),
    canceledAt: timestamp('canceled_at', { withTimezone: true }),
    /** The price's amount: the pool basis of a period whose invoice we have not seen yet. */
    planAmountCents: cents('plan_amount_cents').notNull().default(0),
    /**
     * Set when this subscription went live while the member already had one (SPEC §3): it is cancelled and refunded,
     * and no copy is ever counted against it. Names the subscription the member keeps.
     */
    duplicateOf: text('duplicate_of'),
    /** When the duplicate was cancelled and its first invoice refunded at Stripe (a job finishes it after a crash). */
    duplicateSettledAt: timestamp('duplicate_settled_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    index('subscriptions_user_idx').on(t.userId),
    check(
      'subscriptions_status_check',
      sql`${t.status} in ('incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'unpaid', 'canceled', 'paused')`,
    ),
  ],
);


/**
 * The member's Checkout Sessions. At most one is open per member (a partial unique index), so parallel checkouts
 * get the same session: the row is claimed first, and its id is the Stripe idempotency key of the session.
 */
export const checkoutSessions = pgTable(
  'checkout_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    stripeSessionId: text('stripe_session_id').unique(),
    url: text('url'),
    status: text('status', { enum: ['open', 'complete', 'expired'] }).notNull().default('open'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('checkout_sessions_one_open_per_user').on(t.userId).where(sql`${t.status} = 'open'`),
    check('checkout_sessions_status_check', sql`${t.status} in ('open', 'complete', 'expired')`),
  ],
);

/**
 * Subscription invoices as Stripe reports them, amounts in cents. `collected_cents` is what the period's pool is
 * based on (SPEC §4): cash paid plus the part of the customer balance applied to it that came from the member's own
 * earnings credits; goodwill and proration credits and coupons are not collected money.
 */
export const invoices = pgTable(
  'invoices',
  {
    id: text('id').primaryKey(),
    subscriptionId: text('subscription_id').notNull(),
    customerId: text('customer_id').notNull(),
    billingPeriodId: uuid('billing_period_id').references(() => billingPeriods.id),
    status: text('status').notNull(),
    currency: text('currency').notNull().default('usd'),
    billingReason: text('billing_reason'),
    paymentIntentId: text('payment_intent_id'),
    subtotalCents: cents('subtotal_cents').notNull(),
    discountCents: cents('discount_cents').notNull().default(0),
    totalCents: cents('total_cents').notNull(),
    amountDueCents: cents('amount_due_cents').notNull(),
    amountPaidCents: cents('amount_paid_cents').notNull(),
    /** Customer balance before and after the invoice (negative = credit the customer holds). */
    startingBalanceCents: cents('starting_balance_cents').notNull().default(0),
    endingBalanceCents: cents('ending_balance_cents').notNull().default(0),
    /** Customer credit the invoice consumed: ending − starting balance when that is positive. */
    appliedBalanceCents: cents('applied_balance_cents').notNull().default(0),
    /** The part of the applied balance that came from the member's own earnings credits. */
    earningsCreditCents: cents('earnings_credit_cents').notNull().default(0),
    collectedCents: cents('collected_cents').notNull().default(0),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    index('invoices_subscription_idx').on(t.subscriptionId),
    index('invoices_customer_idx').on(t.customerId),
    index('invoices_period_idx').on(t.billingPeriodId),
    index('invoices_payment_intent_idx').on(t.paymentIntentId),
    check(
      'invoices_amounts_check',
      sql`${t.amountPaidCents} >= 0 and ${t.appliedBalanceCents} >= 0 and ${t.earningsCreditCents} >= 0 and ${t.earningsCreditCents} <= ${t.appliedBalanceCents} and ${t.collectedCents} = ${t.amountPaidCents} + ${t.earningsCreditCents}`,
    ),
  ],
);

/**
 * A subscription charge as Stripe last told it (written with the period's losses, SPEC §4): the refunds and disputes
 * below are what the finance summary reports per month, by Stripe's time.
 */
export const charges = pgTable(
  'charges',
  {
    id: text('id').primaryKey(),
    paymentIntentId: text('payment_intent_id'),
    invoiceId: text('invoice_id'),
    billingPeriodId: uuid('billing_period_id').references(() => billingPeriods.id),
    customerId: text('customer_id'),
    amountCents: cents('amount_cents').notNull(),
    refundedCents: cents('refunded_cents').notNull().default(0),
    stripeCreatedAt: timestamp('stripe_created_at', { withTimezone: true }).notNull(),
    ...timestamps,
  },
  (t) => [index('charges_invoice_idx').on(t.invoiceId), index('charges_period_idx').on(t.billingPeriodId)],
);

/** One refund of a charge, from Stripe (made in the console, in Stripe's dashboard or by the duplicate rule). */
export const chargeRefunds = pgTable(
  'charge_refunds',
  {
    id: text('id').primaryKey(),
    chargeId: text('charge_id')
      .notNull()
      .references(() => charges.id),
    amountCents: cents('amount_cents').notNull(),
    status: text('status').notNull(),
    reason: text('reason'),
    stripeCreatedAt: timestamp('stripe_created_at', { withTimezone: true }).notNull(),
    ...timestamps,
  },
  (t) => [index('charge_refunds_charge_idx').on(t.chargeId), index('charge_refunds_created_idx').on(t.stripeCreatedAt)],
);

/** One dispute of a charge, from Stripe. */
export const chargeDisputes = pgTable(
  'charge_disputes',
  {
    id: text('id').primaryKey(),
    chargeId: text('charge_id')
      .notNull()
      .references(() => charges.id),
    amountCents: cents('amount_cents').notNull(),
    status: text('status').notNull(),
    stripeCreatedAt: timestamp('stripe_created_at', { withTimezone: true }).notNull(),
    ...timestamps,
  },
  (t) => [index('charge_disputes_charge_idx').on(t.chargeId), index('charge_disputes_created_idx').on(t.stripeCreatedAt)],
);

/**
 * A refund asked for in the operator console (SPEC §14). The idempotency key makes a repeated request return the
 * first result; the Stripe refund is created with the key `admin-refund-<id>`.
 */
export const adminRefunds = pgTable(
  'admin_refunds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    actorId: uuid('actor_id')
      .notNull()
      .references(() => users.id),
    invoiceId: text('invoice_id')
      .notNull()
      .references(() => invoices.id),
    chargeId: text('charge_id').notNull(),
    amountCents: cents('amount_cents').notNull(),
    reason: text('reason').notNull(),
    status: text('status', { enum: ['pending', 'succeeded', 'failed'] }).notNull().default('pending'),
    stripeRefundId: text('stripe_refund_id').unique(),
    failureReason: text('failure_reason'),
    ...timestamps,
  },
  (t) => [
    index('admin_refunds_invoice_idx').on(t.invoiceId),
    index('admin_refunds_created_idx').on(t.createdAt),
    check('admin_refunds_amount_check', sql`${t.amountCents} > 0`),
    check('admin_refunds_status_check', sql`${t.status} in ('pending', 'succeeded', 'failed')`),
  ],
);

/** Each run of `flowtab reconcile` by the daily job (SPEC §14): the finance summary shows the newest. */
export const reconcileRuns = pgTable(
  'reconcile_runs',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    isOk: boolean('is_ok').notNull(),
    failures: jsonb('failures').$type<string[]>().notNull().default([]),
    checkedAt: timestamp('checked_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('reconcile_runs_checked_idx').on(t.checkedAt)],
);

/** How far Stripe's event list has been read and stored (SPEC §6): the sweep always fetches from here. */
export const webhookWatermarks = pgTable('webhook_watermarks', {
  source: text('source').primaryKey(),
  /** Every event created at or before this time is in the inbox. */
  readUntil: timestamp('read_until', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** The webhook inbox: every verified Stripe event once, unique on its id; processed_at marks it done. */
export const stripeEvents = pgTable(
  'stripe_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    objectId: text('object_id'),
    payload: jsonb('payload').notNull(),
    stripeCreatedAt: timestamp('stripe_created_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** After WEBHOOK_MAX_ATTEMPTS failures: no longer retried automatically, retried by hand (CLI, console). */
    deadAt: timestamp('dead_at', { withTimezone: true }),
  },
  (t) => [
    index('stripe_events_unprocessed_idx').on(t.receivedAt).where(sql`${t.processedAt} is null`),
    index('stripe_events_dead_idx').on(t.deadAt).where(sql`${t.deadAt} is not null and ${t.processedAt} is null`),
  ],
);

export const billingPeriodStatuses = ['open', 'paid', 'void'] as const;
export type BillingPeriodStatus = (typeof billingPeriodStatuses)[number];

/**
 * One subscriber billing period: copies are counted against it and its creator pool is
 * floor(share × (invoice total − refunded)). The copy counters are advanced by one atomic conditional UPDATE.
 * fillfactor 70 (migration 0018; drizzle does not model it): every copy updates this row, and room on its page keeps
 * that update HOT.
 */
export const billingPeriods = pgTable(
  'billing_periods',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    subscriptionId: text('subscription_id')
      .notNull()
      .references(() => subscriptions.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    periodStart: timestamp('period_start', { withTimezone: true }).notNull(),
    periodEnd: timestamp('period_end', { withTimezone: true }).notNull(),
    status: text('status', { enum: billingPeriodStatuses }).notNull().default('open'),
    invoiceId: text('invoice_id').unique(),
    paymentIntentId: text('payment_intent_id'),
    /** What the period is worth: the invoice total after discounts (before customer credit), or the plan amount until the invoice is known. */
    basisCents: cents('basis_cents').notNull(),
    amountPaidCents: cents('amount_paid_cents').notNull().default(0),
    /** Refunded plus disputed (while a dispute is open or lost). */
    refundedCents: cents('refunded_cents').notNull().default(0),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    copiesCount: integer('copies_count').notNull().default(0),
    countedCopies: integer('counted_copies').notNull().default(0),
    earnedCents: cents('earned_cents').notNull().default(0),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('billing_periods_subscription_start_key').on(t.subscriptionId, t.periodStart),
    index('billing_periods_user_idx').on(t.userId, t.periodStart),
    index('billing_periods_payment_intent_idx').on(t.paymentIntentId),
    check('billing_periods_status_check', sql`${t.status} in ('open', 'paid', 'void')`),
    check('billing_periods_amounts_check', sql`${t.basisCents} >= 0 and ${t.refundedCents} >= 0 and ${t.earnedCents} >= 0`),
    check('billing_periods_copies_check', sql`${t.countedCopies} >= 0 and ${t.countedCopies} <= ${t.copiesCount}`),
    check('billing_periods_period_check', sql`${t.periodEnd} > ${t.periodStart}`),
  ],
);

/** Every copy, once per member, flow and billing period; copies without a period (no subscription) once per member and flow. */
export const copies = pgTable(
  'copies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id),
    creatorId: uuid('creator_id')
      .notNull()
      .references(() => users.id),
    billingPeriodId: uuid('billing_period_id').references(() => billingPeriods.id),
    isCounted: boolean('is_counted').notNull().default(false),
    payoutCents: cents('payout_cents').notNull().default(0),
    /** What refunds, disputes or voiding took back from this copy: its share of its period's net (migration 0022). */
    withheldCents: cents('withheld_cents').notNull().default(0),
    copiedAt: timestamp('copied_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('copies_once_per_period_key').on(t.userId, t.flowId, t.billingPeriodId).nullsNotDistinct(),
    // A period's copies, and one creator's among them (a period's earnings moving state move those copies' months).
    index('copies_period_creator_idx').on(t.billingPeriodId, t.creatorId),
    index('copies_creator_idx').on(t.creatorId, t.copiedAt),
    index('copies_flow_idx').on(t.flowId),
    check('copies_payout_check', sql`${t.payoutCents} >= 0 and (${t.isCounted} or ${t.payoutCents} = 0)`),
    check('copies_withheld_check', sql`${t.withheldCents} >= 0 and ${t.withheldCents} <= ${t.payoutCents}`),
  ],
);

export const FLOW_COUNTER_SHARDS = 16;

/** A flow's copy count, spread over shards so a popular flow is not one hot row. fillfactor 70, as billing_periods. */
export const flowCopyCounters = pgTable(
  'flow_copy_counters',
  {
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id),
    shard: integer('shard').notNull(),
    copies: bigint('copies', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.flowId, t.shard] })],
);

export const earningStates = ['pending', 'held', 'available', 'paid', 'void'] as const;
export type EarningState = (typeof earningStates)[number];

/**
 * What one creator earned from one subscriber period, and where in the lifecycle it is.
 * net_cents = floor(gross_cents × the period's factor) always, and equals the sum of its ledger entries.
 */
export const periodEarnings = pgTable(
  'period_earnings',
  {
    creatorId: uuid('creator_id')
      .notNull()
      .references(() => users.id),
    billingPeriodId: uuid('billing_period_id')
      .notNull()
      .references(() => billingPeriods.id),
    state: text('state', { enum: earningStates }).notNull(),
    grossCents: cents('gross_cents').notNull().default(0),
    netCents: cents('net_cents').notNull().default(0),
    countedCopies: integer('counted_copies').notNull().default(0),
    payoutId: uuid('payout_id'),
    releasedAt: timestamp('released_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.creatorId, t.billingPeriodId] }),
    index('period_earnings_period_idx').on(t.billingPeriodId),
    index('period_earnings_state_idx').on(t.state),
    check('period_earnings_state_check', sql`${t.state} in ('pending', 'held', 'available', 'paid', 'void')`),
    check('period_earnings_amounts_check', sql`${t.netCents} >= 0 and ${t.netCents} <= ${t.grossCents}`),
  ],
);

export const ledgerAccounts = [
  'creator_pending',
  'creator_held',
  'creator_available',
  'creator_in_transit',
  'creator_paid',
  'creator_credit_applied',
  'platform_creator_expense',
] as const;
export type LedgerAccount = (typeof ledgerAccounts)[number];

/** A balanced set of ledger entries; `key` makes posting idempotent where the cause has an identity. */
export const ledgerTransactions = pgTable(
  'ledger_transactions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind').notNull(),
    key: text('key').unique(),
    billingPeriodId: uuid('billing_period_id').references(() => billingPeriods.id),
    copyId: uuid('copy_id').references(() => copies.id),
    payoutId: uuid('payout_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // A copy's transaction is found by its key (copy_transaction_key, db/functions/record_copy.sql), never by copy_id (migration 0021).
  (t) => [index('ledger_transactions_period_idx').on(t.billingPeriodId)],
);

/** Immutable (a trigger refuses UPDATE and DELETE); each transaction sums to zero (a deferred trigger checks at commit). */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    transactionId: uuid('transaction_id')
      .notNull()
      .references(() => ledgerTransactions.id),
    account: text('account', { enum: ledgerAccounts }).notNull(),
    creatorId: uuid('creator_id').references(() => users.id),
    billingPeriodId: uuid('billing_period_id').references(() => billingPeriods.id),
    amountCents: cents('amount_cents').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('ledger_entries_transaction_idx').on(t.transactionId),
    index('ledger_entries_creator_account_idx').on(t.creatorId, t.account),
    check('ledger_entries_nonzero_check', sql`${t.amountCents} <> 0`),
    check(
      'ledger_entries_creator_check',
      sql`(${t.account} like 'creator\_%') = (${t.creatorId} is not null)`,
    ),
  ],
);

export const payoutStatuses = ['pending', 'processing', 'paid', 'failed'] as const;
export type PayoutStatus = (typeof payoutStatuses)[number];

/**
 * One transfer of a creator's whole available balance. The amount is reserved in the ledger when the row is created;
 * the Stripe idempotency key is `payout-<id>`. At most one open (pending or processing) payout per creator, and one
 * payout per creator per run key (a scheduled run's date, or a withdrawal's day).
 */
export const payouts = pgTable(
  'payouts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    creatorId: uuid('creator_id')
      .notNull()
      .references(() => users.id),
    amountCents: cents('amount_cents').notNull(),
    currency: text('currency').notNull().default('usd'),
    kind: text('kind', { enum: ['scheduled', 'withdrawal'] }).notNull(),
    runKey: text('run_key').notNull(),
    status: text('status', { enum: payoutStatuses }).notNull().default('pending'),
    destinationAccountId: text('destination_account_id').notNull(),
    stripeTransferId: text('stripe_transfer_id').unique(),
    attempts: integer('attempts').notNull().default(0),
    failureReason: text('failure_reason'),
    reversedCents: cents('reversed_cents').notNull().default(0),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('payouts_creator_run_key').on(t.creatorId, t.runKey),
    uniqueIndex('payouts_one_open_per_creator').on(t.creatorId).where(sql`${t.status} in ('pending', 'processing')`),
    index('payouts_status_idx').on(t.status),
    check('payouts_amount_check', sql`${t.amountCents} > 0`),
    check('payouts_status_check', sql`${t.status} in ('pending', 'processing', 'paid', 'failed')`),
    check('payouts_kind_check', sql`${t.kind} in ('scheduled', 'withdrawal')`),
  ],
);

/** Available earnings turned into a credit on the creator's own Stripe customer balance. */
export const creditApplications = pgTable(
  'credit_applications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    creatorId: uuid('creator_id')
      .notNull()
      .references(() => users.id),
    amountCents: cents('amount_cents').notNull(),
    status: text('status', { enum: ['pending', 'applied', 'failed'] }).notNull().default('pending'),
    stripeBalanceTransactionId: text('stripe_balance_transaction_id').unique(),
    /** When Stripe credited the balance (Stripe's clock): invoices finalized after it may have consumed it. */
    stripeCreatedAt: timestamp('stripe_created_at', { withTimezone: true }),
    failureReason: text('failure_reason'),
    ...timestamps,
  },
  (t) => [
    check('credit_applications_amount_check', sql`${t.amountCents} > 0`),
    uniqueIndex('credit_applications_one_pending_per_creator').on(t.creatorId).where(sql`${t.status} = 'pending'`),
  ],
);

/**
 * The transactional outbox: a mail is written in the same transaction as its cause and sent after commit.
 * `cause_key` is unique, so one cause never mails twice (a replayed webhook finds its mail already there).
 */
export const emailOutbox = pgTable(
  'email_outbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    causeKey: text('cause_key').notNull().unique(),
    userId: uuid('user_id').references(() => users.id),
    toAddress: text('to_address').notNull(),
    template: text('template').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    subject: text('subject'),
    status: text('status', { enum: ['pending', 'sent', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('email_outbox_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    check('email_outbox_status_check', sql`${t.status} in ('pending', 'sent', 'failed')`),
  ],
);
