import { adminApi, type AdminDeadWebhook } from '../../api/admin.js';
import { PagedTable, useActionNotice, usePageParam } from '../../components/admin/admin-table.js';
import { ConfirmAction } from '../../components/admin/confirm-dialog.js';
import { formatCount, formatDateTime } from '../../lib/format.js';
import { useResource } from '../../lib/use-resource.js';

const PAGE_SIZE = 25;

/** Stripe events that failed every automatic attempt: each can be retried by hand. */
export function WebhooksSection() {
  const { page } = usePageParam();
  const events = useResource((signal) => adminApi.deadWebhooks({ page, page_size: PAGE_SIZE }, { signal }), [page]);
  const { notice, announce } = useActionNotice();
  const done = (message: string | undefined) => {
    announce(message);
    events.reload();
  };

  return (
    <section aria-labelledby="admin-webhooks-title">
      <div className="admin-section-head">
        <h1 id="admin-webhooks-title">Webhooks</h1>
        <p className="muted">Dead events: Stripe events that failed every automatic attempt.</p>
      </div>
      {notice}
      <PagedTable<AdminDeadWebhook>
        caption="Dead webhook events"
        what="dead webhook events"
        emptyTitle="No dead events"
        emptyHint={<p>Every Stripe event was processed.</p>}
        resource={events}
        rowKey={(event) => event.id}
        columns={[
          { header: 'Event', cell: (event) => <code className="admin-break">{event.id}</code> },
          { header: 'Type', cell: (event) => <code className="admin-break">{event.type}</code> },
          { header: 'Received', cell: (event) => formatDateTime(event.received_at) },
          { header: 'Attempts', className: 'num', cell: (event) => formatCount(event.attempts) },
          { header: 'Last error', cell: (event) => <span className="admin-break small">{event.last_error ?? '—'}</span> },
          {
            header: 'Actions',
            className: 'admin-actions-cell',
            cell: (event) => (
              <ConfirmAction
                buttonLabel="Retry…"
                title={`Retry ${event.type}`}
                description={
                  <p>
                    Processes <code>{event.id}</code> again now.
                  </p>
                }
                confirmLabel="Confirm retry"
                isDestructive={false}
                onConfirm={async (reason) => {
                  const result = await adminApi.retryWebhook(event.id, reason);
                  switch (result.outcome) {
                    case 'processed':
                      return `Event ${result.id} processed.`;
                    case 'already_processed':
                      return `Event ${result.id} was already processed.`;
                    case 'failed':
                      // Shown in the dialog, which stays open: the retry was made, and failed again.
                      throw new Error(`The event failed again${result.error ? `: ${result.error}` : ''}${result.is_dead ? ' (still dead)' : ''}.`);
                  }
                }}
                onDone={done}
              />
            ),
          },
        ]}
      />
    </section>
  );
}
