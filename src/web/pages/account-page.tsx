import { api } from '../api/endpoints.js';
import { AccountSettings, VerifyEmailNotice } from '../components/account-settings.js';
import { ApiTokens } from '../components/api-tokens.js';
import type { Subscription } from '../api/types.js';
import { ManageBillingButton } from '../components/manage-billing-button.js';
import { EmptyState, ErrorState, Loading } from '../components/states.js';
import { formatCents, formatDate, formatDateTime, formatCount } from '../lib/format.js';
import { Link } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import { useDocumentTitle } from '../lib/use-document-title.js';
import { useResource } from '../lib/use-resource.js';
import { RequireMember } from '../components/require-member.js';

export function AccountPage() {
  useDocumentTitle('Account');
  return (
    <RequireMember>
      <Account />
    </RequireMember>
  );
}

function Account() {
  const { user } = useSession();
  const subscription = useResource((signal) => api.subscription({ signal }), []);
  if (!user) return <Loading />;

  return (
    <div className="account">
      <header className="page-head">
        <h1>Your account</h1>
        <p className="muted">
          {user.username} · {user.email} · member since {formatDate(user.created_at)}
        </p>
      </header>

      <VerifyEmailNotice />

      <section className="card" aria-labelledby="subscription-heading">
        <h2 id="subscription-heading">Subscription</h2>
        {subscription.status === 'loading' && <Loading label="Loading your subscription…" />}
        {subscription.status === 'error' && <ErrorState error={subscription.error} onRetry={subscription.reload} what="subscriptions" />}
        {subscription.status === 'ready' && <SubscriptionDetails subscription={subscription.data} />}
      </section>

      {subscription.status === 'ready' && subscription.data.is_subscriber && <CopiesThisPeriod />}

      <section className="card" aria-labelledby="creator-heading">
        <h2 id="creator-heading">Publishing</h2>
        {user.is_creator ? (
          <p>
            See what your flows earn on the <Link to="/creator">creator dashboard</Link>, or <Link to="/publish">publish another flow</Link>.
          </p>
        ) : (
          <p>
            Share a flow that works for you: <Link to="/publish">publish it</Link>, and every paid copy earns you {formatCents(7)}.
          </p>
        )}
      </section>

      <ApiTokens />

      <AccountSettings user={user} />
    </div>
  );
}

function SubscriptionDetails({ subscription }: { subscription: Subscription }) {
  if (!subscription.is_subscriber && !subscription.status) {
    return (
      <div className="stack">
        <p>You are on the free plan.</p>
        <Link to="/pricing" className="button button-primary">
          Subscribe for $10/month
        </Link>
      </div>
    );
  }
  const used = subscription.copies_this_month;
  const included = subscription.paid_copies_per_period;
  return (
    <div className="stack">
      <dl className="details">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={subscription.status} />
          {subscription.cancel_at_period_end && subscription.current_period_end && (
            <span className="muted"> · ends {formatDate(subscription.current_period_end)}, will not renew</span>
          )}
        </dd>
        <dt>Current period</dt>
        <dd>
          {formatDate(subscription.current_period_start)} – {formatDate(subscription.current_period_end)}
        </dd>
        <dt>Copies this period</dt>
        <dd>
          {formatCount(used)} used · {formatCount(subscription.copies_remaining)} of {formatCount(included)} paid copies left
          <progress className="meter" max={included} value={Math.min(used, included)} aria-label="Paid copies used" />
        </dd>
      </dl>
      {subscription.status === 'past_due' && (
        <p className="notice notice-warning">Your last payment failed. Update your card to keep premium access.</p>
      )}
      <div className="actions">
        <ManageBillingButton label={subscription.cancel_at_period_end ? 'Resume or manage billing' : 'Manage billing or cancel'} />
        {!subscription.is_subscriber && (
          <Link to="/pricing" className="button button-primary">
            Subscribe again
          </Link>
        )}
      </div>
      <p className="muted small">Cancelling keeps premium until the end of the period you paid for.</p>
    </div>
  );
}

function StatusBadge({ status }: { status: string | null }) {
  const label = status ? status.replaceAll('_', ' ') : 'none';
  const tone = status === 'active' || status === 'trialing' ? 'good' : status === 'past_due' || status === 'unpaid' ? 'warn' : 'neutral';
  return <span className={`badge badge-${tone}`}>{label}</span>;
}

function CopiesThisPeriod() {
  const copies = useResource((signal) => api.myCopies({ signal }), []);
  return (
    <section className="card" aria-labelledby="copies-heading">
      <h2 id="copies-heading">Copied this period</h2>
      {copies.status === 'loading' && <Loading label="Loading your copies…" />}
      {copies.status === 'error' && <ErrorState error={copies.error} onRetry={copies.reload} what="your copy history" />}
      {copies.status === 'ready' && copies.data.items.length === 0 && (
        <EmptyState title="No copies yet">
          <p>
            <Link to="/">Find a flow</Link> and press Copy.
          </p>
        </EmptyState>
      )}
      {copies.status === 'ready' && copies.data.items.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Flow</th>
                <th scope="col">Copied</th>
                <th scope="col" className="num">
                  Paid to creator
                </th>
              </tr>
            </thead>
            <tbody>
              {copies.data.items.map((copy) => (
                <tr key={copy.id}>
                  <td>
                    <Link to={`/flows/${copy.flow.slug}`}>{copy.flow.title}</Link>
                  </td>
                  <td>{formatDateTime(copy.copied_at)}</td>
                  <td className="num">{copy.counted_for_payout ? formatCents(copy.payout_earned) : <span className="muted">free copy</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
