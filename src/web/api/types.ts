/**
 * The shapes the web app receives. Flow, user and auth types come from the server's zod schemas (type-only
 * imports: nothing from the server reaches the browser bundle); the rest mirror the API contract.
 */
import type { z } from 'zod';
import type { registerResponse, tokenResponse } from '../../server/modules/auth/schemas.js';
import type { copyResponse, myCopiesResponse } from '../../server/modules/copies/schemas.js';
import type { creatorFlowsResponse, earningsResponse } from '../../server/modules/creators/schemas.js';
import type { flowInput, flowListResponse, FlowPatch, FlowView } from '../../server/modules/flows/schemas.js';
import type { checkoutResponse, mySubscriptionResponse, portalResponse } from '../../server/modules/subscriptions/schemas.js';
import type { UserView } from '../../server/modules/users/schemas.js';

export type Flow = FlowView;
export type FlowList = z.input<typeof flowListResponse>;
export type FlowDraft = z.input<typeof flowInput>;
export type FlowChanges = FlowPatch;
export type User = UserView;
export type TokenResponse = z.input<typeof tokenResponse>;
export type RegisterResponse = z.input<typeof registerResponse>;
export type TagCount = { tag: string; count: number };

export type FlowSort = 'new' | 'popular' | 'relevance';
export type FlowQuery = {
  q?: string;
  tags?: string[];
  works_with?: string[];
  premium?: boolean;
  featured?: boolean;
  author?: string;
  sort?: FlowSort;
  page?: number;
  page_size?: number;
};

export type Subscription = z.input<typeof mySubscriptionResponse>;
export type CheckoutSession = z.input<typeof checkoutResponse>;
export type HostedPage = z.input<typeof portalResponse>;

export type CopyResult = z.input<typeof copyResponse>;
export type MyCopies = z.input<typeof myCopiesResponse>;
export type CopyRecord = MyCopies['items'][number];

export type CreatorFlowStats = z.input<typeof creatorFlowsResponse>['items'][number];
export type MonthlyEarning = z.input<typeof earningsResponse>['monthly_earnings'][number];

export type PayoutStatus = 'pending' | 'processing' | 'paid' | 'failed';
export type Payout = {
  id: string;
  amount_cents: number;
  status: PayoutStatus;
  kind: 'scheduled' | 'withdrawal';
  created_at: string;
  paid_at: string | null;
  failure_reason: string | null;
};

export type ConnectStatus = 'not_connected' | 'onboarding' | 'enabled';

/** Where a creator stands for payouts: served with the payouts list, and (per the contract) with earnings. */
export type PayoutStanding = {
  connect: { status: ConnectStatus; account_id: string | null };
  min_payout_cents: number;
  can_withdraw: boolean;
  next_withdrawal_at: string | null;
};

/** The payouts list; the standing fields are optional so an older server's `{items}` answer still reads. */
export type PayoutList = { items: Payout[] } & Partial<PayoutStanding>;

/**
 * The earnings summary. Payout and Connect fields are in the API contract but may not be served yet, so they
 * are optional here and every page copes without them.
 */
export type Earnings = z.input<typeof earningsResponse> & Partial<PayoutStanding & { payouts: Payout[] }>;

/** `customer_balance_cents` is null until Stripe confirms the credit (then negative: a credit on the next invoices). */
export type AppliedCredit = { applied_cents: number; customer_balance_cents: number | null; status?: 'pending' | 'applied' | 'failed' };

/** RFC 9457 problem details as the API sends them; validation problems list the fields at fault. */
export type Problem = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { location: string; path: string; message: string }[];
  [extension: string]: unknown;
};
