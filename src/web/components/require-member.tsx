import type { ReactNode } from 'react';
import { Loading } from '../components/states.js';
import { Link, useLocation } from '../lib/router.js';
import { useSession } from '../lib/session.js';

/** Pages for members only: guests are asked to log in and come back here. */
export function RequireMember({ children }: { children: ReactNode }) {
  const { status } = useSession();
  const { href } = useLocation();
  if (status === 'loading') return <Loading />;
  if (status === 'guest') {
    return (
      <div className="card narrow centered">
        <h1>Log in to continue</h1>
        <p>This page is for members.</p>
        <div className="actions centered">
          <Link to={`/login?next=${encodeURIComponent(href)}`} className="button button-primary">
            Log in
          </Link>
          <Link to={`/register?next=${encodeURIComponent(href)}`} className="button">
            Sign up free
          </Link>
        </div>
      </div>
    );
  }
  return <>{children}</>;
}
