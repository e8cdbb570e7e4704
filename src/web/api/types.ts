/**
 * The shapes the web app receives, taken from the server's zod schemas wherever the server has one (type-only
 * imports: nothing from the server reaches the browser bundle).
 */
import type { z } from 'zod';
import type { registerResponse, tokenResponse } from '../../server/modules/auth/schemas.js';
import type { copyResponse, myCopiesResponse } from '../../server/modules/copies/schemas.js';
import type { analyticsResponse, creatorFlowsResponse, earningsResponse } from '../../server/modules/creators/schemas.js';
import type { flowInput, FlowListItem as ServerFlowListItem, flowListResponse, FlowPatch, FlowView, likeResponse } from '../../server/modules/flows/schemas.js';
import type { reportBody, reportResponse } from '../../server/modules/admin/moderation/schemas.js';
import type {
  applyToSubscriptionResponse,
  connectResponse,
  connectStatus,
  payoutsResponse,
  payoutView,
} from '../../server/modules/payouts/schemas.js';
import type { checkoutResponse, mySubscriptionResponse, portalResponse } from '../../server/modules/subscriptions/schemas.js';
import type { createdTokenResponse, createTokenBody, tokenView } from '../../server/modules/tokens/schemas.js';
import type { acceptedResponse } from '../../server/modules/auth/schemas.js';
import type { accountExport, emailChangeResponse, profilePatch, PublicProfileView, UserView } from '../../server/modules/users/schemas.js';

export type Flow = FlowView;
/** A flow as lists carry it: no body, steps or notes (the flow page fetches the flow itself). */
export type FlowListItem = ServerFlowListItem;
export type FlowList = z.input<typeof flowListResponse>;
export type FlowDraft = z.input<typeof flowInput>;
export type FlowChanges = FlowPatch;
export type User = UserView;
export type ProfileChanges = z.input<typeof profilePatch>;
export type PendingEmailChange = z.input<typeof emailChangeResponse>;
export type AccountExport = z.input<typeof accountExport>;
/** 202 answers that queued a mail: what to tell the person. */
export type Accepted = z.input<typeof acceptedResponse>;
export type TokenResponse = z.input<typeof tokenResponse>;
export type RegisterResponse = z.input<typeof registerResponse>;
export type TagCount = { tag: string; count: number };
/** GET /v1/users/{username} (SPEC §15): what anyone may see of a member, with the totals of their published flows. */
export type PublicProfile = PublicProfileView;
/** PUT and DELETE /v1/flows/{ref}/like: the flow's likes after the change. */
export type LikeResult = z.input<typeof likeResponse>;

export type FlowSort = 'new' | 'popular' | 'liked' | 'relevance';
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
/** Balances, monthly earnings and the payout summary (Connect status, payouts, whether a withdrawal is possible). */
export type Earnings = z.input<typeof earningsResponse>;
export type MonthlyEarning = Earnings['monthly_earnings'][number];

/** Copies and net earnings per UTC day of a range (SPEC §15), with the range's totals: the dashboard's chart and cards. */
export type CreatorAnalytics = z.input<typeof analyticsResponse>;
export type AnalyticsDay = CreatorAnalytics['days'][number];
export type AnalyticsQuery = { from?: string; to?: string; flow_id?: string };

export type PayoutList = z.input<typeof payoutsResponse>;
export type Payout = z.input<typeof payoutView>;
export type ConnectStatus = z.input<typeof connectStatus>;
export type ConnectLink = z.input<typeof connectResponse>;
export type AppliedCredit = z.input<typeof applyToSubscriptionResponse>;

/** RFC 9457 problem details as the API sends them; validation problems list the fields at fault. */
export type Problem = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { location: string; path: string; message: string }[];
  [extension: string]: unknown;
};

/** Personal access tokens for agents (SPEC §16): the list never has secrets; a new token's secret is shown once. */
export type ApiToken = z.input<typeof tokenView>;
export type NewApiToken = z.input<typeof createTokenBody>;
export type CreatedApiToken = z.input<typeof createdTokenResponse>;

/** A member's report of a flow (SPEC §14): once per member and flow (409 `already-reported` after that). */
export type ReportInput = z.input<typeof reportBody>;
export type ReportReason = ReportInput['reason'];
export type FlowReport = z.input<typeof reportResponse>;

/** GET /v1/config/public: the numbers the app shows (SPEC §15). price_cents is null while Stripe's price is unknown. */
export type PublicConfig = {
  price_cents: number | null;
  currency: string | null;
  rate_per_copy_cents: number;
  paid_copies_per_period: number;
  copy_limit_per_period: number;
  creator_share_percent: number;
  hold_days: number;
  min_payout_cents: number;
};
