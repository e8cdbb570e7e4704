import { useState } from 'react';
import type { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import { ManageBillingButton } from '../components/manage-billing-button.js';
import type { PublicConfig } from '../api/types.js';
import { Loading } from '../components/states.js';
import { formatCents, formatCount, formatDate, plural } from '../lib/format.js';
import { formatPrice, planPricePerMonth, subscribeLabel } from '../lib/plan-terms.js';
import { usePublicConfig } from '../lib/public-config.js';
import { Link, useLocation } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import { needsPaymentFix, readStanding } from '../lib/standing.js';
import { useDocumentTitle } from '../lib/use-document-title.js';
import { toApiError } from '../lib/use-resource.js';

export function PricingPage() {
  useDocumentTitle('Pricing');
  const { search } = useLocation();
  const config = usePublicConfig();
  return (
    <div className="pricing">
      <header className="page-head centered">
        <h1>One plan. Every premium flow.</h1>
        <p className="lede">
          Free to browse, publish and copy free flows. Premium is one monthly subscription for people who run agents every day:
          there is no charge per copy.
        </p>
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
            <li>Browse and search the whole library, with a preview of every premium flow</li>
            <li>Copy free flows</li>
            <li>Publish your own flows and earn from them</li>
          </ul>
        </section>
        <section className="card plan plan-featured" aria-labelledby="plan-premium" data-testid="plan-premium">
          <h2 id="plan-premium">Premium</h2>
          <PlanPrice config={config} />
          {config ? <SubscriberTerms config={config} /> : <Loading label="Loading the plan…" />}
          <SubscribeAction />
        </section>
      </div>
      {config && <CreatorTerms config={config} />}
      {config && <PricingFaq config={config} />}
    </div>
  );
}

function PlanPrice({ config }: { config: PublicConfig | undefined }) {
  if (config?.price_cents === null) return <p className="price-unknown muted">Monthly subscription; the price is shown at checkout.</p>;
  return (
    <p className="price" data-testid="plan-price">
      {config ? formatPrice(config.price_cents, config.currency) : '\u00a0'} <span className="price-unit">/ month</span>
    </p>
  );
}

/** What a subscriber gets: everything, with one fair-use limit; never a price per copy. */
function SubscriberTerms({ config }: { config: PublicConfig }) {
  return (
    <ul className="checklist" data-testid="subscriber-terms">
      <li>Read and copy every premium flow, with no charge per copy</li>
      <li>Fair use: up to {formatCount(config.copy_limit_per_period)} copies each billing period</li>
      <li>Your subscription pays the creators of the flows you copy</li>
      <li>Cancel any time in the billing portal; premium lasts to the end of the period you paid for</li>
    </ul>
  );
}

/** What a creator gets from subscribers' copies (SPEC §4, §5), kept apart from what a subscriber pays. */
function CreatorTerms({ config }: { config: PublicConfig }) {
  return (
    <section className="card creator-terms" aria-labelledby="creator-terms-heading" data-testid="creator-terms">
      <h2 id="creator-terms-heading">For creators</h2>
      <p className="muted">Publishing is free. When subscribers copy your premium flows, you earn:</p>
      <ul className="checklist">
        <li>
          <strong>{formatCents(config.rate_per_copy_cents)}</strong> for each counted copy: a subscriber copying one of your premium
          flows for the first time in their billing period
        </li>
        <li>
          Up to <strong>{formatCount(config.paid_copies_per_period)}</strong> counted copies per subscriber per period, across all
          creators; together they never take more than <strong>{formatCount(config.creator_share_percent)}%</strong> of what that
          subscriber paid for the period
        </li>
        <li>
          Earnings are held for <strong>{plural(config.hold_days, 'day')}</strong> after the subscriber’s payment, in case of a refund
          or dispute
        </li>
        <li>
          Paid out monthly to your Stripe account once you have at least <strong>{formatCents(config.min_payout_cents)}</strong>{' '}
          available, or put toward your own subscription
        </li>
      </ul>
      <Link to="/publish" className="button">
        Publish a flow
      </Link>
    </section>
  );
}

function PricingFaq({ config }: { config: PublicConfig }) {
  const price = planPricePerMonth(config) ?? 'the monthly price';
  const questions: { question: string; answer: string }[] = [
    {
      question: 'Do I pay for each copy?',
      answer: `No. You pay ${price}, and that covers reading and copying every premium flow. Copies only decide which creators your subscription pays.`,
    },
    {
      question: 'What is the fair-use limit?',
      answer: `Up to ${formatCount(config.copy_limit_per_period)} copies in each billing period; after that, copying waits for your next period. Copying the same flow again in one period counts once.`,
    },
    {
      question: 'When does a billing period start?',
      answer: 'On the day you subscribe, and again on the same day each month, not on the first of the calendar month.',
    },
    {
      question: 'How does my subscription pay creators?',
      answer: `Your first ${formatCount(config.paid_copies_per_period)} copies of other people’s premium flows in a period each earn the flow’s creator ${formatCents(config.rate_per_copy_cents)}, never more than ${formatCount(config.creator_share_percent)}% of what you paid. Copies after that are still yours, free; they just do not pay anyone.`,
    },
    {
      question: 'How and when are creators paid?',
      answer: `Earnings are held ${plural(config.hold_days, 'day')} after the subscriber’s payment, for refunds and disputes. Then they are paid out monthly to the creator’s Stripe account once at least ${formatCents(config.min_payout_cents)} is available (less rolls over), or the creator can withdraw it sooner, or use it toward their own subscription.`,
    },
    {
      question: 'Can I cancel?',
      answer: 'Any time, in the billing portal. Premium stays until the end of the period you paid for and you are not charged again; you can resume before then.',
    },
    {
      question: 'What happens if a payment fails?',
      answer: 'Premium pauses and we email you. Update your card in the billing portal and Stripe tries again; your flows and history stay as they were.',
    },
  ];
  return (
    <section className="pricing-faq" aria-labelledby="faq-heading" data-testid="pricing-faq">
      <h2 id="faq-heading">Questions</h2>
      {questions.map(({ question, answer }) => (
        <details key={question} className="faq-item">
          <summary>{question}</summary>
          <p>{answer}</p>
        </details>
      ))}
    </section>
  );
}

function SubscribeAction() {
  const session = useSession();
  const config = usePublicConfig();
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
          You are subscribed. {readStanding(subscription, formatDate).summary}
        </p>
        <ManageBillingButton label={subscription.cancel_at_period_end ? 'Resume or manage billing' : 'Manage billing'} />
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
        {isBusy ? 'Opening checkout…' : subscribeLabel(config)}
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
