/**
 * The operator console's API (SPEC §14, /v1/admin/*): admins only (members get 403). Only the console (a lazy
 * chunk) imports this file, so members never download it.
 */
import { ApiError, request, toQueryString, tokenStore, type QueryValue } from './client.js';
import { saveBlob } from '../lib/save-file.js';
import type { Problem } from './types.js';

/*
 * The shapes the console receives, taken from the server's zod schemas (type-only imports: nothing from the server
 * reaches the browser bundle).
 */
import type { z } from 'zod';
import type { auditEntry, auditFilterQuery } from '../../server/modules/admin/audit/schemas.js';
import type { financeSummary, reconcileResult } from '../../server/modules/admin/finance/schemas.js';
import type {
  adminFlow,
  adminFlowPatch,
  adminReport,
  reportDecisionBody,
  reportDecisionResponse,
} from '../../server/modules/admin/moderation/schemas.js';
import type { adminPayoutView, deadLetterView, payoutRetryResponse, webhookRetryResponse } from '../../server/modules/admin/operations/schemas.js';
import type { adminRefundBody, adminRefundView } from '../../server/modules/admin/refunds/schemas.js';
import type { runSummary } from '../../server/modules/payouts/schemas.js';
import type { adminUser, userDetailResponse, userPatchBody, userPatchResponse } from '../../server/modules/admin/users/schemas.js';

/** One page of a console list (every list answers items, total, page, page_size, has_more). */
export type AdminPage<T> = { items: T[]; total: number; page: number; page_size: number; has_more: boolean };
export type PageQuery = { page?: number; page_size?: number };

export type AdminUser = z.input<typeof adminUser>;
export type AdminUserDetail = z.input<typeof userDetailResponse>;
export type AdminInvoice = AdminUserDetail['invoices'][number];
export type AdminUserChanges = z.input<typeof userPatchBody>;
export type AdminUserChanged = z.input<typeof userPatchResponse>;

export type AdminReport = z.input<typeof adminReport>;
export type ReportStatus = AdminReport['status'];
export type ReportAction = NonNullable<AdminReport['action']>;
export type AdminReportResolution = z.input<typeof reportDecisionBody>;
export type AdminReportResolved = z.input<typeof reportDecisionResponse>;
export type AdminFlow = z.input<typeof adminFlow>;
export type AdminFlowQuery = PageQuery & { q?: string; status?: string; taken_down?: 'true' | 'false'; featured?: 'true' | 'false'; sort?: 'new' | 'reports' };
export type AdminFlowChanges = z.input<typeof adminFlowPatch>;

export type AdminRefund = z.input<typeof adminRefundView>;
export type NewAdminRefund = z.input<typeof adminRefundBody>;

export type AdminPayout = z.input<typeof adminPayoutView>;
export type PayoutRetried = z.input<typeof payoutRetryResponse>;
export type PayoutRunSummary = z.input<typeof runSummary>;
export type AdminDeadWebhook = z.input<typeof deadLetterView>;
export type WebhookRetried = z.input<typeof webhookRetryResponse>;

export type AdminFinanceSummary = z.input<typeof financeSummary>;
export type ReconcileResult = z.input<typeof reconcileResult>;

export type AdminAuditEntry = z.input<typeof auditEntry>;
export type AdminAuditQuery = PageQuery & z.input<typeof auditFilterQuery>;

type Signal = { signal?: AbortSignal };
const ref = (value: string) => encodeURIComponent(value);

export const adminApi = {
  users: (query: { q?: string; page?: number; page_size?: number }, { signal }: Signal = {}) =>
    request<AdminPage<AdminUser>>('GET', '/v1/admin/users', { query, signal }),
  user: (id: string, { signal }: Signal = {}) => request<AdminUserDetail>('GET', `/v1/admin/users/${ref(id)}`, { signal }),
  updateUser: (id: string, body: AdminUserChanges) => request<AdminUserChanged>('PATCH', `/v1/admin/users/${ref(id)}`, { body }),

  reports: (query: { status?: string; page?: number; page_size?: number }, { signal }: Signal = {}) =>
    request<AdminPage<AdminReport>>('GET', '/v1/admin/reports', { query, signal }),
  resolveReport: (id: string, body: AdminReportResolution) => request<AdminReportResolved>('PATCH', `/v1/admin/reports/${ref(id)}`, { body }),
  flows: (query: AdminFlowQuery, { signal }: Signal = {}) => request<AdminPage<AdminFlow>>('GET', '/v1/admin/flows', { query, signal }),
  updateFlow: (id: string, body: AdminFlowChanges) => request<AdminFlow>('PATCH', `/v1/admin/flows/${ref(id)}`, { body }),

  /** The key makes a repeated request (a double click, a retry after a lost answer) return the first refund. */
  refund: (body: NewAdminRefund, idempotencyKey: string) =>
    request<AdminRefund>('POST', '/v1/admin/refunds', { body, headers: { 'idempotency-key': idempotencyKey } }),
  refunds: (query: PageQuery & { invoice_id?: string; user_id?: string }, { signal }: Signal = {}) =>
    request<AdminPage<AdminRefund>>('GET', '/v1/admin/refunds', { query, signal }),

  payouts: (query: { status?: string; page?: number; page_size?: number }, { signal }: Signal = {}) =>
    request<AdminPage<AdminPayout>>('GET', '/v1/admin/payouts', { query, signal }),
  retryPayout: (id: string, reason: string) => request<PayoutRetried>('POST', `/v1/admin/payouts/${ref(id)}/retry`, { body: { reason } }),
  runPayouts: (reason: string) => request<PayoutRunSummary>('POST', '/v1/admin/payouts/run', { body: { reason } }),

  deadWebhooks: (query: { page?: number; page_size?: number }, { signal }: Signal = {}) =>
    request<AdminPage<AdminDeadWebhook>>('GET', '/v1/admin/webhooks/dead', { query, signal }),
  retryWebhook: (eventId: string, reason: string) =>
    request<WebhookRetried>('POST', `/v1/admin/webhooks/${ref(eventId)}/retry`, { body: { reason } }),

  financeSummary: (month: string, { signal }: Signal = {}) =>
    request<AdminFinanceSummary>('GET', '/v1/admin/finance/summary', { query: { month }, signal }),
  reconcile: (reason: string) => request<ReconcileResult>('POST', '/v1/admin/finance/reconcile', { body: { reason } }),
  monthsCsv: ({ signal }: Signal = {}) => fetchText('/v1/admin/finance/months.csv', {}, signal),

  audit: (query: AdminAuditQuery, { signal }: Signal = {}) => request<AdminPage<AdminAuditEntry>>('GET', '/v1/admin/audit', { query, signal }),
};

/** The console's CSV files; each needs the bearer token, so they are fetched, then saved from a Blob. */
export const adminDownloads = {
  months: () => downloadFile('/v1/admin/finance/months.csv', {}, 'flowtab-months.csv'),
  ledger: (month: string) => downloadFile('/v1/admin/finance/ledger.csv', { month }, `flowtab-ledger-${month}.csv`),
  audit: (query: AdminAuditQuery) => downloadFile('/v1/admin/audit.csv', { ...query, page: undefined, page_size: undefined }, 'flowtab-audit.csv'),
};

/** A GET whose answer is not JSON (a CSV file): the text, or the problem as an ApiError. */
async function fetchText(path: string, query: Record<string, QueryValue>, signal?: AbortSignal): Promise<string> {
  const response = await authorizedGet(path, query, signal);
  return response.text();
}

async function downloadFile(path: string, query: Record<string, QueryValue>, fileName: string): Promise<void> {
  const response = await authorizedGet(path, query);
  saveBlob(await response.blob(), fileName);
}

async function authorizedGet(path: string, query: Record<string, QueryValue>, signal?: AbortSignal): Promise<Response> {
  const token = tokenStore.get();
  let response: Response;
  try {
    response = await fetch(`${path}${toQueryString(query)}`, {
      headers: { accept: 'text/csv, application/problem+json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError({ type: 'about:blank#network', title: 'Network error', status: 0, detail: 'Could not reach Flowtab. Check your connection and try again.' });
  }
  if (response.ok) return response;
  let problem: Problem = { type: 'about:blank', title: response.statusText || `HTTP ${response.status}`, status: response.status };
  try {
    const payload: unknown = await response.json();
    if (payload && typeof payload === 'object' && 'title' in payload) problem = { ...problem, ...(payload as Partial<Problem>) };
  } catch {
    // not a problem document: the status line is all we have
  }
  throw new ApiError(problem);
}
