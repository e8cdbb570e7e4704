import type { ReactNode } from 'react';
import { Link, useLocation } from '../../lib/router.js';
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

/** The console itself: its navigation and the current section (only admins get this far). */
export function AdminConsole({ section, userId }: { section: string; userId?: string }) {
  const current = userId ? SECTIONS[1] : SECTIONS.find((s) => s.slug === section);
  // A user's page renames itself with their username once it has loaded.
  useDocumentTitle(`${userId ? 'User' : (current?.label ?? 'Not found')} · Operator console`);
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
