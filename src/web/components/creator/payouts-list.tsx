import { useState } from 'react';
import type { Payout } from '../../api/types.js';
import { writeClipboard } from '../../lib/clipboard.js';
import { formatCents, formatDate } from '../../lib/format.js';
import { EmptyState } from '../states.js';

/**
 * The creator's payouts, newest first: when, how much, its status, and the Stripe transfer that paid it — the id a
 * creator finds again in their Stripe dashboard and on the monthly statement. On a phone each row becomes a card
 * rather than a table scrolling sideways.
 */
export function PayoutsList({ payouts }: { payouts: Payout[] }) {
  if (payouts.length === 0) {
    return (
      <EmptyState title="No payouts yet">
        <p>Payouts appear here once you have enough available and a connected Stripe account.</p>
      </EmptyState>
    );
  }
  return (
    <table className="payout-table" data-testid="payouts">
      <thead>
        <tr>
          <th scope="col">Payout</th>
          <th scope="col" className="num">
            Amount
          </th>
          <th scope="col">Status</th>
          <th scope="col">Stripe transfer</th>
        </tr>
      </thead>
      <tbody>
        {payouts.map((payout) => (
          <tr key={payout.id}>
            <td className="payout-when">
              {payout.kind === 'withdrawal' ? 'Withdrawal' : 'Monthly payout'}
              <span className="muted small"> · {formatDate(payout.paid_at ?? payout.created_at)}</span>
            </td>
            <td className="num payout-amount">{formatCents(payout.amount_cents)}</td>
            <td className="payout-status">
              <PayoutStatusBadge payout={payout} />
              {payout.reversed_cents > 0 && <span className="muted small payout-note">{formatCents(payout.reversed_cents)} taken back after a refund or dispute</span>}
              {payout.status === 'failed' && payout.failure_reason && <span className="muted small payout-note">{payout.failure_reason}</span>}
            </td>
            <td className="payout-transfer">
              {payout.stripe_transfer_id ? <TransferId id={payout.stripe_transfer_id} /> : <span className="muted small">No transfer yet</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A transfer id in monospace, with a button that puts it on the clipboard. */
function TransferId({ id }: { id: string }) {
  const [copied, setCopied] = useState<boolean>();
  const copy = async () => {
    setCopied(await writeClipboard(id));
    setTimeout(() => setCopied(undefined), 2_000);
  };
  return (
    <span className="transfer-id">
      <span className="visually-hidden">Stripe transfer </span>
      <code className="mono-id" data-testid="transfer-id">
        {id}
      </code>
      <button type="button" className="transfer-copy" onClick={() => void copy()} aria-label={`Copy transfer id ${id}`}>
        {copied === undefined ? 'Copy' : copied ? 'Copied' : 'Copy failed'}
      </button>
    </span>
  );
}

function PayoutStatusBadge({ payout }: { payout: Payout }) {
  switch (payout.status) {
    case 'paid':
      return <span className="badge badge-good">paid</span>;
    case 'failed':
      return <span className="badge badge-warn">failed</span>;
    case 'pending':
    case 'processing':
      return <span className="badge badge-neutral">{payout.status}</span>;
  }
}
