import { useState } from 'react';
import type { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import type { CopyResult, Flow, User } from '../api/types.js';
import { writeClipboard } from '../lib/clipboard.js';
import { formatCents, plural } from '../lib/format.js';
import { Link } from '../lib/router.js';
import { subscribeLabel } from '../lib/plan-terms.js';
import { usePublicConfig } from '../lib/public-config.js';
import { useSession } from '../lib/session.js';
import { toApiError } from '../lib/use-resource.js';
import { CopyIcon } from './icons.js';
import { ManageBillingButton } from './manage-billing-button.js';

type Outcome =
  | { kind: 'idle' }
  | { kind: 'copying' }
  | { kind: 'copied'; message: string; isOnClipboard: boolean; text: string }
  | { kind: 'refused'; error: ApiError };

/**
 * Copies a flow: the copy endpoint records the copy (and pays the creator when it counts) and returns the
 * text, which goes on the clipboard. The result is announced in a live region.
 */
export function CopyButton({ flow }: { flow: Flow }) {
  const session = useSession();
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'idle' });

  if (session.status !== 'member') {
    return (
      <div className="copy-panel">
        <Link to={`/login?next=${encodeURIComponent(`/flows/${flow.slug}`)}`} className="button button-primary button-large">
          Log in to copy
        </Link>
        <p className="muted">
          New here? <Link to={`/register?next=${encodeURIComponent(`/flows/${flow.slug}`)}`}>Create a free account</Link>.
        </p>
      </div>
    );
  }

  const copy = async () => {
    setOutcome({ kind: 'copying' });
    try {
      const result = await api.copyFlow(flow.id);
      session.updateCopyCounts(result);
      const isOnClipboard = await writeClipboard(result.text);
      setOutcome({ kind: 'copied', message: describeCopy(result, flow, session.user, session.subscription?.is_subscriber ?? false), isOnClipboard, text: result.text });
    } catch (caught) {
      const error = toApiError(caught);
      if (error.kind === 'already-copied' && typeof error.problem.text === 'string') {
        const counts = readCounts(error);
        if (counts) session.updateCopyCounts(counts);
        const isOnClipboard = await writeClipboard(error.problem.text);
        const left = counts ? ` · ${plural(counts.copies_remaining, 'paid copy', 'paid copies')} left` : '';
        const message = `Copied again · you already copied this flow this period, so it counts once${left}`;
        setOutcome({ kind: 'copied', message, isOnClipboard, text: error.problem.text });
        return;
      }
      setOutcome({ kind: 'refused', error });
    }
  };

  return (
    <div className="copy-panel">
      <button
        type="button"
        className="button button-primary button-large"
        onClick={copy}
        disabled={outcome.kind === 'copying'}
        aria-describedby="copy-status"
      >
        <CopyIcon />
        {outcome.kind === 'copying' ? 'Copying…' : 'Copy flow'}
      </button>
      <div id="copy-status" className="copy-status" role="status" aria-live="polite" data-testid="copy-status">
        {outcome.kind === 'copied' && <CopiedMessage outcome={outcome} />}
        {outcome.kind === 'refused' && <RefusedMessage error={outcome.error} />}
      </div>
    </div>
  );
}

function CopiedMessage({ outcome }: { outcome: Extract<Outcome, { kind: 'copied' }> }) {
  if (outcome.isOnClipboard) return <p className="notice notice-success">{outcome.message}</p>;
  return (
    <div className="notice notice-warning">
      <p>{outcome.message.replace(/^Copied( again)?/, 'Recorded')}, but the browser did not let us use the clipboard. Copy it from here:</p>
      <textarea className="clipboard-fallback" readOnly value={outcome.text} aria-label="Flow text" rows={6} onFocus={(e) => e.currentTarget.select()} />
    </div>
  );
}

function RefusedMessage({ error }: { error: ApiError }) {
  const config = usePublicConfig();
  switch (error.kind) {
    case 'subscription-required':
      return (
        <div className="notice notice-info">
          <p>{error.detail || 'Premium flows need a subscription.'}</p>
          <Link to="/pricing" className="button button-primary">
            {subscribeLabel(config)}
          </Link>
        </div>
      );
    case 'subscription-past-due':
      return (
        <div className="notice notice-warning">
          <p>{error.detail || 'Your last payment failed: update your card to keep copying.'}</p>
          <ManageBillingButton label="Update payment method" />
        </div>
      );
    case 'copy-limit':
      return (
        <p className="notice notice-warning">
          <strong>Fair-use limit reached.</strong> {error.detail}
        </p>
      );
    default:
      return (
        <p className="notice notice-error">
          <strong>{error.title}.</strong> {error.detail}
        </p>
      );
  }
}

/** The sentence under the Copy button, e.g. "Copied · the creator earned $0.07 · 87 paid copies left". */
export function describeCopy(result: CopyResult, flow: Flow, user: User | undefined, isSubscriber: boolean): string {
  const left = `${plural(result.copies_remaining, 'paid copy', 'paid copies')} left`;
  if (result.counted_for_payout) return `Copied · the creator earned ${formatCents(result.payout_earned)} · ${left}`;
  if (!flow.is_premium) return isSubscriber ? 'Copied · free flows never use your paid copies' : 'Copied · a free flow';
  if (user && flow.author.id === user.id) return 'Copied · your own flow, so it does not count';
  if (result.copies_remaining === 0) return 'Copied · you are past this period’s paid copies, so this one is free and earns the creator nothing';
  return `Copied · this copy did not earn the creator anything · ${left}`;
}

function readCounts(error: ApiError): { copies_this_month: number; copies_remaining: number } | undefined {
  const { copies_this_month, copies_remaining } = error.problem;
  if (typeof copies_this_month !== 'number' || typeof copies_remaining !== 'number') return undefined;
  return { copies_this_month, copies_remaining };
}
