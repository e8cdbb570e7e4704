import { adminApi, type AdminPayout, type PayoutRunSummary } from '../../api/admin.js';
import { FilterBar, FilterField, PagedTable, useActionNotice, usePageParam, useQueryParams } from '../../components/admin/admin-table.js';
import { ConfirmAction } from '../../components/admin/confirm-dialog.js';
import { formatCents, formatDateTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { useResource } from '../../lib/use-resource.js';

const PAGE_SIZE = 25;
const PAYOUT_STATUSES = ['pending', 'processing', 'paid', 'failed'] as const;

/** Every payout, filtered by status (all by default); failed ones show why and can be retried. */
export function PayoutsSection() {
  const { get } = useQueryParams();
  const { page } = usePageParam();
  const requested = get('status');
  const status = (PAYOUT_STATUSES as readonly string[]).includes(requested) ? requested : undefined;
  const payouts = useResource((signal) => adminApi.payouts({ status, page, page_size: PAGE_SIZE }, { signal }), [status, page]);
  const { notice, announce } = useActionNotice();
  const done = (message: string | undefined) => {
    announce(message);
    payouts.reload();
  };

  return (
    <section aria-labelledby="admin-payouts-title">
      <div className="admin-section-head">
        <h1 id="admin-payouts-title">Payouts</h1>
        <ConfirmAction
          buttonLabel="Run payouts now…"
          buttonClassName="button button-primary"
          title="Run payouts now"
          description={<p>Pays every creator whose available earnings reach the minimum, as the monthly run does. Creators with paused payouts are skipped.</p>}
          confirmLabel="Confirm run payouts"
          onConfirm={async (reason) => {
            const result = await adminApi.runPayouts(reason);
            return describeRun(result);
          }}
          onDone={done}
        />
      </div>
      {notice}
      <FilterBar label="Filter payouts" names={['status']} submitLabel="Show">
        <FilterField label="Payout status" id="admin-payouts-status">
          {(id) => (
            <select id={id} name="status" defaultValue={status ?? ''}>
              <option value="">All</option>
              {PAYOUT_STATUSES.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
          )}
        </FilterField>
      </FilterBar>
      <PagedTable<AdminPayout>
        caption="Payouts"
        what="payouts"
        emptyTitle={status ? `No ${status} payouts` : 'No payouts yet'}
        resource={payouts}
        rowKey={(payout) => payout.id}
        columns={[
          { header: 'Created', cell: (payout) => formatDateTime(payout.created_at) },
          {
            header: 'Creator',
            cell: (payout) => <Link to={`/admin/users/${encodeURIComponent(payout.creator.id)}`}>{payout.creator.username}</Link>,
          },
          { header: 'Amount', className: 'num', cell: (payout) => formatCents(payout.amount_cents) },
          { header: 'Kind', cell: (payout) => payout.kind },
          { header: 'Status', cell: (payout) => <PayoutStatus payout={payout} /> },
          { header: 'Transfer', cell: (payout) => (payout.stripe_transfer_id ? <code className="admin-break">{payout.stripe_transfer_id}</code> : '—') },
          {
            header: 'Actions',
            className: 'admin-actions-cell',
            cell: (payout) =>
              payout.status === 'failed' ? (
                <ConfirmAction
                  buttonLabel="Retry…"
                  title={`Retry the payout of ${formatCents(payout.amount_cents)} to ${payout.creator.username}`}
                  description={
                    <p>
                      {payout.failure_reason ? `It failed: ${payout.failure_reason}. ` : ''}A new payout of the creator’s available balance is sent now; this one stays failed.
                    </p>
                  }
                  confirmLabel="Confirm retry"
                  isDestructive={false}
                  onConfirm={async (reason) => {
                    const { payout: next } = await adminApi.retryPayout(payout.id, reason);
                    return `Payout retried: a new payout of ${formatCents(next.amount_cents)} is ${next.status}${next.failure_reason ? ` (${next.failure_reason})` : ''}.`;
                  }}
                  onDone={done}
                />
              ) : null,
          },
        ]}
      />
    </section>
  );
}

export function PayoutStatus({ payout }: { payout: Pick<AdminPayout, 'status' | 'failure_reason' | 'paid_at'> }) {
  switch (payout.status) {
    case 'paid':
      return <span className="badge badge-good">paid</span>;
    case 'pending':
    case 'processing':
      return <span className="badge badge-status">{payout.status}</span>;
    case 'failed':
      return (
        <span className="admin-cell-stack">
          <span className="badge admin-badge-bad">failed</span>
          {payout.failure_reason && <span className="small admin-break">{payout.failure_reason}</span>}
        </span>
      );
  }
}

/** What a run answered, in a sentence. */
function describeRun(run: PayoutRunSummary): string {
  const parts = [`${run.paid} paid (${formatCents(run.paid_cents)})`];
  if (run.failed > 0) parts.push(`${run.failed} failed`);
  if (run.still_processing > 0) parts.push(`${run.still_processing} still processing`);
  if (run.retried > 0) parts.push(`${run.retried} retried`);
  return `Payout run finished: ${run.eligible} eligible creator${run.eligible === 1 ? '' : 's'}; ${parts.join(', ')}.`;
}
