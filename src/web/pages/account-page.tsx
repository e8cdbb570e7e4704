import { api } from '../api/endpoints.js';
import { AccountSettings, VerifyEmailNotice } from '../components/account-settings.js';
import { ApiTokens } from '../components/api-tokens.js';
import type { PublicConfig, Subscription } from '../api/types.js';
import { ManageBillingButton } from '../components/manage-billing-button.js';
import { EmptyState, ErrorState, Loading } from '../components/states.js';
import { formatCents, formatDate, formatDateTime, formatCount } from '../lib/format.js';
import { useLiveSubscription } from '../lib/live-subscription.js';
import { subscribeLabel } from '../lib/plan-terms.js';
import { usePublicConfig } from '../lib/public-config.js';
import { Link } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import { readStanding, type Standing } from '../lib/standing.js';
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
  const subscription = useLiveSubscription();
  const config = usePublicConfig();
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

      <section className="card" aria-labelledby="subscription-heading" data-testid="subscription">
        <div className="subscription-head">
          <h2 id="subscription-heading">Subscription</h2>
          {/* The live region stays in the page, so that screen readers hear "Updating…" come and go. */}
          <span className="subscription-updating" role="status">
            {subscription.status === 'ready' && subscription.isUpdating && (
              <span data-testid="subscription-updating">
                <span className="spinner" aria-hidden="true" /> Updating…
              </span>
            )}
          </span>
        </div>
        {subscription.status === 'loading' && <Loading label="Loading your subscription…" />}
        {subscription.status === 'error' && <ErrorState error={subscription.error} onRetry={subscription.retry} what="subscriptions" />}
        {subscription.status === 'ready' && <SubscriptionDetails subscription={subscription.data} config={config} />}
      </section>

      {/* Keyed on the period's count: a copy made elsewhere (seen on focus) lists itself. */}
      {subscription.status === 'ready' && readStanding(subscription.data, formatDate).hasPeriod && (
        <CopiesThisPeriod key={`${subscription.data.current_period_start ?? ''}:${subscription.data.copies_this_month}`} />
      )}

      <section className="card" aria-labelledby="creator-heading">
        <h2 id="creator-heading">Publishing</h2>
        {user.is_creator ? (
          <p>
            See what your flows earn on the <Link to="/creator">creator dashboard</Link>, or <Link to="/publish">publish another flow</Link>.
          </p>
        ) : (
          <p>
            Share a flow that works for you: <Link to="/publish">publish it</Link>
            {config ? `, and every counted copy of a premium flow earns you ${formatCents(config.rate_per_copy_cents)}` : ''}.{' '}
            <Link to="/pricing">How creators are paid</Link>
          </p>
        )}
      </section>

      <ApiTokens />

      <AccountSettings user={user} />
    </div>
  );
}

/**
 * One status, one sentence with the date that matters, and the one action that fits (SPEC §3): subscribe when
 * nothing is live, the portal otherwise (to manage, to resume a cancellation, or to fix a payment).
 */
function SubscriptionDetails({ subscription, config }: { subscription: Subscription; config: PublicConfig | undefined }) {
  const standing = readStanding(subscription, formatDate);
  return (
    <div className="stack">
      <dl className="details">
        <dt>Status</dt>
        <dd className="subscription-standing">
          <span className={`badge badge-${standing.tone}`} data-testid="subscription-status">
            {standing.label}
          </span>
          <span data-testid="subscription-summary">{standing.summary}</span>
        </dd>
        {standing.hasPeriod && (
          <>
            <dt>Current period</dt>
            <dd>
              {formatDate(subscription.current_period_start)} – {formatDate(subscription.current_period_end)}
            </dd>
            <dt>Copies this period</dt>
            <dd data-testid="copies-this-period">
              <PeriodCopies subscription={subscription} />
            </dd>
          </>
        )}
      </dl>
      <div className="actions">
        <StandingActionButton standing={standing} isFirstTime={subscription.status === null} config={config} />
      </div>
      <p className="muted small">{actionNote(standing)}</p>
    </div>
  );
}

/** Paid copies used against the period's allowance, the same numbers as the header counter. */
function PeriodCopies({ subscription }: { subscription: Subscription }) {
  const used = subscription.paid_copies_used;
  const included = subscription.paid_copies_per_period;
  const free = Math.max(0, subscription.copies_this_month - used);
  return (
    <>
      {formatCount(used)} used · {formatCount(subscription.copies_remaining)} of {formatCount(included)} paid copies left
      {free > 0 && (
        <span className="muted">
          {' '}
          · {formatCount(free)} more that did not count (free flows, your own, or copies past the paid ones)
        </span>
      )}
      <progress className="meter" max={included} value={Math.min(used, included)} aria-label="Paid copies used" />
      <span className="muted small copies-fair-use">
        Fair use: up to {formatCount(subscription.copy_limit_per_period)} copies a period, {formatCount(subscription.copies_this_month)} made so far.
      </span>
    </>
  );
}

type ActionProps = { standing: Standing; isFirstTime: boolean; config: PublicConfig | undefined };

function StandingActionButton({ standing, isFirstTime, config }: ActionProps) {
  switch (standing.action) {
    case 'subscribe':
      return (
        <>
          <Link to="/pricing" className="button button-primary">
            {subscribeLabel(config, isFirstTime ? 'Subscribe' : 'Subscribe again')}
          </Link>
          {/* A member who paid before keeps their invoices at Stripe. */}
          {!isFirstTime && <ManageBillingButton label="Past invoices" />}
        </>
      );
    case 'manage':
      return <ManageBillingButton label="Manage billing or cancel" />;
    case 'resume':
      return <ManageBillingButton label="Resume or manage billing" className="button button-primary" />;
    case 'fix-payment':
      return <ManageBillingButton label="Update payment method" className="button button-primary" />;
  }
}

function actionNote(standing: Standing): string {
  switch (standing.action) {
    case 'subscribe':
      return 'You pay on Stripe’s secure checkout page; premium starts as soon as Stripe confirms the payment.';
    case 'manage':
      return 'Billing is handled by Stripe. Cancelling keeps premium until the end of the period you paid for.';
    case 'resume':
      return 'In the billing portal, “Resume subscription” keeps premium going with no gap and no new charge today.';
    case 'fix-payment':
      return 'The billing portal is Stripe’s: change the card or pay the open invoice there, then come back here.';
  }
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
