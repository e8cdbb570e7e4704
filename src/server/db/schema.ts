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
    ...timestamps,
  },
  (t) => [
    uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
    uniqueIndex('users_username_lower_key').on(sql`lower(${t.username})`),
    check('users_role_check', sql`${t.role} in ('member', 'admin')`),
    check('users_status_check', sql`${t.status} in ('active', 'suspended')`),
  ],
);

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
    searchVector: tsvector('search_vector').notNull(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    check('flows_status_check', sql`${t.status} in ('draft', 'published', 'archived')`),
    check('flows_copy_count_check', sql`${t.copyCount} >= 0`),
    index('flows_search_idx').using('gin', t.searchVector),
    index('flows_tags_idx').using('gin', t.tags),
    index('flows_works_with_idx').using('gin', t.worksWith),
    index('flows_status_created_idx').on(t.status, t.createdAt),
    index('flows_author_idx').on(t.authorId),
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

