import { request } from './client.js';
import type {
  Accepted,
  AccountExport,
  ApiToken,
  AppliedCredit,
  CheckoutSession,
  ConnectLink,
  CopyResult,
  CreatedApiToken,
  CreatorFlowStats,
  Earnings,
  Flow,
  FlowChanges,
  FlowDraft,
  FlowList,
  FlowQuery,
  FlowReport,
  HostedPage,
  MyCopies,
  NewApiToken,
  Payout,
  PayoutList,
  PendingEmailChange,
  PublicConfig,
  ProfileChanges,
  RegisterResponse,
  ReportInput,
  Subscription,
  TagCount,
  TokenResponse,
  User,
} from './types.js';

type Signal = { signal?: AbortSignal };
const ref = (value: string) => encodeURIComponent(value);

export const api = {
  register: (body: { email: string; username: string; password: string }) =>
    request<RegisterResponse>('POST', '/v1/auth/register', { body }),
  logIn: (body: { login: string; password: string }) => request<TokenResponse>('POST', '/v1/auth/token', { body }),
  logOut: () => request<void>('POST', '/v1/auth/logout'),
  me: ({ signal }: Signal = {}) => request<User>('GET', '/v1/users/me', { signal }),
  logOutEverywhere: () => request<void>('DELETE', '/v1/auth/sessions'),

  verifyEmail: (token: string) => request<void>('POST', '/v1/auth/verify-email', { body: { token } }),
  resendVerification: () => request<Accepted>('POST', '/v1/auth/verify-email/resend'),
  requestPasswordReset: (email: string) => request<Accepted>('POST', '/v1/auth/password-reset', { body: { email } }),
  confirmPasswordReset: (body: { token: string; password: string }) => request<void>('POST', '/v1/auth/password-reset/confirm', { body }),
  updateProfile: (body: ProfileChanges) => request<User>('PATCH', '/v1/users/me', { body }),
  changePassword: (body: { current_password: string; new_password: string }) => request<void>('POST', '/v1/users/me/password', { body }),
  changeEmail: (body: { password: string; new_email: string }) => request<PendingEmailChange>('POST', '/v1/users/me/email', { body }),
  exportAccount: () => request<AccountExport>('GET', '/v1/users/me/export'),
  deleteAccount: (password: string) => request<void>('DELETE', '/v1/users/me', { body: { password } }),

  flows: (query: FlowQuery, { signal }: Signal = {}) => request<FlowList>('GET', '/v1/flows', { query, signal }),
  flow: (slugOrId: string, { signal }: Signal = {}) => request<Flow>('GET', `/v1/flows/${ref(slugOrId)}`, { signal }),
  tags: ({ signal }: Signal = {}) => request<{ items: TagCount[] }>('GET', '/v1/tags', { signal }),
  createFlow: (body: FlowDraft) => request<Flow>('POST', '/v1/flows', { body }),
  editFlow: (id: string, body: FlowChanges) => request<Flow>('PATCH', `/v1/flows/${ref(id)}`, { body }),
  archiveFlow: (id: string) => request<Flow>('DELETE', `/v1/flows/${ref(id)}`),

  copyFlow: (slugOrId: string) => request<CopyResult>('POST', `/v1/flows/${ref(slugOrId)}/copy`),
  reportFlow: (slugOrId: string, body: ReportInput) => request<FlowReport>('POST', `/v1/flows/${ref(slugOrId)}/reports`, { body }),
  myCopies: ({ signal }: Signal = {}) => request<MyCopies>('GET', '/v1/copies/me', { signal }),

  publicConfig: ({ signal }: Signal = {}) => request<PublicConfig>('GET', '/v1/config/public', { signal }),
  subscription: ({ signal }: Signal = {}) => request<Subscription>('GET', '/v1/subscriptions/me', { signal }),
  checkout: () => request<CheckoutSession>('POST', '/v1/subscriptions/checkout'),
  portal: () => request<HostedPage>('POST', '/v1/subscriptions/portal'),

  earnings: ({ signal }: Signal = {}) => request<Earnings>('GET', '/v1/creators/me/earnings', { signal }),
  creatorFlows: ({ signal }: Signal = {}) => request<{ items: CreatorFlowStats[] }>('GET', '/v1/creators/me/flows', { signal }),
  payouts: ({ signal }: Signal = {}) => request<PayoutList>('GET', '/v1/creators/me/payouts', { signal }),
  connect: () => request<ConnectLink>('POST', '/v1/creators/me/connect'),
  withdraw: () => request<Payout>('POST', '/v1/creators/me/payouts'),
  applyToSubscription: () => request<AppliedCredit>('POST', '/v1/creators/me/apply-to-subscription'),

  apiTokens: ({ signal }: Signal = {}) => request<{ items: ApiToken[] }>('GET', '/v1/tokens', { signal }),
  createApiToken: (body: NewApiToken) => request<CreatedApiToken>('POST', '/v1/tokens', { body }),
  revokeApiToken: (id: string) => request<void>('DELETE', `/v1/tokens/${ref(id)}`),
};
