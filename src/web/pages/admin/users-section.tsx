import { adminApi, type AdminUser } from '../../api/admin.js';
import { FilterBar, FilterField, PagedTable, usePageParam, useQueryParams } from '../../components/admin/admin-table.js';
import { formatDate } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { useResource } from '../../lib/use-resource.js';

export const ADMIN_PAGE_SIZE = 25;

export function UsersSection() {
  const { get } = useQueryParams();
  const { page } = usePageParam();
  const q = get('q');
  const users = useResource((signal) => adminApi.users({ q: q || undefined, page, page_size: ADMIN_PAGE_SIZE }, { signal }), [q, page]);

  return (
    <section aria-labelledby="admin-users-title">
      <div className="admin-section-head">
        <h1 id="admin-users-title">Users</h1>
      </div>
      <FilterBar label="Find users" submitLabel="Search" names={["q"]}>
        <FilterField label="Search users" id="admin-users-q">
          {(id) => <input id={id} name="q" type="search" defaultValue={q} placeholder="Email, username or id" autoComplete="off" />}
        </FilterField>
      </FilterBar>
      <PagedTable<AdminUser>
        caption="Users"
        what="users"
        emptyTitle={q ? 'No users match' : 'No users yet'}
        resource={users}
        rowKey={(user) => user.id}
        columns={[
          {
            header: 'User',
            cell: (user) => (
              <Link to={`/admin/users/${encodeURIComponent(user.id)}`} className="admin-strong-link">
                {user.username}
              </Link>
            ),
          },
          { header: 'Email', cell: (user) => <span className="admin-break">{user.email}</span> },
          { header: 'Role', cell: (user) => (user.role === 'admin' ? <span className="badge badge-featured">admin</span> : 'member') },
          { header: 'Status', cell: (user) => <UserStatusBadges user={user} /> },
          { header: 'Subscription', cell: (user) => user.subscription_status ?? <span className="muted">never</span> },
          { header: 'Creator', cell: (user) => (user.is_creator ? 'yes' : 'no') },
          { header: 'Joined', cell: (user) => formatDate(user.created_at) },
        ]}
      />
    </section>
  );
}

export function UserStatusBadges({ user }: { user: Pick<AdminUser, 'status' | 'payouts_paused' | 'deleted'> }) {
  return (
    <span className="admin-badges">
      {user.deleted ? (
        <span className="badge">deleted</span>
      ) : user.status === 'suspended' ? (
        <span className="badge admin-badge-bad">suspended</span>
      ) : (
        <span className="badge badge-good">active</span>
      )}
      {user.payouts_paused && <span className="badge badge-warn">payouts paused</span>}
    </span>
  );
}
