import { Link } from '../lib/router.js';
import { useDocumentTitle } from '../lib/use-document-title.js';

/** Where a deletion lands: the session is gone, so this page needs none. */
export function AccountDeletedPage() {
  useDocumentTitle('Account deleted');
  return (
    <div className="card narrow centered" role="status">
      <h1>Your account is deleted</h1>
      <p>
        Every session is ended, any subscription is cancelled, your flows are archived and your personal data is erased. We mailed a last
        confirmation to your address.
      </p>
      <p className="muted">Thank you for the flows and the copies. You are welcome back any time.</p>
      <div className="actions centered">
        <Link to="/" className="button">
          Back to the library
        </Link>
      </div>
    </div>
  );
}
