import { useId, useState } from 'react';
import { adminApi, type AdminFlow, type AdminReport, type ReportAction } from '../../api/admin.js';
import { FilterBar, FilterField, PagedTable, useActionNotice, usePageParam, useQueryParams } from '../../components/admin/admin-table.js';
import { ConfirmAction } from '../../components/admin/confirm-dialog.js';
import { formatCount, formatDate, formatDateTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { useResource } from '../../lib/use-resource.js';

const PAGE_SIZE = 20;
const REPORT_STATUSES = ['open', 'resolved', 'dismissed'] as const;

export function ModerationSection() {
  const { notice, announce } = useActionNotice();
  return (
    <div className="admin-stack">
      <div className="admin-section-head">
        <h1>Reports &amp; flows</h1>
      </div>
      {notice}
      <ReportsQueue announce={announce} />
      <FlowsList announce={announce} />
    </div>
  );
}

type Announce = (message: string | undefined) => void;

function ReportsQueue({ announce }: { announce: Announce }) {
  const { get } = useQueryParams();
  const { page } = usePageParam('rpage');
  const requested = get('rstatus');
  const status = (REPORT_STATUSES as readonly string[]).includes(requested) ? requested : 'open';
  const reports = useResource((signal) => adminApi.reports({ status, page, page_size: PAGE_SIZE }, { signal }), [status, page]);
  const done = (message: string | undefined) => {
    announce(message);
    reports.reload();
  };

  return (
    <section className="card" aria-labelledby="admin-reports-title">
      <h2 id="admin-reports-title">Reports</h2>
      <FilterBar label="Filter reports" names={['rstatus']} pageParam="rpage" submitLabel="Show">
        <FilterField label="Report status" id="admin-reports-status">
          {(id) => (
            <select id={id} name="rstatus" defaultValue={status}>
              {REPORT_STATUSES.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
          )}
        </FilterField>
      </FilterBar>
      <PagedTable<AdminReport>
        caption={`Reports (${status})`}
        what="reports"
        emptyTitle={status === 'open' ? 'No open reports' : `No ${status} reports`}
        emptyHint={status === 'open' ? <p>Members’ reports of flows land here.</p> : undefined}
        resource={reports}
        pageParam="rpage"
        rowKey={(report) => report.id}
        columns={[
          {
            header: 'Flow',
            cell: (report) => (
              <div className="admin-cell-stack">
                <Link to={`/flows/${encodeURIComponent(report.flow.slug)}`} className="admin-strong-link">
                  {report.flow.title}
                </Link>
                <span className="muted small">
                  by {report.flow.author.username} · {report.flow.status}
                  {report.flow.taken_down ? ' · taken down' : ''} · {formatCount(report.flow.open_reports)} open
                </span>
              </div>
            ),
          },
          {
            header: 'Reason',
            cell: (report) => (
              <div className="admin-cell-stack">
                <span className="badge badge-warn">{report.reason}</span>
                {report.details && <span className="admin-break">{report.details}</span>}
              </div>
            ),
          },
          { header: 'Reporter', cell: (report) => report.reporter.username },
          { header: 'Reported', cell: (report) => formatDate(report.created_at) },
          {
            header: 'Outcome',
            cell: (report) =>
              report.status === 'open' ? (
                <span className="badge badge-status">open</span>
              ) : (
                <div className="admin-cell-stack">
                  <span>
                    <span className="badge">{report.status}</span> {report.action && report.action !== 'none' ? report.action : ''}
                  </span>
                  <span className="muted small">
                    {report.resolved_by?.username ?? 'system'}, {formatDateTime(report.resolved_at)}
                    {report.resolution ? `: ${report.resolution}` : ''}
                  </span>
                </div>
              ),
          },
          {
            header: 'Actions',
            className: 'admin-actions-cell',
            cell: (report) => (report.status === 'open' ? <ReportActions report={report} onDone={done} /> : null),
          },
        ]}
      />
    </section>
  );
}

function ReportActions({ report, onDone }: { report: AdminReport; onDone: Announce }) {
  const [action, setAction] = useState<ReportAction>('none');
  const id = useId();
  return (
    <div className="actions">
      <ConfirmAction
        buttonLabel="Resolve…"
        title={`Resolve the report of “${report.flow.title}”`}
        description={<p>Resolving with unpublish or archive takes the flow down (its author is mailed) and resolves its other open reports.</p>}
        confirmLabel="Confirm resolve"
        isDestructive={false}
        onConfirm={async (reason) => {
          await adminApi.resolveReport(report.id, { status: 'resolved', action, reason });
          return action === 'none' ? 'Report resolved.' : `Report resolved; the flow was ${action === 'archive' ? 'archived' : 'unpublished'} and taken down.`;
        }}
        onDone={onDone}
      >
        <div className="field">
          <label htmlFor={`${id}-action`}>Action</label>
          <select id={`${id}-action`} value={action} onChange={(event) => setAction(event.target.value as ReportAction)}>
            <option value="none">None: leave the flow as it is</option>
            <option value="unpublish">Unpublish: back to draft, taken down</option>
            <option value="archive">Archive: archived, taken down</option>
          </select>
        </div>
      </ConfirmAction>
      <ConfirmAction
        buttonLabel="Dismiss…"
        title={`Dismiss the report of “${report.flow.title}”`}
        description={<p>The flow stays as it is.</p>}
        confirmLabel="Confirm dismiss"
        isDestructive={false}
        onConfirm={async (reason) => {
          await adminApi.resolveReport(report.id, { status: 'dismissed', action: 'none', reason });
          return 'Report dismissed.';
        }}
        onDone={onDone}
      />
    </div>
  );
}

const FLOW_STATUSES = ['published', 'draft', 'archived'] as const;
const YES_NO = ['true', 'false'] as const;
const oneOf = <T extends string>(values: readonly T[], value: string): T | undefined => (values as readonly string[]).includes(value) ? (value as T) : undefined;

function FlowsList({ announce }: { announce: Announce }) {
  const { get } = useQueryParams();
  const { page } = usePageParam();
  const q = get('q');
  const status = oneOf(FLOW_STATUSES, get('status'));
  const takenDown = oneOf(YES_NO, get('taken_down'));
  const featured = oneOf(YES_NO, get('featured'));
  const sort = oneOf(['new', 'reports'] as const, get('sort'));
  const flows = useResource(
    (signal) => adminApi.flows({ q: q || undefined, status, taken_down: takenDown, featured, sort, page, page_size: PAGE_SIZE }, { signal }),
    [q, status, takenDown, featured, sort, page],
  );
  const done = (message: string | undefined) => {
    announce(message);
    flows.reload();
  };

  return (
    <section className="card" aria-labelledby="admin-flows-title">
      <h2 id="admin-flows-title">Flows</h2>
      <FilterBar label="Filter flows" names={['q', 'status', 'taken_down', 'featured', 'sort']}>
        <FilterField label="Search flows" id="admin-flows-q">
          {(id) => <input id={id} name="q" type="search" defaultValue={q} placeholder="Title, slug or author" autoComplete="off" />}
        </FilterField>
        <FilterField label="Flow status" id="admin-flows-status">
          {(id) => (
            <select id={id} name="status" defaultValue={status ?? ''}>
              <option value="">Any</option>
              {FLOW_STATUSES.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
          )}
        </FilterField>
        <FilterField label="Taken down" id="admin-flows-taken-down">
          {(id) => (
            <select id={id} name="taken_down" defaultValue={takenDown ?? ''}>
              <option value="">Any</option>
              <option value="true">Yes</option>
              <option value="false">No</option>
            </select>
          )}
        </FilterField>
        <FilterField label="Featured" id="admin-flows-featured">
          {(id) => (
            <select id={id} name="featured" defaultValue={featured ?? ''}>
              <option value="">Any</option>
              <option value="true">Yes</option>
              <option value="false">No</option>
            </select>
          )}
        </FilterField>
        <FilterField label="Sort" id="admin-flows-sort">
          {(id) => (
            <select id={id} name="sort" defaultValue={sort ?? 'new'}>
              <option value="new">Newest</option>
              <option value="reports">Most reported</option>
            </select>
          )}
        </FilterField>
      </FilterBar>
      <PagedTable<AdminFlow>
        caption="Flows"
        what="flows"
        emptyTitle="No flows match"
        resource={flows}
        rowKey={(flow) => flow.id}
        columns={[
          {
            header: 'Flow',
            cell: (flow) => (
              <div className="admin-cell-stack">
                <Link to={`/flows/${encodeURIComponent(flow.slug)}`} className="admin-strong-link">
                  {flow.title}
                </Link>
                <span className="muted small admin-break">{flow.slug}</span>
              </div>
            ),
          },
          { header: 'Author', cell: (flow) => flow.author.username },
          {
            header: 'Status',
            cell: (flow) => (
              <span className="admin-badges">
                <span className={flow.status === 'published' ? 'badge badge-good' : 'badge'}>{flow.status}</span>
                {flow.taken_down_at && <span className="badge admin-badge-bad">taken down</span>}
                {flow.featured && <span className="badge badge-featured">featured</span>}
              </span>
            ),
          },
          { header: 'Copies', className: 'num', cell: (flow) => formatCount(flow.copy_count) },
          { header: 'Open reports', className: 'num', cell: (flow) => formatCount(flow.open_reports) },
          { header: 'Actions', className: 'admin-actions-cell', cell: (flow) => <FlowActions flow={flow} onDone={done} /> },
        ]}
      />
    </section>
  );
}

function FlowActions({ flow, onDone }: { flow: AdminFlow; onDone: Announce }) {
  const [takeDownAs, setTakeDownAs] = useState<'draft' | 'archived'>('draft');
  const id = useId();
  return (
    <div className="actions">
      {flow.taken_down_at ? (
        <ConfirmAction
          buttonLabel="Restore…"
          title={`Restore “${flow.title}”`}
          description={<p>Publishes the flow again; its author can edit and publish it as before.</p>}
          confirmLabel="Confirm restore"
          isDestructive={false}
          onConfirm={async (reason) => {
            await adminApi.updateFlow(flow.id, { status: 'published', reason });
            return `“${flow.title}” restored.`;
          }}
          onDone={onDone}
        />
      ) : (
        <ConfirmAction
          buttonLabel="Take down…"
          buttonClassName="button button-danger"
          title={`Take down “${flow.title}”`}
          description={<p>The flow leaves the library and its author cannot publish it again until it is restored. The author is mailed.</p>}
          confirmLabel="Confirm take down"
          onConfirm={async (reason) => {
            await adminApi.updateFlow(flow.id, { status: takeDownAs, reason });
            return `“${flow.title}” taken down.`;
          }}
          onDone={onDone}
        >
          <div className="field">
            <label htmlFor={`${id}-as`}>Take down as</label>
            <select id={`${id}-as`} value={takeDownAs} onChange={(event) => setTakeDownAs(event.target.value === 'archived' ? 'archived' : 'draft')}>
              <option value="draft">Unpublish (back to draft)</option>
              <option value="archived">Archive</option>
            </select>
          </div>
        </ConfirmAction>
      )}
      <ConfirmAction
        buttonLabel={flow.featured ? 'Unfeature…' : 'Feature…'}
        title={flow.featured ? `Stop featuring “${flow.title}”` : `Feature “${flow.title}”`}
        confirmLabel={flow.featured ? 'Confirm unfeature' : 'Confirm feature'}
        isDestructive={flow.featured}
        onConfirm={async (reason) => {
          await adminApi.updateFlow(flow.id, { featured: !flow.featured, reason });
          return flow.featured ? `“${flow.title}” is no longer featured.` : `“${flow.title}” is featured.`;
        }}
        onDone={onDone}
      />
    </div>
  );
}
