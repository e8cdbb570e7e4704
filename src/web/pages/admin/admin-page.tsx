import type { ReactNode } from 'react';
import { RequireMember } from '../../components/require-member.js';
import { Link, useLocation } from '../../lib/router.js';
import { useSession } from '../../lib/session.js';
import { useDocumentTitle } from '../../lib/use-document-title.js';
import { NotFoundPage } from '../not-found-page.js';
import { AuditSection } from './audit-section.js';
import { ModerationSection } from './moderation-section.js';
import { OverviewSection } from './overview-section.js';
import { PayoutsSection } from './payouts-section.js';
import { RefundsSection } from './refunds-section.js';
import { UserDetailSection } from './user-detail-section.js';
import { UsersSection } from './users-section.js';
import { WebhooksSection } from './webhooks-section.js';

type Section = { slug: string; label: string; render: () => ReactNode };

/** The console's sections, in the order of its navigation; `/admin/<slug>`. */
const SECTIONS: Section[] = [
  { slug: '', label: 'Overview', render: () => <OverviewSection /> },
  { slug: 'users', label: 'Users', render: () => <UsersSection /> },
  { slug: 'moderation', label: 'Reports & flows', render: () => <ModerationSection /> },
  { slug: 'refunds', label: 'Refunds', render: () => <RefundsSection /> },
  { slug: 'payouts', label: 'Payouts', render: () => <PayoutsSection /> },
  { slug: 'webhooks', label: 'Webhooks', render: () => <WebhooksSection /> },
  { slug: 'audit', label: 'Audit', render: () => <AuditSection /> },
];

/** `/admin`, `/admin/<section>` and `/admin/users/<id>`: the operator console (SPEC §14), for admins only. */
export function AdminPage({ section = '', userId }: { section?: string; userId?: string }) {
  useDocumentTitle('Operator console');
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
  if (user?.role !== 'admin') {
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
  return <>{children}</>;
}

function AdminConsole({ section, userId }: { section: string; userId?: string }) {
  const current = userId ? SECTIONS[1] : SECTIONS.find((s) => s.slug === section);
  return (
    <div className="admin">
      <header className="admin-head">
        <p className="admin-kicker">Operator console</p>
        <nav className="admin-nav" aria-label="Console sections">
          <ul>
            {SECTIONS.map((s) => (
              <li key={s.slug}>
                <Link to={s.slug ? `/admin/${s.slug}` : '/admin'} aria-current={s === current ? 'page' : undefined}>
                  {s.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <AdminSectionBody current={current} userId={userId} />
    </div>
  );
}

function AdminSectionBody({ current, userId }: { current: Section | undefined; userId?: string }) {
  const { path } = useLocation();
  if (userId) return <UserDetailSection key={userId} userId={userId} />;
  if (!current) return <NotFoundPage key={path} />;
  return <>{current.render()}</>;
}
