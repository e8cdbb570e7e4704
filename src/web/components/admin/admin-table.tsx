import { type FormEvent, type ReactNode, useState } from 'react';
import type { AdminPage } from '../../api/admin.js';
import { navigate, useLocation, withQuery } from '../../lib/router.js';
import type { Resource } from '../../lib/use-resource.js';
import { Pagination } from '../pagination.js';
import { EmptyState, ErrorState, Loading } from '../states.js';

export type Column<T> = {
  header: string;
  cell: (row: T) => ReactNode;
  /** `num` right-aligns figures; `actions` holds buttons. */
  className?: string;
};

type AdminTableProps<T> = {
  /** Names the table for screen readers (visually hidden). */
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
};

/**
 * A plain table that scrolls sideways when it must; below 640 px each row becomes a card whose cells carry their
 * column's name (the `data-label` the stylesheet shows), so nothing needs a sideways scroll at 360 px.
 */
export function AdminTable<T>({ caption, columns, rows, rowKey }: AdminTableProps<T>) {
  return (
    <div className="table-wrap admin-table-wrap">
      <table className="admin-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.header} scope="col" className={column.className}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((column) => (
                <td key={column.header} data-label={column.header} className={column.className}>
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type PagedTableProps<T> = Omit<AdminTableProps<T>, 'rows'> & {
  resource: Resource<AdminPage<T>>;
  /** What the list is, for the error and empty states ("users"). */
  what: string;
  emptyTitle: string;
  emptyHint?: ReactNode;
  /** The query parameter holding the page (two lists on one screen need two). */
  pageParam?: string;
};

/** A console list: loading and error states (the API's own words), the table, and pages kept in the URL (`?page=`). */
export function PagedTable<T>({ resource, what, emptyTitle, emptyHint, pageParam = 'page', ...table }: PagedTableProps<T>) {
  const { page, setPage } = usePageParam(pageParam);
  if (resource.status === 'loading') return <Loading label={`Loading ${what}…`} />;
  if (resource.status === 'error') return <ErrorState error={resource.error} onRetry={resource.reload} what={what} />;
  const { items, total, page_size: pageSize } = resource.data;
  if (items.length === 0 && page <= 1) {
    return <EmptyState title={emptyTitle}>{emptyHint}</EmptyState>;
  }
  return (
    <>
      <p className="muted small admin-count" aria-live="polite">
        {total === 1 ? '1 result' : `${total.toLocaleString('en-US')} results`}
      </p>
      <AdminTable {...table} rows={items} />
      <Pagination page={page} pageSize={pageSize || items.length || 1} total={total} onPage={setPage} />
    </>
  );
}

/** The list's filters and page live in the URL, so back/forward and a shared link show the same list. */
export function useQueryParams() {
  const { path, search } = useLocation();
  const get = (name: string) => search.get(name) ?? '';
  /** Changes some values; a new filter starts its list again at page 1 (`resetPage`). */
  const set = (changes: Record<string, string | number | undefined>, { resetPage = 'page' }: { resetPage?: string } = {}) => {
    const next: Record<string, string | number | undefined> = Object.fromEntries(search.entries());
    Object.assign(next, changes);
    if (!(resetPage in changes)) delete next[resetPage];
    navigate(withQuery(path, next), { replace: true, scroll: false });
  };
  return { get, set };
}

export function usePageParam(name = 'page') {
  const { get, set } = useQueryParams();
  const page = Math.max(1, Number.parseInt(get(name), 10) || 1);
  return { page, setPage: (next: number) => set({ [name]: next > 1 ? next : undefined }, { resetPage: name }) };
}

type FilterBarProps = {
  /** Names the form for screen readers, e.g. "Filter users". */
  label: string;
  /** Fields; each is a labelled control whose `name` is its query parameter. */
  children: ReactNode;
  submitLabel?: string;
  /** Extra controls after the submit button (a CSV download). */
  extra?: ReactNode;
  /** The page parameter of the list these filters narrow: it goes back to page 1. */
  pageParam?: string;
  /** The query parameters this form owns: only they remount it when they change. */
  names: string[];
};

/**
 * Filters as an ordinary form: Enter or the button applies them all (to the URL, from page 1). Uncontrolled fields
 * read their starting values from `defaultValue`, so the component using it passes the current query values.
 */
export function FilterBar({ label, children, submitLabel = 'Apply filters', extra, pageParam = 'page', names }: FilterBarProps) {
  const { get, set } = useQueryParams();
  // New values of its own parameters (back/forward) remount the fields, so their defaults follow the URL.
  const formKey = names.map((name) => `${name}=${get(name)}`).join('&');
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const values: Record<string, string | undefined> = {};
    for (const [name, value] of new FormData(event.currentTarget).entries()) {
      values[name] = typeof value === 'string' && value.trim() ? value.trim() : undefined;
    }
    set(values, { resetPage: pageParam });
  };
  return (
    <form key={formKey} className="admin-filters" role="search" aria-label={label} onSubmit={onSubmit}>
      {children}
      <div className="admin-filter-buttons">
        <button type="submit" className="button button-primary">
          {submitLabel}
        </button>
        {extra}
      </div>
    </form>
  );
}

type FilterFieldProps = { label: string; children: (id: string) => ReactNode; id: string };

/** One labelled filter control. */
export function FilterField({ label, id, children }: FilterFieldProps) {
  return (
    <div className="field admin-filter">
      <label htmlFor={id}>{label}</label>
      {children(id)}
    </div>
  );
}

/** A message after an action ("Payout retried."), or its error, announced politely. */
export function useActionNotice() {
  const [message, setMessage] = useState<string>();
  // Sticky under the header, so the answer is in view wherever the action was (a row far down a list, a phone).
  const notice = (
    <div role="status" aria-live="polite" className="admin-notice">
      {message && (
        <div className="notice notice-success admin-notice-body">
          <p>{message}</p>
          <button type="button" className="button button-ghost" onClick={() => setMessage(undefined)} aria-label="Dismiss message">
            ✕
          </button>
        </div>
      )}
    </div>
  );
  return { notice, announce: setMessage };
}
