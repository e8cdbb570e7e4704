import { formatCount } from '../lib/format.js';
import { Link } from '../lib/router.js';
import { useSession } from '../lib/session.js';

/**
 * "N / 100" for subscribers: paid copies used this billing period against the paid copies it includes (SPEC §15).
 * Free flows, the member's own flows and copies past the paid ones do not move it; the account page shows the
 * same numbers.
 */
export function CopyCounter() {
  const { subscription } = useSession();
  if (!subscription?.is_subscriber) return null;
  const used = subscription.paid_copies_used;
  const included = subscription.paid_copies_per_period;
  const label = `${formatCount(used)} of ${formatCount(included)} paid copies used this period; ${formatCount(subscription.copies_remaining)} left`;
  return (
    <Link to="/account" className="copy-counter" title={label} aria-label={label} data-testid="copy-counter">
      <span aria-hidden="true">
        {formatCount(used)} / {formatCount(included)}
      </span>
    </Link>
  );
}
