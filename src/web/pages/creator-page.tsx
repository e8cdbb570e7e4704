import type { ReactNode } from 'react';
import { api } from '../api/endpoints.js';
import type { Earnings, PublicConfig } from '../api/types.js';
import { AnalyticsPanel } from '../components/creator/analytics-panel.js';
import { type DateRange, DateRangeControl, rangeFromSearch, rangeQuery } from '../components/creator/date-range.js';
import { FlowStats } from '../components/creator/flow-stats.js';
import { GetPaid } from '../components/creator/get-paid.js';
import { PayoutsList } from '../components/creator/payouts-list.js';
import { StatementDownload } from '../components/creator/statement-download.js';
import { RequireMember } from '../components/require-member.js';
import { ErrorState, Loading } from '../components/states.js';
import { formatCents } from '../lib/format.js';
import { usePublicConfig } from '../lib/public-config.js';
import { Link, navigate, useLocation, withQuery } from '../lib/router.js';
import { useDocumentTitle } from '../lib/use-document-title.js';
import { useResource } from '../lib/use-resource.js';

export function CreatorPage() {
  useDocumentTitle('Creator dashboard');
  return (
    <RequireMember>
      <CreatorDashboard />
    </RequireMember>
  );
}

/** The page's URL with `changes` applied to its query (undefined removes a parameter); the others stay. */
function withQueryChanges(path: string, search: URLSearchParams, changes: Record<string, string | undefined>): string {
  const query: Record<string, string | undefined> = Object.fromEntries(search.entries());
  return withQuery(path, { ...query, ...changes });
}

function CreatorDashboard() {
  const earnings = useResource((signal) => api.earnings({ signal }), []);
  const flows = useResource((signal) => api.creatorFlows({ signal }), []);
  const subscription = useResource((signal) => api.subscription({ signal }), []);
  const config = usePublicConfig();
  const { path, search } = useLocation();
  const range = rangeFromSearch(search);

  // The range lives in the URL: a reload, the back button or a shared link shows the same days.
  const changeRange = (next: DateRange) => navigate(withQueryChanges(path, search, rangeQuery(next)), { replace: true, scroll: false });
  // "Back from Stripe" says the status below is fresh from onboarding; after a withdrawal it is old news.
  const dropConnectNotice = () => navigate(withQueryChanges(path, search, { connect: undefined }), { replace: true, scroll: false });
  const reloadMoney = () => {
    earnings.reload();
    flows.reload();
  };

  return (
    <div className="creator">
      <header className="page-head page-head-row">
        <div>
          <h1>Creator dashboard</h1>
          <p className="muted">{introText(config)}</p>
        </div>
        <Link to="/publish" className="button button-primary">
          Publish a flow
        </Link>
      </header>
      {search.get('connect') === 'return' && (
        <p className="notice notice-info" data-testid="connect-return-notice">
          Back from Stripe: your payout account status is below.
        </p>
      )}
      {search.get('connect') === 'refresh' && (
        <p className="notice notice-warning">That Stripe link expired. Press “Finish Stripe setup” below for a fresh one.</p>
      )}

      <Panel title="Copies and earnings" id="analytics-heading" className="creator-analytics">
        <DateRangeControl range={range} onChange={changeRange} />
        <AnalyticsPanel range={range} />
      </Panel>

      <Panel title="Your flows" id="flows-heading">
        <FlowStats flows={flows} range={range} rateCents={config?.rate_per_copy_cents} />
      </Panel>

      {earnings.status === 'loading' && <Loading label="Loading your balances…" />}
      {earnings.status === 'error' && <ErrorState error={earnings.error} onRetry={earnings.reload} what="creator earnings" />}
      {earnings.status === 'ready' && (
        <>
          <Balances earnings={earnings.data} />
          <div className="creator-grid">
            <Panel title="Payouts" id="payouts-heading">
              <PayoutsList payouts={earnings.data.payouts} />
            </Panel>
            <div className="creator-side">
              <Panel title="Get paid" id="payout-heading">
                <GetPaid earnings={earnings.data} subscription={subscription} config={config} onChanged={reloadMoney} onWithdrawn={dropConnectNotice} />
              </Panel>
              <Panel title="Monthly statement" id="statement-heading">
                <StatementDownload firstMonth={firstMonthOf(earnings.data)} />
              </Panel>
            </div>
          </div>
        </>
      )}
    </div>
  );
}

function introText(config: PublicConfig | undefined): string {
  const rate = config ? ` ${formatCents(config.rate_per_copy_cents)}` : '';
  const hold = config ? ` (${config.hold_days} days)` : '';
  return `Every paid copy of your premium flows earns you${rate}. Earnings wait out a refund window${hold}, then are paid monthly or when you withdraw.`;
}

/** The statement picker starts at the first month anything was earned or paid. */
function firstMonthOf(earnings: Earnings): string | undefined {
  const months = [...earnings.monthly_earnings.map((month) => month.month), ...earnings.payouts.map((payout) => payout.created_at.slice(0, 7))];
  return months.sort()[0];
}

function Panel({ title, id, className, children }: { title: string; id: string; className?: string; children: ReactNode }) {
  return (
    <section className={className ? `card ${className}` : 'card'} aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

/** Where the money is now: pending, held, available, paid (all time, net of refunds and disputes). */
function Balances({ earnings }: { earnings: Earnings }) {
  return (
    <section aria-labelledby="balances-heading" className="creator-balances">
      <h2 id="balances-heading" className="creator-balances-heading">
        Balances
      </h2>
      <div className="money-cards" data-testid="money-cards">
        <MoneyCard label="Pending" cents={earnings.pending_cents} hint="Copies in periods not paid yet" />
        <MoneyCard label="Held" cents={earnings.held_cents} hint="Paid; waiting out the refund window" />
        <MoneyCard label="Available" cents={earnings.available_cents} hint="Ready to pay out" isHighlighted />
        <MoneyCard label="Paid" cents={earnings.paid_cents} hint="Sent to your Stripe account" />
      </div>
      <p className="muted small">
        Total earned {formatCents(earnings.total_earnings_cents)} (net of refunds and disputes)
        {earnings.in_transit_cents > 0 && ` · ${formatCents(earnings.in_transit_cents)} on its way to your bank`}
        {earnings.credited_cents > 0 && ` · ${formatCents(earnings.credited_cents)} applied to your subscription`}
        {earnings.balance_cents < 0 && ` · balance ${formatCents(earnings.balance_cents)} (a refund after payout; future earnings repay it)`}
      </p>
    </section>
  );
}

function MoneyCard({ label, cents, hint, isHighlighted = false }: { label: string; cents: number; hint: string; isHighlighted?: boolean }) {
  return (
    <div className={isHighlighted ? 'card money-card is-highlighted' : 'card money-card'}>
      <p className="money-label">{label}</p>
      <p className="money-value">{formatCents(cents)}</p>
      <p className="muted small">{hint}</p>
    </div>
  );
}
