import { useQuery } from '@tanstack/react-query';
import type { Flow } from '../api/types.js';
import { AuthorLink } from '../components/author-link.js';
import { CopyButton } from '../components/copy-button.js';
import { LikeButton } from '../components/like-button.js';
import { LockIcon } from '../components/icons.js';
import { ManageBillingButton } from '../components/manage-billing-button.js';
import { PremiumBadge } from '../components/premium-badge.js';
import { ReportFlowAction } from '../components/report-flow-dialog.js';
import { ErrorState, Loading } from '../components/states.js';
import { formatDate, plural } from '../lib/format.js';
import { Markdown } from '../lib/markdown.js';
import { Link, withQuery } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import { needsPaymentFix } from '../lib/standing.js';
import { subscribeLabel } from '../lib/plan-terms.js';
import { usePublicConfig } from '../lib/public-config.js';
import { flowQuery, useViewerKey } from '../lib/queries.js';
import { useDocumentTitle } from '../lib/use-document-title.js';
import { useAsResource } from '../lib/use-resource.js';

export function FlowPage({ slug }: { slug: string }) {
  // Fetched again when the viewer changes: logging in or subscribing unlocks the full body.
  const flow = useAsResource(useQuery(flowQuery(slug, useViewerKey())));
  useDocumentTitle(flow.status === 'ready' ? flow.data.title : undefined);

  if (flow.status === 'loading') return <Loading label="Loading the flow…" />;
  if (flow.status === 'error') {
    return (
      <>
        <ErrorState error={flow.error} onRetry={flow.reload} what="flows" />
        <p className="centered">
          <Link to="/">Back to the library</Link>
        </p>
      </>
    );
  }
  return <FlowDetail flow={flow.data} />;
}

function FlowDetail({ flow }: { flow: Flow }) {
  const { user } = useSession();
  const canEdit = user !== undefined && (user.id === flow.author.id || user.role === 'admin');

  return (
    <article className="flow-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">Library</Link> <span aria-hidden="true">/</span> <span>{flow.title}</span>
      </nav>

      <header className="flow-head">
        <div className="flow-head-badges">
          <PremiumBadge isPremium={flow.is_premium} />
          {flow.featured && <span className="badge badge-featured">Featured</span>}
          {flow.status !== 'published' && <span className="badge badge-status">{flow.status}</span>}
        </div>
        <h1>{flow.title}</h1>
        <p className="lede">{flow.summary}</p>
        <p className="flow-meta">
          by <AuthorLink username={flow.author.username} /> · {plural(flow.copy_count, 'copy', 'copies')} ·
          updated {formatDate(flow.updated_at)}
          {canEdit && (
            <>
              {' · '}
              <Link to={`/flows/${flow.slug}/edit`}>Edit</Link>
            </>
          )}
        </p>
        <LikeButton flow={flow} className="flow-like" />
      </header>

      <div className="flow-layout">
        <div className="flow-main">
          <section aria-labelledby="flow-body-heading" className="flow-body-section">
            <h2 id="flow-body-heading">The flow</h2>
            {flow.locked ? <LockedBody flow={flow} /> : <FlowBody flow={flow} />}
          </section>

          {flow.steps.length > 0 && (
            <section aria-labelledby="steps-heading">
              <h2 id="steps-heading">Steps</h2>
              <ol className="steps">
                {flow.steps.map((step, index) => (
                  <li key={index}>{step}</li>
                ))}
              </ol>
              {flow.locked && <p className="muted">Subscribers see every step and the pitfalls.</p>}
            </section>
          )}

          {flow.notes.length > 0 && (
            <section aria-labelledby="notes-heading">
              <h2 id="notes-heading">Pitfalls</h2>
              <ul className="notes">
                {flow.notes.map((note, index) => (
                  <li key={index}>{note}</li>
                ))}
              </ul>
            </section>
          )}
        </div>

        <aside className="flow-aside">
          {!flow.locked && <CopyButton flow={flow} />}
          <FlowFacts flow={flow} />
          <ReportFlowAction flow={flow} />
        </aside>
      </div>
    </article>
  );
}

/** Shown, not selectable: copying goes through the button, which records the copy (friction, not DRM). */
function FlowBody({ flow }: { flow: Flow }) {
  return (
    <div className="flow-body" data-testid="flow-body">
      <Markdown source={flow.body} />
    </div>
  );
}

function LockedBody({ flow }: { flow: Flow }) {
  return (
    <div className="locked">
      <div className="flow-body flow-body-preview" aria-describedby="locked-note">
        <Markdown source={flow.body} />
      </div>
      <div className="locked-cta" id="locked-note">
        <UnlockCallToAction flow={flow} />
      </div>
    </div>
  );
}

/** Guests and members are invited to subscribe; a member whose payment failed is sent to fix it instead. */
function UnlockCallToAction({ flow }: { flow: Flow }) {
  const { status, subscription } = useSession();
  const config = usePublicConfig();
  if (needsPaymentFix(subscription)) {
    return (
      <>
        <p className="locked-title">
          <LockIcon /> Your subscription is {subscription?.status?.replaceAll('_', ' ')}.
        </p>
        <p>Update your payment method to read and copy premium flows again.</p>
        <ManageBillingButton label="Update payment method" className="button button-primary button-large" />
      </>
    );
  }
  const target = status === 'member' ? '/pricing' : `/register?next=${encodeURIComponent('/pricing')}`;
  return (
    <>
      <p className="locked-title">
        <LockIcon /> This is a preview of a premium flow.
      </p>
      <p>Subscribers read and copy every premium flow, and each copy pays its creator.</p>
      <Link to={target} className="button button-primary button-large">
        {subscribeLabel(config)}
      </Link>
      {status !== 'member' && (
        <p className="muted">
          Already subscribed? <Link to={`/login?next=${encodeURIComponent(`/flows/${flow.slug}`)}`}>Log in</Link>
        </p>
      )}
    </>
  );
}

function FlowFacts({ flow }: { flow: Flow }) {
  return (
    <dl className="facts">
      {flow.works_with.length > 0 && (
        <>
          <dt>Works with</dt>
          <dd>
            <ul className="chips">
              {flow.works_with.map((tool) => (
                <li key={tool}>
                  <Link className="chip" to={withQuery('/', { tools: tool })}>
                    {tool}
                  </Link>
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
      {flow.target_sites.length > 0 && (
        <>
          <dt>Sites</dt>
          <dd>{flow.target_sites.join(', ')}</dd>
        </>
      )}
      {flow.tags.length > 0 && (
        <>
          <dt>Tags</dt>
          <dd>
            <ul className="chips">
              {flow.tags.map((tag) => (
                <li key={tag}>
                  <Link className="chip" to={withQuery('/', { tags: tag })}>
                    #{tag}
                  </Link>
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
    </dl>
  );
}
