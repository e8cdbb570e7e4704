import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { ApiError } from '../api/client.js';
import type { FlowQuery, PublicProfile } from '../api/types.js';
import { FlowCard } from '../components/flow-card.js';
import { Pagination } from '../components/pagination.js';
import { EmptyState, ErrorState, Loading } from '../components/states.js';
import { formatCount, formatDate } from '../lib/format.js';
import { Link, navigate, useLocation, withQuery } from '../lib/router.js';
import { useDocumentTitle } from '../lib/use-document-title.js';
import { flowListQuery, profileQuery, useViewerKey } from '../lib/queries.js';
import { useAsResource } from '../lib/use-resource.js';

const PAGE_SIZE = 12;

/** /u/{username}: a creator's public profile and their published flows (SPEC §15). Anyone may read it. */
export function ProfilePage({ username }: { username: string }) {
  const profile = useAsResource(useQuery(profileQuery(username)));
  useDocumentTitle(profileTitle(profile.status === 'ready' ? profile.data : undefined, profile.status === 'error' ? profile.error : undefined, username));

  if (profile.status === 'loading') return <Loading label="Loading the profile…" />;
  if (profile.status === 'error') {
    if (isUnknownMember(profile.error)) return <UnknownMember username={username} />;
    return <ErrorState error={profile.error} onRetry={profile.reload} what="profiles" />;
  }
  return (
    <div className="profile">
      <ProfileHeader profile={profile.data} />
      <ProfileFlows username={username} profile={profile.data} />
    </div>
  );
}

function profileTitle(profile: PublicProfile | undefined, error: ApiError | undefined, username: string): string | undefined {
  if (profile) return profile.display_name ? `${profile.display_name} (@${profile.username})` : `@${profile.username}`;
  if (error && isUnknownMember(error)) return 'Creator not found';
  return username ? `@${username}` : undefined;
}

/** Unknown, deleted and suspended accounts are all a 404 for the username (not a missing API route). */
function isUnknownMember(error: ApiError): boolean {
  return (error.status === 404 && !error.isMissingRoute) || error.status === 400;
}

function UnknownMember({ username }: { username: string }) {
  return (
    <EmptyState title="Creator not found">
      <p>
        Nobody called <strong>@{username}</strong> has a public profile here: the name may be misspelled, or the account
        is closed.
      </p>
      <p>
        <Link to="/">Browse the library</Link>
      </p>
    </EmptyState>
  );
}

function ProfileHeader({ profile }: { profile: PublicProfile }) {
  const name = profile.display_name ?? `@${profile.username}`;
  return (
    <header className="card profile-head">
      <Avatar profile={profile} />
      <div className="profile-identity">
        <h1 className="profile-name">{name}</h1>
        {profile.display_name && <p className="profile-username">@{profile.username}</p>}
        {profile.bio && <p className="profile-bio">{profile.bio}</p>}
        {profile.links.length > 0 && (
          <ul className="profile-links" aria-label="Links">
            {profile.links.map((url) => (
              <li key={url}>
                {/* Links are the member's own words: no ranking credit, no access to this page from the new tab. */}
                <a href={url} rel="nofollow ugc noopener" target="_blank">
                  {shortUrl(url)}
                </a>
              </li>
            ))}
          </ul>
        )}
        <p className="profile-joined">Joined {formatDate(profile.joined_at)}</p>
      </div>
      <dl className="profile-stats">
        <div>
          <dt>Flows</dt>
          <dd>{formatCount(profile.flows_count)}</dd>
        </div>
        <div>
          <dt>Copies</dt>
          <dd>{formatCount(profile.total_copies)}</dd>
        </div>
        <div>
          <dt>Likes</dt>
          <dd>{formatCount(profile.total_likes)}</dd>
        </div>
      </dl>
    </header>
  );
}

/**
 * The picture the member chose, or their initials when there is none or it does not load (a dead link, or a host the
 * page's content security policy does not allow).
 */
function Avatar({ profile }: { profile: PublicProfile }) {
  const [failedUrl, setFailedUrl] = useState<string>();
  const url = profile.avatar_url;
  if (url && url !== failedUrl) {
    return <img className="avatar" src={url} alt="" width={96} height={96} referrerPolicy="no-referrer" onError={() => setFailedUrl(url)} />;
  }
  return (
    <span className="avatar avatar-initials" aria-hidden="true">
      {initialsOf(profile.display_name ?? profile.username)}
    </span>
  );
}

/** `Ada Lovelace` → `AL`, `maya_research` → `MR`, `leo` → `L`. */
function initialsOf(name: string): string {
  const words = name.split(/[\s_.-]+/u).filter(Boolean);
  return words
    .slice(0, 2)
    .map((word) => Array.from(word)[0]!.toUpperCase())
    .join('');
}

/** `https://www.example.com/me/` → `example.com/me`: the address without what every link has. */
function shortUrl(url: string): string {
  return url.replace(/^https:\/\//, '').replace(/^www\./, '').replace(/\/$/, '');
}

/** The page of the author's flows a profile URL shows: what the server fetches before rendering it. */
export function profileFlowsQueryOf(username: string, search: URLSearchParams): FlowQuery {
  return { author: username, page: Math.max(1, Number(search.get('page')) || 1), page_size: PAGE_SIZE };
}

function ProfileFlows({ username, profile }: { username: string; profile: PublicProfile }) {
  const { path, search } = useLocation();
  const query = profileFlowsQueryOf(username, search);
  const page = query.page!;
  // Fetched again when the viewer changes: each flow says whether they like it.
  const flows = useAsResource(useQuery(flowListQuery(query, useViewerKey())));
  const showPage = (next: number) => {
    navigate(withQuery(path, { page: next > 1 ? next : undefined }), { scroll: false });
    document.getElementById('profile-flows-heading')?.scrollIntoView({ block: 'start' });
  };

  return (
    <section className="profile-flows" aria-labelledby="profile-flows-heading">
      <h2 id="profile-flows-heading">{flows.status === 'ready' ? `Published flows (${flows.data.total_is_exact ? '' : 'about '}${formatCount(flows.data.total)})` : 'Published flows'}</h2>
      {flows.status === 'loading' && <Loading label="Loading flows…" />}
      {flows.status === 'error' && <ErrorState error={flows.error} onRetry={flows.reload} what="the library" />}
      {flows.status === 'ready' && flows.data.items.length === 0 && (
        <EmptyState title={page > 1 ? 'No flows on this page' : 'Nothing published yet'}>
          <p>
            {page > 1 ? (
              <Link to={path}>Back to the first page</Link>
            ) : (
              `@${profile.username} has not published a flow yet.`
            )}
          </p>
        </EmptyState>
      )}
      {flows.status === 'ready' && flows.data.items.length > 0 && (
        <>
          <ul className="flow-grid">
            {flows.data.items.map((flow) => (
              <li key={flow.id}>
                <FlowCard flow={flow} showAuthor={false} />
              </li>
            ))}
          </ul>
          <Pagination
                page={flows.data.page}
                pageSize={flows.data.page_size}
                total={flows.data.total}
                hasMore={flows.data.has_more}
                isTotalExact={flows.data.total_is_exact}
                onPage={showPage}
              />
        </>
      )}
    </section>
  );
}
