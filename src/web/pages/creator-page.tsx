import { type ReactNode, useState } from 'react';
import type { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import type { ConnectStatus, CreatorFlowStats, Earnings, Payout } from '../api/types.js';
import { EarningsChart } from '../components/earnings-chart.js';
import { RequireMember } from '../components/require-member.js';
import { EmptyState, ErrorState, Loading } from '../components/states.js';
import { formatCents, formatCount, formatDate, formatDateTime } from '../lib/format.js';
import { Link, useLocation } from '../lib/router.js';
import { useDocumentTitle } from '../lib/use-document-title.js';
import { type Resource, toApiError, useResource } from '../lib/use-resource.js';

export function CreatorPage() {
  useDocumentTitle('Creator dashboard');
  return (
    <RequireMember>
      <CreatorDashboard />
    </RequireMember>
  );
}

function CreatorDashboard() {
  const earnings = useResource((signal) => api.earnings({ signal }), []);
  const flows = useResource((signal) => api.creatorFlows({ signal }), []);
  const { search } = useLocation();

  return (
    <div className="creator">
      <header className="page-head page-head-row">
        <div>
          <h1>Creator dashboard</h1>
          <p className="muted">Every paid copy of your premium flows earns you {formatCents(7)}. Earnings wait out a refund window, then are paid monthly.</p>
        </div>
        <Link to="/publish" className="button button-primary">
          Publish a flow
        </Link>
      </header>
      {search.get('connect') === 'return' && <p className="notice notice-info">Back from Stripe: your payout account status is below.</p>}
      {search.get('connect') === 'refresh' && (
        <p className="notice notice-warning">That Stripe link expired. Press “Finish Stripe setup” below for a fresh one.</p>
      )}

      {earnings.status === 'loading' && <Loading label="Loading your earnings…" />}
      {earnings.status === 'error' && <ErrorState error={earnings.error} onRetry={earnings.reload} what="creator earnings" />}
      {earnings.status === 'ready' && <EarningsOverview earnings={earnings.data} onChanged={earnings.reload} />}

      <Panel title="Your flows" id="flows-heading">
        <FlowsTable flows={flows} />
      </Panel>

      {/* The payouts come with the earnings: their loading and error states are the ones shown above. */}
      {earnings.status === 'ready' && (
        <Panel title="Payouts" id="payouts-heading">
          <PayoutsTable payouts={earnings.data.payouts} />
        </Panel>
      )}
    </div>
  );
}

function Panel({ title, id, children }: { title: string; id: string; children: ReactNode }) {
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

function EarningsOverview({ earnings, onChanged }: { earnings: Earnings; onChanged: () => void }) {
  return (
    <>
      <div className="money-cards" data-testid="money-cards">
        <MoneyCard label="Pending" cents={earnings.pending_cents} hint="Copies in periods not paid yet" />
        <MoneyCard label="Held" cents={earnings.held_cents} hint="Paid; waiting out the refund window" />
        <MoneyCard label="Available" cents={earnings.available_cents} hint="Ready to pay out" isHighlighted />
        <MoneyCard label="Paid" cents={earnings.paid_cents} hint="Sent to your Stripe account" />
      </div>
      <p className="muted small">
        Total earned {formatCents(earnings.total_earnings_cents)}
        {earnings.in_transit_cents > 0 && ` · ${formatCents(earnings.in_transit_cents)} on its way to your bank`}
        {earnings.credited_cents > 0 && ` · ${formatCents(earnings.credited_cents)} applied to your subscription`}
        {earnings.balance_cents < 0 && ` · balance ${formatCents(earnings.balance_cents)} (a refund after payout; future earnings repay it)`}
      </p>

      <div className="creator-grid">
        <Panel title="Monthly earnings" id="chart-heading">
          {earnings.monthly_earnings.every((month) => month.status === 'void') ? (
            <EmptyState title="No earnings yet">
              <p>When subscribers copy your premium flows, each month shows up here.</p>
            </EmptyState>
          ) : (
            <EarningsChart earnings={earnings.monthly_earnings} />
          )}
        </Panel>
        <Panel title="Get paid" id="payout-heading">
          <GetPaid earnings={earnings} onChanged={onChanged} />
        </Panel>
      </div>
    </>
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

type ActionState = { busy?: 'connect' | 'withdraw' | 'apply'; message?: string; error?: ApiError };

function GetPaid({ earnings, onChanged }: { earnings: Earnings; onChanged: () => void }) {
  const [state, setState] = useState<ActionState>({});

  const run = async (busy: NonNullable<ActionState['busy']>, action: () => Promise<string | undefined>) => {
    setState({ busy });
    try {
      const message = await action();
      setState({ message });
      onChanged();
    } catch (caught) {
      setState({ error: toApiError(caught) });
    }
  };

  const connect = () =>
    run('connect', async () => {
      const { url } = await api.connect();
      window.location.assign(url);
      return 'Opening Stripe…';
    });
  const withdraw = () =>
    run('withdraw', async () => {
      const payout = await api.withdraw();
      return `Withdrawal of ${formatCents(payout.amount_cents)} requested (${payout.status}).`;
    });
  const apply = () =>
    run('apply', async () => {
      const credit = await api.applyToSubscription();
      const balance = credit.customer_balance_cents;
      const creditNote = balance === null ? 'Stripe is confirming it' : `your credit is now ${formatCents(Math.max(-balance, 0))}`;
      return `${formatCents(credit.applied_cents)} applied to your subscription, taken off your next invoice; ${creditNote}.`;
    });

  const connectStatus = earnings.connect.status;

  return (
    <div className="stack">
      <div className="connect-status">
        <span>Payout account</span>
        <ConnectBadge status={connectStatus} />
      </div>
      <button type="button" className={connectStatus === 'enabled' ? 'button' : 'button button-primary'} onClick={connect} disabled={Boolean(state.busy)}>
        {state.busy === 'connect' ? 'Opening Stripe…' : connectLabel(connectStatus)}
      </button>
      <div className="actions">
        <button type="button" className="button" onClick={withdraw} disabled={!earnings.can_withdraw || Boolean(state.busy)} aria-describedby="withdraw-note">
          {state.busy === 'withdraw' ? 'Requesting…' : `Withdraw ${formatCents(Math.max(earnings.available_cents, 0))}`}
        </button>
        <button type="button" className="button" onClick={apply} disabled={earnings.available_cents <= 0 || Boolean(state.busy)}>
          {state.busy === 'apply' ? 'Applying…' : 'Apply to my subscription'}
        </button>
      </div>
      <p id="withdraw-note" className="muted small">
        {earnings.can_withdraw
          ? `Payouts of at least ${formatCents(earnings.min_payout_cents)} go out on the 1st of each month, or withdraw once a day.`
          : whyNoWithdrawal(earnings)}
      </p>
      <div role="status" aria-live="polite">
        {state.message && <p className="notice notice-success">{state.message}</p>}
        {state.error && (
          <p className="notice notice-error">
            {state.error.isMissingRoute ? 'This is not available on this server yet.' : state.error.detail || state.error.title}
          </p>
        )}
      </div>
    </div>
  );
}

function whyNoWithdrawal(earnings: Earnings): string {
  if (earnings.connect.status !== 'enabled') return 'Connect a Stripe account to withdraw.';
  if (earnings.available_cents < earnings.min_payout_cents) {
    return `Withdrawals start at ${formatCents(earnings.min_payout_cents)}; you have ${formatCents(earnings.available_cents)} available.`;
  }
  if (earnings.next_withdrawal_at) return `One withdrawal a day: next possible ${formatDateTime(earnings.next_withdrawal_at)}.`;
  return 'Withdrawal is not possible right now.';
}

function connectLabel(status: ConnectStatus): string {
  switch (status) {
    case 'enabled':
      return 'Open Stripe dashboard';
    case 'onboarding':
      return 'Finish Stripe setup';
    case 'not_connected':
      return 'Connect with Stripe';
  }
}

function ConnectBadge({ status }: { status: ConnectStatus }) {
  switch (status) {
    case 'enabled':
      return <span className="badge badge-good">Payouts enabled</span>;
    case 'onboarding':
      return <span className="badge badge-warn">Setup unfinished</span>;
    case 'not_connected':
      return <span className="badge badge-neutral">Not connected</span>;
  }
}

function FlowsTable({ flows }: { flows: Resource<{ items: CreatorFlowStats[] }> }) {
  if (flows.status === 'loading') return <Loading label="Loading your flows…" />;
  if (flows.status === 'error') return <ErrorState error={flows.error} onRetry={flows.reload} what="per-flow statistics" />;
  if (flows.data.items.length === 0) {
    return (
      <EmptyState title="No flows yet">
        <p>
          <Link to="/publish">Publish your first flow</Link>: premium flows earn {formatCents(7)} per paid copy.
        </p>
      </EmptyState>
    );
  }
  return (
    <div className="table-wrap">
      <table data-testid="creator-flows">
        <thead>
          <tr>
            <th scope="col">Flow</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Copies
            </th>
            <th scope="col" className="num">
              Paid copies
            </th>
            <th scope="col" className="num">
              Earned
            </th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {flows.data.items.map((flow) => (
            <tr key={flow.flow_id}>
              <td>
                <Link to={`/flows/${flow.slug}`}>{flow.title}</Link>
                {!flow.is_premium && <span className="muted small"> · free</span>}
              </td>
              <td>{flow.status}</td>
              <td className="num">{formatCount(flow.copy_count)}</td>
              <td className="num">{formatCount(flow.counted_copies)}</td>
              <td className="num">{formatCents(flow.earnings_cents)}</td>
              <td>
                <Link to={`/flows/${flow.slug}/edit`} aria-label={`Edit ${flow.title}`}>
                  Edit
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PayoutsTable({ payouts }: { payouts: Payout[] }) {
  if (payouts.length === 0) {
    return (
      <EmptyState title="No payouts yet">
        <p>Payouts appear here once you have enough available and a connected Stripe account.</p>
      </EmptyState>
    );
  }
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Requested</th>
            <th scope="col">Kind</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">Status</th>
            <th scope="col">Paid</th>
          </tr>
        </thead>
        <tbody>
          {payouts.map((payout) => (
            <tr key={payout.id}>
              <td>{formatDate(payout.created_at)}</td>
              <td>{payout.kind === 'withdrawal' ? 'Withdrawal' : 'Monthly'}</td>
              <td className="num">{formatCents(payout.amount_cents)}</td>
              <td>
                <PayoutStatusBadge payout={payout} />
              </td>
              <td>{formatDate(payout.paid_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PayoutStatusBadge({ payout }: { payout: Payout }) {
  switch (payout.status) {
    case 'paid':
      return <span className="badge badge-good">paid</span>;
    case 'failed':
      return (
        <>
          <span className="badge badge-warn">failed</span>
          {payout.failure_reason && <span className="muted small"> {payout.failure_reason}</span>}
        </>
      );
    case 'pending':
    case 'processing':
      return <span className="badge badge-neutral">{payout.status}</span>;
  }
}
