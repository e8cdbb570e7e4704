/**
 * The shapes the web app receives. Flow, user and auth types come from the server's zod schemas (type-only
 * imports: nothing from the server reaches the browser bundle); the rest mirror the API contract.
 */
import type { z } from 'zod';
import type { registerResponse, tokenResponse } from '../../server/modules/auth/schemas.js';
import type { flowInput, flowListResponse, FlowPatch, FlowView } from '../../server/modules/flows/schemas.js';
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

export type Subscription = {
  is_subscriber: boolean;
  status: string | null;
  current_period_start: string | null;
  current_period_end: string | null;
  cancel_at_period_end: boolean;
  copies_this_month: number;
  copies_remaining: number;
  paid_copies_per_period: number;
  copy_limit_per_period: number;
};

export type CheckoutSession = { session_id: string; url: string };
export type HostedPage = { url: string };

export type CopyResult = {
  id: string;
  flow_id: string;
  copied_at: string;
  copies_this_month: number;
  copies_remaining: number;
  payout_earned: number;
  counted_for_payout: boolean;
  period_end: string;
  text: string;
};

export type CopyRecord = {
  id: string;
  copied_at: string;
  counted_for_payout: boolean;
  payout_earned: number;
  flow: { id: string; slug: string; title: string };
};
export type MyCopies = { period_start: string | null; period_end: string | null; items: CopyRecord[] };

export type EarningStatus = 'pending' | 'held' | 'available' | 'paid' | (string & {});
export type MonthlyEarning = { month: string; copy_count: number; amount_cents: number; status: EarningStatus };

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
export type Earnings = {
  pending_cents: number;
  held_cents: number;
  available_cents: number;
  paid_cents: number;
  total_earnings_cents: number;
  balance_cents: number;
  monthly_earnings: MonthlyEarning[];
  payouts: Payout[];
  connect: { status: ConnectStatus; account_id: string | null };
  min_payout_cents: number;
  can_withdraw: boolean;
  next_withdrawal_at: string | null;
};

export type CreatorFlowStats = {
  flow_id: string;
  slug: string;
  title: string;
  status: 'draft' | 'published' | 'archived';
  is_premium: boolean;
  copy_count: number;
  counted_copies: number;
  earnings_cents: number;
};

export type AppliedCredit = { applied_cents: number; customer_balance_cents: number };

/** RFC 9457 problem details as the API sends them; validation problems list the fields at fault. */
export type Problem = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { location: string; path: string; message: string }[];
  [extension: string]: unknown;
};
