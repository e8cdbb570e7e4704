import { useState } from 'react';
import type { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import { ManageBillingButton } from '../components/manage-billing-button.js';
import { formatDate } from '../lib/format.js';
import { Link, useLocation } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import { needsPaymentFix } from '../lib/standing.js';
import { useDocumentTitle } from '../lib/use-document-title.js';
import { toApiError } from '../lib/use-resource.js';

const FEATURES = [
  'Read and copy every premium flow',
  '100 paid copies each billing period, and free copies after that',
  'Each paid copy sends $0.07 to the flow’s creator',
  'Cancel any time from the billing portal',
];

export function PricingPage() {
  useDocumentTitle('Pricing');
  const { search } = useLocation();
  return (
    <div className="pricing">
      <header className="page-head centered">
        <h1>One plan. Every premium flow.</h1>
        <p className="lede">Free to browse, publish and copy free flows. Premium is for people who run agents every day.</p>
      </header>
      {search.has('canceled') && (
        <p className="notice notice-info narrow centered" role="status">
          Checkout was canceled: nothing was charged. You can subscribe whenever you like.
        </p>
      )}
      <div className="plans">
        <section className="card plan" aria-labelledby="plan-free">
          <h2 id="plan-free">Free</h2>
          <p className="price">
            $0 <span className="price-unit">forever</span>
          </p>
          <ul className="checklist">
            <li>Browse and search the whole library</li>
            <li>Copy free flows</li>
            <li>Publish your own flows and earn from them</li>
          </ul>
        </section>
        <section className="card plan plan-featured" aria-labelledby="plan-premium">
          <h2 id="plan-premium">Premium</h2>
          <p className="price">
            $10 <span className="price-unit">/ month</span>
          </p>
          <ul className="checklist">
            {FEATURES.map((feature) => (
              <li key={feature}>{feature}</li>
            ))}
          </ul>
          <SubscribeAction />
        </section>
      </div>
    </div>
  );
}

function SubscribeAction() {
  const session = useSession();
  const [isBusy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();

  if (session.status === 'loading') return null;
  if (session.status === 'guest') {
    return (
      <Link to={`/register?next=${encodeURIComponent('/pricing')}`} className="button button-primary button-large">
        Sign up to subscribe
      </Link>
    );
  }
  const subscription = session.subscription;
  if (subscription?.is_subscriber) {
    return (
      <div className="stack">
        <p className="notice notice-success">
          You are subscribed{subscription.current_period_end ? ` · renews ${formatDate(subscription.current_period_end)}` : ''}.
        </p>
        <ManageBillingButton />
      </div>
    );
  }

  if (needsPaymentFix(subscription)) {
    return (
      <div className="stack">
        <p className="notice notice-warning">
          Your subscription is {subscription?.status?.replaceAll('_', ' ')}: update your payment method to get premium back.
        </p>
        <ManageBillingButton label="Update payment method" className="button button-primary" />
      </div>
    );
  }

  const subscribe = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { url } = await api.checkout();
      window.location.assign(url);
    } catch (caught) {
      const apiError = toApiError(caught);
      // Already subscribed (another tab, or a webhook we had not seen yet): show the current state.
      if (apiError.status === 409) await session.refreshSubscription();
      setError(apiError);
      setBusy(false);
    }
  };

  return (
    <div className="stack">
      <button type="button" className="button button-primary button-large" onClick={subscribe} disabled={isBusy}>
        {isBusy ? 'Opening checkout…' : 'Subscribe for $10/month'}
      </button>
      <p className="muted small">You will pay on Stripe’s secure checkout page, then come back here.</p>
      {error && (
        <p className="notice notice-error" role="alert">
          {error.isMissingRoute ? 'Subscriptions are not available on this server yet.' : error.detail || error.title}
        </p>
      )}
    </div>
  );
}
