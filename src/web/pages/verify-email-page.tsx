import { useEffect, useState } from 'react';
import type { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import { VerifyEmailNotice } from '../components/account-settings.js';
import { Loading } from '../components/states.js';
import { Link, useLocation } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import { useDocumentTitle } from '../lib/use-document-title.js';
import { toApiError } from '../lib/use-resource.js';

type State = { phase: 'working' } | { phase: 'done' } | { phase: 'failed'; error: ApiError };

// A link works once: the same token is never posted twice from this tab (React runs effects twice in development).
const posted = new Map<string, Promise<void>>();

/** The link mailed at sign-up, on resend, or to a new address: `/verify-email?token=…`, confirmed on arrival. */
export function VerifyEmailPage() {
  useDocumentTitle('Confirm your email address');
  const { search } = useLocation();
  const session = useSession();
  const token = search.get('token') ?? '';
  const [state, setState] = useState<State>({ phase: 'working' });

  useEffect(() => {
    if (!token) return;
    let isActive = true;
    let request = posted.get(token);
    if (!request) {
      request = api.verifyEmail(token);
      posted.set(token, request);
    }
    request.then(
      () => isActive && setState({ phase: 'done' }),
      (error: unknown) => isActive && setState({ phase: 'failed', error: toApiError(error) }),
    );
    return () => {
      isActive = false;
    };
  }, [token]);

  // A verified address (or a new one) shows on the account page at once.
  const isDone = state.phase === 'done';
  const isMember = session.status === 'member';
  const { refreshUser } = session;
  useEffect(() => {
    if (isDone && isMember) void refreshUser().catch(() => undefined);
  }, [isDone, isMember, refreshUser]);

  if (!token) {
    return (
      <div className="card narrow centered" role="alert">
        <h1>This link is incomplete</h1>
        <p>Open the whole link from the mail we sent you; it ends with <code>?token=…</code>.</p>
      </div>
    );
  }
  if (state.phase === 'working') return <Loading label="Confirming your email address…" />;
  if (state.phase === 'done') {
    return (
      <div className="card narrow centered">
        <h1>Your email address is confirmed</h1>
        <p>You can publish flows and set up payouts now.</p>
        <div className="actions centered">
          {isMember ? (
            <>
              <Link to="/publish" className="button button-primary">
                Publish a flow
              </Link>
              <Link to="/account" className="button">
                Your account
              </Link>
            </>
          ) : (
            <Link to="/login?next=%2Faccount" className="button button-primary">
              Log in
            </Link>
          )}
        </div>
      </div>
    );
  }
  const { error } = state;
  return (
    <div className="card narrow centered">
      <h1>{error.status === 409 ? 'That address is taken' : 'This link does not work'}</h1>
      <p className="notice notice-error" role="alert">
        {error.detail || error.title}
      </p>
      {isMember ? (
        <div className="stack centered-stack">
          <VerifyEmailNotice reason="publish flows and get paid" />
          <Link to="/account">Go to your account</Link>
        </div>
      ) : (
        <p>
          <Link to="/login?next=%2Faccount">Log in</Link> to ask for a new link.
        </p>
      )}
    </div>
  );
}
