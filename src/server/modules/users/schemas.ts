import { z } from 'zod';
import { isoDate } from '../../http/schemas.js';

export const PROFILE_LIMITS = { displayName: 60, bio: 500, links: 5, url: 300 } as const;

export const userSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  username: z.string(),
  role: z.enum(['member', 'admin']),
  is_creator: z.boolean(),
  /** Publishing and Connect need it (SPEC §13). */
  email_verified: z.boolean(),
  /** A new address asked for and not confirmed yet (the account keeps `email` until then). */
  pending_email: z.string().nullable(),
  display_name: z.string().nullable(),
  bio: z.string().nullable(),
  links: z.array(z.string()),
  avatar_url: z.string().nullable(),
  created_at: isoDate,
});
export type UserView = z.input<typeof userSchema>;

export const usernameParams = z.object({ username: z.string().min(1).max(64).describe('username, in any case') });

/** GET /v1/users/{username} (SPEC §15): what anyone may see of a member. */
export const publicProfileSchema = z.object({
  username: z.string().describe('as the member spelled it'),
  display_name: z.string().nullable(),
  bio: z.string().nullable(),
  links: z.array(z.string()).describe('https URLs'),
  avatar_url: z.string().nullable(),
  joined_at: isoDate,
  flows_count: z.number().int().describe('published flows'),
  total_copies: z.number().int().describe('copies of their published flows, ever'),
  total_likes: z.number().int().describe('likes of their published flows'),
});
export type PublicProfileView = z.input<typeof publicProfileSchema>;

/** https only (no javascript:, data: or http: in a profile), a host with a dot, no credentials, no spaces. */
export function isHttpsUrl(value: string): boolean {
  if (/[\s\p{Cc}]/u.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && url.hostname.includes('.') && !url.hostname.endsWith('.') && !url.username && !url.password;
}

const httpsUrl = z
  .string()
  .max(PROFILE_LIMITS.url)
  .refine(isHttpsUrl, { error: 'must be an https:// URL (like https://example.com/me)' })
  .describe('An https:// URL');

// Control characters (other than a bio's line breaks and tabs) never belong in profile text.
const CONTROL = /\p{Cc}/u;
// eslint-disable-next-line no-control-regex -- matching control characters is the point: the bio refuses them
const BIO_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

export const profilePatch = z.strictObject({
  display_name: z
    .string()
    .trim()
    .min(1, { error: 'must not be empty (send null to remove it)' })
    .max(PROFILE_LIMITS.displayName)
    .refine((value) => !CONTROL.test(value), { error: 'must not contain control characters' })
    .nullable()
    .optional(),
  bio: z
    .string()
    .trim()
    .max(PROFILE_LIMITS.bio)
    .refine((value) => !BIO_CONTROL.test(value), { error: 'must not contain control characters' })
    .nullable()
    .optional(),
  links: z
    .array(httpsUrl)
    .max(PROFILE_LIMITS.links)
    .refine((links) => new Set(links).size === links.length, { error: 'must not repeat a link' })
    .optional(),
  avatar_url: httpsUrl.nullable().optional(),
});
export type ProfilePatch = z.infer<typeof profilePatch>;

const password = z.string().min(1).max(256);

export const passwordChangeBody = z.strictObject({
  current_password: password,
  new_password: password.describe('At least 10 characters, not your username or email address'),
});

export const emailChangeBody = z.strictObject({
  password,
  new_email: z.email({ error: 'must be an email address' }).max(254),
});

export const emailChangeResponse = z.object({
  pending_email: z.string(),
  expires_at: isoDate,
});

export const deleteAccountBody = z.strictObject({ password });

// ---------------------------------------------------------------------------------------------------------------
// GET /v1/users/me/export: every field stored about the member, snake_case, amounts in cents, times ISO 8601.

const nullableDate = isoDate.nullable();

export const accountExport = z.object({
  format: z.literal('flowtab.account-export/1'),
  exported_at: isoDate,
  account: z.object({
    id: z.uuid(),
    email: z.string(),
    username: z.string(),
    role: z.string(),
    status: z.string(),
    email_verified_at: nullableDate,
    pending_email: z.string().nullable(),
    display_name: z.string().nullable(),
    bio: z.string().nullable(),
    links: z.array(z.string()),
    avatar_url: z.string().nullable(),
    wants_summary_emails: z.boolean(),
    stripe_customer_id: z.string().nullable(),
    connect_account_id: z.string().nullable(),
    payouts_enabled: z.boolean(),
    created_at: isoDate,
    updated_at: isoDate,
  }),
  sessions: z.array(
    z.object({
      id: z.uuid(),
      kind: z.string(),
      name: z.string().nullable(),
      user_agent: z.string().nullable(),
      scopes: z.array(z.string()).nullable(),
      created_at: isoDate,
      expires_at: isoDate,
      revoked_at: nullableDate,
      last_used_at: nullableDate,
    }),
  ),
  account_links: z.array(
    z.object({ id: z.uuid(), purpose: z.string(), email: z.string().nullable(), created_at: isoDate, expires_at: isoDate, used_at: nullableDate }),
  ),
  subscriptions: z.array(
    z.object({
      id: z.string(),
      customer_id: z.string(),
      status: z.string(),
      price_id: z.string().nullable(),
      plan_amount_cents: z.number().int(),
      current_period_start: isoDate,
      current_period_end: isoDate,
      cancel_at_period_end: z.boolean(),
      canceled_at: nullableDate,
      duplicate_of: z.string().nullable(),
      created_at: isoDate,
      updated_at: isoDate,
    }),
  ),
  billing_periods: z.array(
    z.object({
      id: z.uuid(),
      subscription_id: z.string(),
      period_start: isoDate,
      period_end: isoDate,
      status: z.string(),
      invoice_id: z.string().nullable(),
      basis_cents: z.number().int(),
      amount_paid_cents: z.number().int(),
      refunded_cents: z.number().int(),
      copies_count: z.number().int(),
      counted_copies: z.number().int(),
      earned_cents: z.number().int().describe('What your copies in this period paid creators'),
      paid_at: nullableDate,
    }),
  ),
  invoices: z.array(
    z.object({
      id: z.string(),
      subscription_id: z.string(),
      status: z.string(),
      currency: z.string(),
      billing_reason: z.string().nullable(),
      subtotal_cents: z.number().int(),
      discount_cents: z.number().int(),
      total_cents: z.number().int(),
      amount_due_cents: z.number().int(),
      amount_paid_cents: z.number().int(),
      applied_balance_cents: z.number().int(),
      paid_at: nullableDate,
      created_at: isoDate,
    }),
  ),
  copies: z.array(
    z.object({
      id: z.uuid(),
      flow_id: z.uuid(),
      flow_slug: z.string(),
      flow_title: z.string(),
      billing_period_id: z.uuid().nullable(),
      counted_for_payout: z.boolean(),
      payout_cents: z.number().int(),
      copied_at: isoDate,
    }),
  ),
  flows: z.array(
    z.object({
      id: z.uuid(),
      slug: z.string(),
      title: z.string(),
      summary: z.string(),
      body: z.string(),
      steps: z.array(z.string()),
      notes: z.array(z.string()),
      target_sites: z.array(z.string()),
      works_with: z.array(z.string()),
      tags: z.array(z.string()),
      is_premium: z.boolean(),
      featured: z.boolean(),
      status: z.string(),
      copy_count: z.number().int(),
      like_count: z.number().int(),
      published_at: nullableDate,
      created_at: isoDate,
      updated_at: isoDate,
    }),
  ),
  earnings: z.object({
    balances: z.record(z.string(), z.number().int()).describe('Ledger balance per account (creator_pending, creator_held, creator_available, ...)'),
    periods: z.array(
      z.object({
        billing_period_id: z.uuid(),
        state: z.string(),
        gross_cents: z.number().int(),
        net_cents: z.number().int(),
        counted_copies: z.number().int(),
        payout_id: z.uuid().nullable(),
        released_at: nullableDate,
        created_at: isoDate,
      }),
    ),
    ledger_entries: z.array(
      z.object({
        id: z.number().int(),
        transaction_id: z.uuid(),
        account: z.string(),
        billing_period_id: z.uuid().nullable(),
        amount_cents: z.number().int(),
        created_at: isoDate,
      }),
    ),
  }),
  payouts: z.array(
    z.object({
      id: z.uuid(),
      amount_cents: z.number().int(),
      currency: z.string(),
      kind: z.string(),
      status: z.string(),
      stripe_transfer_id: z.string().nullable(),
      failure_reason: z.string().nullable(),
      reversed_cents: z.number().int(),
      paid_at: nullableDate,
      created_at: isoDate,
    }),
  ),
  credits_to_subscription: z.array(
    z.object({
      id: z.uuid(),
      amount_cents: z.number().int(),
      status: z.string(),
      stripe_balance_transaction_id: z.string().nullable(),
      created_at: isoDate,
    }),
  ),
  mails: z.array(
    z.object({
      id: z.uuid(),
      template: z.string(),
      subject: z.string().nullable(),
      to: z.string(),
      status: z.string(),
      created_at: isoDate,
      sent_at: nullableDate,
    }),
  ),
});
export type AccountExport = z.input<typeof accountExport>;
