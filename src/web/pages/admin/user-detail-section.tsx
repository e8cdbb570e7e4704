import { type ReactNode, useId, useRef, useState } from 'react';
import { type AdminInvoice, type AdminUserChanges, type AdminUserDetail, adminApi } from '../../api/admin.js';
import { AdminTable, useActionNotice } from '../../components/admin/admin-table.js';
import { ConfirmAction, ConfirmDialog, newIdempotencyKey } from '../../components/admin/confirm-dialog.js';
import { ErrorState, Loading } from '../../components/states.js';
import { formatCents, formatCount, formatDate, formatDateTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { useDocumentTitle } from '../../lib/use-document-title.js';
import { useResource } from '../../lib/use-resource.js';
import { AuditList } from './audit-section.js';
import { PayoutStatus } from './payouts-section.js';
import { RefundStatus } from './refunds-section.js';
import { UserStatusBadges } from './users-section.js';

/** `/admin/users/{id}`: one member's account, money and history, with the console's actions on them. */
export function UserDetailSection({ userId }: { userId: string }) {
  const detail = useResource((signal) => adminApi.user(userId, { signal }), [userId]);
  const { notice, announce } = useActionNotice();
  useDocumentTitle(detail.status === 'ready' ? `${detail.data.account.username} · Operator console` : 'User · Operator console');
  const done = (message: string | undefined) => {
    announce(message);
    detail.reload();
  };

  return (
    <section aria-labelledby="admin-user-title">
      <p className="admin-back">
        <Link to="/admin/users">← All users</Link>
      </p>
      {detail.status === 'loading' && <Loading label="Loading the user…" />}
      {detail.status === 'error' && <ErrorState error={detail.error} onRetry={detail.reload} what="this user" />}
      {detail.status === 'ready' && <UserDetail detail={detail.data} notice={notice} onDone={done} />}
    </section>
  );
}

type Done = (message: string | undefined) => void;

function UserDetail({ detail, notice, onDone }: { detail: AdminUserDetail; notice: ReactNode; onDone: Done }) {
  const { account: user } = detail;
  return (
    <>
      <div className="admin-section-head">
        <div>
          <h1 id="admin-user-title">{user.username}</h1>
          <p className="muted admin-break">
            {user.email} · <UserStatusBadges user={user} /> {user.role === 'admin' && <span className="badge badge-featured">admin</span>}
          </p>
        </div>
      </div>
      {notice}
      <UserActions detail={detail} onDone={onDone} />

      <div className="admin-grid">
        <Panel title="Account">
          <Facts
            rows={[
              ['Id', <code key="id">{user.id}</code>],
              ['Username', user.username],
              ['Email', user.email],
              ['Display name', user.display_name ?? '—'],
              ['Email verified', user.email_verified_at ? formatDateTime(user.email_verified_at) : 'no'],
              ['Role', user.role],
              ['Status', user.deleted ? `deleted ${formatDate(user.deleted_at)}` : user.status],
              ['Creator', user.is_creator ? 'yes' : 'no'],
              ['Payouts', user.payouts_paused ? 'paused' : 'not paused'],
              ['Joined', formatDate(user.created_at)],
            ]}
          />
        </Panel>
        <Panel title="Subscription">
          {detail.subscription ? (
            <Facts
              rows={[
                ['Status', detail.subscription.status],
                ['Plan', `${formatCents(detail.subscription.plan_amount_cents)} a month`],
                ['Current period', `${formatDate(detail.subscription.current_period_start)} – ${formatDate(detail.subscription.current_period_end)}`],
                ['Cancels at period end', detail.subscription.cancel_at_period_end ? 'yes' : 'no'],
                ...(detail.subscription.canceled_at ? [['Canceled', formatDateTime(detail.subscription.canceled_at)] as Fact] : []),
              ]}
            />
          ) : (
            <p className="muted">Never subscribed.</p>
          )}
        </Panel>
        <Panel title="Period usage">
          {detail.usage ? (
            <Facts
              rows={[
                ['Period', `${formatDate(detail.usage.period_start)} – ${formatDate(detail.usage.period_end)} (${detail.usage.status})`],
                ['Copies', `${formatCount(detail.usage.copies)} of ${formatCount(detail.usage.copy_limit_per_period)} allowed`],
                ['Paid copies', `${formatCount(detail.usage.counted_copies)} counted, ${formatCount(detail.usage.paid_copies_remaining)} of ${formatCount(detail.usage.paid_copies_per_period)} left`],
                ['Worth', formatCents(detail.usage.basis_cents)],
                ['Collected', detail.usage.collected_cents === null ? 'not yet known' : formatCents(detail.usage.collected_cents)],
                ['Refunded or disputed', formatCents(detail.usage.refunded_cents)],
                ['Creators earned (before refunds)', formatCents(detail.usage.earned_cents)],
              ]}
            />
          ) : (
            <p className="muted">No current billing period.</p>
          )}
        </Panel>
        <Panel title="Balances">
          <Facts
            rows={[
              ['Pending', formatCents(detail.balances.pending_cents)],
              ['Held', formatCents(detail.balances.held_cents)],
              ['Available', formatCents(detail.balances.available_cents)],
              ['In transit', formatCents(detail.balances.in_transit_cents)],
              ['Paid', formatCents(detail.balances.paid_cents)],
              ['Applied to own subscription', formatCents(detail.balances.credited_cents)],
            ]}
          />
        </Panel>
        <Panel title="Stripe">
          <Facts
            rows={[
              ['Connect status', `${detail.connect.status.replace('_', ' ')}${detail.connect.payouts_enabled ? ', payouts enabled' : ''}`],
              ['Connect account', <StripeId key="connect" id={detail.connect.account_id ?? detail.stripe.connect_account_id} />],
              ['Customer', <StripeId key="customer" id={detail.stripe.customer_id} />],
              ['Subscription', <StripeId key="subscription" id={detail.stripe.subscription_id} />],
            ]}
          />
        </Panel>
      </div>

      <Panel title="Invoices">
        {detail.invoices.length === 0 ? (
          <p className="muted">No invoices.</p>
        ) : (
          <AdminTable<AdminInvoice>
            caption="Invoices"
            rows={detail.invoices}
            rowKey={(invoice) => invoice.id}
            columns={[
              { header: 'Invoice', cell: (invoice) => <code className="admin-break">{invoice.id}</code> },
              { header: 'Date', cell: (invoice) => formatDate(invoice.paid_at ?? invoice.created_at) },
              { header: 'Status', cell: (invoice) => invoice.status },
              { header: 'Paid', className: 'num', cell: (invoice) => formatCents(invoice.amount_paid_cents) },
              { header: 'Refunded', className: 'num', cell: (invoice) => formatCents(invoice.refunded_cents) },
              {
                header: 'Actions',
                className: 'admin-actions-cell',
                cell: (invoice) => <RefundAction invoice={invoice} onDone={onDone} />,
              },
            ]}
          />
        )}
      </Panel>

      {detail.admin_refunds.length > 0 && (
        <Panel title="Console refunds">
          <AdminTable
            caption="Refunds made in the console on this member's invoices"
            rows={detail.admin_refunds}
            rowKey={(refund) => refund.id}
            columns={[
              { header: 'Created', cell: (refund) => formatDateTime(refund.created_at) },
              { header: 'Invoice', cell: (refund) => <code className="admin-break">{refund.invoice_id}</code> },
              { header: 'Amount', className: 'num', cell: (refund) => formatCents(refund.amount_cents) },
              { header: 'Status', cell: (refund) => <RefundStatus refund={refund} /> },
              { header: 'By', cell: (refund) => refund.actor.username },
              { header: 'Reason', cell: (refund) => <span className="admin-break">{refund.reason}</span> },
            ]}
          />
          <p className="small admin-gap">
            <Link to={`/admin/refunds?user_id=${encodeURIComponent(user.id)}`}>All console refunds for this member</Link>
          </p>
        </Panel>
      )}

      <Panel title="Payouts">
        {detail.payouts.length === 0 ? (
          <p className="muted">No payouts.</p>
        ) : (
          <AdminTable
            caption="Payouts"
            rows={detail.payouts}
            rowKey={(payout) => payout.id}
            columns={[
              { header: 'Created', cell: (payout) => formatDateTime(payout.created_at) },
              { header: 'Amount', className: 'num', cell: (payout) => formatCents(payout.amount_cents) },
              { header: 'Kind', cell: (payout) => payout.kind },
              { header: 'Status', cell: (payout) => <PayoutStatus payout={payout} /> },
            ]}
          />
        )}
      </Panel>

      <Panel title="Recent audit">
        {detail.audit.length === 0 ? <p className="muted">No console changes to this user.</p> : <AuditList entries={detail.audit} caption="Recent audit entries for this user" />}
        <p className="small admin-gap">
          <Link to={`/admin/audit?target=${encodeURIComponent(`user:${user.id}`)}`}>The full audit log for this user</Link>
        </p>
      </Panel>
    </>
  );
}

function Panel({ title, children }: { title: string; children: ReactNode }) {
  const id = useId();
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

type Fact = [string, ReactNode];

function Facts({ rows }: { rows: Fact[] }) {
  return (
    <dl className="facts admin-facts">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function StripeId({ id }: { id: string | null }) {
  return id ? <code className="admin-break">{id}</code> : <span className="muted">—</span>;
}

/** Suspend/reinstate, admin/member, pause/resume payouts: each a PATCH with a reason, confirmed in a dialog. */
function UserActions({ detail, onDone }: { detail: AdminUserDetail; onDone: Done }) {
  const { account: user } = detail;
  const change = (changes: Omit<AdminUserChanges, 'reason'>, message: string) => async (reason: string) => {
    await adminApi.updateUser(user.id, { ...changes, reason });
    return message;
  };
  const isSuspended = user.status === 'suspended';
  const isAdmin = user.role === 'admin';
  return (
    <section className="card" aria-label="Actions">
      <div className="actions">
        <ConfirmAction
          buttonLabel={isSuspended ? 'Reinstate…' : 'Suspend…'}
          buttonClassName={isSuspended ? 'button' : 'button button-danger'}
          title={isSuspended ? `Reinstate ${user.username}` : `Suspend ${user.username}`}
          description={
            <p>{isSuspended ? 'They can log in and use Flowtab again.' : 'They are logged out everywhere and cannot log in, copy or publish until reinstated.'}</p>
          }
          confirmLabel={isSuspended ? 'Confirm reinstate' : 'Confirm suspend'}
          isDestructive={!isSuspended}
          onConfirm={change({ status: isSuspended ? 'active' : 'suspended' }, isSuspended ? `${user.username} reinstated.` : `${user.username} suspended.`)}
          onDone={onDone}
        />
        <ConfirmAction
          buttonLabel={isAdmin ? 'Make member…' : 'Make admin…'}
          buttonClassName={isAdmin ? 'button button-danger' : 'button'}
          title={isAdmin ? `Make ${user.username} a member` : `Make ${user.username} an admin`}
          description={<p>{isAdmin ? 'They lose access to this console.' : 'They get full access to this console, including refunds and payouts.'}</p>}
          confirmLabel={isAdmin ? 'Confirm make member' : 'Confirm make admin'}
          onConfirm={change({ role: isAdmin ? 'member' : 'admin' }, isAdmin ? `${user.username} is now a member.` : `${user.username} is now an admin.`)}
          onDone={onDone}
        />
        <ConfirmAction
          buttonLabel={user.payouts_paused ? 'Resume payouts…' : 'Pause payouts…'}
          buttonClassName={user.payouts_paused ? 'button' : 'button button-danger'}
          title={user.payouts_paused ? `Resume payouts to ${user.username}` : `Pause payouts to ${user.username}`}
          description={<p>{user.payouts_paused ? 'Payout runs include them again and they can withdraw.' : 'Payout runs skip them and withdrawals are refused until resumed. Earnings keep accruing.'}</p>}
          confirmLabel={user.payouts_paused ? 'Confirm resume payouts' : 'Confirm pause payouts'}
          isDestructive={!user.payouts_paused}
          onConfirm={change({ payouts_paused: !user.payouts_paused }, user.payouts_paused ? 'Payouts resumed.' : 'Payouts paused.')}
          onDone={onDone}
        />
      </div>
    </section>
  );
}

/** `12`, `12.5`, `$1,234.56` → cents; undefined for anything else (no floats: the digits are joined as text). */
export function dollarsToCents(text: string): number | undefined {
  const match = /^\$?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{0,2}))?$/.exec(text.trim());
  if (!match) return undefined;
  const cents = Number(`${match[1]!.replaceAll(',', '')}${(match[2] ?? '').padEnd(2, '0')}`);
  return Number.isSafeInteger(cents) ? cents : undefined;
}

const centsToDollarText = (cents: number) => `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

function RefundAction({ invoice, onDone }: { invoice: AdminInvoice; onDone: Done }) {
  const [isOpen, setOpen] = useState(false);
  const openerRef = useRef<HTMLButtonElement>(null);
  const close = () => {
    setOpen(false);
    openerRef.current?.focus();
  };
  if (invoice.refundable_cents <= 0) return <span className="muted small">Nothing to refund</span>;
  return (
    <>
      <button ref={openerRef} type="button" className="button button-danger" onClick={() => setOpen(true)} aria-haspopup="dialog">
        Refund…
      </button>
      {isOpen && <RefundDialog invoice={invoice} onClose={close} onDone={onDone} />}
    </>
  );
}

/** Mounted anew on each opening: its idempotency key is made once here, so a double click cannot refund twice. */
function RefundDialog({ invoice, onClose, onDone }: { invoice: AdminInvoice; onClose: () => void; onDone: Done }) {
  const [idempotencyKey] = useState(newIdempotencyKey);
  const [amount, setAmount] = useState(() => centsToDollarText(invoice.refundable_cents));
  const id = useId();
  const cents = dollarsToCents(amount);
  const validate = () => {
    if (cents === undefined) return 'Enter the amount in dollars, like 4.99.';
    if (cents <= 0) return 'The amount must be more than $0.00.';
    if (cents > invoice.refundable_cents) return `At most ${formatCents(invoice.refundable_cents)} can be refunded.`;
    return undefined;
  };
  return (
    <ConfirmDialog
      title={`Refund invoice ${invoice.id}`}
      description={
        <p>
          Paid {formatCents(invoice.amount_paid_cents)}, refunded so far {formatCents(invoice.refunded_cents)}; up to {formatCents(invoice.refundable_cents)} can be refunded. The
          refund goes through Stripe and the ledger follows when Stripe confirms it.
        </p>
      }
      confirmLabel="Confirm refund"
      validate={validate}
      onClose={onClose}
      onConfirm={async (reason) => {
        const refund = await adminApi.refund({ invoice_id: invoice.id, amount_cents: cents, reason }, idempotencyKey);
        onDone(`Refund of ${formatCents(refund.amount_cents)} ${refund.status === 'failed' ? 'failed' : 'requested'} (${refund.status}).`);
      }}
    >
      <div className="field">
        <label htmlFor={`${id}-amount`}>Amount (USD)</label>
        <input id={`${id}-amount`} type="text" inputMode="decimal" value={amount} onChange={(event) => setAmount(event.target.value)} aria-describedby={`${id}-amount-hint`} />
        <p className="field-hint" id={`${id}-amount-hint`}>
          Defaults to everything that can still be refunded.
        </p>
      </div>
    </ConfirmDialog>
  );
}
