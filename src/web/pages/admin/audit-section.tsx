import { useState } from 'react';
import { type AdminAuditEntry, type AdminAuditQuery, adminApi, adminDownloads } from '../../api/admin.js';
import type { ApiError } from '../../api/client.js';
import { AdminTable, FilterBar, FilterField, PagedTable, usePageParam, useQueryParams } from '../../components/admin/admin-table.js';
import { formatDateTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { toApiError, useResource } from '../../lib/use-resource.js';

const PAGE_SIZE = 50;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The audit log: every console change (and the daily reconcile), newest first, filterable and downloadable. */
export function AuditSection() {
  const { get } = useQueryParams();
  const { page } = usePageParam();
  const filters: AdminAuditQuery = {
    actor: get('actor') || undefined,
    target: get('target') || undefined,
    action: get('action') || undefined,
    from: DATE.test(get('from')) ? get('from') : undefined,
    to: DATE.test(get('to')) ? get('to') : undefined,
  };
  const entries = useResource(
    (signal) => adminApi.audit({ ...filters, page, page_size: PAGE_SIZE }, { signal }),
    [filters.actor, filters.target, filters.action, filters.from, filters.to, page],
  );

  return (
    <section aria-labelledby="admin-audit-title">
      <div className="admin-section-head">
        <h1 id="admin-audit-title">Audit</h1>
        <p className="muted">Every change made in the console, with who made it and why. Entries cannot be changed.</p>
      </div>
      <FilterBar label="Filter the audit log" names={['actor', 'target', 'action', 'from', 'to']} extra={<CsvDownload filters={filters} />}>
        <FilterField label="Actor" id="admin-audit-actor">
          {(id) => <input id={id} name="actor" type="text" defaultValue={filters.actor} placeholder="username, id or system" autoComplete="off" />}
        </FilterField>
        <FilterField label="Target" id="admin-audit-target">
          {(id) => <input id={id} name="target" type="text" defaultValue={filters.target} placeholder="user:<id> or an id" autoComplete="off" />}
        </FilterField>
        <FilterField label="Action" id="admin-audit-action">
          {(id) => <input id={id} name="action" type="text" defaultValue={filters.action} placeholder="user.suspended" autoComplete="off" />}
        </FilterField>
        <FilterField label="From" id="admin-audit-from">
          {(id) => <input id={id} name="from" type="date" defaultValue={filters.from} />}
        </FilterField>
        <FilterField label="To" id="admin-audit-to">
          {(id) => <input id={id} name="to" type="date" defaultValue={filters.to} />}
        </FilterField>
      </FilterBar>
      <PagedTable<AdminAuditEntry>
        caption="Audit entries, newest first"
        what="the audit log"
        emptyTitle="No audit entries match"
        resource={entries}
        rowKey={(entry) => String(entry.id)}
        columns={AUDIT_COLUMNS}
      />
    </section>
  );
}

const AUDIT_COLUMNS = [
  { header: 'When', cell: (entry: AdminAuditEntry) => formatDateTime(entry.created_at) },
  { header: 'Actor', cell: (entry: AdminAuditEntry) => entry.actor?.username ?? <span className="muted">system</span> },
  { header: 'Action', cell: (entry: AdminAuditEntry) => <code>{entry.action}</code> },
  { header: 'Target', cell: (entry: AdminAuditEntry) => <AuditTarget entry={entry} /> },
  { header: 'Reason', cell: (entry: AdminAuditEntry) => <span className="admin-break">{entry.reason}</span> },
  { header: 'Change', cell: (entry: AdminAuditEntry) => <AuditChange entry={entry} /> },
];

/** Recent entries about one thing (a user's page), in the same columns. */
export function AuditList({ entries, caption }: { entries: AdminAuditEntry[]; caption: string }) {
  return <AdminTable caption={caption} columns={AUDIT_COLUMNS} rows={entries} rowKey={(entry) => String(entry.id)} />;
}

function AuditTarget({ entry }: { entry: AdminAuditEntry }) {
  const label = `${entry.target_type}:${entry.target_id}`;
  if (entry.target_type === 'user') {
    return (
      <Link to={`/admin/users/${encodeURIComponent(entry.target_id)}`} className="admin-break">
        {label}
      </Link>
    );
  }
  return <code className="admin-break">{label}</code>;
}

function AuditChange({ entry }: { entry: AdminAuditEntry }) {
  if (!entry.before && !entry.after) return <span className="muted">—</span>;
  const keys = [...new Set([...Object.keys(entry.before ?? {}), ...Object.keys(entry.after ?? {})])];
  return (
    <ul className="admin-change">
      {keys.map((key) => (
        <li key={key}>
          <code>{key}</code>: {show(entry.before?.[key])} → {show(entry.after?.[key])}
        </li>
      ))}
    </ul>
  );
}

function show(value: unknown): string {
  if (value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function CsvDownload({ filters }: { filters: AdminAuditQuery }) {
  const [isBusy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const download = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await adminDownloads.audit(filters);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className="button" onClick={() => void download()} disabled={isBusy}>
        {isBusy ? 'Downloading…' : 'Download audit.csv'}
      </button>
      {error && (
        <p className="notice notice-error" role="alert">
          {error.title}
          {error.detail ? `: ${error.detail}` : ''}
        </p>
      )}
    </>
  );
}
