import { formatCount } from '../lib/format.js';
import { Link } from '../lib/router.js';
import { useSession } from '../lib/session.js';

/** "N / 100" for subscribers: copies this billing period against the paid copies it includes. */
export function CopyCounter() {
  const { subscription } = useSession();
  if (!subscription?.is_subscriber) return null;
  const used = subscription.copies_this_month;
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
