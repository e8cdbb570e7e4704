import { lazy, type ReactNode } from 'react';
import { RequireMember } from '../../components/require-member.js';
import { Link } from '../../lib/router.js';
import { useSession } from '../../lib/session.js';
import { useDocumentTitle } from '../../lib/use-document-title.js';

// The console is a chunk of its own behind this small guard: a member who opens /admin downloads only the guard.
const AdminConsole = lazy(() => import('./admin-console.js').then((m) => ({ default: m.AdminConsole })));

/** `/admin`, `/admin/<section>` and `/admin/users/<id>`: the operator console (SPEC §14), for admins only. */
export function AdminPage({ section = '', userId }: { section?: string; userId?: string }) {
  return (
    <RequireMember>
      <AdminsOnly>
        <AdminConsole section={section} userId={userId} />
      </AdminsOnly>
    </RequireMember>
  );
}

function AdminsOnly({ children }: { children: ReactNode }) {
  const { user } = useSession();
  return user?.role === 'admin' ? <>{children}</> : <AdminsOnlyNotice />;
}

function AdminsOnlyNotice() {
  useDocumentTitle('Admins only');
  return (
    <div className="card narrow centered" role="alert">
      <h1>Admins only</h1>
      <p>The operator console is for Flowtab.Pro administrators. Your account is a member account.</p>
      <Link to="/" className="button">
        Back to the library
      </Link>
    </div>
  );
}
