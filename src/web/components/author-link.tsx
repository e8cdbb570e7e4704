import { Link } from '../lib/router.js';

/** Where a member's public profile lives (SPEC §15). */
export const profilePath = (username: string): string => `/u/${encodeURIComponent(username)}`;

/** An author's name, leading to their public profile. */
export function AuthorLink({ username, className }: { username: string; className?: string }) {
  return (
    <Link to={profilePath(username)} className={className ? `author-link ${className}` : 'author-link'}>
      {username}
    </Link>
  );
}
