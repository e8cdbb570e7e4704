import { useEffect, useState } from 'react';
import type { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import type { Subscription } from '../api/types.js';
import { ErrorState, Loading } from '../components/states.js';
import { formatCount, formatDate } from '../lib/format.js';
import { Link } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import { useDocumentTitle } from '../lib/use-document-title.js';
import { toApiError } from '../lib/use-resource.js';

const POLL_EVERY_MS = 1_500;
const GIVE_UP_AFTER_MS = 90_000;

type Wait =
  | { phase: 'waiting'; seconds: number }
  | { phase: 'confirmed'; subscription: Subscription }
  | { phase: 'slow' }
  | { phase: 'failed'; error: ApiError };

/**
 * Back from Checkout. The redirect proves nothing: we wait until Stripe's webhook has reached the server
 * and `GET /subscriptions/me` says so.
 */
export function SubscribeReturnPage() {
  useDocumentTitle('Confirming your subscription');
  const session = useSession();
  const [wait, setWait] = useState<Wait>({ phase: 'waiting', seconds: 0 });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (session.status !== 'member') return;
    let isActive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const startedAt = Date.now();
    const check = async () => {
      try {
        const subscription = await api.subscription();
        if (!isActive) return;
        if (subscription.is_subscriber) {
          setWait({ phase: 'confirmed', subscription });
          void session.refreshSubscription();
          return;
        }
      } catch (error) {
        if (!isActive) return;
        const apiError = toApiError(error);
        if (apiError.status !== 0 && apiError.status < 500) return setWait({ phase: 'failed', error: apiError });
      }
      const elapsed = Date.now() - startedAt;
      if (elapsed > GIVE_UP_AFTER_MS) return setWait({ phase: 'slow' });
      setWait({ phase: 'waiting', seconds: Math.round(elapsed / 1000) });
      timer = setTimeout(() => void check(), POLL_EVERY_MS);
    };
    void check();
    return () => {
      isActive = false;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- poll once per session and attempt
  }, [session.status, attempt]);

  if (session.status === 'loading') return <Loading />;
  if (session.status === 'guest') {
    return (
      <div className="card narrow centered">
        <h1>Log in to finish</h1>
        <p>
          <Link to={`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`}>Log in</Link> to see
          your subscription.
        </p>
      </div>
    );
  }

  return (
    <div className="card narrow centered return-page" aria-live="polite" data-testid="subscribe-return">
      {wait.phase === 'waiting' && (
        <>
          <h1>Confirming your payment…</h1>
          <Loading label="Waiting for Stripe to confirm your subscription" />
          <p className="muted">This usually takes a few seconds. You can keep this tab open.</p>
        </>
      )}
      {wait.phase === 'confirmed' && (
        <>
          <h1>You are subscribed</h1>
          <p className="notice notice-success">
            Stripe confirmed your payment. Premium is active
            {wait.subscription.current_period_end ? ` until ${formatDate(wait.subscription.current_period_end)}, renewing monthly` : ''}.
          </p>
          <p>
            Read and copy every premium flow, up to {formatCount(wait.subscription.copy_limit_per_period)} copies a period. Your first{' '}
            {formatCount(wait.subscription.paid_copies_per_period)} copies of other people’s premium flows each period pay their creators,
            at no extra cost to you.
          </p>
          <Link to="/" className="button button-primary button-large">
            Browse premium flows
          </Link>
        </>
      )}
      {wait.phase === 'slow' && (
        <>
          <h1>Still waiting for Stripe</h1>
          <p>
            We have not heard back from Stripe yet. If you completed the payment, your subscription will appear shortly; nothing
            will be charged twice.
          </p>
          <button type="button" className="button" onClick={() => setAttempt((n) => n + 1)}>
            Check again
          </button>
        </>
      )}
      {wait.phase === 'failed' && <ErrorState error={wait.error} what="subscriptions" />}
    </div>
  );
}
