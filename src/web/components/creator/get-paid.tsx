import { useState } from 'react';
import type { ApiError } from '../../api/client.js';
import { api } from '../../api/endpoints.js';
import type { ConnectStatus, Earnings, PublicConfig, Subscription } from '../../api/types.js';
import { formatCents, formatDate, formatDateTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { type Resource, toApiError } from '../../lib/use-resource.js';
import { CreatorConfirmDialog } from './confirm-dialog.js';

type Props = {
  earnings: Earnings;
  subscription: Resource<Subscription>;
  config: PublicConfig | undefined;
  onChanged: () => void;
  /** After a withdrawal: the page drops what no longer holds (the "Back from Stripe" banner). */
  onWithdrawn: () => void;
};

type Outcome = { message?: string; error?: ApiError };

/**
 * Connect, withdraw and apply to one's own subscription. Withdraw and apply move money, so each asks first, saying
 * how much and where it goes; when one cannot apply, its button is disabled and the reason is shown under it.
 */
export function GetPaid({ earnings, subscription, config, onChanged, onWithdrawn }: Props) {
  const [outcome, setOutcome] = useState<Outcome>({});
  const [isConnecting, setConnecting] = useState(false);
  const [asking, setAsking] = useState<'withdraw' | 'apply'>();
  const connectStatus = earnings.connect.status;
  const available = Math.max(earnings.available_cents, 0);
  const minPayout = config?.min_payout_cents ?? earnings.min_payout_cents;
  const withdrawBlock = earnings.can_withdraw ? undefined : whyNoWithdrawal(earnings, minPayout);
  const applyBlock = whyNoApply(earnings, subscription, config);

  const connect = async () => {
    setConnecting(true);
    setOutcome({});
    try {
      const { url } = await api.connect();
      window.location.assign(url);
    } catch (caught) {
      setOutcome({ error: toApiError(caught) });
      setConnecting(false);
    }
  };

  const withdraw = async () => {
    const payout = await api.withdraw();
    const sent = payout.status === 'paid' ? 'sent to your Stripe account' : `requested (${payout.status})`;
    setOutcome({ message: `Withdrawal of ${formatCents(payout.amount_cents)} ${sent}.` });
    onWithdrawn();
    onChanged();
  };

  const apply = async () => {
    const credit = await api.applyToSubscription();
    const balance = credit.customer_balance_cents;
    const creditNote = balance === null ? 'Stripe is confirming it' : `your credit is now ${formatCents(Math.max(-balance, 0))}`;
    setOutcome({ message: `${formatCents(credit.applied_cents)} applied to your subscription, taken off your next invoice; ${creditNote}.` });
    onChanged();
  };

  const isBusy = isConnecting || asking !== undefined;

  return (
    <div className="stack get-paid">
      <div className="connect-status">
        <span>Payout account</span>
        <ConnectBadge status={connectStatus} />
      </div>
      <button type="button" className={connectStatus === 'enabled' ? 'button' : 'button button-primary'} onClick={() => void connect()} disabled={isBusy}>
        {isConnecting ? 'Opening Stripe…' : connectLabel(connectStatus)}
      </button>

      <div className="get-paid-action">
        <button
          type="button"
          className="button"
          onClick={() => setAsking('withdraw')}
          disabled={Boolean(withdrawBlock) || isBusy}
          aria-haspopup="dialog"
          aria-describedby="withdraw-note"
        >
          Withdraw {formatCents(available)}
        </button>
        <p id="withdraw-note" className="muted small" data-testid="withdraw-note">
          {withdrawBlock ?? `Sends your available balance to your Stripe account now; once a day. Otherwise payouts of at least ${formatCents(minPayout)} go out on the 1st of each month.`}
        </p>
      </div>

      <div className="get-paid-action">
        <button type="button" className="button" onClick={() => setAsking('apply')} disabled={Boolean(applyBlock) || isBusy} aria-haspopup="dialog" aria-describedby="apply-note">
          Apply to my subscription
        </button>
        <p id="apply-note" className="muted small" data-testid="apply-note">
          {applyBlock ?? `Turns your available ${formatCents(available)} into a credit on your own subscription, taken off your next invoices.`}
          {applyBlock && subscription.status === 'ready' && !subscription.data.is_subscriber && (
            <>
              {' '}
              <Link to="/pricing">See the subscription</Link>.
            </>
          )}
        </p>
      </div>

      <div role="status" aria-live="polite">
        {outcome.message && <p className="notice notice-success">{outcome.message}</p>}
        {outcome.error && <p className="notice notice-error">{outcome.error.detail || outcome.error.title}</p>}
      </div>

      {asking === 'withdraw' && (
        <CreatorConfirmDialog title={`Withdraw ${formatCents(available)}?`} confirmLabel={`Withdraw ${formatCents(available)}`} busyLabel="Withdrawing…" onConfirm={withdraw} onClose={() => setAsking(undefined)}>
          <p>
            {formatCents(available)} goes to your Stripe account <code className="mono-id">{earnings.connect.account_id ?? 'not connected'}</code> now; Stripe then
            pays it to your bank on its own schedule.
          </p>
          <p className="muted small">You can withdraw once a day (UTC). A refund or dispute after a payout is taken from your future earnings.</p>
        </CreatorConfirmDialog>
      )}
      {asking === 'apply' && subscription.status === 'ready' && (
        <CreatorConfirmDialog
          title={`Apply ${formatCents(available)} to your subscription?`}
          confirmLabel={`Apply ${formatCents(available)}`}
          busyLabel="Applying…"
          onConfirm={apply}
          onClose={() => setAsking(undefined)}
        >
          <p>
            {formatCents(available)} becomes a credit on your Flowtab subscription, taken off your next invoice
            {subscription.data.current_period_end ? ` (due ${formatDate(subscription.data.current_period_end)})` : ''} and the ones after it until it is used up.
          </p>
          <p className="muted small">A credit cannot be turned back into a payout.</p>
        </CreatorConfirmDialog>
      )}
    </div>
  );
}

function whyNoWithdrawal(earnings: Earnings, minPayout: number): string {
  if (earnings.payouts_paused) return 'Payouts are paused on your account; contact support.';
  if (earnings.connect.status === 'not_connected') return 'Connect a Stripe account to withdraw.';
  if (earnings.connect.status === 'onboarding') return 'Finish the Stripe setup to withdraw: payouts are enabled once Stripe has your details.';
  if (earnings.in_transit_cents > 0) return `A payout of ${formatCents(earnings.in_transit_cents)} is on its way; withdraw again once it has arrived.`;
  if (earnings.available_cents < minPayout) {
    return `Withdrawals start at ${formatCents(minPayout)}; you have ${formatCents(Math.max(earnings.available_cents, 0))} available.`;
  }
  if (earnings.next_withdrawal_at) return `One withdrawal a day: the next is possible ${formatDateTime(earnings.next_withdrawal_at)}.`;
  return 'Withdrawal is not possible right now.';
}

function whyNoApply(earnings: Earnings, subscription: Resource<Subscription>, config: PublicConfig | undefined): string | undefined {
  if (subscription.status === 'loading') return 'Checking your subscription…';
  if (subscription.status === 'error') return 'Your subscription could not be checked; reload the page to try again.';
  const mine = subscription.data;
  if (!mine.is_subscriber) return 'You have no Flowtab subscription: earnings can only be credited to your own, live subscription.';
  if (mine.cancel_at_period_end) {
    return `Your subscription ends ${formatDate(mine.current_period_end)}: there is no next invoice to take a credit.`;
  }
  if (earnings.available_cents <= 0) {
    const hold = config ? ` ${config.hold_days} days after the subscriber’s payment` : ' once the refund window has passed';
    return `Nothing available to apply yet: earnings become available${hold}.`;
  }
  return undefined;
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
