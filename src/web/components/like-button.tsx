import { useRef, useState } from 'react';
import { api } from '../api/endpoints.js';
import type { Flow, LikeResult } from '../api/types.js';
import { formatCount, plural } from '../lib/format.js';
import { navigate, useLocation } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import { toApiError } from '../lib/use-resource.js';

type LikeTarget = Pick<Flow, 'id' | 'title' | 'like_count' | 'liked_by_me'>;
type Likes = { count: number; liked: boolean };
/** `shown` is what the button says now (optimistic); `confirmed` is the server's last answer, the rollback point. */
type LikeState = { shown: Likes; confirmed: Likes; error?: string };

const likesOf = (flow: LikeTarget): Likes => ({ count: flow.like_count, liked: flow.liked_by_me });
const fromAnswer = (answer: LikeResult): Likes => ({ count: answer.like_count, liked: answer.liked_by_me });

/**
 * The heart on flow cards and the flow page (SPEC §15). A member's click shows the new state at once and sends it;
 * the requests go out one after another (PUT and DELETE set a state, so the last one sent is what the server keeps),
 * and only the answer to the latest click is shown. A failure puts back what the server last confirmed and says so.
 * Guests are sent to log in, and come back here.
 */
export function LikeButton({ flow, className }: { flow: LikeTarget; className?: string }) {
  const session = useSession();
  const { href } = useLocation();
  const [state, setState] = useState<LikeState>(() => ({ shown: likesOf(flow), confirmed: likesOf(flow) }));
  // The flow can be fetched again (after logging in): its numbers replace ours, adjusted while rendering.
  const [seen, setSeen] = useState<Likes>(() => likesOf(flow));
  if (seen.count !== flow.like_count || seen.liked !== flow.liked_by_me) {
    setSeen(likesOf(flow));
    setState({ shown: likesOf(flow), confirmed: likesOf(flow) });
  }
  const latestClick = useRef(0);
  const queue = useRef<Promise<void>>(Promise.resolve());

  const { shown, error } = state;
  const isGuest = session.status === 'guest';

  const toggle = () => {
    if (isGuest) {
      navigate(`/login?next=${encodeURIComponent(href)}`);
      return;
    }
    if (session.status !== 'member') return; // the session is still loading: who would be liking is not known yet
    const wantsLike = !shown.liked;
    const click = ++latestClick.current;
    setState((s) => ({ ...s, error: undefined, shown: { liked: wantsLike, count: Math.max(0, s.shown.count + (wantsLike ? 1 : -1)) } }));
    queue.current = queue.current.then(async () => {
      try {
        const answer = fromAnswer(await (wantsLike ? api.likeFlow(flow.id) : api.unlikeFlow(flow.id)));
        setState((s) => ({ ...s, confirmed: answer, shown: click === latestClick.current ? answer : s.shown }));
      } catch (caught) {
        if (click !== latestClick.current) return; // a later click is on its way and will settle the state
        const problem = toApiError(caught);
        const reason = problem.detail || problem.title;
        setState((s) => ({ ...s, shown: s.confirmed, error: `${wantsLike ? 'Your like was not saved' : 'Your like was not removed'}: ${reason}` }));
      }
    });
  };

  const label = `Like “${flow.title}” · ${plural(shown.count, 'like')}${isGuest ? ' · log in first' : ''}`;
  return (
    <span className={className ? `like ${className}` : 'like'}>
      <button
        type="button"
        className={shown.liked ? 'like-button is-liked' : 'like-button'}
        aria-pressed={shown.liked}
        aria-label={label}
        title={isGuest ? 'Log in to like this flow' : shown.liked ? 'Unlike' : 'Like'}
        onClick={toggle}
      >
        <HeartIcon isFilled={shown.liked} />
        <span className="like-count" aria-hidden="true">
          {formatCount(shown.count)}
        </span>
      </button>
      {error && (
        <span className="like-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

function HeartIcon({ isFilled }: { isFilled: boolean }) {
  return (
    <svg
      width={16}
      height={16}
      viewBox="0 0 24 24"
      fill={isFilled ? 'currentColor' : 'none'}
      stroke="currentColor"
      strokeWidth={2}
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d="M12 20.5s-7.5-4.6-9.2-9.3C1.6 7.7 3.9 4.5 7.3 4.5c2 0 3.6 1.1 4.7 2.8 1.1-1.7 2.7-2.8 4.7-2.8 3.4 0 5.7 3.2 4.5 6.7-1.7 4.7-9.2 9.3-9.2 9.3z" />
    </svg>
  );
}
