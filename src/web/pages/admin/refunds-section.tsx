import { adminApi, type AdminRefund } from '../../api/admin.js';
import { FilterBar, FilterField, PagedTable, usePageParam, useQueryParams } from '../../components/admin/admin-table.js';
import { formatCents, formatDateTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { useResource } from '../../lib/use-resource.js';

const PAGE_SIZE = 25;

/** Refunds made in the console (newest first); a refund is made from the user's invoices, on their page. */
export function RefundsSection() {
  const { page } = usePageParam();
  const { get } = useQueryParams();
  const invoiceId = get('invoice_id');
  const userId = get('user_id');
  const refunds = useResource(
    (signal) => adminApi.refunds({ invoice_id: invoiceId || undefined, user_id: userId || undefined, page, page_size: PAGE_SIZE }, { signal }),
    [invoiceId, userId, page],
  );
  return (
    <section aria-labelledby="admin-refunds-title">
      <div className="admin-section-head">
        <h1 id="admin-refunds-title">Refunds</h1>
        <p className="muted">To refund an invoice, open its member under Users.</p>
      </div>
      <FilterBar label="Filter refunds" names={['invoice_id', 'user_id']}>
        <FilterField label="Invoice" id="admin-refunds-invoice">
          {(id) => <input id={id} name="invoice_id" type="text" defaultValue={invoiceId} placeholder="in_…" autoComplete="off" />}
        </FilterField>
        <FilterField label="Member id" id="admin-refunds-user">
          {(id) => <input id={id} name="user_id" type="text" defaultValue={userId} placeholder="a user id" autoComplete="off" />}
        </FilterField>
      </FilterBar>
      <PagedTable<AdminRefund>
        caption="Console refunds"
        what="refunds"
        emptyTitle={invoiceId || userId ? 'No refunds match' : 'No refunds yet'}
        resource={refunds}
        rowKey={(refund) => refund.id}
        columns={[
          { header: 'Created', cell: (refund) => formatDateTime(refund.created_at) },
          {
            header: 'Member',
            cell: (refund) => <Link to={`/admin/users/${encodeURIComponent(refund.user.id)}`}>{refund.user.username}</Link>,
          },
          { header: 'Invoice', cell: (refund) => <code className="admin-break">{refund.invoice_id}</code> },
          { header: 'Amount', className: 'num', cell: (refund) => formatCents(refund.amount_cents) },
          { header: 'Status', cell: (refund) => <RefundStatus refund={refund} /> },
          { header: 'By', cell: (refund) => refund.actor.username },
          { header: 'Reason', cell: (refund) => <span className="admin-break">{refund.reason}</span> },
          { header: 'Stripe refund', cell: (refund) => (refund.stripe_refund_id ? <code className="admin-break">{refund.stripe_refund_id}</code> : '—') },
        ]}
      />
    </section>
  );
}

export function RefundStatus({ refund }: { refund: Pick<AdminRefund, 'status' | 'failure_reason'> }) {
  switch (refund.status) {
    case 'succeeded':
      return <span className="badge badge-good">succeeded</span>;
    case 'pending':
      return <span className="badge badge-status">pending</span>;
    case 'failed':
      return (
        <span className="admin-cell-stack">
          <span className="badge admin-badge-bad">failed</span>
          {refund.failure_reason && <span className="small admin-break">{refund.failure_reason}</span>}
        </span>
      );
  }
}
