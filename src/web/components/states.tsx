import type { ReactNode } from 'react';
import type { ApiError } from '../api/client.js';
import { Link } from '../lib/router.js';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" role="status">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

/** What went wrong, in the API's words, with a way to try again; a route the server lacks gets a gentler note. */
export function ErrorState({ error, onRetry, what = 'this' }: { error: ApiError; onRetry?: () => void; what?: string }) {
  if (error.isMissingRoute) {
    return (
      <div className="state state-unavailable" role="status">
        <h2 className="state-title">Not available yet</h2>
        <p>This server does not offer {what} yet. Please check back soon.</p>
      </div>
    );
  }
  return (
    <div className="state state-error" role="alert">
      <h2 className="state-title">{error.title}</h2>
      {error.detail && <p>{error.detail}</p>}
      {error.status === 401 && (
        <p>
          <Link to={`/login?next=${encodeURIComponent(window.location.pathname)}`}>Log in</Link> to continue.
        </p>
      )}
      {onRetry && error.status !== 401 && error.status !== 403 && error.status !== 404 && (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <h2 className="state-title">{title}</h2>
      {children}
    </div>
  );
}
