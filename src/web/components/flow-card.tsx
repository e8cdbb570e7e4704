import type { FlowListItem } from '../api/types.js';
import { plural } from '../lib/format.js';
import { Link } from '../lib/router.js';
import { AuthorLink } from './author-link.js';
import { LikeButton } from './like-button.js';
import { PremiumBadge } from './premium-badge.js';

/** The whole card opens the flow; the author link and the heart sit above that link and do their own thing. */
export function FlowCard({ flow, showAuthor = true }: { flow: FlowListItem; showAuthor?: boolean }) {
  return (
    <article className="card flow-card">
      <header className="flow-card-head">
        <h3 className="flow-card-title">
          <Link to={`/flows/${flow.slug}`} className="stretched-link">
            {flow.title}
          </Link>
        </h3>
        <PremiumBadge isPremium={flow.is_premium} />
      </header>
      <p className="flow-card-summary">{flow.summary}</p>
      {flow.works_with.length > 0 && (
        <ul className="chips" aria-label="Works with">
          {flow.works_with.map((tool) => (
            <li key={tool} className="chip">
              {tool}
            </li>
          ))}
        </ul>
      )}
      <footer className="flow-card-meta">
        {showAuthor && (
          <>
            <span>
              by <AuthorLink username={flow.author.username} className="above-stretched-link" />
            </span>
            <span aria-hidden="true">·</span>
          </>
        )}
        <span>{plural(flow.copy_count, 'copy', 'copies')}</span>
        {flow.featured && <span className="badge badge-featured">Featured</span>}
        <LikeButton flow={flow} className="above-stretched-link" />
      </footer>
    </article>
  );
}
