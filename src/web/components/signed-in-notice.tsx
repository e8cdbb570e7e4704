import { Link } from '../lib/router.js';
import { useSession } from '../lib/session.js';

/** On the log-in and sign-up pages, for someone who already is: where to go instead. */
export function SignedInNotice({ next }: { next: string }) {
  const { user, logOut } = useSession();
  return (
    <div className="card narrow centered">
      <h1>You are logged in</h1>
      <p>as {user?.username}.</p>
      <div className="actions centered">
        <Link to={next} className="button button-primary">
          Continue
        </Link>
        <button type="button" className="button" onClick={logOut}>
          Log out
        </button>
      </div>
    </div>
  );
}
