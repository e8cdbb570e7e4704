import { formatCount } from '../lib/format.js';

/**
 * `hasMore` and `isTotalExact` come from lists whose total is an estimate until the last page (GET /v1/flows): the
 * next page follows `hasMore`, and the page count reads "about".
 */
type PaginationProps = { page: number; pageSize: number; total: number; onPage: (page: number) => void; hasMore?: boolean; isTotalExact?: boolean };

export function Pagination({ page, pageSize, total, onPage, hasMore, isTotalExact = true }: PaginationProps) {
  const pages = Math.max(page, Math.ceil(total / pageSize));
  const hasNext = hasMore ?? page < pages;
  if (page <= 1 && !hasNext) return null;
  return (
    <nav className="pagination" aria-label="Pages">
      <button type="button" className="button" onClick={() => onPage(page - 1)} disabled={page <= 1}>
        ← Previous
      </button>
      <span aria-current="page">
        Page {formatCount(page)} of {isTotalExact ? '' : 'about '}
        {formatCount(pages)}
      </span>
      <button type="button" className="button" onClick={() => onPage(page + 1)} disabled={!hasNext}>
        Next →
      </button>
    </nav>
  );
}
